//! What AI steps share: the provider client, the key opener, where inbound media are stored, and
//! each workspace's knowledge index (built on first use, rebuilt after a change).

use crate::Error;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use waflow_ai::{AiClient, Auth, ProviderSettings};
use waflow_knowledge::{Index, Item, ItemKind};
use waflow_store::{AiSettings, Store};

/// Opens one sealed value: the clear text, or why it cannot be opened.
pub type OpenFn = dyn Fn(&str) -> Result<String, String> + Send + Sync;

/// Opens a sealed API key (the server's master key does the sealing).
#[derive(Clone)]
pub struct KeyOpener(pub Arc<OpenFn>);

impl std::fmt::Debug for KeyOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyOpener")
    }
}

/// How AI steps reach their provider and the contact's media.
#[derive(Debug, Clone, Default)]
pub struct AiOptions {
    /// Opens the sealed API keys of the workspaces' AI settings; without it keys are not used.
    pub key_opener: Option<KeyOpener>,
    /// The data directory inbound media paths are relative to.
    pub data_dir: Option<PathBuf>,
}

/// The AI state of the engine.
pub(crate) struct AiService {
    /// Built on first use: a process that never calls a provider does not load a TLS stack.
    client: std::sync::OnceLock<AiClient>,
    pub options: AiOptions,
    // std RwLock: held only to clone an Arc, never across an await.
    indexes: RwLock<HashMap<String, Arc<Index>>>,
}

/// What [`AiService::provider`] found.
pub(crate) enum Lookup {
    Ready(Box<Provider>),
    /// The workspace configured no provider.
    NotConfigured,
    /// Configured, but its key cannot be used: why.
    Unusable(String),
}

/// A workspace's provider, ready to call, with the settings it came from.
pub(crate) struct Provider {
    pub settings: AiSettings,
    pub provider: ProviderSettings,
}

impl AiService {
    pub fn new(options: AiOptions) -> Self {
        Self {
            client: std::sync::OnceLock::new(),
            options,
            indexes: RwLock::new(HashMap::new()),
        }
    }

    /// The provider client.
    pub fn client(&self) -> &AiClient {
        self.client.get_or_init(AiClient::new)
    }

    /// The workspace's provider, ready to call, or why there is none.
    pub async fn provider(&self, store: &dyn Store, workspace_id: &str) -> Result<Lookup, Error> {
        let Some(settings) = store.ai_settings(workspace_id).await? else {
            return Ok(Lookup::NotConfigured);
        };
        let api_key = match (&settings.api_key_sealed, &self.options.key_opener) {
            (None, _) => None,
            (Some(sealed), Some(opener)) => match (opener.0)(sealed) {
                Ok(key) => Some(key),
                Err(e) => {
                    return Ok(Lookup::Unusable(format!(
                        "the AI provider's API key cannot be opened: {e}"
                    )))
                }
            },
            (Some(_), None) => {
                return Ok(Lookup::Unusable(
                    "no key opener: the API key cannot be used".into(),
                ))
            }
        };
        let mut provider = ProviderSettings::new(settings.base_url.clone(), settings.model.clone());
        provider.api_key = api_key;
        provider.auth = Auth::parse(&settings.auth).unwrap_or(Auth::Bearer);
        provider.timeout = Duration::from_millis(settings.timeout_ms.max(1) as u64);
        provider.max_tokens = settings.max_tokens.clamp(1, u32::MAX as i64) as u32;
        provider.transcription_model = settings.transcription_model.clone();
        Ok(Lookup::Ready(Box::new(Provider { settings, provider })))
    }

    /// The workspace's knowledge index, built from the store when missing.
    pub async fn index(&self, store: &dyn Store, workspace_id: &str) -> Result<Arc<Index>, Error> {
        if let Some(index) = self.read().get(workspace_id) {
            return Ok(index.clone());
        }
        let rows = store.knowledge_items(workspace_id).await?;
        let items = rows
            .into_iter()
            .map(|r| Item {
                kind: ItemKind::from_stored(&r.kind),
                title: r.title,
                text: r.text,
                source: r.source,
            })
            .collect();
        let index = Arc::new(Index::build(items));
        if let Ok(mut map) = self.indexes.write() {
            map.insert(workspace_id.to_string(), index.clone());
        }
        Ok(index)
    }

    /// Forgets a workspace's index after its knowledge changed.
    pub fn knowledge_changed(&self, workspace_id: &str) {
        if let Ok(mut map) = self.indexes.write() {
            map.remove(workspace_id);
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<Index>>> {
        self.indexes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Where a stored inbound media file is (its path is relative to the data directory);
    /// `None` without a data directory or for a path that would leave it.
    pub fn media_path(&self, file: &waflow_domain::StoredFile) -> Option<PathBuf> {
        let relative = std::path::Path::new(&file.path);
        let inside = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        inside.then(|| self.options.data_dir.as_ref().map(|d| d.join(relative)))?
    }
}
