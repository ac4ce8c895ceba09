//! The crate's inbound messages in waflow's terms: who wrote (phone and/or `@lid` identity), what
//! (text, media, reaction, reply, location, contacts, an answer to a menu), and whether the
//! business itself wrote it from the phone or WhatsApp Web.
//!
//! **Invariant:** only direct chats become [`Inbound`]s; groups, status updates, broadcasts and
//! newsletters are not conversations with a contact and are ignored here.

use serde_json::{json, Value};
use waflow_domain::{InboundContent, MessageType};
use whatsapp_rust::types::events::InboundMessage;
use whatsapp_rust::types::message::MessageSource;
use whatsapp_rust::wacore::proto_helpers::MessageExt;
use whatsapp_rust::wacore_binary::jid::JidExt;
#[cfg(test)]
use whatsapp_rust::waproto::buffa;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::Jid;

/// Who the other party of a direct chat is. WhatsApp names a user by phone (`…@s.whatsapp.net`)
/// or by a privacy identifier (`…@lid`), and often sends the other one alongside.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// The phone number, digits only.
    pub phone: Option<String>,
    /// The `@lid` user part.
    pub lid: Option<String>,
}

impl Identity {
    /// The key under which a `@lid` is linked to a contact in waflow's store.
    pub fn lid_key(&self) -> Option<String> {
        self.lid.as_ref().map(|l| format!("lid:{l}"))
    }
}

/// An inbound message (or one the business sent from elsewhere), mapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// WhatsApp's message id: the deduplication key.
    pub id: String,
    /// Written by the business (the phone itself or WhatsApp Web), not by the contact.
    pub from_me: bool,
    /// The contact.
    pub contact: Identity,
    /// The contact's profile name (empty for the business's own messages).
    pub push_name: String,
    pub message_type: MessageType,
    /// The text, caption, emoji or chosen option's title.
    pub text: String,
    /// Details by type (media mime type and file name, location, reaction target, chosen reply
    /// id), stored with the message.
    pub payload: Value,
    /// The id of the message this one quotes.
    pub reply_to: Option<String>,
    /// The message carries media that can be downloaded.
    pub has_media: bool,
}

/// The identity of the other party of a direct chat.
pub fn identity(source: &MessageSource) -> Identity {
    let mut id = Identity::default();
    // For our own messages the chat is the recipient; for theirs, the chat is the sender.
    let alt = if source.is_from_me {
        source.recipient_alt.as_ref()
    } else {
        source.sender_alt.as_ref()
    };
    for jid in std::iter::once(&source.chat).chain(alt) {
        learn(&mut id, jid);
    }
    id
}

fn learn(id: &mut Identity, jid: &Jid) {
    if jid.is_lid() {
        id.lid.get_or_insert_with(|| jid.user.to_string());
    } else if jid.is_pn() {
        id.phone.get_or_insert_with(|| jid.user.to_string());
    }
}

/// Maps one of the crate's messages; `None` for what is not a direct chat message.
pub fn inbound(message: &InboundMessage) -> Option<Inbound> {
    let info = &message.info;
    let source = &info.source;
    let chat = &source.chat;
    if source.is_group || chat.is_group() || chat.is_status_broadcast() || chat.is_newsletter() {
        return None;
    }
    let contact = identity(source);
    if contact.phone.is_none() && contact.lid.is_none() {
        return None;
    }
    let body = message.message.get_base_message();
    let (message_type, text, payload, has_media) = content(body);
    Some(Inbound {
        id: info.id.to_string(),
        from_me: source.is_from_me,
        contact,
        push_name: if source.is_from_me {
            String::new()
        } else {
            info.push_name.clone()
        },
        message_type,
        text,
        payload,
        reply_to: quoted(body),
        has_media,
    })
}

/// What a message says: its type, text, details, and whether it has media to download.
pub fn content(m: &wa::Message) -> (MessageType, String, Value, bool) {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    if let Some(text) = m.text_content() {
        return (MessageType::Text, text.to_string(), json!({}), false);
    }
    if let Some(i) = m.image_message.as_option() {
        let details = json!({"mime_type": s(&i.mimetype)});
        return (MessageType::Image, s(&i.caption), details, true);
    }
    if let Some(v) = m.video_message.as_option() {
        let details = json!({"mime_type": s(&v.mimetype), "seconds": v.seconds});
        return (MessageType::Video, s(&v.caption), details, true);
    }
    if let Some(a) = m.audio_message.as_option() {
        let details = json!({
            "mime_type": s(&a.mimetype),
            "seconds": a.seconds,
            "voice": a.ptt.unwrap_or(false),
        });
        return (MessageType::Audio, String::new(), details, true);
    }
    if let Some(d) = m.document_message.as_option() {
        let details = json!({"mime_type": s(&d.mimetype), "filename": s(&d.file_name)});
        return (MessageType::Document, s(&d.caption), details, true);
    }
    if let Some(st) = m.sticker_message.as_option() {
        let details = json!({"mime_type": s(&st.mimetype)});
        return (MessageType::Sticker, String::new(), details, true);
    }
    if let Some(l) = m.location_message.as_option() {
        let details = json!({
            "latitude": l.degrees_latitude,
            "longitude": l.degrees_longitude,
            "name": l.name,
            "address": l.address,
        });
        return (MessageType::Location, s(&l.name), details, false);
    }
    if let Some(r) = m.reaction_message.as_option() {
        let target = r.key.as_option().and_then(|k| k.id.clone());
        let details = json!({"message_id": target, "emoji": s(&r.text)});
        return (MessageType::Reaction, s(&r.text), details, false);
    }
    if let Some(c) = m.contact_message.as_option() {
        let details = json!({"contacts": [{"name": s(&c.display_name), "vcard": s(&c.vcard)}]});
        return (MessageType::Contacts, s(&c.display_name), details, false);
    }
    if let Some(b) = m.buttons_response_message.as_option() {
        let details = json!({"reply_id": s(&b.selected_button_id)});
        let title = selected_display_text(b)
            .map(str::to_string)
            .unwrap_or_default();
        return (MessageType::InteractiveReply, title, details, false);
    }
    if let Some(l) = m.list_response_message.as_option() {
        let id = l
            .single_select_reply
            .as_option()
            .and_then(|r| r.selected_row_id.clone());
        let details = json!({"reply_id": id});
        return (MessageType::InteractiveReply, s(&l.title), details, false);
    }
    (MessageType::Unknown, String::new(), json!({}), false)
}

/// The id of the message quoted by this one, if any.
fn quoted(m: &wa::Message) -> Option<String> {
    let context = m
        .extended_text_message
        .as_option()
        .and_then(|t| t.context_info.as_option())
        .or_else(|| {
            m.image_message
                .as_option()
                .and_then(|i| i.context_info.as_option())
        })
        .or_else(|| {
            m.video_message
                .as_option()
                .and_then(|v| v.context_info.as_option())
        })
        .or_else(|| {
            m.audio_message
                .as_option()
                .and_then(|a| a.context_info.as_option())
        })
        .or_else(|| {
            m.document_message
                .as_option()
                .and_then(|d| d.context_info.as_option())
        })?;
    context.stanza_id.clone()
}

/// The chosen button's title, which the proto keeps in a oneof.
fn selected_display_text(b: &wa::message::ButtonsResponseMessage) -> Option<&str> {
    use wa::__buffa::oneof::message::buttons_response_message::Response;
    match &b.response {
        Some(Response::SelectedDisplayText(t)) => Some(t.as_str()),
        _ => None,
    }
}

impl Inbound {
    /// The message's content in waflow's terms (the medium typed, without its file yet; a
    /// button or list reply's chosen id, which [`content`] writes at `reply_id`).
    pub fn content(&self) -> InboundContent {
        InboundContent::from_details(
            self.message_type,
            self.text.clone(),
            self.payload.clone(),
            "reply_id",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use whatsapp_rust::types::message::MessageInfo;

    fn jid(s: &str) -> Jid {
        s.parse().expect("a jid")
    }

    fn message(source: MessageSource, body: wa::Message) -> InboundMessage {
        let info = MessageInfo {
            source,
            id: "3EB0C0FFEE".into(),
            push_name: "Giulia".into(),
            ..Default::default()
        };
        InboundMessage::builder()
            .message(Arc::new(body))
            .info(Arc::new(info))
            .build()
    }

    fn from(chat: &str, alt: Option<&str>) -> MessageSource {
        MessageSource {
            chat: jid(chat),
            sender: jid(chat),
            sender_alt: alt.map(jid),
            ..Default::default()
        }
    }

    fn text(t: &str) -> wa::Message {
        wa::Message {
            conversation: Some(t.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_text_from_a_phone_identity() {
        let m = inbound(&message(
            from("393331234567@s.whatsapp.net", None),
            text("ciao"),
        ))
        .expect("a direct message");
        assert_eq!(m.id, "3EB0C0FFEE");
        assert!(!m.from_me);
        assert_eq!(
            m.contact,
            Identity {
                phone: Some("393331234567".into()),
                lid: None
            }
        );
        assert_eq!(m.push_name, "Giulia");
        assert_eq!(
            (m.message_type, m.text.as_str()),
            (MessageType::Text, "ciao")
        );
        assert_eq!(m.reply_to, None);
    }

    #[test]
    fn lid_and_phone_identities_are_one_contact() {
        // The same person, addressed by @lid with the phone alongside, and by phone with the lid.
        let a = inbound(&message(
            from("123456789012345@lid", Some("393331234567@s.whatsapp.net")),
            text("a"),
        ))
        .expect("message");
        let b = inbound(&message(
            from("393331234567@s.whatsapp.net", Some("123456789012345@lid")),
            text("b"),
        ))
        .expect("message");
        let both = Identity {
            phone: Some("393331234567".into()),
            lid: Some("123456789012345".into()),
        };
        assert_eq!(a.contact, both);
        assert_eq!(b.contact, both);
        assert_eq!(a.contact.lid_key().as_deref(), Some("lid:123456789012345"));
        // Only a lid: the phone is resolved later (the session's mapping or waflow's link).
        let c = inbound(&message(from("123456789012345@lid", None), text("c"))).expect("message");
        assert_eq!(c.contact.phone, None);
        assert_eq!(c.contact.lid.as_deref(), Some("123456789012345"));
    }

    #[test]
    fn the_business_own_messages_are_marked_with_the_recipient_as_contact() {
        let source = MessageSource {
            chat: jid("393331234567@s.whatsapp.net"),
            sender: jid("393400000000@s.whatsapp.net"),
            is_from_me: true,
            recipient_alt: Some(jid("123456789012345@lid")),
            ..Default::default()
        };
        let m = inbound(&message(source, text("I'll call you"))).expect("message");
        assert!(m.from_me);
        assert_eq!(m.contact.phone.as_deref(), Some("393331234567"));
        assert_eq!(m.contact.lid.as_deref(), Some("123456789012345"));
        assert_eq!(m.push_name, "");
    }

    #[test]
    fn groups_status_and_newsletters_are_not_conversations() {
        for chat in [
            "120363000000000000@g.us",
            "status@broadcast",
            "120363111111111111@newsletter",
        ] {
            assert_eq!(
                inbound(&message(from(chat, None), text("x"))),
                None,
                "{chat}"
            );
        }
    }

    #[test]
    fn media_replies_reactions_and_menu_answers() {
        let contact = || from("393331234567@s.whatsapp.net", None);
        let image = wa::Message {
            image_message: buffa::MessageField::some(wa::message::ImageMessage {
                caption: Some("is this in stock?".into()),
                mimetype: Some("image/jpeg".into()),
                context_info: buffa::MessageField::some(wa::ContextInfo {
                    stanza_id: Some("3EB0PREVIOUS".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let m = inbound(&message(contact(), image)).expect("message");
        assert_eq!(m.message_type, MessageType::Image);
        assert_eq!(m.text, "is this in stock?");
        assert_eq!(m.payload, json!({"mime_type": "image/jpeg"}));
        assert_eq!(m.reply_to.as_deref(), Some("3EB0PREVIOUS"));
        assert!(m.has_media);

        let voice = wa::Message {
            audio_message: buffa::MessageField::some(wa::message::AudioMessage {
                mimetype: Some("audio/ogg; codecs=opus".into()),
                seconds: Some(7),
                ptt: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        };
        let m = inbound(&message(contact(), voice)).expect("message");
        assert_eq!(m.message_type, MessageType::Audio);
        assert_eq!(m.payload["voice"], json!(true));

        let reaction = wa::Message {
            reaction_message: buffa::MessageField::some(wa::message::ReactionMessage {
                key: buffa::MessageField::some(wa::MessageKey {
                    id: Some("3EB0OURS".into()),
                    ..Default::default()
                }),
                text: Some("❤️".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let m = inbound(&message(contact(), reaction)).expect("message");
        assert_eq!(m.message_type, MessageType::Reaction);
        assert_eq!(m.payload, json!({"message_id": "3EB0OURS", "emoji": "❤️"}));
        assert!(!m.has_media);

        // An answer to the numbered menu is plain text; the engine matches "2" or the title.
        let m = inbound(&message(contact(), text("2"))).expect("message");
        assert_eq!((m.message_type, m.text.as_str()), (MessageType::Text, "2"));
    }
}
