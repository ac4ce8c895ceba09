//! Crash safety: the real `waflow` binary is killed with SIGKILL and restarted on the same data.

use crate::harness::eventually;
use reqwest::Client;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_waflow");

/// The real binary, running.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
}

/// A new API token for the data directory.
pub(crate) async fn token(dir: &Path) -> String {
    token_with(dir, &[]).await
}

/// A new API token for the data directory, with `extra` options (`--database …`).
pub(crate) async fn token_with(dir: &Path, extra: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(["token", "create", "--data-dir"])
        .arg(dir)
        .args(extra)
        .output()
        .await
        .expect("token create runs");
    assert!(
        out.status.success(),
        "token create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn serve(dir: &Path) -> Server {
    serve_with(dir, &[]).await
}

/// Starts `waflow serve` on the data directory with `extra` options; returns once it listens.
pub(crate) async fn serve_with(dir: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(extra)
        .env("WAFLOW_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("waflow serve starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("ready in time")
        .unwrap()
        .unwrap();
    let base = line
        .strip_prefix("waflow listening on ")
        .expect("the URL line")
        .to_string();
    Server { child, base }
}

async fn kill9(server: &mut Server) {
    signal(server, "-KILL").await;
}

/// Sends a signal (`-KILL`, `-TERM`) to the server; returns how it exited.
pub(crate) async fn signal(server: &mut Server, which: &str) -> std::process::ExitStatus {
    let pid = server.child.id().expect("running") as i32;
    let status = std::process::Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    server.child.wait().await.unwrap()
}

struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        assert_ne!(status, 500);
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn sandbox(&self) -> String {
        self.call(reqwest::Method::GET, "/api/v1/numbers", None)
            .await
            .1["data"][0]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Every message sent from the sandbox number, following the cursor through all pages.
    async fn outbox(&self, sandbox: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor = String::new();
        loop {
            let path =
                format!("/api/v1/numbers/{sandbox}/sandbox/outbox?limit=1000&after={cursor}");
            let page = self.call(reqwest::Method::GET, &path, None).await.1;
            all.extend(page["data"].as_array().cloned().unwrap());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => return all,
            }
        }
    }
}

#[tokio::test]
async fn a_delayed_reply_survives_sigkill_and_is_sent_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let token = token(dir.path()).await;
    let mut server = serve(dir.path()).await;
    let api = Api {
        client: Client::new(),
        base: server.base.clone(),
        token: token.clone(),
    };
    let sandbox = api.sandbox().await;
    let (status, _) = api
        .call(
            reqwest::Method::POST,
            "/api/v1/workflows",
            Some(
                json!({"name": "Later", "trigger": {"type": "message_received"},
            "steps": [{"type": "send_text", "text": "two seconds later", "when": "2s"}]}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    let (status, out) = api
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/numbers/{sandbox}/sandbox/inbound"),
            Some(json!({"from": "+393330000050", "text": "ping"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(out["outcome"], "matched");
    assert!(
        api.outbox(&sandbox).await.is_empty(),
        "nothing sent before the delay"
    );

    kill9(&mut server).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let restarted = serve(dir.path()).await;
    let api = Api {
        client: Client::new(),
        base: restarted.base.clone(),
        token,
    };
    let sent = eventually(10, || async {
        api.outbox(&sandbox)
            .await
            .iter()
            .any(|m| m["status"] == "sent")
    })
    .await;
    assert!(sent, "the reply is sent after the restart");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let outbox = api.outbox(&sandbox).await;
    assert_eq!(outbox.len(), 1, "exactly once: {outbox:?}");
    assert_eq!(outbox[0]["text"], "two seconds later");
}

#[tokio::test]
async fn sigkill_under_load_loses_no_accepted_message_and_duplicates_no_reply() {
    let dir = tempfile::tempdir().unwrap();
    let token = token(dir.path()).await;
    let mut server = serve(dir.path()).await;
    let api = Api {
        client: Client::new(),
        base: server.base.clone(),
        token: token.clone(),
    };
    let sandbox = api.sandbox().await;
    api.call(
        reqwest::Method::POST,
        "/api/v1/workflows",
        Some(
            json!({"name": "Echo", "trigger": {"type": "message_received"},
        "steps": [{"type": "send_text", "text": "re: {{message.text}}"}]}),
        ),
    )
    .await;

    // Fire messages continuously from several tasks, and kill the server in the middle.
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let client = Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let url = format!("{}/api/v1/numbers/{sandbox}/sandbox/inbound", server.base);
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut accepted = Vec::new();
            for i in 0..10_000 {
                let text = format!("m-{worker}-{i}");
                let body = json!({"from": format!("+39333100{worker:04}"), "text": text, "message_id": text});
                match client.post(&url).bearer_auth(&token).json(&body).send().await {
                    Ok(r) if r.status().as_u16() == 200 => accepted.push(text),
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the server died
                }
            }
            accepted
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    kill9(&mut server).await;
    let mut accepted = Vec::new();
    for t in tasks {
        accepted.extend(t.await.unwrap());
    }
    assert!(
        accepted.len() > 50,
        "the load ran before the kill ({} accepted)",
        accepted.len()
    );

    let restarted = serve(dir.path()).await;
    let api = Api {
        client: Client::new(),
        base: restarted.base.clone(),
        token,
    };
    let done = eventually(20, || async {
        api.outbox(&sandbox)
            .await
            .iter()
            .all(|m| m["status"] == "sent")
    })
    .await;
    assert!(done, "the outbox drains after the restart");
    let mut replies = std::collections::HashMap::new();
    for m in api.outbox(&sandbox).await {
        *replies
            .entry(m["text"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    for text in &accepted {
        assert_eq!(
            replies.get(&format!("re: {text}")),
            Some(&1),
            "accepted message {text} must have exactly one reply"
        );
    }
    assert!(replies.values().all(|&n| n == 1), "no reply is duplicated");
}
