//! waflow's outbound content as the crate's messages.
//!
//! The content is the same JSON every channel gets ([`Content`]). Buttons and lists are not
//! reliable on linked devices, so they are sent as a numbered text menu ([`menu_text`]); the
//! engine's menu step already takes a number or an option's exact title as the answer, in the
//! same order as the menu is numbered here. Templates are a Cloud API feature and are refused.
//!
//! **Invariant:** [`plan`] has no I/O: media still to be fetched and uploaded comes back as
//! [`Plan::Media`], for the connection to finish.

use serde::Deserialize;
use waflow_channels::cloud_api::content::{Content, MediaKind, MediaSource};
use waflow_channels::{Outgoing, SendError};
use whatsapp_rust::wacore::proto_helpers::{build_reaction_message, MessageBuilderExt};
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::{Jid, Server};

/// What sending an [`Outgoing`] takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// A message ready to send to the chat.
    Message(Box<wa::Message>),
    /// Media to fetch from a link (or find by id), upload, then send.
    Media {
        kind: MediaKind,
        source: MediaSource,
        caption: Option<String>,
        filename: Option<String>,
    },
    /// Mark the contact's message as read.
    MarkRead { message_id: String },
}

/// The chat of a phone number (digits, with or without `+`).
pub fn chat_of(phone: &str) -> Jid {
    Jid::new(phone.trim_start_matches('+'), Server::Pn)
}

/// What to do to send `out` to `to`; `now_ms` stamps reactions.
pub fn plan(out: &Outgoing, to: &Jid, now_ms: i64) -> Result<Plan, SendError> {
    let Some(content) = &out.content else {
        return Ok(Plan::Message(Box::new(wa::Message::text(out.text.clone()))));
    };
    let content =
        Content::deserialize(content).map_err(|e| SendError::Permanent(format!("content: {e}")))?;
    Ok(match content {
        Content::Text { body, .. } => Plan::Message(Box::new(wa::Message::text(body))),
        Content::Buttons { .. } | Content::List { .. } => Plan::Message(Box::new(
            wa::Message::text(menu_text(&content).unwrap_or_default()),
        )),
        Content::Media {
            kind,
            source,
            caption,
            filename,
        } => Plan::Media {
            kind,
            source,
            caption,
            filename,
        },
        Content::Reaction { message_id, emoji } => {
            let key = wa::MessageKey {
                remote_jid: Some(to.to_string()),
                from_me: Some(false),
                id: Some(message_id),
                ..Default::default()
            };
            Plan::Message(Box::new(build_reaction_message(key, emoji, now_ms)))
        }
        Content::MarkRead { message_id } => Plan::MarkRead { message_id },
        Content::Template { name, .. } => {
            return Err(SendError::Permanent(format!(
                "template {name}: message templates are a Cloud API feature; a linked-device \
                 number sends free-form messages only"
            )))
        }
    })
}

/// A buttons or list content as a numbered text menu:
///
/// ```text
/// *Header*
/// Body
///
/// 1. First option
/// 2. Second option — its description
///
/// _Footer_
/// Reply with the number or the option.
/// ```
///
/// Options are numbered in the order the engine matches answers: buttons in order, list rows
/// section after section.
pub fn menu_text(content: &Content) -> Option<String> {
    let (header, body, footer, options) = match content {
        Content::Buttons {
            body,
            buttons,
            header,
            footer,
        } => (
            header,
            body,
            footer,
            buttons
                .iter()
                .map(|b| (b.title.clone(), None))
                .collect::<Vec<_>>(),
        ),
        Content::List {
            body,
            sections,
            header,
            footer,
            ..
        } => (
            header,
            body,
            footer,
            sections
                .iter()
                .flat_map(|s| &s.rows)
                .map(|r| (r.title.clone(), r.description.clone()))
                .collect(),
        ),
        _ => return None,
    };
    let mut text = String::new();
    if let Some(h) = header.as_deref().filter(|h| !h.is_empty()) {
        text.push_str(&format!("*{h}*\n"));
    }
    text.push_str(body);
    text.push_str("\n\n");
    for (i, (title, description)) in options.iter().enumerate() {
        text.push_str(&format!("{}. {title}", i + 1));
        if let Some(d) = description.as_deref().filter(|d| !d.is_empty()) {
            text.push_str(&format!(" — {d}"));
        }
        text.push('\n');
    }
    if let Some(f) = footer.as_deref().filter(|f| !f.is_empty()) {
        text.push_str(&format!("\n_{f}_"));
    }
    text.push_str("\nReply with the number or the option.");
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn out(content: serde_json::Value) -> Outgoing {
        Outgoing {
            message_id: "msg_1".into(),
            number_id: "num_1".into(),
            to_phone: "+393331234567".into(),
            text: "summary".into(),
            content: Some(content),
        }
    }

    fn message(p: Plan) -> wa::Message {
        match p {
            Plan::Message(m) => *m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn text_goes_as_a_conversation_message() {
        let to = chat_of("+393331234567");
        assert_eq!(to.to_string(), "393331234567@s.whatsapp.net");
        let plain = Outgoing {
            content: None,
            ..out(json!({}))
        };
        let m = message(plan(&plain, &to, 0).expect("plan"));
        assert_eq!(m.conversation.as_deref(), Some("summary"));
        let m = message(plan(&out(json!({"type": "text", "body": "Ciao"})), &to, 0).expect("plan"));
        assert_eq!(m.conversation.as_deref(), Some("Ciao"));
    }

    #[test]
    fn buttons_and_lists_become_a_numbered_menu() {
        let to = chat_of("393331234567");
        let buttons = json!({"type": "buttons", "body": "How can we help?", "header": "Shop",
            "footer": "Open 9-18", "buttons": [{"id": "orders", "title": "My order"},
            {"id": "human", "title": "Talk to us"}]});
        let m = message(plan(&out(buttons), &to, 0).expect("plan"));
        assert_eq!(
            m.conversation.as_deref(),
            Some(
                "*Shop*\nHow can we help?\n\n1. My order\n2. Talk to us\n\n_Open 9-18_\n\
                 Reply with the number or the option."
            )
        );
        let list = json!({"type": "list", "body": "Pick a size", "button_label": "Sizes",
            "sections": [{"title": "Small", "rows": [{"id": "s", "title": "S"}]},
                         {"title": "Large", "rows": [{"id": "l", "title": "L", "description": "chest 100"},
                                                     {"id": "xl", "title": "XL"}]}]});
        let m = message(plan(&out(list), &to, 0).expect("plan"));
        assert_eq!(
            m.conversation.as_deref(),
            Some(
                "Pick a size\n\n1. S\n2. L — chest 100\n3. XL\n\nReply with the number or the option."
            )
        );
    }

    #[test]
    fn reactions_media_receipts_and_templates() {
        let to = chat_of("393331234567");
        let m = message(
            plan(
                &out(json!({"type": "reaction", "message_id": "3EB0ABC", "emoji": "👍"})),
                &to,
                1_700_000_000_000,
            )
            .expect("plan"),
        );
        let r = m.reaction_message.as_option().expect("a reaction");
        assert_eq!(r.text.as_deref(), Some("👍"));
        let key = r.key.as_option().expect("a key");
        assert_eq!(key.id.as_deref(), Some("3EB0ABC"));
        assert_eq!(
            key.remote_jid.as_deref(),
            Some("393331234567@s.whatsapp.net")
        );
        assert_eq!(key.from_me, Some(false));

        let media = plan(
            &out(
                json!({"type": "media", "kind": "image", "source": {"url": "https://x.test/a.jpg"},
                "caption": "Our shop"}),
            ),
            &to,
            0,
        )
        .expect("plan");
        assert_eq!(
            media,
            Plan::Media {
                kind: MediaKind::Image,
                source: MediaSource::Url("https://x.test/a.jpg".into()),
                caption: Some("Our shop".into()),
                filename: None,
            }
        );
        assert_eq!(
            plan(
                &out(json!({"type": "mark_read", "message_id": "3EB0ABC"})),
                &to,
                0
            )
            .expect("plan"),
            Plan::MarkRead {
                message_id: "3EB0ABC".into()
            }
        );
        let refused = plan(
            &out(json!({"type": "template", "name": "welcome", "language": "it"})),
            &to,
            0,
        );
        assert!(
            matches!(refused, Err(SendError::Permanent(ref m)) if m.contains("Cloud API")),
            "{refused:?}"
        );
    }
}
