//! [`Numbers`]: whatsApp numbers, their channel credentials and their synced message templates.
//! Every [`crate::Store`] is also `Numbers`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;

/// WhatsApp numbers, their channel credentials and their synced message templates.
#[async_trait]
pub trait Numbers: Send + Sync {
    /// Stores a number without credentials (sandbox, linked device before pairing).
    async fn insert_number(
        &self,
        workspace_id: &str,
        label: &str,
        channel: &str,
        status: &str,
    ) -> Result<Number>;
    /// The workspace's numbers, oldest first.
    async fn numbers(&self, workspace_id: &str) -> Result<Vec<Number>>;
    /// One number of the workspace.
    async fn number(&self, workspace_id: &str, id: &str) -> Result<Number>;
    /// Changes a number's label, status and switches as the patch says.
    async fn update_number(
        &self,
        workspace_id: &str,
        id: &str,
        patch: &NumberPatch,
    ) -> Result<Number>;
    /// Deletes a number; workflows scoped to it become global (in the same transaction).
    async fn delete_number(&self, workspace_id: &str, id: &str) -> Result<()>;
    /// Stores a number of a channel with credentials. A second number with the same channel and
    /// `external_id` is a conflict naming `external_id`.
    async fn insert_channel_number(&self, workspace_id: &str, new: &NewNumber) -> Result<Number>;
    /// A number and its sealed credentials, by id alone: for webhooks, whose URL names the number
    /// (an unguessable id) and which carry no API token.
    async fn channel_number(&self, id: &str) -> Result<ChannelNumber>;
    /// Every number of a channel kind, with sealed credentials: for the channel at start-up.
    async fn channel_numbers(&self, channel: &str) -> Result<Vec<ChannelNumber>>;
    /// Replaces the stored message templates of a number (one transaction).
    async fn replace_templates(
        &self,
        workspace_id: &str,
        number_id: &str,
        templates: &[MessageTemplate],
    ) -> Result<()>;
    /// The stored message templates of a number, by name and language.
    async fn templates(&self, workspace_id: &str, number_id: &str) -> Result<Vec<MessageTemplate>>;
}
