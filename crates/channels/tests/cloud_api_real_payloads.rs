//! The webhook payloads that used to be lost, one fixture each (`tests/fixtures/cloud_api/`):
//! edits, revokes, system notices, a delivery with one bad and one good message, and a status
//! echoing waflow's message id as its callback data.

use serde_json::{json, Value};
use waflow_channels::cloud_api::webhook::{parse, Delivery};
use waflow_channels::cloud_api::{InboundMessage, StatusUpdate, WebhookEvent};
use waflow_domain::{MessageType, Notice, PhoneNumber, UserId};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/cloud_api/", $name, ".json")).as_slice()
    };
}

const PHONE_NUMBER_ID: &str = "106540352242922";
/// The wamid of Sheena's text in `text.json`, which the edit and the revoke are about.
const HER_TEXT: &str = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZCMTI3RjY1QzQ3N0Y5NTRBNQA=";

fn delivery(body: &[u8]) -> Delivery {
    parse(body).unwrap_or_else(|e| panic!("refused whole: {e}"))
}

fn only_message(body: &[u8]) -> InboundMessage {
    let d = delivery(body);
    assert_eq!(d.refused, vec![], "nothing refused");
    match d.events.as_slice() {
        [WebhookEvent::Message(m)] => m.clone(),
        other => panic!("expected exactly one message, got {other:?}"),
    }
}

fn sheena(wamid: &str, timestamp: i64, message_type: MessageType) -> InboundMessage {
    InboundMessage {
        phone_number_id: PHONE_NUMBER_ID.to_string(),
        wamid: wamid.to_string(),
        from: Some("16505551234".to_string()),
        user_id: None,
        profile_name: "Sheena Nelson".to_string(),
        timestamp,
        message_type,
        text: String::new(),
        payload: json!({}),
        reply_to: None,
        notice: None,
    }
}

#[test]
fn edit() {
    let text = "Hi, what are your opening hours on Sunday?";
    let mut expected = sheena(
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzRUQxVDFBOUMzQjdFNjU0RkQyAA==",
        1739321084,
        MessageType::Edit,
    );
    expected.text = text.to_string();
    expected.payload =
        json!({"original_message_id": HER_TEXT, "message_type": "text", "content": {}});
    expected.reply_to = Some(HER_TEXT.to_string());
    expected.notice = Some(Notice::Edited {
        original: HER_TEXT.to_string(),
        text: text.to_string(),
    });
    assert_eq!(only_message(fixture!("edit")), expected);
}

#[test]
fn edit_caption() {
    let m = only_message(fixture!("edit_caption"));
    let original = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTc3OUYyNDhFRTlCMTJCMEIA";
    assert_eq!(m.message_type, MessageType::Edit);
    assert_eq!(m.text, "The broken part, closer");
    assert_eq!(m.reply_to.as_deref(), Some(original));
    assert_eq!(
        m.notice,
        Some(Notice::Edited {
            original: original.to_string(),
            text: "The broken part, closer".to_string()
        })
    );
    assert_eq!(m.payload["message_type"], json!("image"));
    assert_eq!(m.payload["content"]["media_id"], json!("1003383421387256"));
}

#[test]
fn an_edit_spelled_message_edit_is_read_too() {
    let body = String::from_utf8_lossy(fixture!("edit")).replace("\"edit\"", "\"message_edit\"");
    let m = only_message(body.as_bytes());
    assert_eq!(m.message_type, MessageType::Edit);
    assert!(matches!(m.notice, Some(Notice::Edited { .. })));
}

#[test]
fn revoke() {
    let mut expected = sheena(
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzUkVWT0tFMUEyQjNDNEQ1RTYA",
        1739321144,
        MessageType::Revoke,
    );
    expected.payload = json!({"original_message_id": HER_TEXT});
    expected.reply_to = Some(HER_TEXT.to_string());
    expected.notice = Some(Notice::Revoked {
        original: HER_TEXT.to_string(),
    });
    assert_eq!(only_message(fixture!("revoke")), expected);
}

#[test]
fn system_user_changed_number() {
    let body = "User Sheena Nelson changed from 16505551234 to 12195555358";
    let mut expected = sheena(
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzU1lTVEVNMUEyQjNDNEQ1RTYA",
        1739408000,
        MessageType::System,
    );
    // System notices carry no contacts array: no profile name.
    expected.profile_name = String::new();
    expected.text = body.to_string();
    expected.payload =
        json!({"system_type": "user_changed_number", "body": body, "new_phone": "+12195555358"});
    expected.notice = Some(Notice::NumberChanged {
        new_phone: PhoneNumber::parse("+12195555358").expect("a phone"),
    });
    assert_eq!(
        only_message(fixture!("system_user_changed_number")),
        expected
    );
}

#[test]
fn a_changed_number_in_new_wa_id_is_read_too() {
    let mut root: Value =
        serde_json::from_slice(fixture!("system_user_changed_number")).expect("JSON");
    let system = &mut root["entry"][0]["changes"][0]["value"]["messages"][0]["system"];
    let new = system["wa_id"].take();
    system["new_wa_id"] = new;
    let m = only_message(root.to_string().as_bytes());
    assert_eq!(
        m.notice,
        Some(Notice::NumberChanged {
            new_phone: PhoneNumber::parse("+12195555358").expect("a phone"),
        })
    );
}

#[test]
fn system_user_changed_user_id() {
    let m = only_message(fixture!("system_user_changed_user_id"));
    assert_eq!(m.message_type, MessageType::System);
    assert_eq!(m.from, None);
    // The notice names its sender only as the previous user id.
    assert_eq!(m.user_id, UserId::parse("US.13491208655302741918").ok());
    assert_eq!(m.notice, None);
    assert_eq!(m.payload["system_type"], json!("user_changed_user_id"));
    assert_eq!(m.payload["user_id"], json!("US.88102345566778899001"));
}

#[test]
fn an_edit_without_its_original_is_refused_alone() {
    let mut root: Value = serde_json::from_slice(fixture!("edit")).expect("JSON");
    let messages = &mut root["entry"][0]["changes"][0]["value"]["messages"];
    let good: Value = serde_json::from_slice::<Value>(fixture!("text")).expect("JSON")["entry"][0]
        ["changes"][0]["value"]["messages"][0]
        .clone();
    messages[0]["edit"]
        .as_object_mut()
        .expect("an object")
        .remove("original_message_id");
    messages.as_array_mut().expect("an array").push(good);
    let d = delivery(root.to_string().as_bytes());
    assert_eq!(
        d.refused
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["entry[0].changes[0].value.messages[0].edit.original_message_id: missing"]
    );
    assert!(matches!(d.events.as_slice(), [WebhookEvent::Message(m)] if m.wamid == HER_TEXT));
}

#[test]
fn one_bad_one_good() {
    let d = delivery(fixture!("one_bad_one_good"));
    assert_eq!(
        d.refused
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["entry[0].changes[0].value.messages[0].timestamp: missing"]
    );
    let mut expected = sheena(
        "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzR09PRDFBMkIzQzRENUU2RjcA",
        1739321200,
        MessageType::Text,
    );
    expected.text = "Do you deliver to Milan?".to_string();
    assert_eq!(d.events, vec![WebhookEvent::Message(expected)]);
}

#[test]
fn a_change_without_its_number_is_refused_and_the_next_change_kept() {
    let mut root: Value = serde_json::from_slice(fixture!("text")).expect("JSON");
    let good = root["entry"][0]["changes"][0].clone();
    root["entry"][0]["changes"][0]["value"]["metadata"]
        .as_object_mut()
        .expect("an object")
        .remove("phone_number_id");
    root["entry"][0]["changes"]
        .as_array_mut()
        .expect("an array")
        .push(good);
    let d = delivery(root.to_string().as_bytes());
    assert_eq!(
        d.refused
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["entry[0].changes[0].value.metadata.phone_number_id: missing"]
    );
    assert_eq!(d.events.len(), 1);
}

#[test]
fn status_sent_with_callback_data() {
    let d = delivery(fixture!("status_sent_with_callback_data"));
    assert_eq!(
        d.events,
        vec![WebhookEvent::Status(StatusUpdate {
            phone_number_id: PHONE_NUMBER_ID.to_string(),
            wamid: "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJDQUxMQkFDSzFBMkIzQzRENQA=".to_string(),
            status: "sent".to_string(),
            recipient: Some("16505551234".to_string()),
            timestamp: 1739495600,
            errors: vec![],
            callback_data: Some("msg_0193a1b2c3d4e5f60718293a4b5c6d7e".to_string()),
        })]
    );
}

#[test]
fn a_malformed_user_id_refuses_its_message_naming_the_field() {
    let body = String::from_utf8_lossy(fixture!("user_id_only"))
        .replace("US.13491208655302741918", "not a user id");
    let d = delivery(body.as_bytes());
    assert_eq!(d.events, vec![]);
    assert_eq!(d.refused.len(), 1);
    assert!(
        d.refused[0]
            .to_string()
            .starts_with("entry[0].changes[0].value.messages[0].from_user_id: "),
        "{:?}",
        d.refused
    );
}
