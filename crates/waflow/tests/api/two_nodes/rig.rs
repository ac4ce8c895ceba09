//! The two-node rig: the nodes, the Graph stand-in, the numbers, and the helpers that post
//! webhooks and read what the nodes did.

use super::{CAP, LATER_EVERY, NUMBERS};
use crate::crash::{serve_with, token_with, Server};
use crate::exactly_once::{text_webhook, Line, APP_SECRET};
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use waflow_testkit::FakeGraph;

/// Two real nodes on one fresh PostgreSQL database and one data directory, a linked number
/// whose session node a holds, the Graph stand-in answering after 100 ms, [`NUMBERS`] Cloud API
/// numbers made through a (b learns of them from a's announcements) and the workflow.
pub(super) struct Rig {
    pub url: String,
    pub a: Server,
    pub b: Server,
    pub a_id: String,
    pub b_id: String,
    pub token: String,
    pub graph: FakeGraph,
    pub linked: String,
    pub lines: Arc<Vec<Line>>,
    pub nodes: Arc<Nodes>,
    _dir: tempfile::TempDir,
}

impl Rig {
    pub async fn start() -> Self {
        let url = waflow_store_postgres::testing::fresh_database().await;
        let database = waflow_server::Database::Postgres {
            url: url.clone(),
            pool: 8,
        };
        let dir = tempfile::tempdir().unwrap();
        let master = "3c".repeat(32);
        let linked = crate::linked_device::stored_session(dir.path(), &database, &master).await;
        let graph = FakeGraph::start().await.unwrap();
        graph.set_delay(Some(Duration::from_millis(100)));
        let args = [
            "--database",
            &url,
            "--master-key",
            &master,
            "--linked-device-url",
            crate::linked_device::NOWHERE,
            "--graph-url",
            graph.base_url(),
        ];
        // Node a first: it takes the linked session at boot. Then b.
        let a = serve_with(dir.path(), &args).await;
        let b = serve_with(dir.path(), &args).await;
        let token = token_with(dir.path(), &["--database", &url]).await;
        let (a_id, b_id) = (
            node_id(&a.base, &token).await,
            node_id(&b.base, &token).await,
        );
        assert_eq!(
            leases(&b.base, &token).await[&format!("linked:{linked}")],
            a_id
        );
        let lines = Arc::new(numbers_and_workflow(&a.base, &b.base, &token).await);
        let nodes = Arc::new(Nodes {
            a: a.base.clone(),
            b: b.base.clone(),
            a_down: AtomicBool::new(false),
        });
        Self {
            url,
            a,
            b,
            a_id,
            b_id,
            token,
            graph,
            linked,
            lines,
            nodes,
            _dir: dir,
        }
    }

    /// Calls node b's API.
    pub async fn on_b(&self, method: Method, path: &str) -> Value {
        api(&self.b.base, &self.token, method, path, None).await
    }

    /// The leases as node b lists them: name → holder.
    pub async fn leases(&self) -> HashMap<String, String> {
        leases(&self.b.base, &self.token).await
    }
}

/// The Cloud API numbers and the workflow, made through `a`; returns once `b` answers each
/// number's webhook.
async fn numbers_and_workflow(a: &str, b: &str, token: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    for k in 0..NUMBERS {
        let phone_number_id = format!("30654035224{k:04}");
        let body = json!({"label": format!("Line {k}"), "channel": "cloud_api", "cloud_api": {
            "phone_number_id": phone_number_id, "waba_id": "102290129340398",
            "access_token": "EAAG-test", "app_secret": APP_SECRET,
            "verify_token": "verify", "send_per_second": CAP}});
        let number = api(a, token, Method::POST, "/api/v1/numbers", Some(body)).await;
        lines.push(Line {
            id: number["id"].as_str().unwrap().to_string(),
            phone_number_id,
        });
    }
    let workflow = json!({"name": "Echo, and later", "trigger": {"type": "message_received"},
        "steps": [
            {"id": "reply", "type": "send_text", "text": "re: {{ message.text }}"},
            {"id": "ask-later", "type": "branch",
             "conditions": {"type": "text", "op": "contains", "values": ["dopo"]}},
            {"id": "later", "type": "send_text", "text": "later for {{ contact.phone }}",
             "when": "30s"}]});
    api(a, token, Method::POST, "/api/v1/workflows", Some(workflow)).await;
    for line in &lines {
        let verify = format!(
            "{b}/webhooks/cloud_api/{}?hub.mode=subscribe&hub.verify_token=verify&hub.challenge=7",
            line.id
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while Client::new().get(&verify).send().await.unwrap().status() != 200 {
            assert!(Instant::now() < deadline, "b never learned of {}", line.id);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    lines
}

/// Whether message `seq` asks for a follow-up (every [`LATER_EVERY`]th after the warm-up).
pub(super) fn says_later(seq: usize) -> bool {
    seq >= NUMBERS && seq.is_multiple_of(LATER_EVERY)
}

/// How many of `messages` get a follow-up.
pub(super) fn follow_ups(messages: usize) -> usize {
    (0..messages).filter(|s| says_later(*s)).count()
}

/// What message `seq` says.
pub(super) fn text_of(seq: usize) -> String {
    if says_later(seq) {
        format!("m-{seq} dopo")
    } else {
        format!("m-{seq}")
    }
}

/// The two nodes' addresses and whether a still answers.
pub(super) struct Nodes {
    pub a: String,
    pub b: String,
    pub a_down: AtomicBool,
}

impl Nodes {
    /// Where number `k`'s webhooks go.
    fn for_number(&self, k: usize) -> &str {
        if k < NUMBERS / 2 && !self.a_down.load(Ordering::SeqCst) {
            &self.a
        } else {
            &self.b
        }
    }
}

/// Posts the webhooks in `queue` from 16 connections until every one is acknowledged; one that
/// node a does not acknowledge (it was killed) goes to b.
pub(super) async fn post_all(
    nodes: Arc<Nodes>,
    lines: Arc<Vec<Line>>,
    queue: Arc<Mutex<Vec<usize>>>,
) {
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (nodes, lines, queue) = (nodes.clone(), lines.clone(), queue.clone());
        tasks.push(tokio::spawn(async move {
            let client = Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            loop {
                let Some(seq) = queue.lock().unwrap().pop() else {
                    return;
                };
                let k = seq % NUMBERS;
                let base = nodes.for_number(k).to_string();
                let (body, sig) = text_webhook(&lines[k], seq, &text_of(seq));
                let sent = client
                    .post(format!("{base}/webhooks/cloud_api/{}", lines[k].id))
                    .header("content-type", "application/json")
                    .header("X-Hub-Signature-256", sig)
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().as_u16() == 200 => {}
                    other => {
                        assert_eq!(base, nodes.a, "node b refused webhook {seq}: {other:?}");
                        eprintln!("a did not acknowledge webhook {seq}: {other:?}");
                        nodes.a_down.store(true, Ordering::SeqCst);
                        queue.lock().unwrap().push(seq);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Calls the API of `base` with `token`; asserts success.
pub(super) async fn api(
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status < 300, "{path}: {status} {body}");
    body
}

/// The leases as node `base` lists them: name → holder.
async fn leases(base: &str, token: &str) -> HashMap<String, String> {
    crate::cluster::lease_holders_in(&api(base, token, Method::GET, "/api/v1/cluster", None).await)
}

async fn node_id(base: &str, token: &str) -> String {
    let cluster = api(base, token, Method::GET, "/api/v1/cluster", None).await;
    cluster["node"].as_str().unwrap().to_string()
}

/// The outbound messages: id → (text, status, error).
pub(super) async fn outbound(
    db: &sqlx::PgPool,
) -> HashMap<String, (String, String, Option<String>)> {
    let rows: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, body, status, error FROM messages WHERE direction = 'outbound'")
            .fetch_all(db)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(id, text, status, error)| (id, (text, status, error)))
        .collect()
}

/// The most sends of one number within any one second, by number (read from the Graph
/// stand-in's arrival times; each send's number from the database, by its callback data).
pub(super) async fn busiest_second(graph: &FakeGraph, db: &sqlx::PgPool) -> HashMap<String, usize> {
    let numbers: HashMap<String, String> =
        sqlx::query_as("SELECT id, number_id FROM messages WHERE direction = 'outbound'")
            .fetch_all(db)
            .await
            .unwrap()
            .into_iter()
            .collect();
    let mut times: HashMap<String, Vec<Instant>> = HashMap::new();
    for (at, body) in graph.sent_with_times() {
        let id = body["biz_opaque_callback_data"].as_str().unwrap();
        times.entry(numbers[id].clone()).or_default().push(at);
    }
    times
        .into_iter()
        .map(|(number, mut at)| {
            at.sort();
            let (mut most, mut start) = (0, 0);
            for end in 0..at.len() {
                while at[end].duration_since(at[start]) >= Duration::from_secs(1) {
                    start += 1;
                }
                most = most.max(end - start + 1);
            }
            (number, most)
        })
        .collect()
}
