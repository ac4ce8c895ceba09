//! The inbound port: what a channel's receiving pipeline hands its messages to. The engine
//! implements it; a channel never calls the engine otherwise.
//!
//! **Invariant:** [`Inbox::receive`] answers `Ok` for a message only once it is stored (or was
//! already stored: messages are deduplicated by their provider id), so a pipeline may mark its
//! provider delivery done after an all-`Ok` answer, and must keep it pending otherwise.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use waflow_domain::{InboundEvent, SentElsewhere};

/// Where a received message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The contact it was stored under.
    pub contact_id: String,
}

/// Why the inbox could not take a message (shutting down, the store unavailable): the
/// pipeline keeps the message and tries again.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct InboxError(pub String);

/// Takes received messages into waflow.
#[async_trait]
pub trait Inbox: Send + Sync {
    /// Stores `events`, in order, and decides what each starts; one answer per event.
    async fn receive(&self, events: Vec<InboundEvent>) -> Vec<Result<Received, InboxError>>;

    /// Records a message the business wrote outside waflow (starts nothing).
    async fn sent_elsewhere(&self, sent: SentElsewhere) -> Result<(), InboxError>;

    /// The time as waflow sees it (a test clock in tests).
    fn now(&self) -> DateTime<Utc>;
}
