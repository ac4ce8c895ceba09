//! Cloud API webhook bodies, as Meta sends them (`tests/fixtures/cloud_api/`), parsed into
//! waflow's events: every field checked exactly, one test per fixture, plus the refusals.

use serde_json::{json, Value};
use waflow_channels::cloud_api::webhook::{parse, Delivery, WebhookError};
use waflow_channels::cloud_api::{
    signature, InboundMessage, ProviderError, StatusUpdate, WebhookEvent,
};
use waflow_domain::{MessageType, UserId};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/cloud_api/", $name, ".json")).as_slice()
    };
}

const PHONE_NUMBER_ID: &str = "106540352242922";
const SHEENA: &str = "16505551234";
/// The wamid of the message of ours that several fixtures reply or react to.
const OUR_WAMID: &str = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI3RjQ4QjUzMkQyQ0YxMDg2OTcA";

fn events(body: &[u8]) -> Vec<WebhookEvent> {
    match parse(body) {
        Ok(Delivery { events, refused }) if refused.is_empty() => events,
        Ok(Delivery { refused, .. }) => panic!("fixture partly refused: {refused:?}"),
        Err(e) => panic!("fixture refused: {e}"),
    }
}

fn user_id(id: &str) -> Option<UserId> {
    Some(UserId::parse(id).expect("a user id"))
}

fn only_message(body: &[u8]) -> InboundMessage {
    match events(body).as_slice() {
        [WebhookEvent::Message(m)] => m.clone(),
        other => panic!("expected exactly one message, got {other:?}"),
    }
}

fn only_status(body: &[u8]) -> StatusUpdate {
    match events(body).as_slice() {
        [WebhookEvent::Status(s)] => s.clone(),
        other => panic!("expected exactly one status, got {other:?}"),
    }
}

/// A message from Sheena to the business number, with the fields that vary left to the caller.
fn from_sheena(
    wamid: &str,
    timestamp: i64,
    message_type: MessageType,
    text: &str,
    payload: Value,
) -> InboundMessage {
    InboundMessage {
        phone_number_id: PHONE_NUMBER_ID.to_string(),
        wamid: wamid.to_string(),
        from: Some(SHEENA.to_string()),
        user_id: None,
        profile_name: "Sheena Nelson".to_string(),
        timestamp,
        message_type,
        text: text.to_string(),
        payload,
        reply_to: None,
        notice: None,
    }
}

/// `message` as stored against `wamid` (a reaction is about the message it reacts to).
fn about(mut message: InboundMessage, wamid: &str) -> InboundMessage {
    message.reply_to = Some(wamid.to_string());
    message
}

fn keys(payload: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = payload
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

fn raw_message(body: &[u8]) -> Value {
    let root: Value = serde_json::from_slice(body).expect("fixture is JSON");
    root["entry"][0]["changes"][0]["value"]["messages"][0].clone()
}

// --- One test per fixture. ---

#[test]
fn text() {
    assert_eq!(
        only_message(fixture!("text")),
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZCMTI3RjY1QzQ3N0Y5NTRBNQA=",
            1739321024,
            MessageType::Text,
            "Hi, what are your opening hours?",
            json!({}),
        )
    );
}

#[test]
fn text_reply_with_context() {
    let mut expected = from_sheena(
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTk4QjQ4RDlBMkE2RDg2QjVEMQA=",
        1739321188,
        MessageType::Text,
        "Yes, tomorrow at 10 works for me",
        json!({}),
    );
    expected.reply_to =
        Some("wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA".to_string());
    assert_eq!(only_message(fixture!("text_reply_with_context")), expected);
}

#[test]
fn image_with_caption() {
    let m = only_message(fixture!("image_with_caption"));
    assert_eq!(
        m,
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUI1NEIzRjk2NkQ5RTAxMUI0OQA=",
            1739321300,
            MessageType::Image,
            "The broken part",
            json!({
                "media_id": "1003383421387256",
                "mime_type": "image/jpeg",
                "sha256": "ZuS1XEcVZvClkv9gXC2ZkWn+UV1Y8Xq6Vb2vHhFh0aY=",
                "caption": "The broken part",
            }),
        )
    );
    assert_eq!(
        keys(&m.payload),
        ["caption", "media_id", "mime_type", "sha256"]
    );
}

#[test]
fn audio_voice() {
    let m = only_message(fixture!("audio_voice"));
    assert_eq!(
        m,
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTc1RDJFRjM5NUQ2MDlCNUFGQwA=",
            1739321412,
            MessageType::Audio,
            "",
            json!({
                "media_id": "1258614575186474",
                "mime_type": "audio/ogg; codecs=opus",
                "sha256": "K4Wj0P2zE0dH6Wnq3a6Xn1yAQ8y3cJ4+Qm4mV1n8sJY=",
                "voice": true,
            }),
        )
    );
    assert_eq!(
        keys(&m.payload),
        ["media_id", "mime_type", "sha256", "voice"]
    );
}

#[test]
fn video() {
    let m = only_message(fixture!("video"));
    assert_eq!(
        m,
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTM5MUU3RDVCN0M0QjQxQTlCMQA=",
            1739321530,
            MessageType::Video,
            "",
            json!({
                "media_id": "1561389471158473",
                "mime_type": "video/mp4",
                "sha256": "qKQ0l0ZRg3Ff2rD6ZrjW1J+8S8J5p2bL0Y0fH3mT9wE=",
            }),
        )
    );
    assert_eq!(keys(&m.payload), ["media_id", "mime_type", "sha256"]);
}

#[test]
fn document() {
    let m = only_message(fixture!("document"));
    assert_eq!(
        m,
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTFGMkQ4QzBFNkI3MzRDODg1QwA=",
            1739321644,
            MessageType::Document,
            "Invoice for March",
            json!({
                "media_id": "2154832471680367",
                "mime_type": "application/pdf",
                "sha256": "S3Bq8n1pY5b0mU2q7Z8y0lqjD2vH7wR5s1T9e3K6cXQ=",
                "caption": "Invoice for March",
                "filename": "invoice-2025-03.pdf",
            }),
        )
    );
    assert_eq!(
        keys(&m.payload),
        ["caption", "filename", "media_id", "mime_type", "sha256"]
    );
}

#[test]
fn sticker() {
    let m = only_message(fixture!("sticker"));
    assert_eq!(
        m,
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUE3QzQ2RjI5QjhFMkQ1RjMwRQA=",
            1739321702,
            MessageType::Sticker,
            "",
            json!({
                "media_id": "1099823468273156",
                "mime_type": "image/webp",
                "sha256": "f9wUq7m1Yc0lQ3nB6vF2rX8tZ5eJ4kH1pD0sA7gN3yM=",
                "animated": false,
            }),
        )
    );
}

#[test]
fn location() {
    let m = only_message(fixture!("location"));
    assert_eq!(
        m,
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTYyRkMxQjc4RTk5QTBDNDE0RAA=",
            1739321810,
            MessageType::Location,
            "Meta Headquarters",
            json!({
                "latitude": 37.483307,
                "longitude": -122.148981,
                "name": "Meta Headquarters",
                "address": "1 Hacker Way, Menlo Park, CA 94025",
                "url": "https://www.meta.com",
            }),
        )
    );
    assert_eq!(
        keys(&m.payload),
        ["address", "latitude", "longitude", "name", "url"]
    );
}

#[test]
fn contacts() {
    let body = fixture!("contacts");
    let m = only_message(body);
    let shared = raw_message(body)["contacts"].clone();
    assert!(shared.is_array());
    assert_eq!(
        m,
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTREM0JFNkE3RkMxMjA5OEU1NgA=",
            1739321925,
            MessageType::Contacts,
            "",
            shared,
        )
    );
    assert_eq!(m.payload[0]["name"]["formatted_name"], "Barbara J. Johnson");
    assert_eq!(m.payload[0]["phones"][0]["wa_id"], "16505551235");
}

#[test]
fn interactive_button_reply() {
    let mut expected = from_sheena(
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQThBMjE1NzY0RDFGQzA1OUNBQgA=",
        1739322040,
        MessageType::InteractiveReply,
        "Yes, confirm",
        json!({"kind": "button_reply", "id": "confirm_yes", "title": "Yes, confirm"}),
    );
    expected.reply_to = Some(OUR_WAMID.to_string());
    assert_eq!(only_message(fixture!("interactive_button_reply")), expected);
}

#[test]
fn interactive_list_reply() {
    let mut expected = from_sheena(
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUM5RTNBMjA0QjZDNUQ4RjcxMgA=",
        1739322155,
        MessageType::InteractiveReply,
        "Tuesday 10:00",
        json!({
            "kind": "list_reply",
            "id": "slot_tue_10",
            "title": "Tuesday 10:00",
            "description": "With Dr. Alvarez, 30 min",
        }),
    );
    expected.reply_to =
        Some("wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBMEI2NUQ5QjQ4NUMzRkY4MUIA".to_string());
    assert_eq!(only_message(fixture!("interactive_list_reply")), expected);
}

#[test]
fn template_quick_reply_button() {
    let mut expected = from_sheena(
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUQ2MEIxRjM4QjJDOUE3RTBFOAA=",
        1739322270,
        MessageType::InteractiveReply,
        "Stop promotions",
        json!({"kind": "quick_reply", "payload": "STOP_PROMOTIONS", "text": "Stop promotions"}),
    );
    expected.reply_to =
        Some("wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RTQ0NjE5Q0I1NkE4MjY4NDAA".to_string());
    assert_eq!(
        only_message(fixture!("template_quick_reply_button")),
        expected
    );
}

#[test]
fn reaction() {
    assert_eq!(
        only_message(fixture!("reaction")),
        about(
            from_sheena(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUU3MjA5QjYxRjRDMjNCMEE5RQA=",
                1739322385,
                MessageType::Reaction,
                "\u{1F44D}",
                json!({"message_id": OUR_WAMID, "emoji": "\u{1F44D}", "removed": false}),
            ),
            OUR_WAMID
        )
    );
}

#[test]
fn reaction_removed() {
    assert_eq!(
        only_message(fixture!("reaction_removed")),
        about(
            from_sheena(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTBDOEQ0RTE5QTVCNjJGM0Q3QgA=",
                1739322444,
                MessageType::Reaction,
                "",
                json!({"message_id": OUR_WAMID, "emoji": "", "removed": true}),
            ),
            OUR_WAMID
        )
    );
}

#[test]
fn reaction_removed_with_an_empty_emoji() {
    let mut root: Value = serde_json::from_slice(fixture!("reaction")).expect("fixture is JSON");
    root["entry"][0]["changes"][0]["value"]["messages"][0]["reaction"]["emoji"] = json!("");
    let m = only_message(root.to_string().as_bytes());
    assert_eq!(m.text, "");
    assert_eq!(
        m.payload,
        json!({"message_id": OUR_WAMID, "emoji": "", "removed": true})
    );
}

#[test]
fn unsupported_type() {
    let body = fixture!("unsupported_type");
    let m = only_message(body);
    assert_eq!(
        m,
        from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTJFNUY2QjdDOEQ5RTBGMUEyQgA=",
            1739322560,
            MessageType::Unknown,
            "",
            raw_message(body),
        )
    );
    assert_eq!(m.payload["type"], "unsupported");
    assert_eq!(m.payload["unsupported"]["type"], "poll_update");
    assert_eq!(m.payload["errors"][0]["code"], 131051);
}

#[test]
fn a_type_never_seen_is_kept_as_unknown() {
    let mut root: Value = serde_json::from_slice(fixture!("text")).expect("fixture is JSON");
    let message = &mut root["entry"][0]["changes"][0]["value"]["messages"][0];
    message["type"] = json!("hologram");
    message["hologram"] = json!({"frames": 3});
    let raw = message.clone();
    let m = only_message(root.to_string().as_bytes());
    assert_eq!(m.message_type, MessageType::Unknown);
    assert_eq!(m.text, "");
    assert_eq!(m.payload, raw);
    assert_eq!(
        m.wamid,
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZCMTI3RjY1QzQ3N0Y5NTRBNQA="
    );
}

#[test]
fn user_id_only() {
    assert_eq!(
        only_message(fixture!("user_id_only")),
        InboundMessage {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: "wamid.HBgXVVMuMTM0OTEyMDg2NTUzMDI3NDE5MTgVAgASGBQzQTVBNkI3QzhEOUUwRjFBMkIzQwA="
                .to_string(),
            from: None,
            user_id: user_id("US.13491208655302741918"),
            profile_name: "Marco Rossi".to_string(),
            timestamp: 1775040318,
            message_type: MessageType::Text,
            text: "Hello, I found you through your ad".to_string(),
            payload: json!({}),
            reply_to: None,
            notice: None,
        }
    );
}

#[test]
fn text_with_phone_and_user_id() {
    assert_eq!(
        only_message(fixture!("text_with_phone_and_user_id")),
        InboundMessage {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: "wamid.HBgMOTE5ODEwMDEyMzQ1FQIAEhggQUM4Q0I2MzlGQzA0NDhFOUIwOTJGMjVERTZCRDY3MTMA"
                .to_string(),
            from: Some("919810012345".to_string()),
            user_id: user_id("IN.1410018717833190"),
            profile_name: "Priya Sharma".to_string(),
            timestamp: 1775041200,
            message_type: MessageType::Text,
            text: "Is my order shipped?".to_string(),
            payload: json!({}),
            reply_to: None,
            notice: None,
        }
    );
}

#[test]
fn a_user_id_spelled_user_id_on_the_message_is_read() {
    let mut root: Value =
        serde_json::from_slice(fixture!("user_id_only")).expect("fixture is JSON");
    let message = &mut root["entry"][0]["changes"][0]["value"]["messages"][0];
    let id = message["from_user_id"].take();
    message["user_id"] = id;
    let m = only_message(root.to_string().as_bytes());
    assert_eq!(m.user_id, user_id("US.13491208655302741918"));
    assert_eq!(m.from, None);
    assert_eq!(m.profile_name, "Marco Rossi");
}

#[test]
fn status_sent() {
    assert_eq!(
        only_status(fixture!("status_sent")),
        StatusUpdate {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: OUR_WAMID.to_string(),
            status: "sent".to_string(),
            recipient: Some(SHEENA.to_string()),
            callback_data: None,
            timestamp: 1739322700,
            errors: vec![],
        }
    );
}

#[test]
fn status_delivered() {
    assert_eq!(
        only_status(fixture!("status_delivered")),
        StatusUpdate {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: OUR_WAMID.to_string(),
            status: "delivered".to_string(),
            recipient: Some(SHEENA.to_string()),
            callback_data: None,
            timestamp: 1739322702,
            errors: vec![],
        }
    );
}

#[test]
fn status_read() {
    assert_eq!(
        only_status(fixture!("status_read")),
        StatusUpdate {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: OUR_WAMID.to_string(),
            status: "read".to_string(),
            recipient: Some(SHEENA.to_string()),
            callback_data: None,
            timestamp: 1739322761,
            errors: vec![],
        }
    );
}

#[test]
fn status_failed() {
    assert_eq!(
        only_status(fixture!("status_failed")),
        StatusUpdate {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJEQzg2RjMyQTY1N0I5RTE0MjcA".to_string(),
            status: "failed".to_string(),
            recipient: Some(SHEENA.to_string()),
            callback_data: None,
            timestamp: 1739495530,
            errors: vec![ProviderError {
                code: 131047,
                title: "Re-engagement message".to_string(),
                message: "Re-engagement message".to_string(),
                details: Some(
                    "Message failed to send because more than 24 hours have passed since the \
                     customer last replied to this number."
                        .to_string()
                ),
            }],
        }
    );
}

#[test]
fn status_failed_undeliverable() {
    assert_eq!(
        only_status(fixture!("status_failed_undeliverable")),
        StatusUpdate {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI2QjFFMEU5RjdBNzRDNTU4RDAA".to_string(),
            status: "failed".to_string(),
            recipient: Some(SHEENA.to_string()),
            callback_data: None,
            timestamp: 1739495611,
            errors: vec![ProviderError {
                code: 131026,
                title: "Message undeliverable".to_string(),
                message: "Message undeliverable".to_string(),
                details: Some("Message Undeliverable.".to_string()),
            }],
        }
    );
}

#[test]
fn multiple_messages_in_one_delivery() {
    let events = events(fixture!("multiple_messages_in_one_delivery"));
    assert_eq!(events.len(), 5, "{events:?}");

    let WebhookEvent::Message(first) = &events[0] else {
        panic!("event 0 is not a message: {:?}", events[0]);
    };
    assert_eq!(
        first,
        &from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUExMTExMTExMTExMTExMTExMQA=",
            1739323001,
            MessageType::Text,
            "First",
            json!({}),
        )
    );

    // The second sender is matched to their own contact entry (not the first one), and that
    // entry's user id is taken along.
    let WebhookEvent::Message(second) = &events[1] else {
        panic!("event 1 is not a message: {:?}", events[1]);
    };
    assert_eq!(
        second,
        &InboundMessage {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: "wamid.HBgMMjMzMjQxMjM0NTY3FQIAEhgUM0FCMjIyMjIyMjIyMjIyMjIyMjIA".to_string(),
            from: Some("233241234567".to_string()),
            user_id: user_id("GH.1502576394655843"),
            profile_name: "Kwame Mensah".to_string(),
            timestamp: 1739323002,
            message_type: MessageType::Text,
            text: "Second".to_string(),
            payload: json!({}),
            reply_to: None,
            notice: None,
        }
    );

    let WebhookEvent::Message(third) = &events[2] else {
        panic!("event 2 is not a message: {:?}", events[2]);
    };
    assert_eq!(
        third,
        &from_sheena(
            "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUMzMzMzMzMzMzMzMzMzMzMzMwA=",
            1739323003,
            MessageType::Image,
            "",
            json!({
                "media_id": "1419287634512093",
                "mime_type": "image/jpeg",
                "sha256": "7Yq1pQbA2m9Xz0cT4rW8uE3sF6dG5hJ1kL0nM9vB8xC=",
            }),
        )
    );

    // Statuses of a change come after its messages.
    assert_eq!(
        events[3],
        WebhookEvent::Status(StatusUpdate {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: OUR_WAMID.to_string(),
            status: "read".to_string(),
            recipient: Some(SHEENA.to_string()),
            callback_data: None,
            timestamp: 1739323004,
            errors: vec![],
        })
    );

    // The second entry is for another business number.
    assert_eq!(
        events[4],
        WebhookEvent::Message(InboundMessage {
            phone_number_id: "204918372651049".to_string(),
            wamid: "wamid.HBgMNDQ3NzAwOTAwNDU2FQIAEhgUM0FENDQ0NDQ0NDQ0NDQ0NDQ0NDQA".to_string(),
            from: Some("447700900456".to_string()),
            user_id: None,
            profile_name: "Oliver Smith".to_string(),
            timestamp: 1739323005,
            message_type: MessageType::Text,
            text: "Third, to another number".to_string(),
            payload: json!({}),
            reply_to: None,
            notice: None,
        })
    );
}

// --- Robustness and refusals. ---

/// Adds an unknown field to every JSON object in `value`, recursively (except inside the
/// payloads kept raw, which the caller compares separately).
fn sprinkle_unknown_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                sprinkle_unknown_fields(child);
            }
            map.insert(
                "x_new_meta_field".to_string(),
                json!({"nested": [1, "two", null]}),
            );
        }
        Value::Array(items) => items.iter_mut().for_each(sprinkle_unknown_fields),
        _ => {}
    }
}

#[test]
fn unknown_extra_fields_are_ignored() {
    let cases: [(&[u8], &str); 8] = [
        (fixture!("text"), "text"),
        (fixture!("image_with_caption"), "image_with_caption"),
        (fixture!("location"), "location"),
        (fixture!("interactive_list_reply"), "interactive_list_reply"),
        (
            fixture!("template_quick_reply_button"),
            "template_quick_reply_button",
        ),
        (fixture!("reaction"), "reaction"),
        (fixture!("status_failed"), "status_failed"),
        (
            fixture!("multiple_messages_in_one_delivery"),
            "multiple_messages_in_one_delivery",
        ),
    ];
    for (body, name) in cases {
        let plain = events(body);
        let mut root: Value = serde_json::from_slice(body).expect("fixture is JSON");
        sprinkle_unknown_fields(&mut root);
        let padded = match parse(root.to_string().as_bytes()) {
            Ok(delivery) => delivery.events,
            Err(e) => panic!("{name}: extra fields refused: {e}"),
        };
        assert_eq!(padded, plain, "{name}");
    }
}

#[test]
fn a_body_that_is_not_json_is_refused() {
    let err = parse(b"object=whatsapp_business_account&entry=1");
    let Err(err @ WebhookError::NotJson(_)) = err else {
        panic!("expected NotJson, got {err:?}");
    };
    assert!(
        err.to_string().starts_with("the webhook body is not JSON"),
        "{err}"
    );

    // A truncated delivery is not JSON either.
    let body = fixture!("text");
    assert!(matches!(
        parse(&body[..body.len() / 2]),
        Err(WebhookError::NotJson(_))
    ));
}

#[test]
fn a_wrong_object_is_refused() {
    let body = String::from_utf8_lossy(fixture!("text"))
        .replace("\"whatsapp_business_account\"", "\"page\"");
    let err = parse(body.as_bytes());
    assert_eq!(
        err,
        Err(WebhookError::WrongObject {
            found: "\"page\"".to_string()
        })
    );
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err(
            r#"the webhook body's "object" is "page", expected "whatsapp_business_account""#
                .to_string()
        )
    );
}

#[test]
fn a_field_other_than_messages_yields_no_events() {
    assert_eq!(events(fixture!("template_status_update")), vec![]);

    // The same value under another field is not read as messages.
    let body = String::from_utf8_lossy(fixture!("text"))
        .replace("\"field\": \"messages\"", "\"field\": \"history\"");
    assert_eq!(events(body.as_bytes()), vec![]);
}

/// The refusals of a body that parsed, as sentences, and how many events it kept.
fn refusals(body: &[u8]) -> (Vec<String>, usize) {
    let delivery = parse(body).expect("the body as a whole is usable");
    let refused = delivery.refused.iter().map(ToString::to_string).collect();
    (refused, delivery.events.len())
}

#[test]
fn a_bad_timestamp_refuses_its_message_alone_naming_the_field() {
    let mut root: Value =
        serde_json::from_slice(fixture!("multiple_messages_in_one_delivery")).expect("JSON");
    root["entry"][0]["changes"][0]["value"]["messages"][1]["timestamp"] = json!("abc");
    assert_eq!(
        refusals(root.to_string().as_bytes()),
        (
            vec![
                r#"entry[0].changes[0].value.messages[1].timestamp: "abc" is not a number"#
                    .to_string()
            ],
            4
        )
    );

    let mut root: Value = serde_json::from_slice(fixture!("status_read")).expect("JSON");
    root["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"] = json!("");
    assert_eq!(
        refusals(root.to_string().as_bytes()),
        (
            vec![
                r#"entry[0].changes[0].value.statuses[0].timestamp: "" is not a number"#
                    .to_string()
            ],
            0
        )
    );
}

#[test]
fn a_message_with_neither_phone_nor_user_id_is_refused() {
    let mut root: Value = serde_json::from_slice(fixture!("user_id_only")).expect("JSON");
    root["entry"][0]["changes"][0]["value"]["messages"][0]
        .as_object_mut()
        .expect("message is an object")
        .remove("from_user_id");
    let (refused, kept) = refusals(root.to_string().as_bytes());
    assert_eq!(kept, 0);
    assert!(
        refused.len() == 1
            && refused[0].starts_with("entry[0].changes[0].value.messages[0].from: missing"),
        "{refused:?}"
    );
}

#[test]
fn a_signed_fixture_verifies_then_parses() {
    let secret = b"0123456789abcdef0123456789abcdef";
    let body = fixture!("text");
    let header = signature::sign(secret, body);
    assert_eq!(signature::verify(secret, body, Some(&header)), Ok(()));
    assert_eq!(events(body).len(), 1);
}
