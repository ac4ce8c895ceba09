//! `TestApp`: the real server on 127.0.0.1:0 with a temporary data directory, and one method per
//! endpoint the tests use. Every response is checked to not be a 500.

use chrono::{DateTime, Utc};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use waflow_engine::clock::{Clock, ManualClock, SystemClock};
use waflow_server::{Config, Database, Durability};

/// The backend these tests run on: SQLite in the test's data directory, or — with
/// `WAFLOW_TEST_BACKEND=postgres` — a fresh database on the PostgreSQL at `WAFLOW_TEST_PG`
/// (created per test; the test fails loudly if that server cannot be reached).
pub async fn test_database() -> Database {
    match std::env::var("WAFLOW_TEST_BACKEND").as_deref() {
        Ok("postgres") => Database::Postgres {
            url: waflow_store_postgres::testing::fresh_database().await,
            pool: 8,
        },
        Ok("sqlite") | Err(_) => Database::Sqlite,
        Ok(other) => panic!("WAFLOW_TEST_BACKEND must be sqlite or postgres, not {other:?}"),
    }
}

pub struct TestApp {
    pub base: String,
    pub token: String,
    pub client: Client,
    pub sandbox: String,
    pub running: waflow_server::Running,
    /// The database the server runs on (for a second server on the same rows).
    pub database: Database,
    pub _dir: TempDir,
}

pub struct Response {
    pub status: StatusCode,
    pub body: Value,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_clock(Arc::new(SystemClock)).await
    }

    pub async fn spawn_at(start: &str) -> (Self, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(utc(start)));
        (Self::spawn_with_clock(clock.clone()).await, clock)
    }

    pub async fn spawn_with_clock(clock: Arc<dyn Clock>) -> Self {
        Self::spawn_configured(clock, |_| {}).await
    }

    /// The server with a configuration adjusted by `adjust` (e.g. the Graph API's URL).
    pub async fn spawn_configured(clock: Arc<dyn Clock>, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            database: test_database().await,
            durability: Durability::Normal,
            // No test may reach WhatsApp: linked devices dial a closed local port.
            linked_device_url: Some("ws://127.0.0.1:1/ws/chat".into()),
            ..Config::new("127.0.0.1:0".parse().unwrap(), dir.path().to_path_buf())
        };
        adjust(&mut config);
        let running = waflow_server::start(&config, clock)
            .await
            .expect("server starts");
        let token = waflow_server::create_token(running.store.as_ref(), "default", "test")
            .await
            .expect("token");
        let mut app = TestApp {
            base: format!("http://{}", running.addr),
            token,
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            sandbox: String::new(),
            database: config.database.clone(),
            running,
            _dir: dir,
        };
        let numbers = app.get("/api/v1/numbers").await;
        app.sandbox = numbers.body["data"][0]["id"]
            .as_str()
            .expect("a sandbox number")
            .to_string();
        app
    }

    /// A token for another workspace of the same server.
    pub async fn token_for(&self, workspace: &str) -> String {
        waflow_server::create_token(self.running.store.as_ref(), workspace, "test")
            .await
            .expect("token")
    }

    pub async fn request_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert_ne!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{method} {path} answered 500: {text}"
        );
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Response { status, body }
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        self.request_as(Some(&self.token.clone()), method, path, body)
            .await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.request(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(body)).await
    }

    /// Creates a workflow and returns its id, failing the test if it is refused.
    pub async fn create_workflow(&self, doc: Value) -> String {
        let r = self.post("/api/v1/workflows", doc).await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "workflow refused: {}",
            r.body
        );
        r.body["id"].as_str().unwrap().to_string()
    }

    /// Injects a text from a contact on the sandbox number.
    pub async fn inject(&self, from: &str, text: &str) -> Value {
        self.inject_with(json!({"from": from, "text": text})).await
    }

    pub async fn inject_with(&self, body: Value) -> Value {
        let r = self
            .post(
                &format!("/api/v1/numbers/{}/sandbox/inbound", self.sandbox),
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "inject refused: {}", r.body);
        r.body
    }

    /// Every message sent from the sandbox number, oldest first.
    pub async fn outbox(&self) -> Vec<Value> {
        let r = self
            .get(&format!(
                "/api/v1/numbers/{}/sandbox/outbox?limit=1000",
                self.sandbox
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        r.body["data"].as_array().cloned().unwrap_or_default()
    }

    /// The texts of every message sent from the sandbox number so far, oldest first.
    pub async fn outbox_texts(&self) -> Vec<String> {
        self.outbox()
            .await
            .iter()
            .map(|m| m["text"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// The texts sent to one phone, oldest first.
    pub async fn texts_to(&self, contact_id: &str) -> Vec<String> {
        self.outbox()
            .await
            .into_iter()
            .filter(|m| m["contact_id"] == contact_id)
            .map(|m| m["text"].as_str().unwrap_or("").to_string())
            .collect()
    }

    pub async fn logs(&self, query: &str) -> Vec<Value> {
        let r = self.get(&format!("/api/v1/logs?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["data"].as_array().cloned().unwrap()
    }

    pub async fn contact(&self, id: &str) -> Value {
        self.get(&format!("/api/v1/contacts/{id}")).await.body
    }
}

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

/// A minimal workflow: trigger, optional conditions, and one text reply.
pub fn reply_workflow(name: &str, trigger: Value, conditions: Option<Value>, reply: &str) -> Value {
    let mut doc = json!({"name": name, "trigger": trigger, "steps": [{"id": "reply", "type": "send_text", "text": reply}]});
    if let Some(c) = conditions {
        doc["conditions"] = c;
    }
    doc
}

/// Polls `check` every 20 ms until it returns true or `secs` pass.
pub async fn eventually<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Waits until the sandbox number sent at least `n` messages; all their texts, oldest first.
pub async fn replies(app: &TestApp, n: usize) -> Vec<String> {
    assert!(
        eventually(10, || async { app.outbox().await.len() >= n }).await,
        "expected {n} replies, got {:?}",
        app.outbox().await
    );
    app.outbox_texts().await
}

/// Serves `router` on 127.0.0.1 at a free port (a stand-in for another system); its base URL.
pub async fn serve_local(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// The `X-Waflow-Signature` value of a webhook body signed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
