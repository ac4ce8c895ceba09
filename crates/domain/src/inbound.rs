//! What the engine takes in from every channel: one typed [`InboundEvent`] per received message,
//! whatever the provider (sandbox, Cloud API, linked device).
//!
//! **Invariant:** nothing here knows a provider's wire format. A channel parses its provider's
//! message into [`InboundContent`] (kind, text, the option a reply chose, typed media, and
//! display-only details); the engine stores it with [`InboundContent::stored_payload`] and reads
//! a stored message's media back with [`InboundMedia::from_stored`] — the one place that knows
//! the stored shape.

use crate::{ContactAddress, MessageType, Notice, PhoneNumber, UserId};
use serde_json::{Map, Value};

/// A message received on a channel, ready for the engine's intake.
#[derive(Debug, Clone)]
pub struct InboundEvent {
    pub workspace_id: String,
    pub number_id: String,
    /// Whether the number's `automation` module is on.
    pub automation: bool,
    /// The sender: a phone number, or a business-scoped user id for a WhatsApp user known only
    /// by username (the contact's address either way).
    pub from: ContactAddress,
    /// The sender's business-scoped user id (a Cloud API `user_id`, a linked device's `@lid`),
    /// when the channel knows it besides the address; stored with the message.
    pub user_id: Option<UserId>,
    pub contact_name: String,
    /// The provider's message id: the deduplication key.
    pub channel_message_id: String,
    pub content: InboundContent,
    /// The provider id of the message this one replies to (for a reaction, edit or revoke: the
    /// message it is about).
    pub reply_to: Option<String>,
    /// What an edit, revoke or changed-number notice does to what is stored; applied in the
    /// transaction that stores the notice, once.
    pub notice: Option<Notice>,
}

/// A message the business wrote outside waflow (on its phone or WhatsApp Web), seen by a
/// linked device: recorded in the conversation, never a trigger.
#[derive(Debug, Clone)]
pub struct SentElsewhere {
    pub workspace_id: String,
    pub number_id: String,
    /// The contact it was sent to.
    pub to: PhoneNumber,
    pub channel_message_id: String,
    pub content: InboundContent,
}

/// What a received message holds, in waflow's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundContent {
    pub kind: MessageType,
    /// What conditions read as the text: a text's body, a medium's caption, a reply's title.
    pub text: String,
    /// For a button or list reply: the id of the option chosen (what a question step matches).
    pub choice_id: Option<String>,
    /// For an image, video, audio, document or sticker: the medium.
    pub media: Option<InboundMedia>,
    /// Everything else worth showing (location, contacts, the reacted message, an edit's
    /// content, a system notice's body, ...): stored with the message for display; the engine
    /// does not read it.
    pub details: Map<String, Value>,
}

impl InboundContent {
    /// A message of `kind` with only a text.
    pub fn text(kind: MessageType, text: impl Into<String>) -> Self {
        Self {
            kind,
            text: text.into(),
            choice_id: None,
            media: None,
            details: Map::new(),
        }
    }

    /// A content from a channel's details in waflow's stored shape: for a medium's kind, the
    /// medium's keys (those [`InboundContent::stored_payload`] writes) become the typed
    /// [`InboundMedia`]; for a button or list reply, the string at `choice_key` (where the channel
    /// writes the chosen option's id) becomes [`InboundContent::choice_id`]; the rest stay
    /// details. A details value that is not an object is kept under `raw`.
    pub fn from_details(kind: MessageType, text: String, details: Value, choice_key: &str) -> Self {
        let choice_id = match kind {
            MessageType::InteractiveReply => details
                .get(choice_key)
                .and_then(Value::as_str)
                .map(String::from),
            _ => None,
        };
        let mut details = match details {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => Map::from_iter([("raw".to_string(), other)]),
        };
        let media = kind.is_media().then(|| {
            let media = InboundMedia::from_stored(&Value::Object(details.clone()));
            for key in MEDIA_KEYS {
                details.remove(key);
            }
            media.unwrap_or_default()
        });
        Self {
            kind,
            text,
            choice_id,
            media,
            details,
        }
    }

    /// The JSON stored with the message (and shown by the API): the details, the medium's
    /// fields (`media_id`, `mime_type`, `sha256`, `filename`, `voice`, and `file` or
    /// `media_error`) and the sender's `user_id`; `None` when there is nothing to store.
    pub fn stored_payload(&self, user_id: Option<&UserId>) -> Option<Value> {
        let mut map = self.details.clone();
        if let Some(media) = &self.media {
            media.store_into(&mut map);
        }
        if let Some(uid) = user_id {
            map.insert("user_id".into(), Value::from(uid.as_str()));
        }
        (!map.is_empty()).then_some(Value::Object(map))
    }
}

/// The keys of a medium in a stored payload.
const MEDIA_KEYS: [&str; 7] = [
    "media_id",
    "mime_type",
    "sha256",
    "filename",
    "voice",
    "file",
    "media_error",
];

/// A received medium: what the provider said of it and where its file was stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InboundMedia {
    /// The provider's id of the medium (the Cloud API's media id), if it has one.
    pub provider_id: Option<String>,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    /// The document's file name, as the sender named it.
    pub file_name: Option<String>,
    /// An audio recorded as a voice message.
    pub voice: bool,
    /// The stored file, or why it could not be fetched or stored; `None` before a download.
    pub stored: Option<Result<StoredFile, String>>,
}

/// A received file kept in the data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Relative to the data directory: `media/<number id>/<name>`.
    pub path: String,
    pub size: u64,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
}

impl InboundMedia {
    fn store_into(&self, map: &mut Map<String, Value>) {
        let mut put = |key: &str, value: &Option<String>| {
            if let Some(v) = value {
                map.insert(key.into(), Value::from(v.as_str()));
            }
        };
        put("media_id", &self.provider_id);
        put("mime_type", &self.mime_type);
        put("sha256", &self.sha256);
        put("filename", &self.file_name);
        if self.voice {
            map.insert("voice".into(), Value::Bool(true));
        }
        match &self.stored {
            Some(Ok(file)) => {
                let mut f = Map::new();
                f.insert("path".into(), Value::from(file.path.as_str()));
                f.insert("size".into(), Value::from(file.size));
                if let Some(m) = &file.mime_type {
                    f.insert("mime_type".into(), Value::from(m.as_str()));
                }
                if let Some(s) = &file.sha256 {
                    f.insert("sha256".into(), Value::from(s.as_str()));
                }
                map.insert("file".into(), Value::Object(f));
            }
            Some(Err(e)) => {
                map.insert("media_error".into(), Value::from(e.as_str()));
            }
            None => {}
        }
    }

    /// The medium of a stored message's payload (written by
    /// [`InboundContent::stored_payload`]); `None` when it names no medium.
    pub fn from_stored(payload: &Value) -> Option<Self> {
        let map = payload.as_object()?;
        let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let file = map.get("file").and_then(Value::as_object);
        let stored = match (file, map.get("media_error")) {
            (_, Some(e)) => Some(Err(e.as_str().unwrap_or("unknown error").to_string())),
            (Some(f), None) => s(f.get("path")).map(|path| {
                Ok(StoredFile {
                    path,
                    size: f.get("size").and_then(Value::as_u64).unwrap_or(0),
                    mime_type: s(f.get("mime_type")),
                    sha256: s(f.get("sha256")),
                })
            }),
            (None, None) => None,
        };
        let media = Self {
            provider_id: s(map.get("media_id")),
            mime_type: s(map.get("mime_type")),
            sha256: s(map.get("sha256")),
            file_name: s(map.get("filename")),
            voice: map.get("voice").and_then(Value::as_bool).unwrap_or(false),
            stored,
        };
        (media != Self::default()).then_some(media)
    }

    /// The MIME type: the stored file's, else the provider's; without parameters, lower-case.
    pub fn essence(&self) -> String {
        let stored = match &self.stored {
            Some(Ok(f)) => f.mime_type.as_deref(),
            _ => None,
        };
        stored
            .or(self.mime_type.as_deref())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stored_medium_reads_back_the_same() {
        let mut content = InboundContent::text(MessageType::Document, "the invoice");
        content
            .details
            .insert("caption".into(), json!("the invoice"));
        content.media = Some(InboundMedia {
            provider_id: Some("123".into()),
            mime_type: Some("application/pdf".into()),
            sha256: None,
            file_name: Some("invoice.pdf".into()),
            voice: false,
            stored: Some(Ok(StoredFile {
                path: "media/num_1/123".into(),
                size: 42,
                mime_type: Some("application/pdf".into()),
                sha256: Some("ab".into()),
            })),
        });
        let uid = UserId::parse("US.13491208655302741918").unwrap();
        let payload = content.stored_payload(Some(&uid)).unwrap();
        assert_eq!(payload["file"]["path"], "media/num_1/123");
        assert_eq!(payload["caption"], "the invoice");
        assert_eq!(payload["user_id"], "US.13491208655302741918");
        assert_eq!(InboundMedia::from_stored(&payload), content.media);
    }

    #[test]
    fn a_failed_download_is_kept_as_its_reason() {
        let media = InboundMedia {
            mime_type: Some("audio/ogg; codecs=opus".into()),
            voice: true,
            stored: Some(Err("the download timed out".into())),
            ..Default::default()
        };
        let mut content = InboundContent::text(MessageType::Audio, "");
        content.media = Some(media.clone());
        let payload = content.stored_payload(None).unwrap();
        assert_eq!(payload["media_error"], "the download timed out");
        let back = InboundMedia::from_stored(&payload).unwrap();
        assert_eq!(back, media);
        assert_eq!(back.essence(), "audio/ogg");
    }

    #[test]
    fn a_text_stores_nothing_and_names_no_medium() {
        let content = InboundContent::text(MessageType::Text, "hello");
        assert_eq!(content.stored_payload(None), None);
        assert_eq!(InboundMedia::from_stored(&json!({"latitude": 1.0})), None);
    }
}
