//! The parts of an inbound message that workflows can look at.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of a message, across all channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    Text,
    Image,
    Audio,
    Video,
    Document,
    Sticker,
    Location,
    Contacts,
    InteractiveReply,
    Reaction,
    Template,
    /// The contact edited one of their earlier messages (see [`Notice::Edited`]).
    Edit,
    /// The contact deleted one of their earlier messages (see [`Notice::Revoked`]).
    Revoke,
    /// A notice from WhatsApp about the contact, e.g. a changed phone number.
    System,
    Unknown,
}

impl MessageType {
    /// All types, in the order the API documents them.
    pub const ALL: [MessageType; 15] = [
        Self::Text,
        Self::Image,
        Self::Audio,
        Self::Video,
        Self::Document,
        Self::Sticker,
        Self::Location,
        Self::Contacts,
        Self::InteractiveReply,
        Self::Reaction,
        Self::Template,
        Self::Edit,
        Self::Revoke,
        Self::System,
        Self::Unknown,
    ];

    /// The wire name, e.g. `interactive_reply`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Document => "document",
            Self::Sticker => "sticker",
            Self::Location => "location",
            Self::Contacts => "contacts",
            Self::InteractiveReply => "interactive_reply",
            Self::Reaction => "reaction",
            Self::Template => "template",
            Self::Edit => "edit",
            Self::Revoke => "revoke",
            Self::System => "system",
            Self::Unknown => "unknown",
        }
    }

    /// Whether this type reports something about another message or the contact rather than
    /// saying something new: reactions, edits, revokes and system notices. Such a message starts
    /// only workflows whose conditions name its type (a `message_type` test), and never resumes
    /// a run waiting for a reply.
    pub fn is_notice(&self) -> bool {
        matches!(
            self,
            Self::Reaction | Self::Edit | Self::Revoke | Self::System
        )
    }

    /// Whether the message carries a file: image, audio, video, document or sticker.
    pub fn is_media(&self) -> bool {
        matches!(
            self,
            Self::Image | Self::Audio | Self::Video | Self::Document | Self::Sticker
        )
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a notice message does to what waflow has stored, beyond being stored itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// The contact edited their message `original` (a provider message id): its text becomes
    /// `text`; the previous text is kept in the message's edit history.
    Edited { original: String, text: String },
    /// The contact deleted their message `original` (a provider message id): it is marked
    /// deleted, its text kept.
    Revoked { original: String },
    /// The contact's WhatsApp account moved to another phone number.
    NumberChanged { new_phone: crate::PhoneNumber },
}

/// An inbound message as conditions see it.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundView {
    pub message_type: MessageType,
    /// The text (or caption) of the message; empty when it has none.
    pub text: String,
}

impl InboundView {
    /// The text as exact-phrase matching compares it: trimmed, lower-cased, inner whitespace collapsed.
    pub fn phrase_key(text: &str) -> String {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
}
