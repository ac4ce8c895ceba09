//! The storage traits. [`Store`] answers the API and hands out transactions; [`Tx`] is the unit of
//! durable work of the engine: everything written through one `Tx` commits together or not at all.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A unit of work: all writes commit together in [`Tx::commit`], or none do if it is dropped.
#[async_trait]
pub trait Tx: Send {
    /// Finds or creates each contact; returns them in input order with `true` when created.
    async fn upsert_contacts(
        &mut self,
        keys: &[ContactKey],
        at: DateTime<Utc>,
    ) -> Result<Vec<(Contact, bool)>>;
    /// Reads a contact.
    async fn contact(&mut self, workspace_id: &str, contact_id: &str) -> Result<Contact>;
    /// Records that a date trigger fired for a contact on an occurrence; false if it already had.
    async fn claim_date_fire(
        &mut self,
        workflow_id: &str,
        contact_id: &str,
        occurrence: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// The conversation of a (number, contact), created if needed but not touched (a run started
    /// by the clock is not a message from the contact); its id.
    async fn ensure_conversation(
        &mut self,
        key: &ConversationKey,
        at: DateTime<Utc>,
    ) -> Result<String>;
    /// The conversation of each (number, contact), created if needed and touched; ids in input order.
    async fn touch_conversations(
        &mut self,
        keys: &[ConversationKey],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>>;
    /// Stores inbound messages; for each, its new id, or `None` when this number already has
    /// that channel message id (a duplicate).
    async fn insert_inbound(&mut self, messages: &[NewInbound]) -> Result<Vec<Option<String>>>;
    /// The runs waiting for a reply of any of these contacts.
    async fn waiting_runs(&mut self, contact_ids: &[String]) -> Result<Vec<Run>>;
    /// Reads a run.
    async fn run(&mut self, run_id: &str) -> Result<Run>;
    /// Deletes a due step if it is still leased by `owner`; `false` means someone else has it or
    /// it is gone, and the caller must not execute it.
    async fn take_due_step(&mut self, id: &str, owner: &str) -> Result<bool>;
    /// What conditions may know about a conversation: its message count and the times of our
    /// last message and of the contact's last message other than `current_message_id`.
    async fn conversation_stats(
        &mut self,
        conversation_id: &str,
        current_message_id: &str,
    ) -> Result<waflow_domain::ConversationStats>;
    /// What happened in a conversation after one of its messages (the AI step's pre-send check).
    async fn after_message(
        &mut self,
        conversation_id: &str,
        message_id: &str,
    ) -> Result<crate::AfterMessage>;
    /// Deletes a pending event; `false` if it is gone (another worker took it).
    async fn take_event(&mut self, seq: i64) -> Result<bool>;
    /// The contact's open (not closed) tickets' ids.
    async fn open_tickets(&mut self, contact_id: &str) -> Result<Vec<String>>;
    /// Applies what an inbound notice does: an edit replaces the original inbound message's text
    /// (the previous text and payload go to its edit history), a revoke marks it `deleted`, a
    /// changed number moves the contact to its new phone (unless another contact has it).
    /// Returns a sentence saying what changed, or why nothing did (the original is unknown).
    async fn apply_notice(&mut self, notice: &NoticeWrite) -> Result<String>;
    /// Marks a pending scheduled message `queued` with its contact and message; `false` (and
    /// nothing written) when it is no longer pending — cancelled, or taken by another worker.
    async fn claim_scheduled(
        &mut self,
        id: &str,
        contact_id: &str,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Marks a pending scheduled message `failed` with the reason.
    async fn fail_scheduled(&mut self, id: &str, error: &str, at: DateTime<Utc>) -> Result<()>;
    /// A campaign's state, read in this transaction (`None` when it is gone).
    async fn campaign_state(&mut self, campaign_id: &str) -> Result<Option<String>>;
    /// Records what became of pending recipients; a recipient no longer pending is left as it is.
    async fn settle_recipients(
        &mut self,
        campaign_id: &str,
        outcomes: &[crate::RecipientOutcome],
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Writes buffered effects (see [`Writes`] for the order).
    async fn apply(&mut self, writes: &Writes) -> Result<()>;
    /// Commits everything written through this transaction.
    async fn commit(self: Box<Self>) -> Result<()>;
    /// Commits everything written through this transaction — readers see it at once — and
    /// returns a future that resolves when the commit is durable (as [`Tx::commit`] makes it on
    /// return). On a transaction from [`Store::begin_then_sync`] the store is free for the next
    /// transaction before the future resolves, so one transaction's work overlaps the previous
    /// one's sync. Whoever acknowledges the commit to the outside must await the future first.
    /// Default: [`Tx::commit`], durable on return.
    async fn commit_then_sync(self: Box<Self>) -> Result<Synced> {
        self.commit().await?;
        Ok(Box::pin(std::future::ready(Ok(()))))
    }
}

/// Resolves when a commit made with [`Tx::commit_then_sync`] is durable; an error means it may
/// not be.
pub type Synced = std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send>>;

/// Everything waflow stores.
#[async_trait]
pub trait Store:
    crate::Records
    + crate::AiRecords
    + crate::Deliveries
    + crate::Tokens
    + crate::Outreach
    + crate::Overview
    + crate::ContactImports
    + crate::Workspaces
    + crate::Agents
    + crate::Numbers
    + crate::Contacts
    + crate::Conversations
    + crate::WebhookInbox
    + crate::Workflows
    + crate::Triggers
    + crate::Runs
    + crate::Logs
    + crate::Cluster
    + Send
    + Sync
    + 'static
{
    /// Opens a transaction for durable work.
    async fn begin(&self) -> Result<Box<dyn Tx>>;
    /// Opens a transaction to be committed with [`Tx::commit_then_sync`], whose sync may then
    /// overlap the next transaction. Default: [`Store::begin`].
    async fn begin_then_sync(&self) -> Result<Box<dyn Tx>> {
        self.begin().await
    }
}
