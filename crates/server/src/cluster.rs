//! This node among the nodes sharing one database: its id (new at every start), the heartbeat
//! that says it is alive, and `GET /api/v1/cluster`, which lists every node, whether it is
//! alive, and the leases they hold.

use crate::error::ApiResult;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use waflow_engine::clock::Clock;
use waflow_store::{Lease, NodeRow, Store};

/// How often a node writes its heartbeat.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// A node not heard from for this long is taken for dead.
pub const NODE_TIMEOUT: Duration = Duration::from_secs(20);
/// The rows of nodes dead for this long are deleted.
pub const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

/// This node, as it announces itself: `id` from [`new_node_id`].
pub fn this_node(id: String, address: &str, started_at: DateTime<Utc>) -> NodeRow {
    NodeRow {
        id,
        address: address.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at,
        heartbeat_at: started_at,
    }
}

/// A new node id (`node_…`): every start is a new node.
pub fn new_node_id() -> String {
    waflow_store::new_id("node")
}

/// Whether no other node shares the database now: always on SQLite; on PostgreSQL, when no node
/// was heard from within [`NODE_TIMEOUT`] of `now` (called before this node's first beat).
pub async fn alone(store: &dyn Store, now: DateTime<Utc>) -> waflow_store::Result<bool> {
    if !store.several_nodes() {
        return Ok(true);
    }
    let timeout = chrono::Duration::from_std(NODE_TIMEOUT).unwrap_or_default();
    Ok(store
        .nodes()
        .await?
        .iter()
        .all(|n| now - n.heartbeat_at >= timeout))
}

/// Writes `node`'s heartbeat now and every [`HEARTBEAT`], and deletes long-dead nodes' rows (at
/// the first beat, then hourly), until the task is aborted. A failed write is logged and retried at the next beat.
pub fn spawn_heartbeat(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    node: NodeRow,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT);
        // Long-dead nodes are forgotten at the first beat and then about hourly, not every beat.
        let forget_every = (3600 / HEARTBEAT.as_secs().max(1)).max(1);
        for beat in 0u64.. {
            tick.tick().await;
            let now = clock.now();
            if let Err(e) = store.heartbeat(&node, now).await {
                tracing::warn!(node = %node.id, error = %e, "heartbeat not written");
            }
            if beat % forget_every == 0 {
                let forget = now - chrono::Duration::from_std(FORGET_AFTER).unwrap_or_default();
                if let Err(e) = store.forget_nodes(forget).await {
                    tracing::warn!(error = %e, "dead nodes not forgotten");
                }
            }
        }
    })
}

/// Announces `topic` to the other nodes in the background (a failure is logged: their caches
/// then hold the old value until their next change of it).
pub fn announce(store: &Arc<dyn Store>, topic: String) {
    let store = store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.announce(&topic).await {
            tracing::warn!(%topic, error = %e, "change not announced to the other nodes");
        }
    });
}

/// Drops what this node cached of every change another node announces: a workspace's
/// workflows and settings, a number, the API tokens (revocations), or everything.
pub async fn follow_changes(state: &AppState) -> Result<bool, waflow_store::Error> {
    let engine = state.engine.clone();
    let numbers = state.numbers.clone();
    let tokens = state.tokens.clone();
    let (store, cloud) = (state.store.clone(), state.cloud.clone());
    state
        .store
        .listen(Arc::new(move |topic: &str| {
            if let Some(ws) = topic.strip_prefix("workspace:") {
                engine.forget_workspace(ws);
            } else if let Some(id) = topic.strip_prefix("number:") {
                if let Ok(mut m) = numbers.write() {
                    m.remove(id);
                }
                reload_cloud_line(store.clone(), cloud.clone(), Some(id.to_string()));
            } else if topic == "tokens" {
                tokens.clear();
            } else if topic == waflow_store::EVERYTHING_CHANGED {
                engine.forget_all_workspaces();
                if let Ok(mut m) = numbers.write() {
                    m.clear();
                }
                tokens.clear();
                reload_cloud_line(store.clone(), cloud.clone(), None);
            }
        }))
        .await
}

/// Makes this node's Cloud API lines follow the database after another node's change: number
/// `id`'s (registered again, or forgotten when it is no longer a stored Cloud API number), or
/// every number's when `id` is `None`. In the background; a failure is logged.
fn reload_cloud_line(
    store: Arc<dyn Store>,
    cloud: Arc<crate::cloud::CloudApi>,
    id: Option<String>,
) {
    tokio::spawn(async move {
        let Some(id) = id else {
            if let Err(e) = cloud.load(store.as_ref()).await {
                tracing::warn!(error = %e, "Cloud API numbers not reloaded");
            }
            return;
        };
        match store.channel_number(&id).await {
            Ok(n) if n.number.channel == "cloud_api" => {
                if let Err(e) = cloud.register(&n) {
                    tracing::error!(number = %id, error = %e, "Cloud API number not loaded");
                }
            }
            Ok(_) => {}
            Err(waflow_store::Error::NotFound { .. }) => cloud.unregister(&id),
            Err(e) => tracing::warn!(number = %id, error = %e, "Cloud API number not reloaded"),
        }
    });
}

/// A node in `GET /cluster`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NodeState {
    /// The node as it announced itself, with its last heartbeat.
    #[serde(flatten)]
    pub node: NodeRow,
    /// Heard from within the node timeout (20 s).
    pub alive: bool,
    /// The node that answers this request.
    pub this_node: bool,
}

/// `GET /cluster`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClusterState {
    /// The id of the node that answers.
    pub node: String,
    /// Every node with a row, oldest first.
    pub nodes: Vec<NodeState>,
    /// Every lease, by name, with its holder and when it lapses.
    pub leases: Vec<Lease>,
}

/// The nodes sharing this database, their heartbeats and their leases.
pub async fn show(State(state): State<AppState>) -> ApiResult<Json<ClusterState>> {
    let now = state.engine.now();
    let timeout = chrono::Duration::from_std(NODE_TIMEOUT).unwrap_or_default();
    let nodes = state
        .store
        .nodes()
        .await?
        .into_iter()
        .map(|node| NodeState {
            alive: now - node.heartbeat_at <= timeout,
            this_node: node.id == state.node.id,
            node,
        })
        .collect();
    Ok(Json(ClusterState {
        node: state.node.id.clone(),
        nodes,
        leases: state.store.leases().await?,
    }))
}
