//! A contact's several messages in one Meta webhook delivery (Meta batches them) are stored and
//! decided in one intake batch, in order: each sees what the one before it left — on SQLite and
//! on PostgreSQL (scripts/test runs this suite on both).

use crate::cloud_api::{payload, text_message, CloudApp};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_question_and_its_answer_in_one_delivery_are_decided_in_order() {
    let c = CloudApp::start().await;
    // Meta answers a send after ~100 ms, not at once.
    c.graph.set_delay(Some(Duration::from_millis(100)));
    c.app
        .create_workflow(json!({
            "name": "Order", "trigger": {"type": "message_received"},
            "conditions": {"type": "text", "op": "contains", "values": ["ordine"]},
            "steps": [
                {"id": "ask", "type": "send_text", "text": "Numero d'ordine?"},
                {"id": "wait", "type": "wait_for_reply"},
                {"id": "thanks", "type": "send_text", "text": "Grazie, ordine {{vars.last_reply}}"}
            ]
        }))
        .await;
    let from = "393331234567";
    c.deliver(&payload(vec![
        text_message(from, "wamid.Q1", "info sul mio ordine"),
        text_message(from, "wamid.A1", "12345"),
        // The same message again within the delivery: a duplicate, nothing runs.
        text_message(from, "wamid.Q1", "info sul mio ordine"),
        text_message(from, "wamid.T1", "grazie"),
    ]))
    .await;
    c.eventually("both replies at the Graph API", || async {
        c.graph.sent_messages().len() >= 2
    })
    .await;
    // Nothing else follows (no second question for the duplicate or the thanks).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let texts: Vec<String> = c
        .graph
        .sent_messages()
        .iter()
        .map(|m| m["text"]["body"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(texts, ["Numero d'ordine?", "Grazie, ordine 12345"]);
    let messages = c.messages_of(&format!("+{from}")).await;
    let inbound: Vec<&str> = messages
        .iter()
        .filter(|m| m["direction"] == "inbound")
        .map(|m| m["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        inbound.len(),
        3,
        "three distinct messages stored: {inbound:?}"
    );
    let conversations = c.app.get("/api/v1/conversations").await;
    assert_eq!(conversations.body["data"].as_array().unwrap().len(), 1);
    let contacts = c.app.get("/api/v1/contacts").await;
    assert_eq!(contacts.body["data"].as_array().unwrap().len(), 1);
}
