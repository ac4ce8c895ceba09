//! The template gallery (built-in templates, "save as template", using one), test runs of a
//! draft on the sandbox, and the retention of numbers disconnected for more than seven days.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn builtin_templates_become_working_workflows() {
    let app = TestApp::spawn().await;
    let gallery = app.get("/api/v1/workflow-templates").await;
    let ids: Vec<&str> = gallery.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "builtin:welcome",
            "builtin:out_of_hours",
            "builtin:assign_agent"
        ]
    );
    let r = app
        .post(
            "/api/v1/workflow-templates/builtin:welcome/use",
            json!({"active": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.inject_with(json!({"from": "+393331270001", "name": "Elena Verdi", "text": "salve"}))
        .await;
    assert_eq!(
        replies(&app, 1).await,
        ["Hi Elena, thanks for writing to us! How can we help you?"]
    );

    // The assign template needs an agent, and checks it.
    let missing = app
        .post(
            "/api/v1/workflow-templates/builtin:assign_agent/use",
            json!({}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["error"]["field"], "agent");
    let unknown = app
        .post(
            "/api/v1/workflow-templates/builtin:assign_agent/use",
            json!({"agent": "ag_nobody"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.body["error"]["field"], "steps[0].agent");
    let agent = app
        .post(
            "/api/v1/agents",
            json!({"name": "Sara", "email": "sara@shop.it"}),
        )
        .await;
    let r = app
        .post(
            "/api/v1/workflow-templates/builtin:assign_agent/use",
            json!({"agent": agent.body["id"], "name": "Smista"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["name"], "Smista");
    assert_eq!(r.body["active"], false, "inactive until switched on");
    let nope = app
        .post("/api/v1/workflow-templates/builtin:nope/use", json!({}))
        .await;
    assert_eq!(nope.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_workflow_saved_as_template_is_reused_and_deleted() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(reply_workflow(
            "Prezzi",
            json!({"type": "exact_phrase", "phrase": "prezzi"}),
            None,
            "Listino: shop.it/prezzi",
        ))
        .await;
    let saved = app
        .post(
            "/api/v1/workflow-templates",
            json!({"workflow_id": id, "name": "Listino", "description": "Risponde con il listino"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let tid = saved.body["id"].as_str().unwrap().to_string();
    let gallery = app.get("/api/v1/workflow-templates").await;
    let own: Vec<_> = gallery.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["builtin"] == false)
        .cloned()
        .collect();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["document"]["trigger"]["phrase"], "prezzi");
    // Using it while the original is active would start the phrase twice: refused, inactive is fine.
    let copy = app
        .post(
            &format!("/api/v1/workflow-templates/{tid}/use"),
            json!({"active": true}),
        )
        .await;
    assert_eq!(copy.status, StatusCode::CONFLICT, "{}", copy.body);
    let copy = app
        .post(&format!("/api/v1/workflow-templates/{tid}/use"), json!({}))
        .await;
    assert_eq!(copy.status, StatusCode::CREATED, "{}", copy.body);
    let bad = app
        .post(
            "/api/v1/workflow-templates",
            json!({"workflow_id": "wf_nope"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "workflow_id");
    let r = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/workflow-templates/{tid}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/workflow-templates/builtin:welcome",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_test_run_executes_the_draft_on_the_sandbox() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(reply_workflow(
            "Saluto",
            json!({"type": "exact_phrase", "phrase": "ciao"}),
            None,
            "Versione pubblicata",
        ))
        .await;
    let r = app
        .put(
            &format!("/api/v1/workflows/{id}/draft"),
            json!({"name": "Saluto", "trigger": {"type": "exact_phrase", "phrase": "ciao"},
                   "steps": [{"id": "q", "type": "question", "text": "Bozza: come ti chiami?", "save_to": "nome"},
                             {"id": "r", "type": "send_text", "text": "Bozza: piacere {{ contact.fields.nome }}"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = app
        .post(
            &format!("/api/v1/workflows/{id}/test"),
            json!({"from": "+393331270010", "name": "Tester"}),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
    assert_eq!(t.body["test_version"], -1);
    assert_eq!(t.body["number_id"], app.sandbox.as_str());
    app.inject("+393331270010", "Paola").await;
    assert_eq!(
        replies(&app, 2).await,
        ["Bozza: come ti chiami?", "Bozza: piacere Paola"]
    );
    // The live version is untouched, and the test snapshot is not a listed version.
    app.inject("+393331270011", "ciao").await;
    assert_eq!(replies(&app, 3).await[2], "Versione pubblicata");
    let versions = app.get(&format!("/api/v1/workflows/{id}/versions")).await;
    assert_eq!(versions.body["data"].as_array().unwrap().len(), 1);
    let hidden = app
        .get(&format!("/api/v1/workflows/{id}/versions/-1"))
        .await;
    assert_eq!(hidden.status, StatusCode::UNPROCESSABLE_ENTITY);
    let logs = app.logs("").await;
    assert!(
        logs.iter().any(|l| l["summary"]
            .as_str()
            .unwrap_or("")
            .contains("test run of the draft")),
        "{logs:?}"
    );
    let bad = app
        .post(
            &format!("/api/v1/workflows/{id}/test"),
            json!({"from": "not a phone"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "from");
}

#[tokio::test]
async fn numbers_disconnected_for_seven_days_are_removed_and_their_workflows_go_global() {
    let (app, clock) = TestApp::spawn_at("2027-06-01T10:00:00Z").await;
    let r = app
        .post(
            "/api/v1/numbers",
            json!({"label": "Vendite", "channel": "sandbox"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sales = r.body["id"].as_str().unwrap().to_string();
    let wf = app
        .create_workflow(json!({"name": "Solo vendite", "scope": {"number": sales},
            "trigger": {"type": "message_received"},
            "steps": [{"id": "r", "type": "send_text", "text": "ok"}]}))
        .await;
    let r = app
        .patch(
            &format!("/api/v1/numbers/{sales}"),
            json!({"status": "disconnected"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let engine = &app.running.engine;
    clock.set(utc("2027-06-07T10:00:00Z"));
    assert!(
        engine.run_number_retention().await.unwrap().is_empty(),
        "six days"
    );
    clock.set(utc("2027-06-08T10:01:00Z"));
    assert_eq!(
        engine.run_number_retention().await.unwrap(),
        vec![sales.clone()]
    );
    let gone = app.get(&format!("/api/v1/numbers/{sales}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let doc = app.get(&format!("/api/v1/workflows/{wf}")).await;
    assert_eq!(doc.body["document"]["scope"], "all", "{}", doc.body);
    // Only the sandbox's own status can be set by hand.
    let bad = app
        .patch(
            &format!("/api/v1/numbers/{}", app.sandbox),
            json!({"status": "asleep"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "status");
}
