//! Exactly once to the provider: a 2,000-message Cloud API load against the fake Graph API
//! answering after 100 ms, the real binary stopped at three points (SIGKILL in one test, SIGTERM
//! in the other) and restarted on the same data. Meta redelivers what was not acknowledged, so
//! the test does too. Afterwards: no message reached the Graph API twice, every reply is `sent`,
//! `failed` or `uncertain` with a reason, and status webhooks echoing the callback data settle
//! the uncertain ones.

use crate::crash::{serve_with, signal, token, Server};
use reqwest::Client;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use waflow_channels::cloud_api::signature;
use waflow_testkit::FakeGraph;

pub(crate) const APP_SECRET: &str = "exactly-once-secret";
const MESSAGES: usize = 2_000;
const NUMBERS: usize = 4;
/// Sends that reach the Graph API before each stop.
const STOP_POINTS: [usize; 3] = [300, 900, 1_500];

pub(crate) struct Line {
    pub(crate) id: String,
    pub(crate) phone_number_id: String,
}

pub(crate) fn phone_of(seq: usize) -> String {
    format!("3935{seq:08}")
}

/// The signed webhook with message `seq` (its own contact), for its number.
fn webhook(line: &Line, seq: usize) -> (Vec<u8>, String) {
    text_webhook(line, seq, &format!("m-{seq}"))
}

/// The signed webhook with message `seq` saying `text`, from its own contact, for its number.
pub(crate) fn text_webhook(line: &Line, seq: usize, text: &str) -> (Vec<u8>, String) {
    let from = phone_of(seq);
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881", "phone_number_id": line.phone_number_id},
                  "contacts": [{"profile": {"name": "Giulia"}, "wa_id": from}],
                  "messages": [{"from": from, "id": format!("wamid.in{seq}"), "timestamp": "1763719200",
                                "type": "text", "text": {"body": text}}]}}]}]});
    let body = serde_json::to_vec(&body).unwrap();
    let sig = signature::sign(APP_SECRET.as_bytes(), &body);
    (body, sig)
}

/// A `sent` status echoing our message id as the callback data.
pub(crate) fn status_webhook(
    line: &Line,
    wamid: &str,
    callback: &str,
    to: &str,
) -> (Vec<u8>, String) {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881", "phone_number_id": line.phone_number_id},
                  "statuses": [{"id": wamid, "status": "sent", "timestamp": "1763719300",
                                "recipient_id": to, "biz_opaque_callback_data": callback}]}}]}]});
    let body = serde_json::to_vec(&body).unwrap();
    let sig = signature::sign(APP_SECRET.as_bytes(), &body);
    (body, sig)
}

struct Harness {
    dir: tempfile::TempDir,
    token: String,
    graph: FakeGraph,
    client: Client,
}

impl Harness {
    async fn start(&self) -> Server {
        serve_with(self.dir.path(), &["--graph-url", self.graph.base_url()]).await
    }

    async fn api(
        &self,
        server: &Server,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = self
            .client
            .request(method, format!("{}{path}", server.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status < 300, "{path}: {status} {body}");
        body
    }

    /// Every outbound message in `status`, through all pages.
    async fn outbound(&self, server: &Server, status: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor = String::new();
        loop {
            let path = format!("/api/v1/messages?status={status}&limit=1000&cursor={cursor}");
            let page = self.api(server, reqwest::Method::GET, &path, None).await;
            all.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => return all,
            }
        }
    }

    /// How many sends reached the Graph API so far.
    fn sends(&self) -> usize {
        self.graph.sent_count()
    }
}

/// Posts the webhooks in `queue` from 16 connections until each is acknowledged or the server
/// stops answering; returns the acknowledged ones.
async fn post_webhooks(
    base: String,
    lines: Arc<Vec<Line>>,
    queue: Arc<Mutex<Vec<usize>>>,
) -> Vec<usize> {
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (queue, lines, base) = (queue.clone(), lines.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let client = Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            let mut acked = Vec::new();
            loop {
                let Some(seq) = queue.lock().unwrap().pop() else {
                    return acked;
                };
                let line = &lines[seq % lines.len()];
                let (body, sig) = webhook(line, seq);
                let sent = client
                    .post(format!("{base}/webhooks/cloud_api/{}", line.id))
                    .header("content-type", "application/json")
                    .header("X-Hub-Signature-256", sig)
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().as_u16() == 200 => acked.push(seq),
                    Ok(r) => {
                        // Only a shutdown may refuse a well-signed delivery, with Retry-After.
                        assert_eq!(r.status().as_u16(), 503, "webhook {seq}");
                        assert!(r.headers().contains_key("retry-after"));
                        queue.lock().unwrap().push(seq);
                        return acked;
                    }
                    Err(_) => {
                        queue.lock().unwrap().push(seq);
                        return acked;
                    }
                }
            }
        }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    acked
}

async fn setup() -> (Harness, Server, Arc<Vec<Line>>) {
    let graph = FakeGraph::start().await.unwrap();
    graph.set_delay(Some(Duration::from_millis(100)));
    let dir = tempfile::tempdir().unwrap();
    let token = token(dir.path()).await;
    let h = Harness {
        dir,
        token,
        graph,
        client: Client::new(),
    };
    let server = h.start().await;
    let mut lines = Vec::new();
    for k in 0..NUMBERS {
        let phone_number_id = format!("20654035224{k:04}");
        let number = h
            .api(
                &server,
                reqwest::Method::POST,
                "/api/v1/numbers",
                Some(
                    json!({"label": format!("Line {k}"), "channel": "cloud_api", "cloud_api": {
                    "phone_number_id": phone_number_id, "waba_id": "102290129340398",
                    "access_token": "EAAG-test", "app_secret": APP_SECRET,
                    "verify_token": "verify", "send_per_second": 200}}),
                ),
            )
            .await;
        lines.push(Line {
            id: number["id"].as_str().unwrap().to_string(),
            phone_number_id,
        });
    }
    h.api(
        &server,
        reqwest::Method::POST,
        "/api/v1/workflows",
        Some(
            json!({"name": "Echo", "trigger": {"type": "message_received"},
                    "steps": [{"type": "send_text", "text": "re: {{ message.text }}"}]}),
        ),
    )
    .await;
    (h, server, Arc::new(lines))
}

/// Runs the load, stopping the server with `how` at each of [`STOP_POINTS`]; returns the
/// harness, the last server (running) and the lines. Asserts every stop's exit.
async fn load_with_stops(how: &str) -> (Harness, Server, Arc<Vec<Line>>) {
    let (h, mut server, lines) = setup().await;
    let queue = Arc::new(Mutex::new((0..MESSAGES).rev().collect::<Vec<_>>()));
    let mut acked = HashSet::new();
    for point in STOP_POINTS {
        let posting = tokio::spawn(post_webhooks(
            server.base.clone(),
            lines.clone(),
            queue.clone(),
        ));
        let deadline = Instant::now() + Duration::from_secs(60);
        while h.sends() < point {
            assert!(
                Instant::now() < deadline,
                "only {} sends before stop point {point}",
                h.sends()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let stopped_at = Instant::now();
        let status = signal(&mut server, how).await;
        if how == "-TERM" {
            assert!(status.success(), "SIGTERM exits 0, not {status}");
            assert!(
                stopped_at.elapsed() < Duration::from_secs(12),
                "SIGTERM exits within the 10 s shutdown timeout (took {:?})",
                stopped_at.elapsed()
            );
        }
        acked.extend(posting.await.unwrap());
        server = h.start().await;
    }
    // The rest of the load, then every reply.
    acked.extend(post_webhooks(server.base.clone(), lines.clone(), queue.clone()).await);
    assert_eq!(
        acked.len(),
        MESSAGES,
        "every webhook is acknowledged in the end"
    );
    (h, server, lines)
}

/// Waits until no reply is queued or sending; returns the replies by state.
async fn settled(h: &Harness, server: &Server) -> HashMap<&'static str, Vec<Value>> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut by = HashMap::new();
        for status in ["queued", "sending", "sent", "failed", "uncertain"] {
            by.insert(status, h.outbound(server, status).await);
        }
        let open = by["queued"].len() + by["sending"].len();
        let total: usize = by.values().map(Vec::len).sum();
        if open == 0 && total >= MESSAGES {
            return by;
        }
        assert!(
            Instant::now() < deadline,
            "replies still open after 60 s: {open} of {total}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// No waflow message reached the Graph API twice; returns the sends by our message id.
pub(crate) fn sends_once(graph: &FakeGraph) -> HashMap<String, (String, String)> {
    let mut by_id: HashMap<String, (String, String)> = HashMap::new();
    let mut twice = Vec::new();
    for (wamid, body) in graph.sent_with_wamids() {
        let id = body["biz_opaque_callback_data"]
            .as_str()
            .expect("every send carries our message id as callback data")
            .to_string();
        let to = body["to"].as_str().unwrap().to_string();
        if by_id.insert(id.clone(), (wamid, to)).is_some() {
            twice.push(id);
        }
    }
    assert!(
        twice.is_empty(),
        "{} messages sent twice: {twice:?}",
        twice.len()
    );
    by_id
}

/// Each reply's state and reason, checked against what the Graph API received.
fn check_states(by: &HashMap<&'static str, Vec<Value>>, sends: &HashMap<String, (String, String)>) {
    let total: usize = by.values().map(Vec::len).sum();
    assert_eq!(total, MESSAGES, "one reply per accepted message");
    let mut texts = HashSet::new();
    for m in by.values().flatten() {
        assert!(
            texts.insert(m["text"].as_str().unwrap().to_string()),
            "one reply each: {m}"
        );
    }
    for m in &by["sent"] {
        assert!(
            sends.contains_key(m["id"].as_str().unwrap()),
            "a sent reply reached the Graph API: {m}"
        );
    }
    for m in by["failed"].iter().chain(&by["uncertain"]) {
        let reason = m["error"].as_str().unwrap_or_default();
        assert!(
            reason.len() > 20,
            "a failed or uncertain reply says why: {m}"
        );
    }
}

#[tokio::test]
async fn sigkill_at_three_points_sends_nothing_twice_and_echoes_settle_the_uncertain() {
    let (h, server, lines) = load_with_stops("-KILL").await;
    let by = settled(&h, &server).await;
    let sends = sends_once(&h.graph);
    check_states(&by, &sends);
    let uncertain = by["uncertain"].len();
    println!(
        "after three SIGKILLs: {} sent, {} failed, {uncertain} uncertain",
        by["sent"].len(),
        by["failed"].len()
    );

    // The user may resend an uncertain message (WhatsApp may then show it twice); a sent one
    // cannot be resent.
    let chosen = by["uncertain"]
        .first()
        .expect("a SIGKILL under load leaves uncertain sends");
    let (id, conversation) = (
        chosen["id"].as_str().unwrap(),
        chosen["conversation_id"].as_str().unwrap(),
    );
    let before = h
        .graph
        .sent_with_wamids()
        .iter()
        .filter(|(_, b)| b["biz_opaque_callback_data"] == id)
        .count();
    let resent = h
        .api(
            &server,
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{conversation}/messages/{id}/resend"),
            None,
        )
        .await;
    assert_eq!(resent["status"], "queued", "{resent}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while h
        .graph
        .sent_with_wamids()
        .iter()
        .filter(|(_, b)| b["biz_opaque_callback_data"] == id)
        .count()
        == before
    {
        assert!(
            Instant::now() < deadline,
            "the resent message reaches the Graph API"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = &by["sent"][0];
    let refused = h
        .client
        .post(format!(
            "{}/api/v1/conversations/{}/messages/{}/resend",
            server.base,
            sent["conversation_id"].as_str().unwrap(),
            sent["id"].as_str().unwrap()
        ))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 409);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["field"], "status", "{refused}");

    // Meta's status webhooks echo the callback data of everything it received.
    let client = Client::new();
    let number_of: HashMap<String, &Line> = (0..MESSAGES)
        .map(|seq| (phone_of(seq), &lines[seq % lines.len()]))
        .collect();
    for (id, (wamid, to)) in &sends {
        let line = number_of[to.as_str()];
        let (body, sig) = status_webhook(line, wamid, id, to);
        let r = client
            .post(format!("{}/webhooks/cloud_api/{}", server.base, line.id))
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = h.outbound(&server, "uncertain").await;
        // What stays uncertain never reached the Graph API: the echo cannot come, and the
        // message is shown with its reason for the user to resend.
        let reached: Vec<&Value> = left
            .iter()
            .filter(|m| m["id"] != id && sends.contains_key(m["id"].as_str().unwrap()))
            .collect();
        if reached.is_empty() {
            println!(
                "after the echoes: {} uncertain (never reached the Graph API)",
                left.len()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} echoed messages still uncertain",
            reached.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sigterm_at_three_points_exits_zero_and_leaves_nothing_uncertain() {
    let (h, server, _) = load_with_stops("-TERM").await;
    let by = settled(&h, &server).await;
    let sends = sends_once(&h.graph);
    check_states(&by, &sends);
    assert!(
        by["uncertain"].is_empty(),
        "a graceful stop finishes its sends: {} uncertain",
        by["uncertain"].len()
    );
    assert_eq!(by["sent"].len(), MESSAGES, "every reply sent");
}
