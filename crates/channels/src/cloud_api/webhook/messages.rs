//! One `messages[]` entry: who sent it (phone and/or business-scoped user id), what it says in
//! waflow's [`MessageType`]s, and for notices (edits, revokes, system notices) what it does to
//! what is stored.

use super::shapes::{
    decode, insert, invalid, kind_of, non_empty, timestamp, Button, Contact, Edit, Interactive,
    Location, Media, MessageHead, Reaction, Revoke, System, Text,
};
use super::WebhookError;
use crate::cloud_api::InboundMessage;
use serde_json::{Map, Value};
use waflow_domain::{MessageType, Notice, PhoneNumber, UserId};

/// The type, text and payload of a message's content.
type Parts = (MessageType, String, Value);

/// A notice's parts, what it does, and the provider id of the message it is about.
type NoticeParts = (Parts, Option<Notice>, Option<String>);

/// Parses the message at `path`; refused (alone) without an id, a sender or a valid timestamp,
/// with a field of the wrong JSON type, or a notice without what it is about.
pub(super) fn parse_message(
    raw: &Value,
    path: &str,
    phone_number_id: &str,
    contacts: &[Contact],
) -> Result<InboundMessage, WebhookError> {
    let head: MessageHead = decode(raw, path)?;
    let wamid = non_empty(head.id).ok_or_else(|| invalid(format!("{path}.id"), "missing"))?;
    let from = non_empty(head.from);
    let (mut user_id, user_id_path) = match non_empty(head.from_user_id) {
        Some(id) => (Some(id), format!("{path}.from_user_id")),
        None => (non_empty(head.user_id), format!("{path}.user_id")),
    };

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
    if from.is_none() && user_id.is_none() && head.kind.as_deref() == Some("system") {
        // `user_changed_user_id` names its sender only inside the notice.
        user_id = raw
            .get("system")
            .and_then(|s| s.get("previous_user_id"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
    }
    if from.is_none() && user_id.is_none() {
        return Err(invalid(
            format!("{path}.from"),
            "missing, and no user_id or from_user_id either: the sender is unknown",
        ));
    }
    let user_id = user_id
        .map(|id| UserId::parse(&id).map_err(|e| invalid(user_id_path, e)))
        .transpose()?;
    let profile_name = contact
        .and_then(|c| c.profile.as_ref())
        .and_then(|p| p.name.clone())
        .unwrap_or_default();
    let timestamp = timestamp(head.timestamp.as_ref(), &format!("{path}.timestamp"))?;
    let mut reply_to = head.context.and_then(|c| non_empty(c.id));

    let kind = head.kind.as_deref().unwrap_or_default();
    let (content, notice) = match notice(raw, kind, path)? {
        Some((content, notice, about)) => {
            // A notice is stored against the message it is about.
            reply_to = about.or(reply_to);
            (Some(content), notice)
        }
        None => (content(raw, kind, path)?, None),
    };
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
        notice,
    })
}

/// A reaction, edit, revoke or system notice: its content, what it does, and the provider id
/// of the message it is about. `None` for any other type.
fn notice(raw: &Value, kind: &str, path: &str) -> Result<Option<NoticeParts>, WebhookError> {
    let Some(body) = raw.get(kind).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let body_path = format!("{path}.{kind}");
    let original = |id: Option<String>| {
        non_empty(id).ok_or_else(|| invalid(format!("{body_path}.original_message_id"), "missing"))
    };
    Ok(Some(match kind {
        "reaction" => {
            let reaction: Reaction = decode(body, &body_path)?;
            let about = non_empty(reaction.message_id.clone());
            let emoji = reaction.emoji.unwrap_or_default();
            let mut payload = Map::new();
            insert(&mut payload, "message_id", reaction.message_id);
            payload.insert("emoji".into(), emoji.clone().into());
            payload.insert("removed".into(), emoji.is_empty().into());
            let content = (MessageType::Reaction, emoji, Value::Object(payload));
            (content, None, about)
        }
        "edit" | "message_edit" => {
            let edit: Edit = decode(body, &body_path)?;
            let original = original(edit.original_message_id)?;
            let message_path = format!("{body_path}.message");
            let Some(message) = edit.message.filter(|m| !m.is_null()) else {
                return Err(invalid(message_path, "missing"));
            };
            let inner: MessageHead = decode(&message, &message_path)?;
            let inner_kind = inner.kind.unwrap_or_default();
            let (inner_type, text, inner_payload) = content(&message, &inner_kind, &message_path)?
                .ok_or_else(|| {
                    invalid(
                        format!("{message_path}.type"),
                        format!("{inner_kind:?} cannot be edited into a known content"),
                    )
                })?;
            let mut payload = Map::new();
            payload.insert("original_message_id".into(), original.clone().into());
            payload.insert("message_type".into(), inner_type.as_str().into());
            payload.insert("content".into(), inner_payload);
            let notice = Notice::Edited {
                original: original.clone(),
                text: text.clone(),
            };
            let content = (MessageType::Edit, text, Value::Object(payload));
            (content, Some(notice), Some(original))
        }
        "revoke" => {
            let revoke: Revoke = decode(body, &body_path)?;
            let original = original(revoke.original_message_id)?;
            let mut payload = Map::new();
            payload.insert("original_message_id".into(), original.clone().into());
            let notice = Notice::Revoked {
                original: original.clone(),
            };
            let content = (MessageType::Revoke, String::new(), Value::Object(payload));
            (content, Some(notice), Some(original))
        }
        "system" => {
            let system: System = decode(body, &body_path)?;
            let system_kind = system.kind.clone().unwrap_or_default();
            let mut payload = Map::new();
            payload.insert("system_type".into(), system_kind.clone().into());
            insert(&mut payload, "body", system.body.clone());
            let notice = if system_kind == "user_changed_number" {
                let (digits, digits_path) = match non_empty(system.wa_id) {
                    Some(d) => (d, format!("{body_path}.wa_id")),
                    None => (
                        non_empty(system.new_wa_id).ok_or_else(|| {
                            invalid(format!("{body_path}.wa_id"), "missing: the new number")
                        })?,
                        format!("{body_path}.new_wa_id"),
                    ),
                };
                let new_phone = PhoneNumber::parse(&digits).map_err(|e| invalid(digits_path, e))?;
                payload.insert("new_phone".into(), new_phone.as_str().into());
                Some(Notice::NumberChanged { new_phone })
            } else {
                insert(&mut payload, "wa_id", non_empty(system.wa_id));
                insert(&mut payload, "user_id", non_empty(system.user_id));
                insert(
                    &mut payload,
                    "previous_user_id",
                    non_empty(system.previous_user_id),
                );
                None
            };
            let text = system.body.unwrap_or_default();
            (
                (MessageType::System, text, Value::Object(payload)),
                notice,
                None,
            )
        }
        _ => return Ok(None),
    }))
}

/// The type, text and payload of a message of a type waflow models; `None` for anything else
/// (which the caller reports as unknown, with the raw message).
fn content(raw: &Value, kind: &str, path: &str) -> Result<Option<Parts>, WebhookError> {
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
        _ => return Ok(None),
    };
    Ok(Some(content))
}
