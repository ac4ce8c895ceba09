//! Every real payload kept, through the real server over HTTP: a username-only sender (stored,
//! answered at their user id, merged with their phone's contact later), a delivery with one bad
//! and one good message, a failed status delivered twice, and the notices — edit, revoke,
//! reaction, changed number — handled and never answered.

use crate::cloud_api::{payload, text_message, CloudApp};
use crate::cloud_fixtures::fixture;
use serde_json::{json, Value};

const SHEENA: &str = "16505551234";
/// The user id of `user_id_only.json`'s sender.
const USER_ID: &str = "US.13491208655302741918";
/// Sheena's text in `text.json`, which `edit.json` and `revoke.json` are about.
const HER_TEXT: &str = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZCMTI3RjY1QzQ3N0Y5NTRBNQA=";

impl CloudApp {
    /// Delivers a plain text from `from` and waits until the Graph API has received `sends`
    /// messages in all: everything delivered before it has then been processed.
    async fn sentinel(&self, from: &str, wamid: &str, sends: usize) {
        self.deliver(&payload(vec![text_message(from, wamid, "still there?")]))
            .await;
        self.eventually("the sentinel's reply", || async {
            self.graph.sent_messages().len() >= sends
        })
        .await;
        // A notice wrongly answered would have been sent before the sentinel's reply.
        assert_eq!(
            self.graph.sent_messages().len(),
            sends,
            "{:?}",
            self.graph.sent_messages()
        );
    }

    async fn contacts(&self) -> Vec<Value> {
        let r = self.app.get("/api/v1/contacts").await;
        r.body["data"].as_array().cloned().unwrap_or_default()
    }

    async fn logs(&self, query: &str) -> Vec<Value> {
        let r = self.app.get(&format!("/api/v1/logs?{query}")).await;
        r.body["data"].as_array().cloned().unwrap_or_default()
    }

    async fn inbound_of(&self, address: &str) -> Vec<Value> {
        self.messages_of(address)
            .await
            .into_iter()
            .filter(|m| m["direction"] == "inbound")
            .collect()
    }
}

#[tokio::test]
async fn a_username_only_sender_is_stored_answered_and_merged_with_their_phone() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    // Sheena writes from her phone first: one contact.
    c.deliver(&fixture("text")).await;
    c.eventually("the reply to her phone", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;

    // Then a username-only sender: a contact of their own, addressed by user id.
    c.deliver(&fixture("user_id_only")).await;
    c.eventually("the reply to the user id", || async {
        c.graph.sent_messages().len() == 2
    })
    .await;
    let reply = &c.graph.sent_messages()[1];
    assert_eq!(reply["recipient"], USER_ID, "{reply}");
    assert!(reply.get("to").is_none(), "no phone to send to: {reply}");
    let inbound = c.inbound_of(USER_ID).await;
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0]["text"], "Hello, I found you through your ad");
    assert_eq!(inbound[0]["payload"]["user_id"], USER_ID);
    assert_eq!(c.contacts().await.len(), 2);

    // A message carrying both: the user id is Sheena's. One contact, at her phone.
    let mut both = fixture("text");
    let value = &mut both["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["user_id"] = USER_ID.into();
    value["messages"][0]["from_user_id"] = USER_ID.into();
    value["messages"][0]["id"] = "wamid.BOTH-1".into();
    value["messages"][0]["text"]["body"] = "It's me, from the ad".into();
    c.deliver(&both).await;
    c.eventually("the third reply", || async {
        c.graph.sent_messages().len() == 3
    })
    .await;
    assert_eq!(c.graph.sent_messages()[2]["to"], SHEENA);

    let contacts = c.contacts().await;
    assert_eq!(contacts.len(), 1, "merged: {contacts:?}");
    assert_eq!(contacts[0]["phone"], "+16505551234");
    let texts: Vec<Value> = c
        .inbound_of("+16505551234")
        .await
        .iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(
        texts,
        vec![
            json!("Hi, what are your opening hours?"),
            json!("Hello, I found you through your ad"),
            json!("It's me, from the ad")
        ],
        "every message in the one conversation"
    );
    let merged = c.logs("kind=contact").await;
    assert!(
        merged.iter().any(|l| l["outcome"] == "merged"),
        "{merged:?}"
    );

    // From now on the user id alone reaches the merged contact, answered at the phone.
    let mut again = fixture("user_id_only");
    again["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.UID-2".into();
    c.deliver(&again).await;
    c.eventually("the fourth reply", || async {
        c.graph.sent_messages().len() == 4
    })
    .await;
    assert_eq!(c.graph.sent_messages()[3]["to"], SHEENA);
    assert_eq!(c.contacts().await.len(), 1);
}

#[tokio::test]
async fn a_username_only_contact_gains_the_phone_it_later_writes_from() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&fixture("user_id_only")).await;
    c.eventually("the reply", || async { c.graph.sent_messages().len() == 1 })
        .await;
    let mut both = fixture("text");
    let value = &mut both["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["user_id"] = USER_ID.into();
    value["messages"][0]["from_user_id"] = USER_ID.into();
    c.deliver(&both).await;
    c.eventually("the second reply", || async {
        c.graph.sent_messages().len() == 2
    })
    .await;
    assert_eq!(c.graph.sent_messages()[1]["to"], SHEENA);
    let contacts = c.contacts().await;
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0]["phone"], "+16505551234");
    assert_eq!(c.inbound_of("+16505551234").await.len(), 2);
}

#[tokio::test]
async fn one_bad_message_is_refused_alone_and_its_sibling_is_kept_and_answered() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&fixture("one_bad_one_good")).await;
    c.eventually("the good message's reply", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;
    let inbound = c.inbound_of("+16505551234").await;
    assert_eq!(inbound.len(), 1, "{inbound:?}");
    assert_eq!(inbound[0]["text"], "Do you deliver to Milan?");
    let refused = c.logs("outcome=refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    let summary = refused[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("entry[0].changes[0].value.messages[0].timestamp: missing"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_failed_status_delivered_twice_logs_one_entry() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&payload(vec![text_message(
        SHEENA,
        "wamid.F-SETUP",
        "ciao",
    )]))
    .await;
    let wamid = c.reply_wamid("+16505551234", "sent").await;
    let mut failed = fixture("status_failed");
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = wamid.clone().into();
    c.deliver(&failed).await;
    c.eventually("the reply marked failed", || async {
        c.messages_of("+16505551234")
            .await
            .iter()
            .any(|m| m["channel_message_id"] == wamid.as_str() && m["status"] == "failed")
    })
    .await;
    c.deliver(&failed).await;
    c.sentinel(SHEENA, "wamid.F-SENTINEL", 2).await;
    let logs = c.logs("kind=send&outcome=failed").await;
    assert_eq!(logs.len(), 1, "one entry for one failure: {logs:?}");
}

#[tokio::test]
async fn an_edit_updates_the_original_message_and_is_not_answered() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&fixture("text")).await;
    c.eventually("the reply", || async { c.graph.sent_messages().len() == 1 })
        .await;
    c.deliver(&fixture("edit")).await;
    c.deliver(&fixture("edit")).await; // redelivered: changes nothing more
    c.sentinel(SHEENA, "wamid.E-SENTINEL", 2).await;
    let inbound = c.inbound_of("+16505551234").await;
    let original = inbound
        .iter()
        .find(|m| m["channel_message_id"] == HER_TEXT)
        .expect("the original");
    assert_eq!(
        original["text"],
        "Hi, what are your opening hours on Sunday?"
    );
    let edits: Vec<&Value> = inbound
        .iter()
        .filter(|m| m["message_type"] == "edit")
        .collect();
    assert_eq!(edits.len(), 1, "the edit is stored once: {inbound:?}");
    assert_eq!(edits[0]["reply_to"], HER_TEXT);
}

#[tokio::test]
async fn a_revoke_marks_the_original_deleted_and_is_not_answered() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&fixture("text")).await;
    c.eventually("the reply", || async { c.graph.sent_messages().len() == 1 })
        .await;
    c.deliver(&fixture("revoke")).await;
    c.sentinel(SHEENA, "wamid.R-SENTINEL", 2).await;
    let inbound = c.inbound_of("+16505551234").await;
    let original = inbound
        .iter()
        .find(|m| m["channel_message_id"] == HER_TEXT)
        .expect("the original");
    assert_eq!(original["status"], "deleted");
    assert_eq!(original["text"], "Hi, what are your opening hours?");
    assert!(inbound.iter().any(|m| m["message_type"] == "revoke"));
}

#[tokio::test]
async fn a_reaction_is_stored_against_its_message_and_not_answered() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    let reaction = fixture("reaction");
    let reacted = reaction["entry"][0]["changes"][0]["value"]["messages"][0]["reaction"]
        ["message_id"]
        .clone();
    c.deliver(&reaction).await;
    c.sentinel(SHEENA, "wamid.RX-SENTINEL", 1).await;
    let inbound = c.inbound_of("+16505551234").await;
    let stored = inbound
        .iter()
        .find(|m| m["message_type"] == "reaction")
        .expect("the reaction is stored");
    assert_eq!(stored["reply_to"], reacted);
    assert_eq!(stored["text"], "\u{1F44D}");
    let log = c.logs("kind=inbound&outcome=no_match").await;
    assert!(
        log.iter().any(|l| l["summary"]
            .as_str()
            .is_some_and(|s| s.contains("reaction notice"))),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_workflow_that_asks_for_reactions_is_started_by_one() {
    let c = CloudApp::start().await;
    c.app
        .create_workflow(json!({"name": "Thanks for the reaction",
            "trigger": {"type": "message_received"},
            "conditions": {"type": "message_type", "types": ["reaction"]},
            "steps": [{"type": "send_text", "text": "Glad you liked it {{ message.text }}"}]}))
        .await;
    c.deliver(&fixture("reaction")).await;
    c.eventually("the reaction's answer", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;
    let sent = &c.graph.sent_messages()[0];
    assert_eq!(
        sent["text"]["body"], "Glad you liked it \u{1F44D}",
        "{sent}"
    );
}

#[tokio::test]
async fn a_changed_number_moves_the_contact_and_is_not_answered() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&fixture("text")).await;
    c.eventually("the reply", || async { c.graph.sent_messages().len() == 1 })
        .await;
    c.deliver(&fixture("system_user_changed_number")).await;
    // From the new number: the same contact, answered there.
    c.sentinel("12195555358", "wamid.N-SENTINEL", 2).await;
    assert_eq!(c.graph.sent_messages()[1]["to"], "12195555358");
    let contacts = c.contacts().await;
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0]["phone"], "+12195555358");
    let inbound = c.inbound_of("+12195555358").await;
    assert_eq!(
        inbound
            .iter()
            .map(|m| m["message_type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["text", "system", "text"]
    );
}
