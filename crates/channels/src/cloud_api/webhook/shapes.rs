//! Meta's webhook shapes — only the fields waflow reads; everything else is ignored — and the
//! small helpers that read them with a JSON path in every error.

use super::WebhookError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ChangeHead {
    pub field: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ValueHead {
    pub metadata: Option<Metadata>,
    #[serde(deserialize_with = "null_as_default")]
    pub contacts: Vec<Contact>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Metadata {
    pub phone_number_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Contact {
    pub profile: Option<Profile>,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Profile {
    pub name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MessageHead {
    pub id: Option<String>,
    pub from: Option<String>,
    pub from_user_id: Option<String>,
    pub user_id: Option<String>,
    /// Seconds as a string (Meta's form); a number is accepted too.
    pub timestamp: Option<Value>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub context: Option<Context>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Context {
    pub id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Text {
    pub body: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Media {
    pub id: Option<String>,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
    pub voice: Option<bool>,
    pub animated: Option<bool>,
    pub url: Option<String>,
}

impl Media {
    /// `media_id`, `mime_type`, `sha256`, `caption`, `filename`, `voice`, `animated`, `url`:
    /// whichever are present.
    pub fn payload(self) -> Value {
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
pub(super) struct Location {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub url: Option<String>,
}

impl Location {
    /// `latitude`, `longitude`, `name`, `address`, `url`: whichever are present.
    pub fn payload(self) -> Value {
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
pub(super) struct Interactive {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub button_reply: Option<Reply>,
    pub list_reply: Option<Reply>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Reply {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Button {
    pub payload: Option<String>,
    pub text: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Reaction {
    pub message_id: Option<String>,
    pub emoji: Option<String>,
}

/// `edit` (and the older `message_edit`): the edited message's id and its new content, a
/// message object of its own (`{"type": "text", "text": {...}}`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Edit {
    pub original_message_id: Option<String>,
    pub message: Option<Value>,
}

/// `revoke`: the deleted message's id.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Revoke {
    pub original_message_id: Option<String>,
}

/// `system`: a notice about the user (`user_changed_number` with the new number in `wa_id`, or
/// in `new_wa_id` in older payloads).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct System {
    pub body: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub wa_id: Option<String>,
    pub new_wa_id: Option<String>,
    pub user_id: Option<String>,
    /// `user_changed_user_id`: the user id the notice comes from (it has no `from`).
    pub previous_user_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Status {
    pub id: Option<String>,
    pub status: Option<String>,
    pub recipient_id: Option<String>,
    pub recipient_user_id: Option<String>,
    pub timestamp: Option<Value>,
    /// What the business attached to the send (`biz_opaque_callback_data`), echoed back.
    pub biz_opaque_callback_data: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub errors: Vec<StatusError>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StatusError {
    pub code: Option<i64>,
    pub title: Option<String>,
    pub message: Option<String>,
    pub error_data: Option<ErrorData>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ErrorData {
    pub details: Option<String>,
}

// --- Helpers. ---

pub(super) fn invalid(path: impl Into<String>, reason: impl Into<String>) -> WebhookError {
    WebhookError::Invalid {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Deserializes `value` as `T`, naming `path` on failure.
pub(super) fn decode<T: DeserializeOwned>(value: &Value, path: &str) -> Result<T, WebhookError> {
    T::deserialize(value).map_err(|e| invalid(path, e.to_string()))
}

/// The array under `key` of `value`; empty when absent or null.
pub(super) fn array<'a>(
    value: &'a Value,
    key: &str,
    path: &str,
) -> Result<&'a [Value], WebhookError> {
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
pub(super) fn timestamp(value: Option<&Value>, path: &str) -> Result<i64, WebhookError> {
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

pub(super) fn insert<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        map.insert(key.to_string(), value.into());
    }
}

pub(super) fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

pub(super) fn kind_of(value: &Value) -> &'static str {
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
