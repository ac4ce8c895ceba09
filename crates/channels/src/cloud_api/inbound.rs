//! A parsed Cloud API message as waflow's typed [`InboundContent`]: the medium's fields typed,
//! a reply's chosen option named, everything else kept as display details.

use super::InboundMessage;
use waflow_domain::InboundContent;

impl InboundMessage {
    /// The message's content in waflow's terms (a button or list reply's id is at `id`; a
    /// quick-reply button has a `payload` instead, and no chosen id).
    pub fn content(&self) -> InboundContent {
        InboundContent::from_details(
            self.message_type,
            self.text.clone(),
            self.payload.clone(),
            "id",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::webhook;
    use serde_json::json;
    use waflow_domain::MessageType;

    fn message(m: serde_json::Value) -> super::InboundMessage {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
            "field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": "111"},
            "messages": [m]}}]}]});
        let parsed = webhook::parse(body.to_string().as_bytes()).expect("a delivery");
        match parsed.events.into_iter().next() {
            Some(super::super::WebhookEvent::Message(m)) => m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn a_voice_note_becomes_typed_media() {
        let m = message(
            json!({"from": "393331234567", "id": "wamid.A", "timestamp": "1700000000",
            "type": "audio", "audio": {"id": "987", "mime_type": "audio/ogg; codecs=opus",
            "sha256": "abc", "voice": true}}),
        );
        let content = m.content();
        assert_eq!(content.kind, MessageType::Audio);
        let media = content.media.expect("a medium");
        assert_eq!(media.provider_id.as_deref(), Some("987"));
        assert_eq!(media.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
        assert!(media.voice);
        assert!(content.details.is_empty(), "{:?}", content.details);
    }

    #[test]
    fn a_list_reply_names_the_option_chosen() {
        let m = message(
            json!({"from": "393331234567", "id": "wamid.B", "timestamp": "1700000000",
            "type": "interactive", "interactive": {"type": "list_reply",
            "list_reply": {"id": "opt-2", "title": "Tuesday"}}}),
        );
        let content = m.content();
        assert_eq!(content.choice_id.as_deref(), Some("opt-2"));
        assert_eq!(content.text, "Tuesday");
        assert!(content.media.is_none());
    }
}
