//! [`AiRecords`]: what AI replies keep — a workspace's provider and business settings, its
//! knowledge items, the translation cache and the claims that make one run answer a burst.
//! Every [`crate::Store`] is also `AiRecords`.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A workspace's AI provider and business settings.
///
/// **Invariant:** the API key is held only sealed (`api_key_sealed`); the store never sees it in
/// clear.
#[derive(Debug, Clone, PartialEq)]
pub struct AiSettings {
    pub workspace_id: String,
    /// The OpenAI-compatible API's base URL, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key_sealed: Option<String>,
    /// `bearer` (Authorization header) or `api-key` (Azure's header).
    pub auth: String,
    pub timeout_ms: i64,
    pub max_tokens: i64,
    pub transcription_model: String,
    /// What the business tells the model about itself.
    pub business_prompt: String,
    /// The language fixed replies are written in; `None`: detected from each text.
    pub language: Option<String>,
    /// Credits left for AI replies; `None`: no limit.
    pub credits: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// One stored knowledge item (a product, an FAQ or a document chunk).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KnowledgeRow {
    /// `product`, `faq` or `document`.
    pub kind: String,
    pub title: String,
    pub text: String,
    pub source: String,
}

/// An uploaded knowledge file and how many items it gave.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KnowledgeFile {
    pub name: String,
    /// `catalogue` or `document`.
    pub kind: String,
    pub items: i64,
    pub created_at: DateTime<Utc>,
}

/// What happened in a conversation after a message, as the AI step's pre-send check asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AfterMessage {
    /// The contact sent another message.
    pub contact_wrote: bool,
    /// A person replied: a message sent by an agent, through the API, or from the business's
    /// phone (a linked-device number).
    pub agent_replied: bool,
}

/// What AI replies store.
#[async_trait]
pub trait AiRecords: Send + Sync {
    /// The workspace's AI settings, if it configured a provider.
    async fn ai_settings(&self, workspace_id: &str) -> Result<Option<AiSettings>>;
    /// Stores the workspace's AI settings (replacing them).
    async fn put_ai_settings(&self, settings: &AiSettings) -> Result<()>;

    /// Replaces the items of the knowledge file `file_name` (in one transaction: the old items
    /// stay until the new ones are stored).
    async fn replace_knowledge_file(
        &self,
        workspace_id: &str,
        file_name: &str,
        file_kind: &str,
        items: &[KnowledgeRow],
    ) -> Result<KnowledgeFile>;
    /// The workspace's knowledge files, by name.
    async fn knowledge_files(&self, workspace_id: &str) -> Result<Vec<KnowledgeFile>>;
    /// Deletes a knowledge file's items (`NotFound` if there is no such file).
    async fn delete_knowledge_file(&self, workspace_id: &str, file_name: &str) -> Result<()>;
    /// Every knowledge item of the workspace, in upload order.
    async fn knowledge_items(&self, workspace_id: &str) -> Result<Vec<KnowledgeRow>>;

    /// A cached translation of the text with this hash.
    async fn translation(
        &self,
        workspace_id: &str,
        source_hash: &str,
        language: &str,
    ) -> Result<Option<String>>;
    /// Caches a translation.
    async fn put_translation(
        &self,
        workspace_id: &str,
        source_hash: &str,
        language: &str,
        translated: &str,
    ) -> Result<()>;

    /// The conversation's last `limit` messages, oldest first.
    async fn recent_messages(
        &self,
        workspace_id: &str,
        conversation_id: &str,
        limit: i64,
    ) -> Result<Vec<crate::Message>>;

    /// Claims the answer to a conversation's messages up to `message_id` for a run: true if this
    /// run holds the claim (newly, or already), false if another run claimed that message.
    async fn claim_ai_answer(
        &self,
        conversation_id: &str,
        message_id: &str,
        run_id: &str,
    ) -> Result<bool>;
}
