//! The end-to-end story: a workflow created over HTTP answers "quanto costa la spedizione?"
//! on the sandbox number, and the log names the condition that matched.

use crate::harness::*;
use serde_json::json;

#[tokio::test]
async fn shipping_question_gets_the_reply_and_the_log_says_why() {
    let app = TestApp::spawn().await;
    let doc = json!({
        "name": "Shipping price",
        "trigger": {"type": "message_received"},
        "conditions": {"all": [{"type": "text", "op": "contains", "values": ["spedizione", "shipping"]}]},
        "steps": [{"id": "reply", "type": "send_text", "text": "Ciao {{contact.first_name}}! La spedizione costa 5 euro."}]
    });
    let wf = app.create_workflow(doc).await;

    let out = app.inject_with(json!({"from": "+39 333 111 2222", "name": "Giulia Rossi", "text": "quanto costa la spedizione?"})).await;
    assert_eq!(out["outcome"], "matched");
    assert_eq!(
        out["queued"].as_array().unwrap().len(),
        1,
        "the reply is in the outbox when inject returns"
    );

    let contact = out["contact_id"].as_str().unwrap().to_string();
    assert_eq!(
        app.texts_to(&contact).await,
        vec!["Ciao Giulia! La spedizione costa 5 euro."]
    );
    let sent = eventually(5, || async {
        app.outbox().await.iter().all(|m| m["status"] == "sent")
    })
    .await;
    assert!(
        sent,
        "the sender delivers the outbox to the sandbox channel"
    );

    let inbound = app
        .logs(&format!("contact_id={contact}&outcome=matched"))
        .await;
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0]["id"], out["log_id"]);
    let entry = app
        .get(&format!("/api/v1/logs/{}", out["log_id"].as_str().unwrap()))
        .await
        .body;
    let considered = &entry["detail"]["evaluation"]["considered"][0];
    assert_eq!(considered["reason"], "conditions held");
    assert_eq!(considered["workflow_id"], wf.as_str());
    assert_eq!(considered["matched"], true);
    let check = &considered["checks"][0];
    assert_eq!(check["path"], "conditions.all[0]");
    assert_eq!(check["held"], true);
    assert_eq!(check["actual"], "quanto costa la spedizione?");
    assert!(check["condition"].as_str().unwrap().contains("spedizione"));

    let run_logs = app.logs(&format!("workflow_id={wf}")).await;
    assert_eq!(run_logs.len(), 1);
    assert_eq!(run_logs[0]["outcome"], "started");
    assert_eq!(
        run_logs[0]["detail"]["steps"][0]["text"],
        "Ciao Giulia! La spedizione costa 5 euro."
    );

    // A message that does not mention shipping: nothing sent, and the log gives the failing condition.
    let other = app
        .inject_with(json!({"from": "+393331112222", "text": "buongiorno"}))
        .await;
    assert_eq!(other["outcome"], "no_match");
    let log = app
        .get(&format!(
            "/api/v1/logs/{}",
            other["log_id"].as_str().unwrap()
        ))
        .await
        .body;
    assert_eq!(
        log["detail"]["evaluation"]["skipped"][0]["path"],
        "conditions.all[0]"
    );
    assert_eq!(
        log["detail"]["evaluation"]["skipped"][0]["workflow_id"],
        wf.as_str()
    );
    assert_eq!(app.texts_to(&contact).await.len(), 1);
}
