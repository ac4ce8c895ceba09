//! Cloud API numbers in the server: connecting one (credentials sealed with the master key) and
//! its webhook (see [`webhook`]). The receiving pipeline itself is the channel's
//! [`CloudApiService`]; the server opens the sealed credentials, checks each delivery's
//! signature and hands over the bytes.

pub mod webhook;

use crate::secrets::MasterKey;
use std::sync::Arc;
use waflow_channels::cloud_api::channel::CloudApiChannel;
use waflow_channels::cloud_api::service::{CloudApiService, Secrets};
use waflow_store::{ChannelNumber, Store};

/// The server's Cloud API state: the master key that seals credentials, the channel (for the
/// routes that call the Graph API: templates, uploads) and the service.
pub struct CloudApi {
    pub(crate) key: MasterKey,
    pub(crate) channel: Arc<CloudApiChannel>,
    pub(crate) service: CloudApiService,
}

impl CloudApi {
    /// The state over a service (whose processor the caller starts).
    pub fn new(key: MasterKey, channel: Arc<CloudApiChannel>, service: CloudApiService) -> Self {
        Self {
            key,
            channel,
            service,
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
        self.service.register(n, secrets);
        Ok(())
    }

    /// Forgets a deleted number.
    pub fn unregister(&self, number_id: &str) {
        self.service.unregister(number_id);
    }
}
