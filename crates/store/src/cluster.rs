//! [`Cluster`]: the waflow nodes that share one database, their heartbeats, and the leases by
//! which one node at a time holds a resource (a linked-device session, say). On SQLite there is
//! one node; on PostgreSQL any number. Every [`crate::Store`] is also `Cluster`.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// Called with each announced change's topic (see [`Cluster::listen`]).
pub type ChangeHandler = Arc<dyn Fn(&str) + Send + Sync>;

/// The topic that says: announcements may have been missed, drop every cache.
pub const EVERYTHING_CHANGED: &str = "*";

/// A node as it announced itself, with its last heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NodeRow {
    /// The node's id, new at every start (`node_…`).
    pub id: String,
    /// Where the node listens (as it sees itself).
    pub address: String,
    /// The waflow version it runs.
    pub version: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub heartbeat_at: DateTime<Utc>,
}

/// A lease: `holder` holds `name` until `expires_at` unless it renews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Lease {
    /// What is held, e.g. `linked:num_…`.
    pub name: String,
    /// The node holding it.
    pub holder: String,
    /// When it lapses unless renewed.
    pub expires_at: DateTime<Utc>,
    /// When the current holder took it (renewals keep this).
    pub taken_at: DateTime<Utc>,
}

/// Nodes, heartbeats and leases.
#[async_trait]
pub trait Cluster: Send + Sync {
    /// Whether other nodes may share this database (PostgreSQL), so that work must be owned
    /// under leases; `false` where this process is the only node (SQLite).
    fn several_nodes(&self) -> bool;
    /// Records that `node` is alive at `at` (its row is created on the first heartbeat).
    async fn heartbeat(&self, node: &NodeRow, at: DateTime<Utc>) -> Result<()>;
    /// Every node with a row, oldest first.
    async fn nodes(&self) -> Result<Vec<NodeRow>>;
    /// Deletes `node_id`'s row: the node stopped (gracefully), so that no one waits for it to be
    /// taken for dead.
    async fn leave(&self, node_id: &str) -> Result<()>;
    /// Deletes the rows of nodes whose last heartbeat is before `before`; returns how many.
    async fn forget_nodes(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Takes lease `name` for `holder` until `until` — when nobody holds it, when its holder let
    /// it lapse (expired at `now`), or to renew it when `holder` already holds it — in one
    /// statement, so two nodes asking at once never both get it. Returns whether `holder` holds it.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Gives lease `name` up, if `holder` holds it.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;
    /// Every lease, by name.
    async fn leases(&self) -> Result<Vec<Lease>>;
    /// Tells every node sharing the database that `topic` changed (`workspace:<id>`,
    /// `number:<id>`, `tokens`), so each drops what it cached of it. A no-op where only one
    /// node can run (SQLite).
    async fn announce(&self, topic: &str) -> Result<()>;
    /// From now on calls `on_change` with the topic of every announcement (this node's own
    /// included), from a task the backend runs; with [`EVERYTHING_CHANGED`] when announcements
    /// may have been missed (the connection was lost). Returns false where there is nothing to
    /// listen to (SQLite: one node).
    async fn listen(&self, on_change: ChangeHandler) -> Result<bool>;
}
