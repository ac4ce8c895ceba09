//! A Cloud API webhook body parsed into waflow's [`WebhookEvent`]s, message by message.
//!
//! Meta delivers `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages",
//! "value":{...}}]}]}`; each `messages` change carries inbound `messages[]` and delivery
//! `statuses[]` for one business number (`value.metadata.phone_number_id`).
//!
//! - [`messages`]: one inbound message (sender by phone and/or business-scoped user id, content,
//!   and the notices: reactions, edits, revokes, system notices).
//! - [`statuses`]: one delivery status (with Meta's error codes and the callback data echoed).
//! - `shapes`: Meta's JSON shapes and the path-naming readers.
//!
//! **Guarantees:**
//! - Fields Meta adds are ignored; only what waflow reads is checked.
//! - Changes for other fields (`message_template_status_update`, ...) yield no events.
//! - No inbound message is dropped for its type: a type this module does not model
//!   (`unsupported`, `order`, `request_welcome`, an interactive reply of another kind, a type
//!   never seen, or a known type without its content object) becomes
//!   [`MessageType::Unknown`](waflow_domain::MessageType::Unknown)
//!   with the raw message object as its payload.
//! - A body is taken message by message: a message or status that is unusable (without id,
//!   sender or valid timestamp, a field of the wrong JSON type, an edit or revoke without the
//!   message it is about) is refused alone, as a [`WebhookError`] naming its path, e.g.
//!   `entry[0].changes[0].value.messages[1].timestamp: "abc" is not a number`; its siblings are
//!   kept. A change without a usable `value` or `phone_number_id` is refused with its path, alone.
//!   Only a body that is not JSON, not a WhatsApp Business Account webhook, or whose `entry` is
//!   not an array is refused whole.
//! - Events come out in body order: per change, its messages first, then its statuses.

mod messages;
mod shapes;
mod statuses;

use super::WebhookEvent;
use serde_json::Value;
use shapes::{array, decode, invalid, kind_of, ChangeHead, ValueHead};

/// The only `object` a WhatsApp Business Account webhook carries.
pub const OBJECT: &str = "whatsapp_business_account";

/// Why a webhook body, or one message or status in it, was refused.
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

/// What one webhook body holds: the events that parsed, in body order, and the parts refused
/// (each naming its path), which do not stop the others.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivery {
    /// The messages and statuses that parsed.
    pub events: Vec<WebhookEvent>,
    /// The messages, statuses or changes refused, each alone.
    pub refused: Vec<WebhookError>,
}

/// Parses a webhook body (already signature-checked). `Err` only when the body as a whole is
/// unusable; a bad message or status lands in [`Delivery::refused`].
pub fn parse(body: &[u8]) -> Result<Delivery, WebhookError> {
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

    let mut delivery = Delivery::default();
    for (e, entry) in array(&root, "entry", "entry")?.iter().enumerate() {
        let entry_path = format!("entry[{e}]");
        let changes_path = format!("{entry_path}.changes");
        let changes = match array(entry, "changes", &changes_path) {
            Ok(changes) => changes,
            Err(refused) => {
                delivery.refused.push(refused);
                continue;
            }
        };
        for (c, change) in changes.iter().enumerate() {
            let change_path = format!("{changes_path}[{c}]");
            if let Err(refused) = parse_change(change, &change_path, &mut delivery) {
                delivery.refused.push(refused);
            }
        }
    }
    Ok(delivery)
}

/// One change: nothing unless its field is `messages`; then its messages, then its statuses.
/// `Err` refuses the change as a whole (no usable `value` or number).
fn parse_change(change: &Value, path: &str, delivery: &mut Delivery) -> Result<(), WebhookError> {
    let head: ChangeHead = decode(change, path)?;
    if head.field.as_deref() != Some("messages") {
        return Ok(());
    }
    let value_path = format!("{path}.value");
    let Some(value) = change.get("value").filter(|v| !v.is_null()) else {
        return Err(invalid(value_path, "missing"));
    };
    let head: ValueHead = decode(value, &value_path)?;
    let messages = array(value, "messages", &format!("{value_path}.messages"))?;
    let statuses = array(value, "statuses", &format!("{value_path}.statuses"))?;
    if messages.is_empty() && statuses.is_empty() {
        return Ok(());
    }
    let phone_number_id = head
        .metadata
        .and_then(|m| m.phone_number_id)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| invalid(format!("{value_path}.metadata.phone_number_id"), "missing"))?;

    for (i, message) in messages.iter().enumerate() {
        let message_path = format!("{value_path}.messages[{i}]");
        match messages::parse_message(message, &message_path, &phone_number_id, &head.contacts) {
            Ok(m) => delivery.events.push(WebhookEvent::Message(m)),
            Err(refused) => delivery.refused.push(refused),
        }
    }
    for (i, status) in statuses.iter().enumerate() {
        let status_path = format!("{value_path}.statuses[{i}]");
        match statuses::parse_status(status, &status_path, &phone_number_id) {
            Ok(s) => delivery.events.push(WebhookEvent::Status(s)),
            Err(refused) => delivery.refused.push(refused),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
