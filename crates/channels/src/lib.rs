//! The channel boundary: how the engine hands an outbound message to a WhatsApp line, and the
//! built-in `sandbox` channel.
//!
//! **Invariant:** only a channel implementation knows its provider's wire format; the engine sees
//! [`Outgoing`] and [`Receipt`] only.
//!
//! Sending is two calls: [`Channel::admit`] waits for the number's governor (rate cap, pacing,
//! quotas) and touches no provider; [`Channel::send`] is the provider call. Between the two the
//! sender records durably that the attempt starts (unless the channel is
//! [`Channel::idempotent`]), so a message whose attempt began before a crash is never sent again
//! blindly: it becomes `uncertain` and is reconciled by the provider's own echo —
//! [`Channel::send`] hands the provider waflow's message id where it can carry one (the Cloud
//! API's `biz_opaque_callback_data`), or chooses the provider's message id in advance
//! ([`Channel::chosen_id`], linked devices).

pub mod cloud_api;
mod inbox;
mod sandbox;

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;

pub use inbox::{Inbox, InboxError, Received};
pub use sandbox::SandboxChannel;

/// A message to deliver.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// waflow's id of the message; stable across retries.
    pub message_id: String,
    pub number_id: String,
    /// The recipient, E.164.
    pub to_phone: String,
    pub text: String,
    /// Richer content than text, in the channel's own JSON (for the Cloud API, a
    /// [`cloud_api::content::Content`]); `None` for plain text.
    pub content: Option<serde_json::Value>,
}

/// The provider's acknowledgement of a sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The provider's id for the message (a `wamid` on the Cloud API).
    pub channel_message_id: String,
}

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    /// Temporary (rate limit, network): the outbox retries with backoff.
    #[error("temporary failure: {0}")]
    Retryable(String),
    /// Permanent (invalid recipient, policy): the message is marked failed.
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// The request left but its outcome is unknown (a timeout or a connection lost after
    /// sending): the provider may have acted on it, so it is not sent again blindly.
    #[error("outcome unknown: {0}")]
    Uncertain(String),
    /// Not sent yet by the channel's own pacing or quota: the message stays queued until
    /// `retry_after` has passed. Not a failure; attempts are not counted.
    #[error("deferred: {reason}")]
    Deferred {
        reason: String,
        retry_after: std::time::Duration,
    },
}

/// How fast a number may send, for the estimates shown before a campaign.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pace {
    /// Messages per second it is paced at (`None`: no cap).
    pub per_second: Option<f64>,
    /// Messages (or new recipients) per day it may send (`None`: no cap).
    pub daily: Option<u32>,
    /// What a user should know before sending many messages from it.
    pub warning: Option<String>,
}

/// A kind of WhatsApp line.
#[async_trait]
pub trait Channel: Send + Sync + 'static {
    /// The channel kind as stored on numbers: `sandbox`, `cloud_api`, `linked_device`.
    fn kind(&self) -> &'static str;
    /// How long after the contact's last message free-form messages may still be sent (the
    /// Cloud API's 24-hour customer service window); `None` when the channel has no such rule.
    fn service_window(&self) -> Option<std::time::Duration> {
        None
    }
    /// Whether sending the same message twice is harmless (the provider dedupes by waflow's
    /// message id, as the sandbox does): then the sender journals no attempt for it.
    fn idempotent(&self) -> bool {
        false
    }
    /// How many conversations of one number may have a message in flight at once (waiting for
    /// the governor or for the provider's answer).
    fn max_in_flight(&self, _number_id: &str) -> usize {
        64
    }
    /// Whether `number_id`'s messages can be sent from this process, when the channel itself
    /// decides that (a linked-device session runs on one node, under its own lease); `None`
    /// when any node can send them, one node at a time under the engine's send lease.
    fn sends_here(&self, _number_id: &str) -> Option<bool> {
        None
    }
    /// How fast `number_id` sends: its governor's rate and daily cap.
    fn pace(&self, _number_id: &str) -> Pace {
        Pace::default()
    }
    /// Waits until the number's governor lets `message` go (rate cap), or answers
    /// [`SendError::Deferred`] (pacing, quotas: try later) or a permanent refusal (content that
    /// can never be sent). Touches no provider: a message only admitted was not sent.
    async fn admit(&self, _message: &Outgoing) -> Result<(), SendError> {
        Ok(())
    }
    /// The provider's id `message` will be sent with, when the channel chooses it before
    /// sending (so that an interrupted attempt can be recognised by it later).
    fn chosen_id(&self, _message: &Outgoing) -> Option<String> {
        None
    }
    /// Delivers one admitted message: the provider call, nothing else.
    async fn send(&self, message: &Outgoing) -> Result<Receipt, SendError>;
}

/// The channels this process can send through, by kind.
#[derive(Clone, Default)]
pub struct Channels {
    by_kind: HashMap<&'static str, Arc<dyn Channel>>,
}

impl Channels {
    /// The channels available in every build: the sandbox.
    pub fn builtin() -> Self {
        let mut channels = Self::default();
        channels.register(Arc::new(SandboxChannel));
        channels
    }

    /// Adds (or replaces) the channel for its kind.
    pub fn register(&mut self, channel: Arc<dyn Channel>) {
        self.by_kind.insert(channel.kind(), channel);
    }

    /// The channel for a kind, if this process has it.
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Channel>> {
        self.by_kind.get(kind)
    }
}
