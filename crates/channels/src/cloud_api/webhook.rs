//! A Cloud API webhook body parsed into waflow's [`WebhookEvent`]s.
//!
//! Meta delivers `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",
//! "value":{...}}]}]}`; each `messages` change carries inbound `messages[]` and delivery
//! `statuses[]` for one business number (`value.metadata.phone_number_id`).
//!
//! **Guarantees:**
//! - Fields Meta adds are ignored; only what waflow reads is checked.
//! - Changes for other fields (`message_template_status_update`, ...) yield no events.
//! - No inbound message is dropped: a type this module does not model (`unsupported`, `order`,
//!   `system`, `request_welcome`, an interactive reply of another kind, a type never seen, or a
//!   known type without its content object) becomes [`MessageType::Unknown`] with the raw message
//!   object as its payload.
//! - Anything unusable (not JSON, wrong `object`, a message without id, sender or valid timestamp,
//!   a field of the wrong JSON type) refuses the whole body with a [`WebhookError`] naming the
//!   path, e.g. `entry[0].changes[0].value.messages[1].timestamp: "abc" is not a number`.
//! - Events come out in body order: per change, its messages first, then its statuses.

use super::{InboundMessage, ProviderError, StatusUpdate, WebhookEvent};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use waflow_domain::MessageType;

/// The only `object` a WhatsApp Business Account webhook carries.
pub const OBJECT: &str = "whatsapp_business_account";

/// Why a webhook body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The body is not JSON.
    #[error("the webhook body is not JSON: {0}")]
    NotJson(String),
    /// The body's `object` is missing or not `whatsapp_business_account`.
    #[error("the webhook body's \"object\" is {found}, expected \"whatsapp_business_account\"")]
    WrongObject {
        /// What was there instead: a JSON value, or `missing`.
        found: String,
    },
    /// Something at `path` is missing or unusable.
    #[error("{path}: {reason}")]
    Invalid {
        /// Where, e.g. `entry[0].changes[0].value.messages[1].timestamp`.
        path: String,
        /// What is wrong there.
        reason: String,
    },
}

/// Parses a webhook body (already signature-checked) into events, in body order.
pub fn parse(body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::NotJson(e.to_string()))?;
    let Some(top) = root.as_object() else {
        return Err(invalid(
            "body",
            format!("expected a JSON object, found {}", kind_of(&root)),
        ));
    };
    match top.get("object") {
        Some(Value::String(object)) if object == OBJECT => {}
        Some(other) => {
            return Err(WebhookError::WrongObject {
                found: other.to_string(),
            })
        }
        None => {
            return Err(WebhookError::WrongObject {
                found: "missing".to_string(),
            })
        }
    }

    let mut events = Vec::new();
    for (e, entry) in array(&root, "entry", "entry")?.iter().enumerate() {
        let entry_path = format!("entry[{e}]");
        let changes_path = format!("{entry_path}.changes");
        for (c, change) in array(entry, "changes", &changes_path)?.iter().enumerate() {
            let change_path = format!("{changes_path}[{c}]");
            let head: ChangeHead = decode(change, &change_path)?;
            if head.field.as_deref() != Some("messages") {
                continue;
            }
            let value_path = format!("{change_path}.value");
            let Some(value) = change.get("value").filter(|v| !v.is_null()) else {
                return Err(invalid(value_path, "missing"));
            };
            parse_value(value, &value_path, &mut events)?;
        }
    }
    Ok(events)
}

/// One `messages` change's `value`: its messages, then its statuses.
fn parse_value(
    value: &Value,
    path: &str,
    events: &mut Vec<WebhookEvent>,
) -> Result<(), WebhookError> {
    let head: ValueHead = decode(value, path)?;
    let messages = array(value, "messages", &format!("{path}.messages"))?;
    let statuses = array(value, "statuses", &format!("{path}.statuses"))?;
    if messages.is_empty() && statuses.is_empty() {
        return Ok(());
    }
    let phone_number_id = head
        .metadata
        .and_then(|m| m.phone_number_id)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| invalid(format!("{path}.metadata.phone_number_id"), "missing"))?;

    for (i, message) in messages.iter().enumerate() {
        let message_path = format!("{path}.messages[{i}]");
        let inbound = parse_message(message, &message_path, &phone_number_id, &head.contacts)?;
        events.push(WebhookEvent::Message(inbound));
    }
    for (i, status) in statuses.iter().enumerate() {
        let status_path = format!("{path}.statuses[{i}]");
        events.push(WebhookEvent::Status(parse_status(
            status,
            &status_path,
            &phone_number_id,
        )?));
    }
    Ok(())
}

fn parse_message(
    raw: &Value,
    path: &str,
    phone_number_id: &str,
    contacts: &[Contact],
) -> Result<InboundMessage, WebhookError> {
    let head: MessageHead = decode(raw, path)?;
    let wamid = non_empty(head.id).ok_or_else(|| invalid(format!("{path}.id"), "missing"))?;
    let from = non_empty(head.from);
    let mut user_id = non_empty(head.from_user_id).or(non_empty(head.user_id));

    let contact = contacts
        .iter()
        .find(|c| {
            (from.is_some() && c.wa_id == from) || (user_id.is_some() && c.user_id == user_id)
        })
        .or_else(|| contacts.first());
    if user_id.is_none() {
        // The contact entry for this sender (matched by phone) may carry the user id.
        user_id = contact
            .filter(|c| from.is_some() && c.wa_id == from)
            .and_then(|c| non_empty(c.user_id.clone()));
    }
    if from.is_none() && user_id.is_none() {
        return Err(invalid(
            format!("{path}.from"),
            "missing, and no user_id or from_user_id either: the sender is unknown",
        ));
    }
    let profile_name = contact
        .and_then(|c| c.profile.as_ref())
        .and_then(|p| p.name.clone())
        .unwrap_or_default();
    let timestamp = timestamp(head.timestamp.as_ref(), &format!("{path}.timestamp"))?;
    let reply_to = head.context.and_then(|c| non_empty(c.id));

    let content = content(raw, head.kind.as_deref().unwrap_or_default(), path)?;
    let (message_type, text, payload) =
        content.unwrap_or_else(|| (MessageType::Unknown, String::new(), raw.clone()));

    Ok(InboundMessage {
        phone_number_id: phone_number_id.to_string(),
        wamid,
        from,
        user_id,
        profile_name,
        timestamp,
        message_type,
        text,
        payload,
        reply_to,
    })
}

/// The type, text and payload of a message of a type waflow models; `None` for anything else
/// (which the caller reports as unknown, with the raw message).
fn content(
    raw: &Value,
    kind: &str,
    path: &str,
) -> Result<Option<(MessageType, String, Value)>, WebhookError> {
    let Some(body) = raw.get(kind).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let body_path = format!("{path}.{kind}");
    let media_type = match kind {
        "image" => Some(MessageType::Image),
        "video" => Some(MessageType::Video),
        "audio" => Some(MessageType::Audio),
        "document" => Some(MessageType::Document),
        "sticker" => Some(MessageType::Sticker),
        _ => None,
    };
    if let Some(message_type) = media_type {
        let media: Media = decode(body, &body_path)?;
        let text = media.caption.clone().unwrap_or_default();
        return Ok(Some((message_type, text, media.payload())));
    }
    let content = match kind {
        "text" => {
            let text: Text = decode(body, &body_path)?;
            (
                MessageType::Text,
                text.body.unwrap_or_default(),
                Value::Object(Map::new()),
            )
        }
        "location" => {
            let location: Location = decode(body, &body_path)?;
            let text = location.name.clone().unwrap_or_default();
            (MessageType::Location, text, location.payload())
        }
        "contacts" => {
            if !body.is_array() {
                return Err(invalid(
                    body_path,
                    format!("expected an array, found {}", kind_of(body)),
                ));
            }
            (MessageType::Contacts, String::new(), body.clone())
        }
        "interactive" => {
            let interactive: Interactive = decode(body, &body_path)?;
            let (reply_kind, reply) = match interactive.kind.as_deref() {
                Some("button_reply") => ("button_reply", interactive.button_reply),
                Some("list_reply") => ("list_reply", interactive.list_reply),
                _ => return Ok(None),
            };
            let Some(reply) = reply else {
                return Ok(None);
            };
            let mut payload = Map::new();
            payload.insert("kind".into(), reply_kind.into());
            insert(&mut payload, "id", reply.id);
            insert(&mut payload, "title", reply.title.clone());
            insert(&mut payload, "description", reply.description);
            (
                MessageType::InteractiveReply,
                reply.title.unwrap_or_default(),
                Value::Object(payload),
            )
        }
        "button" => {
            let button: Button = decode(body, &body_path)?;
            let mut payload = Map::new();
            payload.insert("kind".into(), "quick_reply".into());
            insert(&mut payload, "payload", button.payload);
            insert(&mut payload, "text", button.text.clone());
            (
                MessageType::InteractiveReply,
                button.text.unwrap_or_default(),
                Value::Object(payload),
            )
        }
        "reaction" => {
            let reaction: Reaction = decode(body, &body_path)?;
            let emoji = reaction.emoji.unwrap_or_default();
            let mut payload = Map::new();
            insert(&mut payload, "message_id", reaction.message_id);
            payload.insert("emoji".into(), emoji.clone().into());
            payload.insert("removed".into(), emoji.is_empty().into());
            (MessageType::Reaction, emoji, Value::Object(payload))
        }
        _ => return Ok(None),
    };
    Ok(Some(content))
}

fn parse_status(
    raw: &Value,
    path: &str,
    phone_number_id: &str,
) -> Result<StatusUpdate, WebhookError> {
    let status: Status = decode(raw, path)?;
    let wamid = non_empty(status.id).ok_or_else(|| invalid(format!("{path}.id"), "missing"))?;
    let state =
        non_empty(status.status).ok_or_else(|| invalid(format!("{path}.status"), "missing"))?;
    let timestamp = timestamp(status.timestamp.as_ref(), &format!("{path}.timestamp"))?;
    let errors = status
        .errors
        .into_iter()
        .map(|e| {
            let title = e.title.unwrap_or_default();
            ProviderError {
                code: e.code.unwrap_or_default(),
                message: e.message.unwrap_or_else(|| title.clone()),
                title,
                details: e.error_data.and_then(|d| d.details),
            }
        })
        .collect();
    Ok(StatusUpdate {
        phone_number_id: phone_number_id.to_string(),
        wamid,
        status: state,
        recipient: non_empty(status.recipient_id).or(non_empty(status.recipient_user_id)),
        timestamp,
        errors,
    })
}

// --- Meta's shapes: only the fields waflow reads; everything else is ignored. ---

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChangeHead {
    field: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ValueHead {
    metadata: Option<Metadata>,
    #[serde(deserialize_with = "null_as_default")]
    contacts: Vec<Contact>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata {
    phone_number_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Contact {
    profile: Option<Profile>,
    wa_id: Option<String>,
    user_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessageHead {
    id: Option<String>,
    from: Option<String>,
    from_user_id: Option<String>,
    user_id: Option<String>,
    /// Seconds as a string (Meta's form); a number is accepted too.
    timestamp: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<String>,
    context: Option<Context>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Context {
    id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Text {
    body: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Media {
    id: Option<String>,
    mime_type: Option<String>,
    sha256: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
    voice: Option<bool>,
    animated: Option<bool>,
    url: Option<String>,
}

impl Media {
    /// `media_id`, `mime_type`, `sha256`, `caption`, `filename`, `voice`, `animated`, `url`:
    /// whichever are present.
    fn payload(self) -> Value {
        let mut payload = Map::new();
        insert(&mut payload, "media_id", self.id);
        insert(&mut payload, "mime_type", self.mime_type);
        insert(&mut payload, "sha256", self.sha256);
        insert(&mut payload, "caption", self.caption);
        insert(&mut payload, "filename", self.filename);
        insert(&mut payload, "voice", self.voice);
        insert(&mut payload, "animated", self.animated);
        insert(&mut payload, "url", self.url);
        Value::Object(payload)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
    name: Option<String>,
    address: Option<String>,
    url: Option<String>,
}

impl Location {
    /// `latitude`, `longitude`, `name`, `address`, `url`: whichever are present.
    fn payload(self) -> Value {
        let mut payload = Map::new();
        insert(&mut payload, "latitude", self.latitude);
        insert(&mut payload, "longitude", self.longitude);
        insert(&mut payload, "name", self.name);
        insert(&mut payload, "address", self.address);
        insert(&mut payload, "url", self.url);
        Value::Object(payload)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Interactive {
    #[serde(rename = "type")]
    kind: Option<String>,
    button_reply: Option<Reply>,
    list_reply: Option<Reply>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reply {
    id: Option<String>,
    title: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Button {
    payload: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reaction {
    message_id: Option<String>,
    emoji: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Status {
    id: Option<String>,
    status: Option<String>,
    recipient_id: Option<String>,
    recipient_user_id: Option<String>,
    timestamp: Option<Value>,
    #[serde(deserialize_with = "null_as_default")]
    errors: Vec<StatusError>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusError {
    code: Option<i64>,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<ErrorData>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorData {
    details: Option<String>,
}

// --- Helpers. ---

fn invalid(path: impl Into<String>, reason: impl Into<String>) -> WebhookError {
    WebhookError::Invalid {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Deserializes `value` as `T`, naming `path` on failure.
fn decode<T: DeserializeOwned>(value: &Value, path: &str) -> Result<T, WebhookError> {
    T::deserialize(value).map_err(|e| invalid(path, e.to_string()))
}

/// The array under `key` of `value`; empty when absent or null.
fn array<'a>(value: &'a Value, key: &str, path: &str) -> Result<&'a [Value], WebhookError> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(invalid(
            path,
            format!("expected an array, found {}", kind_of(other)),
        )),
    }
}

/// Seconds since the epoch from Meta's string (or a plain integer).
fn timestamp(value: Option<&Value>, path: &str) -> Result<i64, WebhookError> {
    match value {
        None | Some(Value::Null) => Err(invalid(path, "missing")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| invalid(path, format!("{} is not a number", Value::from(s.as_str())))),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| invalid(path, format!("{n} is not a whole number of seconds"))),
        Some(other) => Err(invalid(path, format!("{other} is not a number"))),
    }
}

fn insert<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        map.insert(key.to_string(), value.into());
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `null` read as the type's default (an empty list), like an absent field.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(message: Value) -> Result<Vec<WebhookEvent>, WebhookError> {
        let body = serde_json::json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                "contacts": [{"profile": {"name": "Ana"}, "wa_id": "16505551234"}],
                "messages": [message]
            }}]}]
        });
        parse(body.to_string().as_bytes())
    }

    fn message(events: &[WebhookEvent]) -> &InboundMessage {
        match events {
            [WebhookEvent::Message(m)] => m,
            other => panic!("expected one message, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_timestamp_names_its_path() {
        let err = one(
            serde_json::json!({"from": "16505551234", "id": "wamid.A", "timestamp": "abc", "type": "text", "text": {"body": "hi"}}),
        );
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err(
                r#"entry[0].changes[0].value.messages[0].timestamp: "abc" is not a number"#
                    .to_string()
            )
        );
    }

    #[test]
    fn a_numeric_timestamp_is_accepted() {
        let events = one(
            serde_json::json!({"from": "16505551234", "id": "wamid.A", "timestamp": 1739321024, "type": "text", "text": {"body": "hi"}}),
        );
        assert_eq!(events.map(|e| message(&e).timestamp), Ok(1739321024));
    }

    #[test]
    fn a_message_without_a_sender_is_refused() {
        let err = one(
            serde_json::json!({"id": "wamid.A", "timestamp": "1", "type": "text", "text": {"body": "hi"}}),
        );
        assert!(
            matches!(&err, Err(WebhookError::Invalid { path, .. }) if path == "entry[0].changes[0].value.messages[0].from"),
            "{err:?}"
        );
    }

    #[test]
    fn a_message_without_an_id_is_refused() {
        let err = one(
            serde_json::json!({"from": "16505551234", "timestamp": "1", "type": "text", "text": {"body": "hi"}}),
        );
        assert!(
            matches!(&err, Err(WebhookError::Invalid { path, .. }) if path == "entry[0].changes[0].value.messages[0].id"),
            "{err:?}"
        );
    }

    #[test]
    fn a_known_type_without_its_content_is_unknown_not_dropped() {
        let raw = serde_json::json!({"from": "16505551234", "id": "wamid.A", "timestamp": "1", "type": "image"});
        let events = one(raw.clone()).expect("parses");
        let m = message(&events);
        assert_eq!(m.message_type, MessageType::Unknown);
        assert_eq!(m.payload, raw);
    }

    #[test]
    fn an_interactive_reply_of_another_kind_is_unknown() {
        let raw = serde_json::json!({"from": "16505551234", "id": "wamid.A", "timestamp": "1", "type": "interactive",
            "interactive": {"type": "nfm_reply", "nfm_reply": {"name": "flow", "response_json": "{}", "body": "Sent"}}});
        let events = one(raw.clone()).expect("parses");
        let m = message(&events);
        assert_eq!(m.message_type, MessageType::Unknown);
        assert_eq!(m.payload, raw);
    }

    #[test]
    fn a_wrongly_typed_field_names_its_object() {
        let err = one(
            serde_json::json!({"from": "16505551234", "id": "wamid.A", "timestamp": "1", "type": "text", "text": {"body": 5}}),
        );
        assert!(
            matches!(&err, Err(WebhookError::Invalid { path, .. }) if path == "entry[0].changes[0].value.messages[0].text"),
            "{err:?}"
        );
    }

    #[test]
    fn messages_without_a_phone_number_id_are_refused() {
        let body = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"w","timestamp":"1","type":"text","text":{"body":"x"}}]}}]}]}"#;
        assert_eq!(
            parse(body.as_bytes()).map_err(|e| e.to_string()),
            Err("entry[0].changes[0].value.metadata.phone_number_id: missing".to_string())
        );
    }

    #[test]
    fn the_profile_name_falls_back_to_the_first_contact_then_empty() {
        let events = one(serde_json::json!({"from": "999", "id": "wamid.A", "timestamp": "1", "type": "text", "text": {"body": "hi"}}))
            .expect("parses");
        assert_eq!(message(&events).profile_name, "Ana");

        let body = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"p"},"messages":[{"from":"1","id":"w","timestamp":"1","type":"text","text":{"body":"x"}}]}}]}]}"#;
        let events = parse(body.as_bytes()).expect("parses");
        assert_eq!(message(&events).profile_name, "");
    }

    #[test]
    fn a_status_missing_its_recipient_phone_uses_the_user_id() {
        let body = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"p"},"statuses":[{"id":"wamid.S","status":"delivered","timestamp":"7","recipient_user_id":"US.13491208655302741918"}]}}]}]}"#;
        let events = parse(body.as_bytes()).expect("parses");
        match events.as_slice() {
            [WebhookEvent::Status(s)] => {
                assert_eq!(s.recipient.as_deref(), Some("US.13491208655302741918"));
                assert_eq!(s.timestamp, 7);
            }
            other => panic!("expected one status, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_body_and_a_non_object_are_refused() {
        assert!(matches!(parse(b""), Err(WebhookError::NotJson(_))));
        assert_eq!(
            parse(b"[1]").map_err(|e| e.to_string()),
            Err("body: expected a JSON object, found an array".to_string())
        );
        assert_eq!(
            parse(br#"{"entry":[]}"#).map_err(|e| e.to_string()),
            Err(
                r#"the webhook body's "object" is missing, expected "whatsapp_business_account""#
                    .to_string()
            )
        );
        assert_eq!(
            parse(br#"{"object":"whatsapp_business_account","entry":{}}"#)
                .map_err(|e| e.to_string()),
            Err("entry: expected an array, found an object".to_string())
        );
    }
}
