//! Unit tests of the webhook parser's refusals and fallbacks (the fixtures are in `tests/`).

use super::*;
use crate::cloud_api::InboundMessage;
use serde_json::Value;
use waflow_domain::MessageType;

/// The events of a body, or its first refusal.
fn strict(body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    let delivery = parse(body)?;
    match delivery.refused.into_iter().next() {
        Some(refused) => Err(refused),
        None => Ok(delivery.events),
    }
}

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
    strict(body.to_string().as_bytes())
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
            r#"entry[0].changes[0].value.messages[0].timestamp: "abc" is not a number"#.to_string()
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
        strict(body.as_bytes()).map_err(|e| e.to_string()),
        Err("entry[0].changes[0].value.metadata.phone_number_id: missing".to_string())
    );
}

#[test]
fn the_profile_name_falls_back_to_the_first_contact_then_empty() {
    let events = one(serde_json::json!({"from": "999", "id": "wamid.A", "timestamp": "1", "type": "text", "text": {"body": "hi"}}))
        .expect("parses");
    assert_eq!(message(&events).profile_name, "Ana");

    let body = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"p"},"messages":[{"from":"1","id":"w","timestamp":"1","type":"text","text":{"body":"x"}}]}}]}]}"#;
    let events = strict(body.as_bytes()).expect("parses");
    assert_eq!(message(&events).profile_name, "");
}

#[test]
fn a_status_missing_its_recipient_phone_uses_the_user_id() {
    let body = r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"p"},"statuses":[{"id":"wamid.S","status":"delivered","timestamp":"7","recipient_user_id":"US.13491208655302741918"}]}}]}]}"#;
    let events = strict(body.as_bytes()).expect("parses");
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
        parse(br#"{"object":"whatsapp_business_account","entry":{}}"#).map_err(|e| e.to_string()),
        Err("entry: expected an array, found an object".to_string())
    );
}
