//! The HTTP request step through the real server: a local endpoint answers, its JSON fills run
//! variables, the reply uses them; failures and timeouts take their edges; and the SSRF guard
//! refuses internal addresses by default, with a log entry, sending nothing.

use crate::harness::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use waflow_engine::clock::SystemClock;

/// A local endpoint: `/order/{id}` answers JSON, `/broken` a 500, `/slow` after 2 s. Records the
/// bodies it receives.
async fn endpoint() -> (String, Arc<Mutex<Vec<Value>>>) {
    use axum::routing::{get, post};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = axum::Router::new()
        .route(
            "/order/{id}",
            post(move |axum::extract::Path(id): axum::extract::Path<String>, body: String| {
                let record = record.clone();
                async move {
                    record.lock().unwrap().push(serde_json::from_str(&body).unwrap_or(Value::Null));
                    axum::Json(json!({"order": {"id": id, "status": "spedito", "items": [{"name": "Pizza"}]}}))
                }
            }),
        )
        .route(
            "/broken",
            get(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down") }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "late"
            }),
        );
    (serve_local(app).await, seen)
}

#[tokio::test]
async fn an_http_request_fills_variables_and_the_reply_uses_them() {
    let (base, seen) = endpoint().await;
    let app =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.allow_private_http = true).await;
    app.create_workflow(json!({"name": "Order status", "trigger": {"type": "message_received"},
        "steps": [
            {"id": "ask", "type": "http_request", "method": "POST", "url": format!("{base}/order/A-42"),
             "headers": {"x-shop": "{{ contact.phone }}"},
             "body": {"question": "{{ message.text }}", "contact": "{{ contact.phone }}", "n": 1},
             "save": {"status": "order.status", "first": "order.items.0.name"},
             "on_failure": "sorry"},
            {"id": "answer", "type": "send_text", "text": "Ordine {{ vars.status }} ({{ vars.first }}, HTTP {{ vars.http_status }})", "next": "done"},
            {"id": "sorry", "type": "send_text", "text": "Servizio non disponibile"},
            {"id": "done", "type": "end"}]}))
        .await;
    app.inject("+393331112222", "dov'è il mio ordine?").await;
    assert_eq!(replies(&app, 1).await, ["Ordine spedito (Pizza, HTTP 200)"]);
    let body = seen.lock().unwrap()[0].clone();
    assert_eq!(body["contact"], "+393331112222");
    assert_eq!(body["n"], 1);
    let logs = app.logs("").await;
    let http = logs
        .iter()
        .find(|l| l["kind"] == "http")
        .expect("an http log entry");
    assert!(
        http["summary"].as_str().unwrap().contains("answered 200"),
        "{http}"
    );
    assert_eq!(http["detail"]["saved"]["status"], "spedito");
}

#[tokio::test]
async fn failures_and_timeouts_take_their_edges() {
    let (base, _) = endpoint().await;
    let app =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.allow_private_http = true).await;
    app.create_workflow(json!({"name": "Broken", "trigger": {"type": "exact_phrase", "phrase": "rotto"},
        "steps": [{"id": "call", "type": "http_request", "url": format!("{base}/broken"), "on_failure": "ko"},
                  {"id": "ok", "type": "send_text", "text": "ok", "next": "end"},
                  {"id": "ko", "type": "send_text", "text": "errore {{ vars.http_status }}"},
                  {"id": "end", "type": "end"}]}))
        .await;
    app.create_workflow(json!({"name": "Slow", "trigger": {"type": "exact_phrase", "phrase": "lento"},
        "steps": [{"id": "call", "type": "http_request", "url": format!("{base}/slow"), "timeout_ms": 300,
                   "on_failure": "ko", "on_timeout": "late"},
                  {"id": "ko", "type": "send_text", "text": "errore", "next": "end"},
                  {"id": "late", "type": "send_text", "text": "troppo lento"},
                  {"id": "end", "type": "end"}]}))
        .await;
    app.create_workflow(
        json!({"name": "No edge", "trigger": {"type": "exact_phrase", "phrase": "niente"},
        "steps": [{"id": "call", "type": "http_request", "url": format!("{base}/broken")},
                  {"id": "after", "type": "send_text", "text": "mai"}]}),
    )
    .await;
    app.inject("+393331110001", "rotto").await;
    assert_eq!(replies(&app, 1).await, ["errore 500"]);
    app.inject("+393331110002", "lento").await;
    assert_eq!(replies(&app, 2).await[1], "troppo lento");
    app.inject("+393331110003", "niente").await;
    assert!(
        eventually(5, || async {
            app.logs("outcome=failed")
                .await
                .iter()
                .any(|l| l["kind"] == "http")
        })
        .await,
        "a failed http entry"
    );
    assert_eq!(
        app.outbox().await.len(),
        2,
        "no edge: nothing more was sent"
    );
}

#[tokio::test]
async fn the_ssrf_guard_refuses_internal_addresses_by_default() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = TestApp::spawn().await;
    for (i, url) in [
        format!("http://127.0.0.1:{port}/hook"),
        "http://10.0.0.1/hook".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        format!("http://[::1]:{port}/hook"),
    ]
    .iter()
    .enumerate()
    {
        app.create_workflow(json!({"name": format!("Guarded {i}"), "trigger": {"type": "exact_phrase", "phrase": format!("prova {i}")},
            "steps": [{"id": "call", "type": "http_request", "url": url, "on_failure": "ko"},
                      {"id": "ko", "type": "send_text", "text": format!("rifiutato {i}")}]}))
            .await;
        app.inject(&format!("+39333111000{i}"), &format!("prova {i}"))
            .await;
        let n = i + 1;
        assert!(
            eventually(5, || async { app.outbox().await.len() == n }).await,
            "{url}"
        );
        let logs = app.logs("").await;
        let entry = logs
            .iter()
            .find(|l| l["kind"] == "http" && l["detail"]["request"]["url"] == url.as_str())
            .unwrap_or_else(|| panic!("no log for {url}"));
        assert_eq!(entry["detail"]["refused"], true, "{entry}");
        assert!(
            entry["summary"].as_str().unwrap().contains("refused"),
            "{entry}"
        );
    }
    let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
    assert!(
        accepted.is_err(),
        "the guard let a connection through to 127.0.0.1"
    );
}

#[tokio::test]
async fn a_signed_webhook_step_posts_the_event_with_a_verifiable_signature() {
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let record = record.clone();
            async move {
                let sig = headers
                    .get("x-waflow-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                record.lock().unwrap().push((sig, body));
                "ok"
            }
        }),
    );
    let base = serve_local(router).await;
    let app =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.allow_private_http = true).await;
    app.create_workflow(json!({"name": "Notify CRM", "trigger": {"type": "exact_phrase", "phrase": "ordine"},
        "steps": [{"id": "tag", "type": "add_tag", "tag": "lead"},
                  {"id": "hook", "type": "webhook", "url": format!("{base}/hook"), "on_failure": "ko"},
                  {"id": "ok", "type": "send_text", "text": "Inoltrato", "next": "end"},
                  {"id": "ko", "type": "send_text", "text": "Errore"},
                  {"id": "end", "type": "end"}]}))
        .await;
    app.inject("+393331310001", "ordine").await;
    assert_eq!(replies(&app, 1).await, ["Inoltrato"]);
    let (signature, body) = seen.lock().unwrap()[0].clone();
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["event"], "workflow.webhook");
    assert_eq!(event["workflow"]["name"], "Notify CRM");
    assert_eq!(event["contact"]["phone"], "+393331310001");
    assert_eq!(event["contact"]["tags"], json!(["lead"]));
    let secret = app.get("/api/v1/workspace/webhook-secret").await.body["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        signature,
        crate::harness::signature(&secret, body.as_bytes())
    );
    // Another workspace has another secret.
    let other = app.token_for("altro").await;
    let theirs = app
        .request_as(
            Some(&other),
            reqwest::Method::GET,
            "/api/v1/workspace/webhook-secret",
            None,
        )
        .await;
    assert_ne!(theirs.body["secret"].as_str().unwrap(), secret);
}
