//! One SSRF guard for every outbound URL (issue 16), through the real server started without
//! `--allow-private-http`: every URL form of `waflow_outbound_http::forms::refused_forms` (48:
//! loopback written in decimal, octal, hex and short forms, userinfo, `localhost`, trailing dots,
//! IPv4-mapped/compatible/translated, NAT64, 6to4, Teredo, private, link-local, metadata, ...)
//! is refused by the HTTP request step, the webhook step, the AI provider (when saved and when
//! called) and the events webhook. A loopback listener counts the connections it accepts: none
//! may arrive. Redirects are not followed, even from an allowed host.
//! (Media downloads are not drivable here — no WhatsApp, and the fake Graph API serves media on
//! its own origin: their guard is tested in `linked-device` and `channels`.)

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use waflow_engine::clock::SystemClock;
use waflow_outbound_http::forms::refused_forms;
use waflow_store::AiSettings;

/// Listens on 127.0.0.1 and, when there is IPv6, [::1] (same port); counts the connections.
struct Counter {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

impl Counter {
    async fn start() -> Counter {
        let v4 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = v4.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let mut listeners = vec![v4];
        if let Ok(v6) = tokio::net::TcpListener::bind(("::1", port)).await {
            listeners.push(v6);
        }
        for listener in listeners {
            let accepted = accepted.clone();
            tokio::spawn(async move {
                while let Ok((socket, _)) = listener.accept().await {
                    accepted.fetch_add(1, SeqCst);
                    drop(socket);
                }
            });
        }
        Counter { port, accepted }
    }

    /// The connections accepted so far, after a moment for late ones.
    async fn count(&self) -> usize {
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.accepted.load(SeqCst)
    }
}

/// The forms a workflow step or a webhook URL can hold (`http` and `https`).
fn web_forms(port: u16) -> Vec<(String, &'static str)> {
    refused_forms(port)
        .into_iter()
        .filter(|(url, _)| url.starts_with("http"))
        .collect()
}

/// A workflow calling each URL in turn (each step's failure edge is the next step).
fn chain(name: &str, phrase: &str, step_type: &str, urls: &[String]) -> Value {
    let mut steps: Vec<Value> = urls
        .iter()
        .enumerate()
        .map(|(i, url)| {
            json!({"id": format!("s{i}"), "type": step_type, "url": url, "timeout_ms": 2000,
                   "on_failure": format!("s{}", i + 1), "next": format!("s{}", i + 1)})
        })
        .collect();
    steps.push(json!({"id": format!("s{}", urls.len()), "type": "send_text", "text": format!("{name} done")}));
    json!({"name": name, "trigger": {"type": "exact_phrase", "phrase": phrase}, "steps": steps})
}

#[tokio::test]
async fn http_and_webhook_steps_refuse_every_form_and_connect_nowhere() {
    let counter = Counter::start().await;
    let app = TestApp::spawn().await;
    let forms = web_forms(counter.port);
    assert!(forms.len() >= 30, "{}", forms.len());
    let urls: Vec<String> = forms.iter().map(|(u, _)| u.clone()).collect();
    // Short chains side by side: the timer worker takes up to 250 ms between two steps of a run.
    let chunks: Vec<&[String]> = urls.chunks(6).collect();
    for (i, part) in chunks.iter().enumerate() {
        for step_type in ["http_request", "webhook"] {
            let name = format!("{step_type} {i}");
            app.create_workflow(chain(&name, &name, step_type, part))
                .await;
        }
    }
    for (i, _) in chunks.iter().enumerate() {
        for (j, step_type) in ["http_request", "webhook"].iter().enumerate() {
            let from = format!("+3933316{j}{i:04}");
            app.inject(&from, &format!("{step_type} {i}")).await;
        }
    }
    let texts = replies(&app, 2 * chunks.len()).await;
    assert!(texts.iter().all(|t| t.ends_with(" done")), "{texts:?}");
    let logs = app.logs("kind=http&limit=500").await;
    assert_eq!(logs.len(), 2 * urls.len(), "one entry per call");
    for (url, what) in &forms {
        let entries: Vec<&Value> = logs
            .iter()
            .filter(|l| l["detail"]["request"]["url"] == url.as_str())
            .collect();
        assert_eq!(entries.len(), 2, "{what}: {url}");
        for entry in entries {
            assert_eq!(entry["detail"]["refused"], true, "{what}: {entry}");
            let summary = entry["summary"].as_str().unwrap();
            assert!(summary.contains("refused"), "{what}: {summary}");
        }
    }
    let loopback = logs
        .iter()
        .find(|l| l["detail"]["request"]["url"] == forms[0].0.as_str())
        .unwrap();
    let summary = loopback["summary"].as_str().unwrap();
    assert!(
        summary.contains("127.0.0.1")
            && summary.contains("loopback")
            && summary.contains("--allow-private-http"),
        "{summary}"
    );
    assert_eq!(counter.count().await, 0, "a step reached the listener");
}

/// The settings body of `PUT /workspace/ai` for `base_url`.
fn ai_body(base_url: &str) -> Value {
    json!({"base_url": base_url, "model": "gpt-test"})
}

#[tokio::test]
async fn an_ai_base_url_of_a_refused_form_is_refused_when_saved() {
    let counter = Counter::start().await;
    let app = TestApp::spawn().await;
    for (url, what) in refused_forms(counter.port) {
        let r = app.put("/api/v1/workspace/ai", ai_body(&url)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {url}: {}",
            r.body
        );
        let text = r.body.to_string();
        assert!(text.contains("base_url"), "{what}: {text}");
        assert!(text.contains(url.trim_end_matches('/')), "{what}: {text}");
        if url.starts_with("http") {
            assert!(text.contains("--allow-private-http"), "{what}: {text}");
        }
    }
    let r = app
        .put(
            "/api/v1/workspace/ai",
            ai_body(&format!("http://127.0.0.1:{}/v1", counter.port)),
        )
        .await;
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("loopback") && message.contains("Ollama"),
        "{}",
        r.body
    );
    assert_eq!(
        app.get("/api/v1/workspace/ai").await.body["configured"],
        false,
        "nothing was stored"
    );
    // A public provider is accepted; the operator's switch accepts a local one.
    let r = app
        .put("/api/v1/workspace/ai", ai_body("https://93.184.215.14/v1"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let local =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.allow_private_http = true).await;
    let r = local
        .put(
            "/api/v1/workspace/ai",
            ai_body(&format!("http://127.0.0.1:{}/v1", counter.port)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(counter.count().await, 0);
}

#[tokio::test]
async fn an_ai_reply_to_a_refused_provider_is_refused_when_called() {
    let counter = Counter::start().await;
    let app = TestApp::spawn().await;
    app.create_workflow(
        json!({"name": "AI", "trigger": {"type": "message_received"}, "steps": [
        {"id": "ai", "type": "ai_reply", "on_failure": "sorry", "next": "done", "debounce_ms": 100},
        {"id": "sorry", "type": "send_text", "text": "fallback"},
        {"id": "done", "type": "end"}]}),
    )
    .await;
    let workspace = app
        .running
        .store
        .workspace_by_name_or_create("default")
        .await
        .unwrap();
    let p = counter.port;
    // Settings stored before the check existed (or written around the API) meet the guard
    // when the provider is called.
    let forms = [
        format!("http://127.0.0.1:{p}/v1"),
        format!("http://2130706433:{p}/v1"),
        format!("http://localhost:{p}/v1"),
        format!("http://[::ffff:127.0.0.1]:{p}/v1"),
        format!("http://[::127.0.0.1]:{p}/v1"),
        format!("http://[64:ff9b::7f00:1]:{p}/v1"),
        format!("http://[2002:7f00:1::]:{p}/v1"),
    ];
    for (i, base_url) in forms.iter().enumerate() {
        app.running
            .store
            .put_ai_settings(&AiSettings {
                workspace_id: workspace.id.clone(),
                base_url: base_url.clone(),
                model: "gpt-test".into(),
                api_key_sealed: None,
                auth: "bearer".into(),
                timeout_ms: 2_000,
                max_tokens: 100,
                transcription_model: "whisper-1".into(),
                business_prompt: String::new(),
                language: None,
                credits: None,
                updated_at: chrono::Utc::now(),
            })
            .await
            .unwrap();
        app.inject(&format!("+39333170000{i}"), "Ciao").await;
        assert_eq!(replies(&app, i + 1).await[i], "fallback", "{base_url}");
    }
    let entries = app.logs("kind=ai&limit=100").await;
    assert_eq!(entries.len(), forms.len(), "{entries:?}");
    for entry in &entries {
        let summary = entry["summary"].as_str().unwrap();
        assert!(
            summary.contains("the AI provider's address is refused")
                && summary.contains("--allow-private-http"),
            "{summary}"
        );
    }
    assert_eq!(counter.count().await, 0, "the AI step reached the listener");
}

#[tokio::test]
async fn the_events_webhook_refuses_every_form() {
    let counter = Counter::start().await;
    let app = TestApp::spawn().await;
    let workspace = app
        .running
        .store
        .workspace_by_name_or_create("default")
        .await
        .unwrap();
    // The server's poster, on the server's store, with the server's default policy.
    let hooks = waflow_server::events::EventHooks::new(
        app.running.store.clone(),
        "key".into(),
        waflow_outbound_http::Policy::default(),
    );
    for (url, what) in web_forms(counter.port) {
        // Refused when saved, naming the field...
        let r = app
            .put("/api/v1/workspace/events-webhook", json!({"url": url}))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            r.body
        );
        assert_eq!(r.body["error"]["field"], "url", "{what}");
        // ...and when posted, had it been stored before the check existed.
        app.running
            .store
            .set_events_url(&workspace.id, Some(&url))
            .await
            .unwrap();
        hooks.send(&workspace.id, json!({"event": "test", "form": what}));
        // Refused at once: a post that was tried would be retried for seconds.
        tokio::time::timeout(Duration::from_secs(1), hooks.idle())
            .await
            .unwrap_or_else(|_| panic!("{what}: {url} was not refused at once"));
    }
    assert_eq!(counter.count().await, 0, "an event reached the listener");

    // End to end: a linked number's status change is an event, posted by the server's own
    // poster to a refused URL.
    let app = TestApp::spawn().await;
    let url = format!("http://127.0.0.1:{}/events", counter.port);
    let r = app
        .put("/api/v1/workspace/events-webhook", json!({"url": url}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let workspace = app
        .running
        .store
        .workspace_by_name_or_create("default")
        .await
        .unwrap();
    app.running
        .store
        .set_events_url(&workspace.id, Some(&url))
        .await
        .unwrap();
    let created = app
        .post(
            "/api/v1/numbers",
            json!({"label": "Phone", "channel": "linked_device"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(
        eventually(20, || async {
            app.get(&format!("/api/v1/numbers/{id}")).await.body["status"] == "disconnected"
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        counter.count().await,
        0,
        "a status event reached the listener"
    );
}

/// A redirect is never followed, even from a host the operator allowed: the HTTP step and the
/// webhook step get the 302 itself, the AI provider's 302 is its answer.
#[tokio::test]
async fn redirects_from_an_allowed_host_are_not_followed() {
    let counter = Counter::start().await;
    let target = format!("http://127.0.0.1:{}/secret", counter.port);
    let location = target.clone();
    let router = axum::Router::new().fallback(move || {
        let location = location.clone();
        async move { (StatusCode::FOUND, [("location", location)], "") }
    });
    let base = serve_local(router).await;
    let app =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.allow_private_http = true).await;
    let urls = [format!("{base}/hop")];
    app.create_workflow(chain("HTTP", "chiama", "http_request", &urls))
        .await;
    app.create_workflow(chain("Hook", "notifica", "webhook", &urls))
        .await;
    app.inject("+393331800001", "chiama").await;
    app.inject("+393331800002", "notifica").await;
    replies(&app, 2).await;
    for entry in app.logs("kind=http&limit=10").await {
        let summary = entry["summary"].as_str().unwrap();
        assert!(summary.contains("answered 302"), "{summary}");
    }
    let r = app
        .put("/api/v1/workspace/ai", ai_body(&format!("{base}/v1")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.create_workflow(
        json!({"name": "AI", "trigger": {"type": "exact_phrase", "phrase": "ai"}, "steps": [
        {"id": "ai", "type": "ai_reply", "on_failure": "sorry", "next": "done", "debounce_ms": 100},
        {"id": "sorry", "type": "send_text", "text": "fallback"},
        {"id": "done", "type": "end"}]}),
    )
    .await;
    app.inject("+393331800003", "ai").await;
    assert_eq!(replies(&app, 3).await[2], "fallback");
    let ai = app.logs("kind=ai&limit=10").await;
    let summary = ai[0]["summary"].as_str().unwrap();
    assert!(summary.contains("302"), "{summary}");
    assert_eq!(counter.count().await, 0, "a redirect was followed");
}
