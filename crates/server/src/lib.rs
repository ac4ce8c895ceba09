//! waflow's HTTP server: the REST API under `/api/v1`, its authentication, its OpenAPI document,
//! and the wiring that opens the store and starts the engine.
//!
//! **Invariant:** only this crate knows HTTP and the JSON shapes of our API. Handlers read request
//! bodies with path-tracking parsers, so every refusal names its field; every error leaves through
//! [`error::ApiError`], so no handler answers a 500 for bad input.

pub mod admin;
pub mod auth;
pub mod cloud;
pub mod cluster;
mod dashboard;
pub mod database;
pub mod error;
pub mod events;
pub mod extract;
pub mod files;
pub mod health;
pub mod imports;
pub mod limits;
pub mod linked;
pub mod openapi;
mod outbound;
pub mod roles;
mod routes;
pub mod secrets;
pub mod shutdown;
mod token;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use tokio::net::TcpListener;
use waflow_channels::cloud_api::channel::CloudApiChannel;
use waflow_channels::cloud_api::service::CloudApiService;
use waflow_channels::Channels;
use waflow_channels::Inbox;
use waflow_engine::clock::{Clock, SystemClock};
use waflow_engine::Engine;
use waflow_linked_device::channel::LinkedDeviceChannel;
use waflow_linked_device::governor::Pacing;
use waflow_linked_device::service::{LinkedService, Setup};
use waflow_store::Store;

pub use database::{database_path, open_store, Database};
pub use token::{create_token, create_token_with_ttl, issue_token, TokenCache, TokenOwner};
pub use waflow_store_sqlite::Durability;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    /// Resolved tokens by hash (revocation clears them).
    pub tokens: Arc<TokenCache>,
    /// Sign-in limits and password hashing.
    pub sign_in: Arc<auth::SignIn>,
    /// Number id → number, filled on first use and dropped when the number changes, so that
    /// inbound messages do not read the number's row each time.
    pub numbers: Arc<RwLock<HashMap<String, waflow_store::Number>>>,
    /// Cloud API numbers: their webhook secrets and the channel that sends for them.
    pub cloud: Arc<cloud::CloudApi>,
    /// Linked-device numbers: their supervised sessions.
    pub linked: Arc<LinkedService>,
    /// Signed event webhooks to the workspaces' event URLs.
    pub events: events::EventHooks,
    /// How large uploads may be.
    pub limits: limits::UploadLimits,
    /// Contact imports running in this process, and where their files go.
    pub imports: Arc<imports::Imports>,
    /// This node, as the other nodes on the database see it.
    pub node: Arc<waflow_store::NodeRow>,
}

impl AppState {
    /// A number of the workspace, from the cache or the store.
    pub async fn number(
        &self,
        workspace_id: &str,
        id: &str,
    ) -> Result<waflow_store::Number, waflow_store::Error> {
        if let Some(n) = self.numbers.read().ok().and_then(|m| m.get(id).cloned()) {
            if n.workspace_id == workspace_id {
                return Ok(n);
            }
            return Err(waflow_store::Error::NotFound { what: "number" });
        }
        let n = self.store.number(workspace_id, id).await?;
        if let Ok(mut m) = self.numbers.write() {
            m.insert(id.to_string(), n.clone());
        }
        Ok(n)
    }

    /// Forgets a cached number after it changed, here and on every other node.
    pub fn forget_number(&self, id: &str) {
        if let Ok(mut m) = self.numbers.write() {
            m.remove(id);
        }
        cluster::announce(&self.store, format!("number:{id}"));
    }
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Which database holds the rows (SQLite in the data directory unless PostgreSQL is named).
    pub database: Database,
    pub durability: Durability,
    /// The key that seals credentials (64 hex characters); `None`: `master.key` in the data
    /// directory, created on first run.
    pub master_key: Option<String>,
    /// The Graph API's base URL (Meta's by default; tests and proxies point it elsewhere).
    pub graph_url: String,
    /// The Graph API version, e.g. `v23.0`.
    pub graph_version: String,
    /// Let every outbound request (HTTP and webhook steps, the AI provider, media links, the
    /// events webhook) reach loopback, private and link-local addresses (off: the SSRF guard
    /// refuses them).
    pub allow_private_http: bool,
    /// Log entries older than this many days are deleted.
    pub log_retention_days: u32,
    /// The WebSocket address linked devices connect to (`None`: WhatsApp Web's). Tests point it
    /// at a closed port.
    pub linked_device_url: Option<String>,
    /// Upload limits (CSV and knowledge file sizes, rows, knowledge items).
    pub limits: limits::UploadLimits,
    /// Sign-in limits, password cost and how long a sign-in lasts.
    pub sign_in: auth::SignInOptions,
}

/// Meta's Graph API.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com";
/// The Graph API version waflow is written against.
pub const DEFAULT_GRAPH_VERSION: &str = "v23.0";

impl Config {
    /// A configuration with the defaults for everything but where to listen and store.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            listen,
            data_dir,
            database: Database::Sqlite,
            durability: Durability::Full,
            master_key: None,
            graph_url: DEFAULT_GRAPH_URL.into(),
            graph_version: DEFAULT_GRAPH_VERSION.into(),
            allow_private_http: false,
            log_retention_days: 90,
            linked_device_url: None,
            limits: limits::UploadLimits::default(),
            sign_in: auth::SignInOptions::default(),
        }
    }
}

/// Why the server could not start, in words for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// A server that is listening.
pub struct Running {
    pub addr: SocketAddr,
    pub engine: Engine,
    pub store: Arc<dyn Store>,
    pub task: tokio::task::JoinHandle<()>,
    /// Set by [`Running::shutdown`]: writes are refused with 503.
    pub draining: shutdown::Draining,
    /// Ends HTTP service (after the connections in progress).
    stop_http: tokio::sync::watch::Sender<bool>,
    /// Writes this node's heartbeat.
    heartbeat: tokio::task::JoinHandle<()>,
    /// Renews this node's linked-device session leases and takes over lapsed ones.
    keeper: tokio::task::JoinHandle<()>,
    /// The linked-device sessions, released at shutdown.
    linked: Arc<LinkedService>,
    /// This node's id, whose row leaves the cluster at shutdown.
    node_id: String,
}

impl Running {
    /// Shuts down gracefully within about `timeout`: writes refused with 503 + `Retry-After`,
    /// the engine's sends in flight finished or recorded, counters written, then HTTP stopped.
    pub async fn shutdown(self, timeout: std::time::Duration) -> waflow_engine::ShutdownReport {
        let deadline = tokio::time::Instant::now() + timeout;
        self.draining.start();
        let report = self.engine.shutdown(timeout).await;
        self.stop_http.send_replace(true);
        self.heartbeat.abort();
        // The next node to start knows at once that this one is not alive (contact imports).
        if let Err(e) = self.store.leave(&self.node_id).await {
            tracing::warn!(error = %e, "this node's row not removed; it is taken for dead in 20 s");
        }
        self.keeper.abort();
        // Another node takes the sessions over at its next round, not after the leases lapse.
        self.linked.release_all().await;
        if tokio::time::timeout_at(deadline, self.task).await.is_err() {
            tracing::warn!("HTTP connections still open at the shutdown deadline; closing");
        }
        report
    }
}

/// The API router; `draining` refuses writes with 503 while the server shuts down, and
/// [`roles::enforce`] checks the role table before any route's handler runs.
pub fn router(state: AppState, draining: shutdown::Draining) -> Router {
    routes::router()
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            roles::enforce,
        ))
        .layer(DefaultBodyLimit::max(2 * 1024 * 1024))
        .with_state(state.clone())
        .merge(health::routes(state.store, draining.clone()))
        .layer(axum::middleware::from_fn_with_state(
            draining,
            shutdown::refuse_while_draining,
        ))
}

/// Opens the store, starts the engine and serves HTTP on `config.listen` until the process ends.
pub async fn start(config: &Config, clock: Arc<dyn Clock>) -> Result<Running, StartError> {
    let store = open_store(&config.data_dir, &config.database, config.durability).await?;
    let key = match &config.master_key {
        Some(hex) => secrets::MasterKey::from_hex(hex),
        None => secrets::MasterKey::load_or_create(&config.data_dir),
    }
    .map_err(|e| StartError(e.to_string()))?;
    let http_policy = waflow_outbound_http::Policy {
        allow_private: config.allow_private_http,
    };
    let cloud_channel = Arc::new(
        CloudApiChannel::new(&config.graph_url, &config.graph_version)
            .with_media_policy(http_policy),
    );
    let webhook_key = key.derive("webhooks");
    let opener_key = key.clone();
    let ai = waflow_engine::AiOptions {
        key_opener: Some(waflow_engine::KeyOpener(Arc::new(move |sealed: &str| {
            opener_key.open(sealed).map_err(|e| e.to_string())
        }))),
        data_dir: Some(config.data_dir.clone()),
    };
    let session_key = key.session_key();
    let imports = Arc::new(imports::Imports::new(&config.data_dir));
    imports
        .prepare()
        .map_err(|e| StartError(format!("cannot prepare the imports directory: {e}")))?;
    // An import still `running` was interrupted by the last stop — unless another live node
    // sharing the database runs it.
    let alone = cluster::alone(store.as_ref(), clock.now())
        .await
        .map_err(|e| StartError(e.to_string()))?;
    let interrupted = if alone {
        store
            .fail_interrupted_imports(clock.now())
            .await
            .map_err(|e| StartError(e.to_string()))?
    } else {
        0
    };
    if interrupted > 0 {
        tracing::warn!(
            imports = interrupted,
            "contact imports interrupted by the last stop marked failed"
        );
    }
    let cloud = Arc::new(cloud::CloudApi::new(
        key,
        cloud_channel.clone(),
        CloudApiService::new(store.clone(), cloud_channel.clone(), &config.data_dir),
    ));
    // Registered before the engine starts, so its sender finds every number's line.
    cloud
        .load(store.as_ref())
        .await
        .map_err(|e| StartError(e.to_string()))?;
    let linked_channel = Arc::new(LinkedDeviceChannel::new(Pacing::default()));
    let mut channels = Channels::builtin();
    channels.register(cloud_channel);
    channels.register(linked_channel.clone());
    let events = events::EventHooks::new(store.clone(), webhook_key.clone(), http_policy);
    let heartbeat_clock = clock.clone();
    let node_id = cluster::new_node_id();
    let engine = Engine::start_with(
        store.clone(),
        clock,
        channels,
        waflow_engine::EngineOptions {
            http_policy,
            log_retention_days: config.log_retention_days,
            webhook_key,
            ai,
            node_id: Some(node_id.clone()),
        },
    );
    let inbox: Arc<dyn Inbox> = Arc::new(engine.clone());
    cloud.service.process_into(inbox.clone());
    let numbers: Arc<RwLock<HashMap<String, waflow_store::Number>>> = Default::default();
    let reports = linked::Reports {
        store: store.clone(),
        engine: engine.clone(),
        events: events.clone(),
        numbers: numbers.clone(),
    };
    let linked = Arc::new(LinkedService::new(Setup {
        node: node_id.clone(),
        key: session_key,
        data_dir: config.data_dir.clone(),
        url: config.linked_device_url.clone(),
        http: http_policy,
        channel: linked_channel,
        store: store.clone(),
        inbox,
        reporter: reports.reporter(),
    }));
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| StartError(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError(e.to_string()))?;
    let node = cluster::this_node(node_id, &addr.to_string(), engine.now());
    let state_node_id = node.id.clone();
    let heartbeat = cluster::spawn_heartbeat(store.clone(), heartbeat_clock, node.clone());
    let state = AppState {
        node: Arc::new(node),
        store: store.clone(),
        engine: engine.clone(),
        tokens: Default::default(),
        sign_in: Arc::new(auth::SignIn::new(config.sign_in.clone())),
        numbers,
        cloud,
        linked: linked.clone(),
        events,
        limits: config.limits,
        imports,
    };
    linked.load().await.map_err(|e| StartError(e.to_string()))?;
    let keeper = linked.spawn_keeper();
    cluster::follow_changes(&state)
        .await
        .map_err(|e| StartError(format!("cannot listen to the other nodes' changes: {e}")))?;
    let draining = shutdown::Draining::default();
    let app = router(state, draining.clone());
    let (stop_http, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        // The peer's address: sign-in is limited per address.
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::error!(error = %e, "HTTP server stopped");
        }
    });
    Ok(Running {
        addr,
        engine,
        store,
        task,
        draining,
        stop_http,
        heartbeat,
        keeper,
        linked,
        node_id: state_node_id,
    })
}

/// [`start`] with the system clock.
pub async fn start_with_system_clock(config: &Config) -> Result<Running, StartError> {
    start(config, Arc::new(SystemClock)).await
}
