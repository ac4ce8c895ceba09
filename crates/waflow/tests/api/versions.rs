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

#[tokio::test]
async fn a_draft_is_edited_without_touching_the_live_version_then_published() {
    let app = TestApp::spawn().await;
    let hello = |text: &str| {
        json!({"name": "Hello", "trigger": {"type": "exact_phrase", "phrase": "ciao"},
               "steps": [{"id": "hi", "type": "send_text", "text": text}]})
    };
    let id = app.create_workflow(hello("Ciao! (v1)")).await;
    let base = format!("/api/v1/workflows/{id}");
    let bad = app
        .put(
            &format!("{base}/draft"),
            json!({"name": "Hello", "trigger": {"type": "exact_phrase", "phrase": "ciao"},
            "steps": [{"id": "hi", "type": "send_text", "text": "x", "when": "2 hourz"}]}),
        )
        .await;
    assert_eq!(bad.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "steps[0].when");
    let saved = app.put(&format!("{base}/draft"), hello("Ciao! (v2)")).await;
    assert_eq!(saved.status, reqwest::StatusCode::OK, "{}", saved.body);
    assert_eq!(
        app.get(&format!("{base}/draft")).await.body["draft"]["steps"][0]["text"],
        "Ciao! (v2)"
    );

    // The draft is not live.
    app.inject("+393331270001", "ciao").await;
    assert_eq!(app.get(&base).await.body["version"], 1);

    let published = app.post(&format!("{base}/publish"), json!({})).await;
    assert_eq!(
        published.status,
        reqwest::StatusCode::OK,
        "{}",
        published.body
    );
    assert_eq!(published.body["version"], 2);
    assert_eq!(
        app.get(&format!("{base}/draft")).await.body["draft"],
        Value::Null
    );
    let again = app.post(&format!("{base}/publish"), json!({})).await;
    assert_eq!(again.status, reqwest::StatusCode::CONFLICT);
    app.inject("+393331270002", "ciao").await;
    let texts: Vec<String> = app
        .outbox()
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts, ["Ciao! (v1)", "Ciao! (v2)"]);

    let versions = app.get(&format!("{base}/versions")).await;
    let list: Vec<(i64, bool)> = versions.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(list, [(1, false), (2, true)]);
    let v1 = app.get(&format!("{base}/versions/1")).await;
    assert_eq!(v1.body["document"]["steps"][0]["text"], "Ciao! (v1)");
    let diff = app.get(&format!("{base}/diff?from=1&to=2")).await;
    assert_eq!(
        diff.body["changes"],
        json!([{"path": "steps[0].text", "before": "Ciao! (v1)", "after": "Ciao! (v2)"}])
    );
    let missing = app.get(&format!("{base}/versions/9")).await;
    assert_eq!(missing.status, reqwest::StatusCode::NOT_FOUND);
    let bad_from = app.get(&format!("{base}/diff?from=uno&to=2")).await;
    assert_eq!(bad_from.body["error"]["field"], "version");
}
