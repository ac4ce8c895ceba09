//! The linked-device numbers of this process, as a service with a handle
//! ([`LinkedService`]): one supervised session per number (its state sealed in
//! `<data dir>/linked/<number id>.session`), what it receives turned into typed inbound events
//! for the [`Inbox`] ([`crate::received`]), and what it reports handed to the server's
//! [`Reporter`] (statuses, QR codes, pairing codes).
//!
//! **Invariant:** a number with a stored session is started at boot without a new scan; at
//! most one session runs per number (starting one stops the previous first), and with several
//! nodes on one database only on the node holding its lease ([`crate::leases`]).

use crate::channel::{Line, LinkedDeviceChannel};
use crate::connection::{LinkOptions, WaConnection};
use crate::session_store::SealedFileStore;
use crate::status::LinkStatus;
use crate::supervisor::{Options, Report, Supervisor};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{broadcast, mpsc};
use waflow_channels::Inbox;
use waflow_store::{Number, Store};

/// What the API shows of a pairing in progress, and the live stream of a number's events.
pub struct Live {
    /// The current QR code (`{"code", "qr": "<svg…>", "expires_at"}`) or pairing code.
    pub pairing: RwLock<Option<Value>>,
    /// Status changes, QR codes and pairing codes as they happen (server-sent events).
    pub events: broadcast::Sender<Value>,
}

impl Live {
    /// Replaces the pairing shown by `GET /numbers/{id}/qr` (`None`: none in progress).
    pub fn show_pairing(&self, pairing: Option<Value>) {
        if let Ok(mut p) = self.pairing.write() {
            *p = pairing;
        }
    }
}

/// Takes a started session's reports: called once per start with the number, its live state
/// and the stream of its reports (the server stores, logs and announces them).
pub type Reporter = Arc<dyn Fn(Number, Arc<Live>, mpsc::UnboundedReceiver<Report>) + Send + Sync>;

/// How the service is set up.
pub struct Setup {
    /// Seals the sessions on disk.
    pub key: [u8; 32],
    pub data_dir: PathBuf,
    /// WhatsApp Web's WebSocket address, overridden (tests point it at a closed port).
    pub url: Option<String>,
    /// Where media links may be downloaded from (the SSRF guard's policy).
    pub http: waflow_outbound_http::Policy,
    pub channel: Arc<LinkedDeviceChannel>,
    pub store: Arc<dyn Store>,
    pub inbox: Arc<dyn Inbox>,
    pub reporter: Reporter,
    /// This node's id: the holder of the leases of the sessions it runs.
    pub node: String,
}

struct Session {
    supervisor: Supervisor,
    connection: Arc<WaConnection>,
    live: Arc<Live>,
}

/// The handle of the linked-device service.
pub struct LinkedService {
    key: [u8; 32],
    dir: PathBuf,
    media_dir: PathBuf,
    options: LinkOptions,
    channel: Arc<LinkedDeviceChannel>,
    pub(crate) store: Arc<dyn Store>,
    inbox: Arc<dyn Inbox>,
    reporter: Reporter,
    sessions: Mutex<HashMap<String, Session>>,
    pub(crate) node: String,
}

impl LinkedService {
    /// The service; no session runs until [`LinkedService::load`] or [`LinkedService::start`].
    pub fn new(setup: Setup) -> Self {
        Self {
            key: setup.key,
            dir: setup.data_dir.join("linked"),
            media_dir: setup.data_dir.join("media"),
            options: LinkOptions {
                url: setup.url,
                http: setup.http,
                ..Default::default()
            },
            channel: setup.channel,
            store: setup.store,
            inbox: setup.inbox,
            reporter: setup.reporter,
            sessions: Mutex::new(HashMap::new()),
            node: setup.node,
        }
    }

    fn session_path(&self, number_id: &str) -> PathBuf {
        self.dir.join(format!("{number_id}.session"))
    }

    /// Starts every stored linked number that has a session (no new scan needed) and whose lease
    /// this node can take.
    pub async fn load(&self) -> Result<(), waflow_store::Error> {
        for n in self.store.channel_numbers("linked_device").await? {
            let n = n.number;
            if !self.has_session(&n.id) || !self.hold(&n.id).await {
                continue;
            }
            let status = LinkStatus::from_stored(n.status.as_str());
            if let Err(e) = self.run(&n, status, None).await {
                tracing::error!(number = %n.id, error = %e, "linked number not restored");
                self.let_go(&n.id).await;
            }
        }
        Ok(())
    }

    /// Whether a session of the number is stored (in the data directory).
    pub(crate) fn has_session(&self, number_id: &str) -> bool {
        self.session_path(number_id).exists()
    }

    /// The numbers whose session runs on this node.
    pub fn running(&self) -> Vec<String> {
        self.sessions
            .lock()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Starts (or restarts) a number's session: pairing when it has none, `pair_phone` to pair
    /// by a code typed on the phone instead of a QR scan. Refused while another node holds the
    /// number's lease (its session runs there).
    pub async fn start(
        &self,
        number: &Number,
        status: LinkStatus,
        pair_phone: Option<String>,
    ) -> Result<(), String> {
        if !self.hold(&number.id).await {
            return Err(
                "this number's session runs on another waflow node (see GET /api/v1/cluster); \
                 it moves here if that node stops"
                    .into(),
            );
        }
        self.run(number, status, pair_phone).await
    }

    /// Starts (or restarts) a number's session on this node, which holds its lease.
    pub(crate) async fn run(
        &self,
        number: &Number,
        status: LinkStatus,
        pair_phone: Option<String>,
    ) -> Result<(), String> {
        self.stop_here(&number.id).await;
        let store = SealedFileStore::open(self.session_path(&number.id), self.key)
            .await
            .map_err(|e| e.to_string())?;
        let (signals, signal_rx) = mpsc::unbounded_channel();
        let (reports, report_rx) = mpsc::unbounded_channel();
        let (deliveries, delivery_rx) = mpsc::unbounded_channel();
        let options = LinkOptions {
            pair_phone,
            ..self.options.clone()
        };
        let connection = WaConnection::new(store, options, signals, deliveries);
        let linked_at_ms = u64::try_from(number.created_at.timestamp_millis()).unwrap_or(0);
        self.channel.set_line(
            &number.id,
            Line {
                connection: connection.clone(),
                linked_at_ms,
            },
        );
        let live = Arc::new(Live {
            pairing: RwLock::new(None),
            events: broadcast::channel(64).0,
        });
        (self.reporter)(number.clone(), live.clone(), report_rx);
        tokio::spawn(crate::received::run(
            crate::received::Pipeline {
                store: self.store.clone(),
                inbox: self.inbox.clone(),
                number: number.clone(),
                media_dir: self.media_dir.join(&number.id),
            },
            delivery_rx,
        ));
        let supervisor = Supervisor::spawn(
            connection.clone(),
            signal_rx,
            reports,
            status,
            Options::default(),
        );
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(
                number.id.clone(),
                Session {
                    supervisor,
                    connection: connection.clone(),
                    live,
                },
            );
        }
        Ok(())
    }

    /// Whether the number's session runs and which phone it is linked to (`None` until paired).
    pub async fn session(&self, number_id: &str) -> (bool, Option<String>) {
        let connection = self
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(number_id).map(|s| s.connection.clone()));
        match connection {
            Some(c) => (true, c.phone().await),
            None => (false, None),
        }
    }

    /// The live state of a running number.
    pub fn live(&self, number_id: &str) -> Option<Arc<Live>> {
        let sessions = self.sessions.lock().ok()?;
        sessions.get(number_id).map(|s| s.live.clone())
    }

    /// Forgets the session and pairs again (a new QR code); starts the number if it was not
    /// running.
    pub async fn repair(&self, number: &Number) -> Result<(), String> {
        let running = self.sessions.lock().is_ok_and(|s| match s.get(&number.id) {
            Some(session) => {
                session.supervisor.repair();
                true
            }
            None => false,
        });
        if !running {
            self.forget_session_file(&number.id);
            self.start(number, LinkStatus::Disconnected, None).await?;
        }
        Ok(())
    }

    /// Stops a number's session, keeping it on disk, and gives up its lease.
    pub async fn stop(&self, number_id: &str) {
        self.stop_here(number_id).await;
        self.let_go(number_id).await;
    }

    /// Stops a number's session on this node, keeping it on disk and its lease as it is.
    pub(crate) async fn stop_here(&self, number_id: &str) {
        let session = self
            .sessions
            .lock()
            .ok()
            .and_then(|mut s| s.remove(number_id));
        if let Some(s) = session {
            s.supervisor.stop().await;
        }
    }

    /// Unlinks a number from its phone, forgets its session and stops it (before deleting it).
    pub async fn logout(&self, number_id: &str) {
        self.channel.remove_line(number_id);
        let session = self
            .sessions
            .lock()
            .ok()
            .and_then(|mut s| s.remove(number_id));
        match session {
            Some(s) => s.supervisor.logout().await,
            None => self.forget_session_file(number_id),
        }
        self.let_go(number_id).await;
    }

    /// Deletes the session file of a number that is not running.
    fn forget_session_file(&self, number_id: &str) {
        match std::fs::remove_file(self.session_path(number_id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                tracing::error!(number = %number_id, error = %e, "old session not erased");
            }
            _ => {}
        }
    }
}
