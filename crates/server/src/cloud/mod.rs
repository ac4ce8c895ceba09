//! Cloud API numbers in the server: connecting one (credentials sealed with the master key), its
//! webhook (see [`webhook`]) and the processor that turns stored deliveries into inbound messages
//! and delivery statuses (see [`processor`]).
//!
//! **Invariant:** a webhook delivery is acknowledged only after it is stored, and processed only
//! after it is acknowledged; processing is idempotent (messages are deduplicated by `wamid`,
//! statuses only move forward), so a crash in between, or Meta's redeliveries, change nothing.

mod identity;
pub mod ingest;
pub mod processor;
pub mod webhook;

use crate::secrets::MasterKey;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;
use waflow_channels::cloud_api::channel::{CloudApiChannel, Limits};
use waflow_channels::cloud_api::graph::Credentials;
use waflow_store::{ChannelNumber, Store};

/// The credentials of a Cloud API number, as sealed in the store.
#[derive(Clone, Serialize, Deserialize)]
pub struct Secrets {
    pub access_token: String,
    pub app_secret: String,
    pub verify_token: String,
}

/// What the webhook needs to know of a number.
#[derive(Clone)]
pub(crate) struct Line {
    pub workspace_id: String,
    pub app_secret: String,
    pub verify_token: String,
}

/// The server's Cloud API state: the channel that sends, and the numbers' webhook secrets.
pub struct CloudApi {
    pub(crate) key: MasterKey,
    pub(crate) channel: Arc<CloudApiChannel>,
    lines: RwLock<HashMap<String, Line>>,
    /// Notified when deliveries were stored: the processor's cue.
    pub(crate) wake: Arc<Notify>,
    pub(crate) ingest: ingest::Ingest,
    /// Where received media files are kept: `<data dir>/media/<number id>/<media id>`.
    pub(crate) media_dir: PathBuf,
}

/// A number's sending limits from its settings (defaults: Meta's).
pub(crate) fn limits(settings: &serde_json::Value) -> Limits {
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

impl CloudApi {
    /// The Cloud API state; starts the task that stores deliveries in `store`.
    pub fn new(
        key: MasterKey,
        channel: Arc<CloudApiChannel>,
        store: Arc<dyn Store>,
        data_dir: &Path,
    ) -> Self {
        let wake = Arc::new(Notify::new());
        Self {
            media_dir: data_dir.join("media"),
            key,
            channel,
            lines: RwLock::new(HashMap::new()),
            ingest: ingest::Ingest::spawn(store, wake.clone()),
            wake,
        }
    }

    /// Registers every stored Cloud API number. A number whose credentials cannot be opened with
    /// this master key is skipped with an error in the log (its webhook answers 404).
    pub async fn load(&self, store: &dyn Store) -> Result<(), waflow_store::Error> {
        for n in store.channel_numbers("cloud_api").await? {
            if let Err(e) = self.register(&n) {
                tracing::error!(number = %n.number.id, error = %e, "Cloud API number not loaded");
            }
        }
        Ok(())
    }

    /// Makes a stored number live: its webhook accepts deliveries and the channel sends for it.
    pub fn register(&self, n: &ChannelNumber) -> Result<(), String> {
        let sealed = n
            .sealed_secrets
            .as_deref()
            .ok_or("the number has no stored credentials")?;
        let secrets: Secrets = self
            .key
            .open(sealed)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))?;
        let phone_number_id = n.number.external_id.clone().unwrap_or_default();
        self.channel.set_line(
            &n.number.id,
            Credentials {
                phone_number_id: phone_number_id.clone(),
                access_token: secrets.access_token.clone(),
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
        Ok(())
    }

    /// Forgets a deleted number.
    pub fn unregister(&self, number_id: &str) {
        self.channel.remove_line(number_id);
        if let Ok(mut lines) = self.lines.write() {
            lines.remove(number_id);
        }
    }

    pub(crate) fn line(&self, number_id: &str) -> Option<Line> {
        self.lines.read().ok()?.get(number_id).cloned()
    }
}
