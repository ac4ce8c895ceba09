//! Linked-device numbers in the server: their sessions (one supervised `whatsapp-rust` bot each,
//! its state sealed in `<data dir>/linked/<number id>.session`), what they report (statuses into
//! the store, the log, the event webhook and the live stream; QR codes for the API) and what they
//! receive (messages into the engine, receipts onto our messages).
//!
//! **Invariant:** a number with a stored session is started at boot without a new scan; a status
//! change is stored before it is announced.

use crate::AppState;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{broadcast, mpsc};
use waflow_domain::PhoneNumber;
use waflow_engine::{InboundRequest, SentElsewhere};
use waflow_linked_device::channel::{Line, LinkedDeviceChannel};
use waflow_linked_device::connection::{Delivery, LinkOptions, WaConnection};
use waflow_linked_device::inbound::Inbound;
use waflow_linked_device::session_store::SealedFileStore;
use waflow_linked_device::status::{Change, LinkStatus};
use waflow_linked_device::supervisor::{Options, Report, Supervisor};
use waflow_store::{new_id, LogEntry, Number, NumberPatch, StatusChange};

/// What the API shows of a pairing in progress, and the live stream of a number's events.
pub struct Live {
    /// The current QR code (`{"code", "qr": "<svg…>", "expires_at"}`) or pairing code.
    pub pairing: RwLock<Option<Value>>,
    /// Status changes, QR codes and pairing codes as they happen (server-sent events).
    pub events: broadcast::Sender<Value>,
}

impl Live {
    /// Replaces the pairing shown by `GET /numbers/{id}/qr` (`None`: none in progress).
    fn show_pairing(&self, pairing: Option<Value>) {
        if let Ok(mut p) = self.pairing.write() {
            *p = pairing;
        }
    }
}

struct Session {
    supervisor: Supervisor,
    connection: Arc<WaConnection>,
    live: Arc<Live>,
}

/// The linked-device numbers of this process.
pub struct Linked {
    key: [u8; 32],
    dir: PathBuf,
    media_dir: PathBuf,
    options: LinkOptions,
    pub(crate) channel: Arc<LinkedDeviceChannel>,
    sessions: Mutex<HashMap<String, Session>>,
}

impl Linked {
    /// `key` seals the sessions; `url` overrides WhatsApp Web's WebSocket address; `http` is
    /// where media links may be downloaded from.
    pub fn new(
        key: [u8; 32],
        data_dir: &std::path::Path,
        url: Option<String>,
        channel: Arc<LinkedDeviceChannel>,
        http: waflow_outbound_http::Policy,
    ) -> Self {
        Self {
            key,
            dir: data_dir.join("linked"),
            media_dir: data_dir.join("media"),
            options: LinkOptions {
                url,
                http,
                ..Default::default()
            },
            channel,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn session_path(&self, number_id: &str) -> PathBuf {
        self.dir.join(format!("{number_id}.session"))
    }

    /// Starts every stored linked number that has a session (no new scan needed).
    pub async fn load(&self, state: &AppState) -> Result<(), waflow_store::Error> {
        for n in state.store.channel_numbers("linked_device").await? {
            let n = n.number;
            if !self.session_path(&n.id).exists() {
                continue;
            }
            let status = LinkStatus::from_stored(&n.status);
            if let Err(e) = self.start(state, &n, status, None).await {
                tracing::error!(number = %n.id, error = %e, "linked number not restored");
            }
        }
        Ok(())
    }

    /// Starts (or restarts) a number's session: pairing when it has none, `pair_phone` to pair
    /// by a code typed on the phone instead of a QR scan.
    pub async fn start(
        &self,
        state: &AppState,
        number: &Number,
        status: LinkStatus,
        pair_phone: Option<String>,
    ) -> Result<(), String> {
        self.stop(&number.id).await;
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
        tokio::spawn(reported(
            state.clone(),
            number.clone(),
            live.clone(),
            report_rx,
        ));
        tokio::spawn(received(
            state.clone(),
            number.clone(),
            self.media_dir.join(&number.id),
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
    pub async fn repair(&self, state: &AppState, number: &Number) -> Result<(), String> {
        let running = self.sessions.lock().is_ok_and(|s| match s.get(&number.id) {
            Some(session) => {
                session.supervisor.repair();
                true
            }
            None => false,
        });
        if !running {
            self.forget_session_file(&number.id);
            self.start(state, number, LinkStatus::Disconnected, None)
                .await?;
        }
        Ok(())
    }

    /// Stops a number's session, keeping it on disk.
    pub async fn stop(&self, number_id: &str) {
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

/// Stores, logs and announces what a session reports.
async fn reported(
    state: AppState,
    number: Number,
    live: Arc<Live>,
    mut reports: mpsc::UnboundedReceiver<Report>,
) {
    while let Some(report) = reports.recv().await {
        let now = state.engine.now();
        let event = match report {
            Report::Status(change) => match status_changed(&state, &number, change, now).await {
                Some(event) => {
                    if event["status"] != LinkStatus::Pairing.as_str() {
                        live.show_pairing(None);
                    }
                    event
                }
                None => continue,
            },
            Report::Qr { code, valid_for } => {
                let pairing = json!({"code": code, "qr": qr_svg(&code),
                    "expires_at": after(now, valid_for)});
                live.show_pairing(Some(pairing.clone()));
                json!({"event": "number.qr", "number_id": number.id, "pairing": pairing})
            }
            Report::PairCode { code, valid_for } => {
                let pairing = json!({"pair_code": code, "expires_at": after(now, valid_for)});
                live.show_pairing(Some(pairing.clone()));
                json!({"event": "number.pair_code", "number_id": number.id, "pairing": pairing})
            }
            Report::Paired { phone } => {
                json!({"event": "number.paired", "number_id": number.id, "phone": phone})
            }
        };
        // Nobody listening is fine.
        let _ = live.events.send(event);
    }
}

/// `now` plus `d`.
fn after(now: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(d).unwrap_or_default()
}

/// Stores a status change with its reason, logs it and posts its event; the event, or `None`
/// when the number was deleted meanwhile.
async fn status_changed(
    state: &AppState,
    number: &Number,
    change: Change,
    now: DateTime<Utc>,
) -> Option<Value> {
    let expires_at = change.expires_in.map(|d| after(now, d));
    let reason = match (&change.reason, expires_at) {
        (Some(r), Some(at)) => Some(format!("{r}; until {}", at.to_rfc3339())),
        (r, _) => r.clone(),
    };
    let status = change.status.as_str();
    let patch = NumberPatch {
        status: Some(status.to_string()),
        status_reason: reason.clone(),
        at: Some(now),
        ..Default::default()
    };
    if let Err(e) = state
        .store
        .update_number(&number.workspace_id, &number.id, &patch)
        .await
    {
        tracing::warn!(number = %number.id, error = %e, "status not stored");
        return None;
    }
    state.forget_number(&number.id);
    let summary = match &reason {
        Some(r) => format!("number {} is {status}: {r}", number.label),
        None => format!("number {} is {status}", number.label),
    };
    let entry = LogEntry {
        id: new_id("log"),
        workspace_id: number.workspace_id.clone(),
        created_at: now,
        kind: "number".into(),
        outcome: status.into(),
        summary,
        number_id: Some(number.id.clone()),
        contact_id: None,
        message_id: None,
        workflow_id: None,
        run_id: None,
        detail: json!({"status": status, "reason": reason, "expires_at": expires_at}),
    };
    if let Err(e) = state.store.insert_log(&entry).await {
        tracing::error!(error = %e, "number status not logged");
    }
    let event = json!({
        "event": "number.status", "workspace_id": number.workspace_id,
        "number": {"id": number.id, "label": number.label, "channel": "linked_device"},
        "status": status, "reason": reason, "expires_at": expires_at, "at": now,
    });
    state.events.send(&number.workspace_id, event.clone());
    Some(event)
}

/// A QR code as an SVG image.
pub fn qr_svg(code: &str) -> Option<String> {
    let qr = qrcode::QrCode::new(code.as_bytes()).ok()?;
    Some(
        qr.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .build(),
    )
}

/// Turns what a session receives into inbound messages and delivery statuses.
async fn received(
    state: AppState,
    number: Number,
    media_dir: PathBuf,
    mut deliveries: mpsc::UnboundedReceiver<Delivery>,
) {
    while let Some(delivery) = deliveries.recv().await {
        match delivery {
            Delivery::Receipt {
                message_ids,
                status,
            } => {
                let changes: Vec<StatusChange> = message_ids
                    .into_iter()
                    .map(|id| StatusChange {
                        number_id: number.id.clone(),
                        channel_message_id: id,
                        status: status.into(),
                        ..Default::default()
                    })
                    .collect();
                if let Err(e) = state.store.apply_message_statuses(&changes).await {
                    tracing::error!(error = %e, "receipts not applied");
                }
            }
            Delivery::Message {
                message,
                media,
                media_error,
            } => {
                if let Err(e) =
                    take_message(&state, &number, &media_dir, message, media, media_error).await
                {
                    tracing::warn!(number = %number.id, error = %e, "linked-device message not taken");
                }
            }
        }
    }
}

async fn take_message(
    state: &AppState,
    number: &Number,
    media_dir: &std::path::Path,
    m: Inbound,
    media: Option<Vec<u8>>,
    media_error: Option<String>,
) -> Result<(), String> {
    // The connection already asked the session's own @lid mapping; waflow's links come next.
    let lid_key = m.contact.lid_key();
    let mut phone = m.contact.phone.clone();
    if phone.is_none() {
        if let Some(key) = &lid_key {
            phone = state
                .store
                .phone_of_user_id(&number.workspace_id, key)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let Some(phone) = phone else {
        return Err(format!(
            "message {} comes from {} without a known phone number",
            m.id,
            lid_key.unwrap_or_default()
        ));
    };
    let from = PhoneNumber::parse(&phone).map_err(|e| format!("message {}: {e}", m.id))?;
    if m.from_me {
        // Written by the business on its phone or WhatsApp Web: it never starts a workflow, it is
        // the business's own message in the conversation (a person replied: an AI reply being
        // generated is not sent over it).
        return state
            .engine
            .record_sent_elsewhere(SentElsewhere {
                workspace_id: number.workspace_id.clone(),
                number_id: number.id.clone(),
                to: from,
                channel_message_id: m.id.clone(),
                message_type: m.message_type.as_str().to_string(),
                text: m.text.clone(),
                payload: Some(m.payload.clone()),
            })
            .await
            .map_err(|e| e.to_string());
    }
    let mut payload = m.payload.clone();
    if let Value::Object(map) = &mut payload {
        if let Some(bytes) = media {
            let name = m.id.replace(['/', '\\', '.'], "_");
            let path = media_dir.join(&name);
            let saved = tokio::fs::create_dir_all(media_dir)
                .await
                .and(tokio::fs::write(&path, &bytes).await);
            match saved {
                Ok(()) => {
                    // The Cloud API's shape: the path relative to the data directory.
                    let relative = format!("media/{}/{name}", number.id);
                    let mime = map.get("mime_type").cloned().unwrap_or(Value::Null);
                    map.insert(
                        "file".into(),
                        json!({"path": relative, "size": bytes.len(), "mime_type": mime}),
                    );
                }
                Err(e) => {
                    map.insert("media_error".into(), json!(e.to_string()));
                }
            }
        }
        if let Some(e) = media_error {
            map.insert("media_error".into(), json!(e));
        }
        if let Some(key) = &lid_key {
            map.insert("user_id".into(), json!(key));
        }
    }
    let outcome = state
        .engine
        .inbound(InboundRequest {
            workspace_id: number.workspace_id.clone(),
            number_id: number.id.clone(),
            automation: number.automation,
            from: from.into(),
            contact_name: m.push_name.clone(),
            channel_message_id: m.id.clone(),
            message_type: m.message_type,
            text: m.text.clone(),
            payload: Some(payload),
            reply_to: m.reply_to.clone(),
            notice: None,
        })
        .await
        .map_err(|e| e.to_string())?;
    if let Some(key) = lid_key {
        // The @lid is this contact from now on, whichever identifier the next message carries.
        state
            .store
            .link_user_id(&number.workspace_id, &outcome.contact_id, &key)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
