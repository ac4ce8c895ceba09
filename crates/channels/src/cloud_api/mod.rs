//! The WhatsApp Business Cloud API channel: Meta's signed webhooks in, the Graph API out.
//!
//! - [`signature`]: the `X-Hub-Signature-256` check of a webhook body (HMAC-SHA256, constant time).
//! - [`webhook`]: a webhook body parsed into [`WebhookEvent`]s in waflow's model.
//! - [`content`]: what can be sent (text, buttons, list, media, template, reaction), with Meta's
//!   limits checked before anything is sent.
//! - [`channel`]: the [`crate::Channel`] that sends through the Graph API, paced per number.
//! - [`templates`]: a template message checked against its approved template's components.
//! - [`service`]: the receiving pipeline — webhook deliveries stored, then turned into typed
//!   inbound events for the engine's inbox and statuses on our messages.
//! - [`graph`]: the Graph API client (send, mark as read, media, templates) and the
//!   classification of its errors into retryable and permanent.
//!
//! **Invariant:** nothing outside this module knows Meta's JSON shapes.

pub mod channel;
pub mod content;
pub mod graph;
mod inbound;
pub mod phone;
pub mod service;
pub mod signature;
pub mod templates;
pub mod webhook;

use serde::Serialize;
use waflow_domain::{MessageType, Notice, UserId};

/// One thing a webhook delivery reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WebhookEvent {
    Message(InboundMessage),
    Status(StatusUpdate),
}

/// An inbound message, in waflow's model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboundMessage {
    /// `metadata.phone_number_id`: which business number received it.
    pub phone_number_id: String,
    /// The message's `wamid`: the deduplication key.
    pub wamid: String,
    /// The sender's phone number as digits (`from` / `wa_id`), when Meta sends one.
    pub from: Option<String>,
    /// The sender's business-scoped user id, when Meta sends one (`from_user_id` / `user_id`, or
    /// the sender's `contacts[].user_id`). A username-only sender has this and no `from`.
    pub user_id: Option<UserId>,
    /// The contact's profile name (`contacts[].profile.name`), empty if absent.
    pub profile_name: String,
    /// Seconds since the epoch, from `timestamp`.
    pub timestamp: i64,
    pub message_type: MessageType,
    /// What conditions read as the text: the body of a text, the caption of media, the title of
    /// a button or list reply, the text of a quick-reply button, the emoji of a reaction; empty
    /// otherwise.
    pub text: String,
    /// The type's structured details (media id and mime type, location, contacts, the reply id,
    /// the reacted message, ...), and for an unknown type the raw message object.
    pub payload: serde_json::Value,
    /// `context.id`: the message this one replies to; for a reaction, edit or revoke, the
    /// message it is about.
    pub reply_to: Option<String>,
    /// What an edit, revoke or number-changed notice does to what is stored.
    pub notice: Option<Notice>,
}

/// A delivery status of a message we sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusUpdate {
    pub phone_number_id: String,
    /// The `wamid` of our message.
    pub wamid: String,
    /// `sent`, `delivered`, `read`, `failed` (or whatever Meta adds, kept as sent).
    pub status: String,
    pub recipient: Option<String>,
    pub timestamp: i64,
    pub errors: Vec<ProviderError>,
    /// `biz_opaque_callback_data`: what the business attached to the send, echoed back. waflow
    /// sends its own message id (`msg_…`) there, so a status can name a message whose `wamid`
    /// was never recorded (a send whose result was lost in a crash).
    pub callback_data: Option<String>,
}

/// An error as Meta reports it, on a status or a Graph API answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderError {
    pub code: i64,
    pub title: String,
    pub message: String,
    pub details: Option<String>,
}
