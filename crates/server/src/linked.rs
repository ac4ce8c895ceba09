//! Linked-device numbers in the server: what their sessions report — statuses into the store,
//! the log, the event webhook and the live stream; QR and pairing codes for the API. The
//! sessions themselves, and what they receive, are the channel's
//! [`waflow_linked_device::service::LinkedService`].
//!
//! **Invariant:** a status change is stored before it is announced.

use crate::events::EventHooks;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;
use waflow_engine::Engine;
use waflow_linked_device::service::{Live, Reporter};
use waflow_linked_device::status::{Change, LinkStatus};
use waflow_linked_device::supervisor::Report;
use waflow_store::{new_id, LogEntry, Number, NumberPatch, Store};

/// What handling a session's reports needs (the parts of the server state that exist before
/// the linked-device service does).
#[derive(Clone)]
pub struct Reports {
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub events: EventHooks,
    /// The server's cache of numbers, dropped for a number whose status changed.
    pub numbers: Arc<RwLock<HashMap<String, Number>>>,
}

impl Reports {
    /// The service's [`Reporter`]: one task per started session, handling its reports.
    pub fn reporter(self) -> Reporter {
        Arc::new(move |number, live, reports| {
            tokio::spawn(reported(self.clone(), number, live, reports));
        })
    }
}

/// Stores, logs and announces what a session reports.
async fn reported(
    state: Reports,
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
                let pairing = Pairing {
                    qr: qr_svg(&code),
                    code: Some(code),
                    pair_code: None,
                    expires_at: after(now, valid_for),
                }
                .to_value();
                live.show_pairing(Some(pairing.clone()));
                json!({"event": "number.qr", "number_id": number.id, "pairing": pairing})
            }
            Report::PairCode { code, valid_for } => {
                let pairing = Pairing {
                    code: None,
                    qr: None,
                    pair_code: Some(code),
                    expires_at: after(now, valid_for),
                }
                .to_value();
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

/// A pairing in progress, as `GET /numbers/{id}/qr` shows it: a QR code to scan (`code`, `qr`)
/// or a code to type on the phone (`pair_code`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Pairing {
    /// The QR code's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The QR code as an SVG image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
    /// The code to type on the phone (WhatsApp > Linked devices > Link with phone number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair_code: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl Pairing {
    /// As the live number holds it.
    fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// `now` plus `d`.
fn after(now: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(d).unwrap_or_default()
}

/// Stores a status change with its reason, logs it and posts its event; the event, or `None`
/// when the number was deleted meanwhile.
async fn status_changed(
    state: &Reports,
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
    if let Ok(mut m) = state.numbers.write() {
        m.remove(&number.id);
    }
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
