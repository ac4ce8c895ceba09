//! Dashboard sign-in and what a signed-in agent sees: login with email and password (hashed),
//! `auth/me`, agents with the role `agent` seeing only their assigned conversations, the
//! dashboard served at `/` with client routes, and the flow builder's `ui` kept in documents.

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn login(app: &TestApp, email: &str, password: &str) -> (StatusCode, serde_json::Value) {
    let r = app
        .request_as(
            None,
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": email, "password": password})),
        )
        .await;
    (r.status, r.body)
}

#[tokio::test]
async fn agents_sign_in_and_see_only_their_conversations() {
    let app = TestApp::spawn().await;
    let sara = app
        .post(
            "/api/v1/agents",
            json!({"name": "Sara", "email": "Sara@Shop.it", "password": "correct horse"}),
        )
        .await;
    assert_eq!(sara.status, StatusCode::CREATED, "{}", sara.body);
    let sara_id = sara.body["id"].as_str().unwrap().to_string();
    assert!(sara.body.get("password_hash").is_none(), "{}", sara.body);
    let short = app
        .post(
            "/api/v1/agents",
            json!({"name": "Leo", "email": "leo@shop.it", "password": "short"}),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.body["error"]["field"], "password");

    let (status, body) = login(&app, "sara@shop.it", "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "wrong email or password");
    let (status, body) = login(&app, "nobody@shop.it", "correct horse").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "wrong email or password");
    let (status, body) = login(&app, "SARA@shop.it", "correct horse").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(body["agent"]["id"], sara_id.as_str());

    let me = app
        .request_as(Some(&token), Method::GET, "/api/v1/auth/me", None)
        .await;
    assert_eq!(me.body["agent"]["email"], "sara@shop.it");
    let api_me = app.get("/api/v1/auth/me").await;
    assert_eq!(api_me.body["agent"], serde_json::Value::Null);

    // Two conversations; one contact is assigned to Sara.
    let mine = app.inject("+393331280001", "ciao").await;
    app.inject("+393331280002", "ciao").await;
    let contact = mine["contact_id"].as_str().unwrap();
    app.patch(
        &format!("/api/v1/contacts/{contact}"),
        json!({"assigned_agent_id": sara_id}),
    )
    .await;
    let seen = app
        .request_as(Some(&token), Method::GET, "/api/v1/conversations", None)
        .await;
    let seen = seen.body["data"].as_array().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["contact_id"], contact);
    let all = app.get("/api/v1/conversations").await;
    assert_eq!(
        all.body["data"].as_array().unwrap().len(),
        2,
        "the API token sees all"
    );
    let other = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contact_id"] != contact)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hidden = app
        .request_as(
            Some(&token),
            Method::GET,
            &format!("/api/v1/conversations/{other}/messages"),
            None,
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let filtered = app
        .get(&format!("/api/v1/conversations?contact_id={contact}"))
        .await;
    assert_eq!(filtered.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_dashboard_is_served_at_the_root_with_client_routes() {
    let app = TestApp::spawn().await;
    for path in ["/", "/workflows/wf_123", "/logs"] {
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        let html = r.text().await.unwrap();
        assert!(html.contains("<div id=\"root\">"), "{path}: {html}");
    }
    // Unknown API paths stay JSON 404s.
    let r = app.get("/api/v1/nothing-here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no such endpoint"));
}

#[tokio::test]
async fn the_flow_builder_layout_is_kept_in_the_document() {
    let app = TestApp::spawn().await;
    let ui = json!({"positions": {"reply": {"x": 10, "y": 170}, "__trigger": {"x": 0, "y": 0}}});
    let mut doc = reply_workflow("Layout", json!({"type": "message_received"}), None, "ok");
    doc["ui"] = ui.clone();
    let id = app.create_workflow(doc).await;
    let stored = app
        .get(&format!("/api/v1/workflows/{id}?format=json"))
        .await;
    assert_eq!(stored.body["ui"], ui);
    let mut bad = reply_workflow("Layout", json!({"type": "message_received"}), None, "ok");
    bad["ui"] = json!("left");
    let r = app.post("/api/v1/workflows", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["field"], "ui");
}
