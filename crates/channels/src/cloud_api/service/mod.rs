//! The Cloud API's receiving pipeline, as a service with a handle ([`CloudApiService`]): the
//! server checks a webhook's signature and hands over the bytes ([`CloudApiService::accept`]);
//! the service stores them ([`ingest`]), and its processor ([`processor`]) turns stored
//! deliveries into typed [`waflow_domain::InboundEvent`]s for the [`Inbox`] and statuses on
//! our outbound messages — fetching media ([`media`]) and resolving who wrote ([`identity`]) on
//! the way.
//!
//! **Invariant:** a webhook delivery is acknowledged only after it is stored, and processed only
//! after it is acknowledged; processing is idempotent (messages are deduplicated by `wamid`,
//! statuses only move forward), so a crash in between, or Meta's redeliveries, change nothing.

mod identity;
mod ingest;
mod media;
mod processor;

use super::channel::{CloudApiChannel, Limits};
use super::graph::Credentials;
use crate::Inbox;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;
use waflow_store::{ChannelNumber, NewWebhookDelivery, Store};

/// The credentials of a Cloud API number (sealed in the store by the server).
#[derive(Clone, Serialize, Deserialize)]
pub struct Secrets {
    pub access_token: String,
    pub app_secret: String,
    pub verify_token: String,
}

/// What the webhook needs to know of a registered number.
#[derive(Clone)]
pub struct Line {
    pub workspace_id: String,
    /// The key of `X-Hub-Signature-256`.
    pub app_secret: String,
    /// What Meta's verification handshake must present.
    pub verify_token: String,
}

/// Why a delivery was not accepted.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AcceptError {
    /// No registered Cloud API number has this id.
    #[error("no Cloud API number {0:?} on this server")]
    UnknownNumber(String),
    /// The body is not UTF-8 (Meta's are JSON).
    #[error("the body is not UTF-8 JSON")]
    NotUtf8,
    /// The delivery could not be stored: Meta will deliver it again.
    #[error("{0}")]
    Unavailable(String),
}

/// The parts of the service its tasks share.
pub(crate) struct Shared {
    store: Arc<dyn Store>,
    inbox: Arc<dyn Inbox>,
    channel: Arc<CloudApiChannel>,
    /// Where received media files are kept: `<data dir>/media/<number id>/<media id>`.
    media_dir: PathBuf,
    /// Notified when deliveries were stored: the processor's cue.
    wake: Arc<Notify>,
    /// The deliveries this process stored and has not processed.
    own: Arc<ingest::Own>,
}

/// The handle of the Cloud API service: registered numbers, and webhook deliveries in.
pub struct CloudApiService {
    store: Arc<dyn Store>,
    channel: Arc<CloudApiChannel>,
    media_dir: PathBuf,
    wake: Arc<Notify>,
    own: Arc<ingest::Own>,
    lines: RwLock<HashMap<String, Line>>,
    ingest: ingest::Ingest,
}

/// A number's sending limits from its settings (defaults: Meta's).
pub fn limits(settings: &serde_json::Value) -> Limits {
    let defaults = Limits::default();
    let int = |key: &str| {
        settings
            .get(key)
            .and_then(|v| v.as_u64())
            .and_then(|v| u32::try_from(v).ok())
    };
    Limits {
        per_second: int("send_per_second").unwrap_or(defaults.per_second),
        per_recipient_burst: int("per_recipient_burst").unwrap_or(defaults.per_recipient_burst),
        per_recipient_interval: int("per_recipient_interval_ms")
            .map(|ms| std::time::Duration::from_millis(u64::from(ms)))
            .unwrap_or(defaults.per_recipient_interval),
        daily_unique: match settings.get("messaging_limit") {
            Some(v) if v.as_str() == Some("unlimited") => None,
            Some(v) => v
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .or(defaults.daily_unique),
            None => defaults.daily_unique,
        },
    }
}

impl CloudApiService {
    /// The service, storing deliveries from now on; they are processed once
    /// [`CloudApiService::process_into`] names the inbox. Numbers may be registered before,
    /// so that the channel can send for them as soon as the engine starts.
    pub fn new(store: Arc<dyn Store>, channel: Arc<CloudApiChannel>, data_dir: &Path) -> Self {
        let wake = Arc::new(Notify::new());
        let own = Arc::new(ingest::Own::default());
        Self {
            ingest: ingest::Ingest::spawn(store.clone(), wake.clone(), own.clone()),
            own,
            store,
            channel,
            media_dir: data_dir.join("media"),
            wake,
            lines: RwLock::new(HashMap::new()),
        }
    }

    /// Starts the processor (for the life of the process): stored deliveries become inbound
    /// messages for `inbox` and statuses on our messages.
    pub fn process_into(&self, inbox: Arc<dyn Inbox>) {
        processor::spawn(Arc::new(Shared {
            store: self.store.clone(),
            inbox,
            channel: self.channel.clone(),
            media_dir: self.media_dir.clone(),
            wake: self.wake.clone(),
            own: self.own.clone(),
        }));
    }

    /// Makes a stored number live: its webhook accepts deliveries and the channel sends for it.
    pub fn register(&self, n: &ChannelNumber, secrets: Secrets) {
        let phone_number_id = n.number.external_id.clone().unwrap_or_default();
        self.channel.set_line(
            &n.number.id,
            Credentials {
                phone_number_id,
                access_token: secrets.access_token,
            },
            limits(&n.number.settings),
        );
        if let Ok(mut lines) = self.lines.write() {
            lines.insert(
                n.number.id.clone(),
                Line {
                    workspace_id: n.number.workspace_id.clone(),
                    app_secret: secrets.app_secret,
                    verify_token: secrets.verify_token,
                },
            );
        }
    }

    /// Forgets a deleted number.
    pub fn unregister(&self, number_id: &str) {
        self.channel.remove_line(number_id);
        if let Ok(mut lines) = self.lines.write() {
            lines.remove(number_id);
        }
    }

    /// What the webhook of a registered number checks; `None` for an unknown number.
    pub fn line(&self, number_id: &str) -> Option<Line> {
        self.lines.read().ok()?.get(number_id).cloned()
    }

    /// Takes a webhook body whose signature the caller checked: returns once it is stored
    /// (then Meta may be answered 200); it is processed afterwards, in the background.
    pub async fn accept(&self, number_id: &str, body: &[u8]) -> Result<(), AcceptError> {
        let line = self
            .line(number_id)
            .ok_or_else(|| AcceptError::UnknownNumber(number_id.to_string()))?;
        let text = std::str::from_utf8(body).map_err(|_| AcceptError::NotUtf8)?;
        self.ingest
            .store(NewWebhookDelivery {
                workspace_id: line.workspace_id,
                number_id: number_id.to_string(),
                body: text.to_string(),
            })
            .await
            .map_err(AcceptError::Unavailable)
    }
}
