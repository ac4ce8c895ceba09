//! Versions: runs finish on the version they started on; drafts are edited and published; the
//! version list and a diff between two versions.

use crate::harness::*;
use serde_json::{json, Value};

fn survey(answer: &str) -> Value {
    json!({"name": "Survey", "trigger": {"type": "exact_phrase", "phrase": "sondaggio"},
        "steps": [{"id": "ask", "type": "question", "text": "Da 1 a 5?", "validate": "number", "var": "score"},
                  {"id": "thanks", "type": "send_text", "text": answer}]})
}

async fn texts_to(app: &TestApp, phone_suffix: &str) -> Vec<String> {
    let contacts = app
        .get(&format!("/api/v1/contacts?search={phone_suffix}"))
        .await;
    let id = contacts.body["data"][0]["id"].as_str().unwrap().to_string();
    app.texts_to(&id).await
}

#[tokio::test]
async fn runs_waiting_in_a_republished_workflow_finish_on_their_version() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(survey("Grazie (v1): {{ vars.score }}"))
        .await;
    for n in 1..=3 {
        app.inject(&format!("+39333126000{n}"), "sondaggio").await;
    }
    // Edited and published while three runs wait in version 1.
    let r = app
        .put(
            &format!("/api/v1/workflows/{id}"),
            survey("Grazie (v2): {{ vars.score }}"),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    for n in 1..=3 {
        app.inject(&format!("+39333126000{n}"), &format!("{n}"))
            .await;
    }
    app.inject("+393331260004", "sondaggio").await;
    app.inject("+393331260004", "5").await;
    for n in 1..=3 {
        let texts = texts_to(&app, &format!("39333126000{n}")).await;
        assert_eq!(
            texts,
            ["Da 1 a 5?".to_string(), format!("Grazie (v1): {n}")]
        );
    }
    assert_eq!(
        texts_to(&app, "393331260004").await,
        ["Da 1 a 5?", "Grazie (v2): 5"]
    );
}
