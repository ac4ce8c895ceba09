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
    let texts = app.outbox_texts().await;
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

async fn export(app: &TestApp, id: &str, format: &str) -> String {
    app.client
        .get(format!(
            "{}/api/v1/workflows/{id}?format={format}",
            app.base
        ))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn import(app: &TestApp, body: String, content_type: &str) -> String {
    let r = app
        .client
        .post(format!("{}/api/v1/workflows", app.base))
        .bearer_auth(&app.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let answer: Value = r.json().await.unwrap();
    assert_eq!(status, reqwest::StatusCode::CREATED, "{answer}");
    answer["id"].as_str().unwrap().to_string()
}

/// Every step kind, trigger options and conditions survive import → export → import → export
/// unchanged, in YAML and in JSON.
#[tokio::test]
async fn import_export_import_gives_identical_documents() {
    let app = TestApp::spawn().await;
    let everything = json!({"name": "Everything", "description": "all the parts", "priority": 7,
        "trigger": {"type": "date", "field": "compleanno", "offset_days": -1, "at": "08:30", "yearly": true},
        "conditions": {"all": [{"type": "tags", "mode": "none", "tags": ["vip"]},
                               {"not": {"type": "variable", "name": "x", "op": "exists"}},
                               {"type": "contact_field", "field": "eta", "op": "greater_than", "value": "17"}]},
        "steps": [
            {"id": "hi", "type": "send_text", "text": "Ciao {{ contact.first_name }}", "when": "2h",
             "template_fallback": {"name": "auguri", "language": "it", "body": ["{{ contact.first_name }}"]}},
            {"id": "q", "type": "question", "text": "Email?", "validate": "email", "retry_text": "Riprova", "max_retries": 1,
             "save_to": "email", "timeout": "1d", "timeout_next": "end", "invalid_next": "end"},
            {"id": "opt", "type": "question", "text": "1 o 2?", "validate": "option", "options": ["Uno", "Due"]},
            {"id": "call", "type": "http_request", "method": "POST", "url": "https://crm.example.com/x",
             "headers": {"x-key": "k"}, "body": {"email": "{{ contact.email }}"}, "save": {"plan": "lead.plan"},
             "timeout_ms": 5000, "on_failure": "end", "on_timeout": "end"},
            {"id": "b", "type": "branch", "conditions": {"type": "variable", "name": "plan", "op": "equals", "value": "pro"},
             "then": "menu", "else": "end"},
            {"id": "menu", "type": "menu", "content": {"type": "buttons", "body": "Scegli", "buttons": [{"id": "a", "title": "A"}]},
             "routes": {"a": "f"}, "otherwise": "end"},
            {"id": "f", "type": "set_field", "field": "scelta", "value": "A"},
            {"id": "n", "type": "set_field", "field": "nota", "next_message": true},
            {"id": "s", "type": "send", "content": {"type": "media", "kind": "image", "source": {"url": "https://x.it/a.png"}}},
            {"id": "t", "type": "add_tag", "tag": "lead"},
            {"id": "e", "type": "end_other_runs"},
            {"id": "g", "type": "go_to", "target": "end"},
            {"id": "end", "type": "end"}]});
    let id1 = app.create_workflow(everything.clone()).await;
    // Nothing is lost on the way out: the YAML export, read back, is the document.
    let exported = export(&app, &id1, "yaml").await;
    let id_back = import(&app, exported, "application/yaml").await;
    let mut back = app
        .get(&format!("/api/v1/workflows/{id_back}?format=json"))
        .await
        .body;
    // The export spells out the default `when`.
    for step in back["steps"].as_array_mut().unwrap() {
        if step["when"] == "immediately" {
            step.as_object_mut().unwrap().remove("when");
        }
    }
    for pointer in [
        "/trigger",
        "/conditions",
        "/steps/0/template_fallback",
        "/steps/1",
        "/steps/2/options",
        "/steps/3/save",
        "/steps/3/body",
        "/steps/4",
        "/steps/5/routes",
        "/steps/7",
        "/steps/8/content",
    ] {
        assert_eq!(
            back.pointer(pointer),
            everything.pointer(pointer),
            "{pointer}"
        );
    }
    for (format, content_type) in [("yaml", "application/yaml"), ("json", "application/json")] {
        let first = export(&app, &id1, format).await;
        let id2 = import(&app, first.clone(), content_type).await;
        let second = export(&app, &id2, format).await;
        assert_eq!(first, second, "{format} round trip");
        let id3 = import(&app, second.clone(), content_type).await;
        assert_eq!(export(&app, &id3, format).await, second);
    }
}

#[tokio::test]
async fn counters_count_runs_steps_messages_replies_and_failures() {
    let (app, clock) = TestApp::spawn_at("2027-01-01T10:00:00Z").await;
    let id = app
        .create_workflow(json!({"name": "Counted", "trigger": {"type": "exact_phrase", "phrase": "conta"},
            "steps": [{"id": "ask", "type": "question", "text": "Un numero?", "validate": "number", "max_retries": 0},
                      {"id": "thanks", "type": "send_text", "text": "Grazie", "when": "1h"}]}))
        .await;
    app.inject("+393331290001", "conta").await;
    app.inject("+393331290002", "conta").await;
    app.inject("+393331290003", "conta").await;
    app.inject("+393331290001", "7").await; // valid: waits an hour, then thanks
    app.inject("+393331290002", "sette").await; // invalid, no retries: the run completes
    clock.set(utc("2027-01-01T11:30:00Z"));
    app.running.engine.run_due_steps().await.unwrap();
    let c = app
        .get(&format!("/api/v1/workflows/{id}/counters"))
        .await
        .body;
    assert_eq!(c["workflow"]["entered"], 3, "{c}");
    assert_eq!(c["workflow"]["replied"], 2, "{c}");
    assert_eq!(c["workflow"]["completed"], 2, "{c}");
    assert_eq!(
        c["workflow"]["sent"], 4,
        "three questions and one thanks: {c}"
    );
    assert_eq!(c["steps"]["ask"]["entered"], 3, "{c}");
    assert_eq!(c["steps"]["ask"]["sent"], 3, "{c}");
    assert_eq!(c["steps"]["ask"]["replied"], 2, "{c}");
    assert_eq!(c["steps"]["thanks"]["entered"], 1, "{c}");
    assert_eq!(c["steps"]["thanks"]["sent"], 1, "{c}");
}

#[tokio::test]
async fn priority_and_activation_changes_reach_a_pending_draft() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(reply_workflow(
            "Ordine",
            json!({"type": "message_received"}),
            None,
            "v1",
        ))
        .await;
    let mut draft = reply_workflow("Ordine", json!({"type": "message_received"}), None, "v2");
    draft["priority"] = json!(100);
    let r = app
        .put(&format!("/api/v1/workflows/{id}/draft"), draft)
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);
    app.put(
        &format!("/api/v1/workflows/{id}/priority"),
        json!({"priority": 3}),
    )
    .await;
    app.post(&format!("/api/v1/workflows/{id}/deactivate"), json!({}))
        .await;
    let draft = app.get(&format!("/api/v1/workflows/{id}/draft")).await;
    assert_eq!(draft.body["draft"]["priority"], 3);
    assert_eq!(draft.body["draft"]["active"], false);
    assert_eq!(
        draft.body["draft"]["steps"][0]["text"], "v2",
        "the rest of the draft kept"
    );
    let published = app
        .post(&format!("/api/v1/workflows/{id}/publish"), json!({}))
        .await;
    assert_eq!(published.body["priority"], 3, "{}", published.body);
    assert_eq!(published.body["active"], false);
}
