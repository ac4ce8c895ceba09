//! [`Deliveries`]: the outbox and the journal of send attempts. Every [`crate::Store`] is also
//! `Deliveries`.
//!
//! An outbound message moves `queued` → (`sending` →) `sent` | `failed` | `uncertain`, or back to
//! `queued` for a retry. `sending` is written and committed before the provider is called
//! ([`Deliveries::begin_attempts`]); a message still `sending` when the process starts again
//! had its attempt interrupted and becomes `uncertain` ([`Deliveries::interrupted_attempts`]):
//! never sent again blindly, but reconciled by the provider's echo or resent on request.

use crate::{Delivery, Message, OutboxItem, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An attempt about to reach a provider.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub message_id: String,
    /// The provider's id the channel chose for the message before sending, if it does.
    pub chosen_id: Option<String>,
}

/// A message whose interrupted attempt made it `uncertain`.
#[derive(Debug, Clone)]
pub struct Interrupted {
    pub message_id: String,
    pub workspace_id: String,
    pub number_id: String,
    pub contact_id: String,
}

/// The outbox and the attempt journal.
#[async_trait]
pub trait Deliveries: Send + Sync {
    /// Queued outbound messages ready to send at `now`, oldest first, leaving out the numbers in
    /// `skip_numbers` (those with as many messages in flight as they may have).
    async fn outbox(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        skip_numbers: &[String],
    ) -> Result<Vec<OutboxItem>>;
    /// Records the results of delivery attempts, all in one transaction.
    async fn record_deliveries(&self, results: &[Delivery]) -> Result<()>;
    /// In one committed transaction: records `results`, then marks each of `attempts` whose
    /// message is still `queued` as `sending` (with its chosen provider id); returns the ids so
    /// marked, which alone may be sent.
    async fn begin_attempts(
        &self,
        attempts: &[Attempt],
        results: &[Delivery],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>>;
    /// Marks every message still `sending` (its attempt was interrupted by the end of the
    /// process that made it) `uncertain` with `reason` — only `number_id`'s when it is given (a
    /// node taking over one number's sends from a dead node); returns them, in id order.
    async fn interrupted_attempts(
        &self,
        reason: &str,
        number_id: Option<&str>,
    ) -> Result<Vec<Interrupted>>;
    /// The numbers (id and channel kind) with a message `sending`: attempts begun and not yet
    /// recorded, by this node or by one that died.
    async fn numbers_sending(&self) -> Result<Vec<(String, String)>>;
    /// Outbound messages of the workspace in `status`, oldest first, after the cursor; only
    /// those to contacts assigned to `assigned_to` when it is given.
    async fn outbound_in_status(
        &self,
        workspace_id: &str,
        status: &str,
        assigned_to: Option<&str>,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>>;
    /// Queues an `uncertain` or `failed` outbound message of the workspace again, at `now`
    /// (the user chose to resend it); `Conflict` for any other state.
    async fn resend(&self, workspace_id: &str, id: &str, now: DateTime<Utc>) -> Result<Message>;
}
