//! [`Conversations`]: conversations and their messages, and providers' delivery statuses applied to them.
//! Every [`crate::Store`] is also `Conversations`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;

/// Conversations and their messages, and providers' delivery statuses applied to them.
#[async_trait]
pub trait Conversations: Send + Sync {
    /// Conversations, most recent first, as the filter says.
    async fn conversations(
        &self,
        workspace_id: &str,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>>;
    /// One conversation of the workspace.
    async fn conversation(&self, workspace_id: &str, id: &str) -> Result<Conversation>;
    /// Messages of a conversation, oldest first, after the cursor.
    async fn messages(
        &self,
        workspace_id: &str,
        conversation_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>>;
    /// Outbound messages of a number, oldest first, after the cursor.
    async fn outbound_messages(
        &self,
        workspace_id: &str,
        number_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>>;
    /// One message of the workspace.
    async fn message(&self, workspace_id: &str, id: &str) -> Result<Message>;
    /// Applies providers' delivery statuses (`sent`, `delivered`, `read`, `failed`) to the
    /// outbound messages they name, in one transaction. Statuses only move forward (sent →
    /// delivered → read; failed from any but failed); a status naming an unknown channel id but
    /// carrying a callback id of an `uncertain` or `sending` message first records that message
    /// as sent with the channel id. Returns, for each change, its message if it exists and
    /// whether anything changed.
    async fn apply_message_statuses(
        &self,
        changes: &[StatusChange],
    ) -> Result<Vec<Option<AppliedStatus>>>;
}
