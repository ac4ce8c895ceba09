//! One test per webhook fixture (`crates/channels/tests/fixtures/cloud_api/`, real payload
//! shapes): delivered signed to the real server, parsed, stored, and answered through the fake
//! Graph API when a workflow matches; statuses applied to the message they name.

use crate::cloud_api::{CloudApp, PHONE_NUMBER_ID};
use serde_json::Value;
use std::time::{Duration, Instant};

/// A fixture with its `phone_number_id` set to the test number's.
pub(crate) fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../channels/tests/fixtures/cloud_api/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut v: Value = serde_json::from_str(&text).unwrap();
    for change in v["entry"][0]["changes"].as_array_mut().unwrap() {
        if change["value"]["metadata"].is_object() {
            change["value"]["metadata"]["phone_number_id"] = PHONE_NUMBER_ID.into();
        }
    }
    v
}

fn messages_in(v: &Value) -> Vec<Value> {
    v["entry"][0]["changes"][0]["value"]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Delivers a message fixture; checks every message in it is stored with its type and answered.
async fn message_fixture(name: &str, expected: &[(&str, &str)]) {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    let payload = fixture(name);
    let messages = messages_in(&payload);
    assert_eq!(messages.len(), expected.len(), "{name}: fixture shape");
    c.deliver(&payload).await;
    for (m, (phone, message_type)) in messages.iter().zip(expected) {
        let wamid = m["id"].as_str().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let stored = loop {
            let msgs = c.messages_of(phone).await;
            if let Some(found) = msgs
                .into_iter()
                .find(|s| s["direction"] == "inbound" && s["channel_message_id"] == wamid)
            {
                break found;
            }
            assert!(Instant::now() < deadline, "{name}: {wamid} not stored");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(stored["message_type"], *message_type, "{name}: {stored}");
        // A plain text has nothing beyond its text to keep (stored as null, like the sandbox's).
        assert!(
            stored["payload"].is_object() || *message_type == "text" && stored["payload"].is_null(),
            "{name}: payload stored: {stored}"
        );
        if let Some(reply_to) = m["context"]["id"].as_str() {
            assert_eq!(stored["reply_to"], reply_to, "{name}");
        }
        if let Some(media_id) = m[message_type]["id"].as_str() {
            assert_eq!(stored["payload"]["media_id"], media_id, "{name}");
        }
    }
    // Every message matched the catch-all workflow: one reply each, to its sender.
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.graph.sent_messages().len() < expected.len() {
        assert!(Instant::now() < deadline, "{name}: replies not sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut to: Vec<String> = c
        .graph
        .sent_messages()
        .iter()
        .map(|s| s["to"].as_str().unwrap().to_string())
        .collect();
    let mut from: Vec<String> = expected
        .iter()
        .map(|(p, _)| p.trim_start_matches('+').to_string())
        .collect();
    to.sort();
    from.sort();
    assert_eq!(to, from, "{name}: one reply per message, to its sender");
}

/// Sends a reply, then delivers a status fixture naming it; checks the stored status and error.
async fn status_fixture(name: &str, status: &str, error_code: Option<&str>) {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&crate::cloud_api::payload(vec![
        crate::cloud_api::text_message("16505551234", "wamid.STATUS-SETUP", "ciao"),
    ]))
    .await;
    let wamid = c.reply_wamid("+16505551234", "sent").await;
    let mut payload = fixture(name);
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = wamid.clone().into();
    c.deliver(&payload).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let msgs = c.messages_of("+16505551234").await;
        let reply = msgs
            .iter()
            .find(|m| m["channel_message_id"] == wamid.as_str())
            .cloned()
            .unwrap();
        if reply["status"] == status {
            if let Some(code) = error_code {
                assert!(
                    reply["error"].as_str().is_some_and(|e| e.contains(code)),
                    "{name}: {reply}"
                );
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{name}: status not applied: {reply}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

macro_rules! message_fixtures {
    ($($test:ident: $file:literal => [$(($phone:literal, $type:literal)),+]),+ $(,)?) => {$(
        #[tokio::test]
        async fn $test() {
            message_fixture($file, &[$(($phone, $type)),+]).await;
        }
    )+};
}

message_fixtures! {
    fixture_text: "text" => [("+16505551234", "text")],
    fixture_text_reply_with_context: "text_reply_with_context" => [("+16505551234", "text")],
    fixture_text_with_phone_and_user_id: "text_with_phone_and_user_id" => [("+919810012345", "text")],
    fixture_image_with_caption: "image_with_caption" => [("+16505551234", "image")],
    fixture_audio_voice: "audio_voice" => [("+16505551234", "audio")],
    fixture_video: "video" => [("+16505551234", "video")],
    fixture_document: "document" => [("+16505551234", "document")],
    fixture_sticker: "sticker" => [("+16505551234", "sticker")],
    fixture_location: "location" => [("+16505551234", "location")],
    fixture_contacts: "contacts" => [("+16505551234", "contacts")],
    fixture_interactive_button_reply: "interactive_button_reply" => [("+16505551234", "interactive_reply")],
    fixture_interactive_list_reply: "interactive_list_reply" => [("+16505551234", "interactive_reply")],
    fixture_template_quick_reply_button: "template_quick_reply_button" => [("+16505551234", "interactive_reply")],
    fixture_unsupported_type: "unsupported_type" => [("+16505551234", "unknown")],
    fixture_multiple_messages_in_one_delivery: "multiple_messages_in_one_delivery" =>
        [("+16505551234", "text"), ("+233241234567", "text"), ("+16505551234", "image")],
}

#[tokio::test]
async fn fixture_status_sent() {
    status_fixture("status_sent", "sent", None).await;
}

#[tokio::test]
async fn fixture_status_delivered() {
    status_fixture("status_delivered", "delivered", None).await;
}

#[tokio::test]
async fn fixture_status_read() {
    status_fixture("status_read", "read", None).await;
}

#[tokio::test]
async fn fixture_status_failed() {
    status_fixture("status_failed", "failed", Some("131047")).await;
}

#[tokio::test]
async fn fixture_status_failed_undeliverable() {
    status_fixture("status_failed_undeliverable", "failed", Some("131026")).await;
}

/// A change that is not about messages (a template status update) is accepted and ignored.
#[tokio::test]
async fn fixture_template_status_update_is_ignored() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&fixture("template_status_update")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let contacts = c.app.get("/api/v1/contacts").await;
    assert_eq!(contacts.body["data"], serde_json::json!([]));
    assert!(c.graph.sent_messages().is_empty());
}

/// Received media is fetched through the media-id lookup and kept in the data directory; a file
/// Meta cannot provide is noted on the message, which is stored and answered all the same.
#[tokio::test]
async fn received_media_is_downloaded_into_the_data_directory() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    let jpeg: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    c.graph
        .add_media("1003383421387256", "image/jpeg", jpeg.clone());
    c.deliver(&fixture("image_with_caption")).await;
    c.deliver(&fixture("document")).await; // its media id is unknown to the Graph API
    let deadline = Instant::now() + Duration::from_secs(10);
    let (image, document) = loop {
        let msgs = c.messages_of("+16505551234").await;
        let find = |t: &str| msgs.iter().find(|m| m["message_type"] == t).cloned();
        if let (Some(i), Some(d)) = (find("image"), find("document")) {
            break (i, d);
        }
        assert!(Instant::now() < deadline, "media messages not stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let file = &image["payload"]["file"];
    assert_eq!(file["size"], 50_000, "{image}");
    assert_eq!(file["mime_type"], "image/jpeg");
    let stored = std::fs::read(c.app._dir.path().join(file["path"].as_str().unwrap())).unwrap();
    assert_eq!(stored, jpeg, "the file is stored byte for byte");
    assert!(
        document["payload"]["media_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{document}"
    );
    assert!(document["payload"]["file"].is_null());
}

/// A contact first seen with phone and user id, then writing with the user id only, stays one
/// contact: the second message lands in the same conversation and is answered.
#[tokio::test]
async fn a_user_id_links_later_messages_to_the_same_contact() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&fixture("text_with_phone_and_user_id")).await;
    c.eventually("the first reply", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;
    let mut only_id = fixture("user_id_only");
    let message = &mut only_id["entry"][0]["changes"][0]["value"]["messages"][0];
    message["from_user_id"] = "IN.1410018717833190".into();
    message["id"] = "wamid.USERID-ONLY-2".into();
    only_id["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] =
        "IN.1410018717833190".into();
    c.deliver(&only_id).await;
    c.eventually("the second reply", || async {
        c.graph.sent_messages().len() == 2
    })
    .await;
    let contacts = c.app.get("/api/v1/contacts").await;
    assert_eq!(
        contacts.body["data"].as_array().unwrap().len(),
        1,
        "one contact"
    );
    let inbound: Vec<Value> = c
        .messages_of("+919810012345")
        .await
        .into_iter()
        .filter(|m| m["direction"] == "inbound")
        .collect();
    assert_eq!(inbound.len(), 2, "both messages in the one conversation");
    assert_eq!(c.graph.sent_messages()[1]["to"], "919810012345");
}
