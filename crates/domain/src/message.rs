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
    Unknown,
}

impl MessageType {
    /// All types, in the order the API documents them.
    pub const ALL: [MessageType; 12] = [
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
            Self::Unknown => "unknown",
        }
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
