//! Two nodes on one PostgreSQL under a 10,000-message Cloud API load, one of them SIGKILLed
//! mid-way (issue 19's acceptance). Two real `waflow serve` processes share one database and one
//! data directory; Meta's webhooks reach them as a balancer routing by path would send them
//! (numbers 0–1 to node a, 2–3 to node b; to b once a stops answering — Meta redelivers what
//! was not acknowledged); the Graph stand-in answers after 100 ms. Node a holds a linked
//! number's (stand-in) session and the send leases of its numbers when it is killed.
//!
//! Afterwards: every message stored once and started one run; every reply and every delayed
//! follow-up reached the Graph API at most once and is `sent`, or `uncertain` with the reason
//! and never sent (status webhooks echoing our message id settle the ones that were); the
//! follow-ups node a had scheduled fired on node b; b took a's numbers and its linked session
//! within 30 s and listed a as dead; no number ever sent more than its cap in any one-second
//! window.

use crate::crash::{serve_with, signal, token_with, Server};
use crate::exactly_once::{phone_of, sends_once, status_webhook, text_webhook, Line, APP_SECRET};
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use waflow_testkit::FakeGraph;

const MESSAGES: usize = 10_000;
const NUMBERS: usize = 4;
/// Each number's cap, messages per second.
const CAP: usize = 100;
/// Every this many messages says "dopo" and gets a follow-up 20 s later (a due step).
const LATER_EVERY: usize = 10;
/// Sends that reach the Graph API before node a is killed.
const KILL_AFTER_SENDS: usize = 3_000;

fn text_of(seq: usize) -> String {
    if seq.is_multiple_of(LATER_EVERY) {
        format!("m-{seq} dopo")
    } else {
        format!("m-{seq}")
    }
}

/// The two nodes' addresses and whether a still answers.
struct Nodes {
    a: String,
    b: String,
    a_down: AtomicBool,
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
async fn post_all(nodes: Arc<Nodes>, lines: Arc<Vec<Line>>, queue: Arc<Mutex<Vec<usize>>>) {
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
async fn api(base: &str, token: &str, method: Method, path: &str, body: Option<Value>) -> Value {
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
    let cluster = api(base, token, Method::GET, "/api/v1/cluster", None).await;
    cluster["leases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["holder"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn node_id(base: &str, token: &str) -> String {
    let cluster = api(base, token, Method::GET, "/api/v1/cluster", None).await;
    cluster["node"].as_str().unwrap().to_string()
}

/// The outbound messages: id → (text, status, error).
async fn outbound(db: &sqlx::PgPool) -> HashMap<String, (String, String, Option<String>)> {
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
async fn busiest_second(graph: &FakeGraph, db: &sqlx::PgPool) -> HashMap<String, usize> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_10000_messages_one_killed_everything_once_within_the_cap() {
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
    let mut a: Server = serve_with(dir.path(), &args).await;
    let b: Server = serve_with(dir.path(), &args).await;
    let token = token_with(dir.path(), &["--database", &url]).await;
    let (a_id, b_id) = (
        node_id(&a.base, &token).await,
        node_id(&b.base, &token).await,
    );
    assert_eq!(
        leases(&b.base, &token).await[&format!("linked:{linked}")],
        a_id
    );

    // Numbers and the workflow made through a; b learns of them from a's announcements.
    let mut lines = Vec::new();
    for k in 0..NUMBERS {
        let phone_number_id = format!("30654035224{k:04}");
        let number = api(
            &a.base,
            &token,
            Method::POST,
            "/api/v1/numbers",
            Some(json!({
            "label": format!("Line {k}"), "channel": "cloud_api", "cloud_api": {
                "phone_number_id": phone_number_id, "waba_id": "102290129340398",
                "access_token": "EAAG-test", "app_secret": APP_SECRET,
                "verify_token": "verify", "send_per_second": CAP}})),
        )
        .await;
        lines.push(Line {
            id: number["id"].as_str().unwrap().to_string(),
            phone_number_id,
        });
    }
    api(&a.base, &token, Method::POST, "/api/v1/workflows", Some(json!({
        "name": "Echo, and later", "trigger": {"type": "message_received"},
        "steps": [
            {"id": "reply", "type": "send_text", "text": "re: {{ message.text }}"},
            {"id": "ask-later", "type": "branch",
             "conditions": {"type": "text", "op": "contains", "values": ["dopo"]}},
            {"id": "later", "type": "send_text", "text": "later for {{ contact.phone }}", "when": "20s"}]}))).await;
    let lines = Arc::new(lines);
    for line in lines.iter() {
        let verify = format!(
            "{}/webhooks/cloud_api/{}?hub.mode=subscribe&hub.verify_token=verify&hub.challenge=7",
            b.base, line.id
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while Client::new().get(&verify).send().await.unwrap().status() != 200 {
            assert!(Instant::now() < deadline, "b never learned of {}", line.id);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let nodes = Arc::new(Nodes {
        a: a.base.clone(),
        b: b.base.clone(),
        a_down: AtomicBool::new(false),
    });

    // One message per number first, one after the other, so that each node sends for the
    // numbers it receives.
    for k in 0..NUMBERS {
        post_all(nodes.clone(), lines.clone(), Arc::new(Mutex::new(vec![k]))).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while graph.sent_count() <= k {
            assert!(
                Instant::now() < deadline,
                "the first reply of number {k} was not sent"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Each number is sent for by the node that claimed it first: almost always the one that
    // received its message (the other's sender may read the outbox first now and then).
    let held = leases(&b.base, &token).await;
    let on_a: Vec<usize> = (0..NUMBERS)
        .filter(|k| held.get(&format!("send:{}", lines[*k].id)) == Some(&a_id))
        .collect();
    eprintln!("before the load, a sends for numbers {on_a:?}");
    assert!(
        !on_a.is_empty(),
        "a sends for none of the numbers: {held:?}"
    );

    // The load; a is killed once 3,000 sends reached the Graph API.
    let queue = Arc::new(Mutex::new((NUMBERS..MESSAGES).rev().collect::<Vec<_>>()));
    let started = Instant::now();
    let posting = tokio::spawn(post_all(nodes.clone(), lines.clone(), queue));
    let deadline = Instant::now() + Duration::from_secs(180);
    while graph.sent_count() < KILL_AFTER_SENDS {
        assert!(
            Instant::now() < deadline,
            "only {} sends",
            graph.sent_count()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(&mut a, "-KILL").await;
    let killed = Instant::now();
    let later_before_kill = graph
        .sent_messages()
        .iter()
        .filter(|m| {
            m["text"]["body"]
                .as_str()
                .unwrap_or("")
                .starts_with("later for")
        })
        .count();
    eprintln!(
        "a killed {:.1} s into the load, after {} sends ({later_before_kill} follow-ups)",
        started.elapsed().as_secs_f64(),
        graph.sent_count()
    );

    // b takes the linked session within 30 s.
    loop {
        let session = api(
            &b.base,
            &token,
            Method::GET,
            &format!("/api/v1/numbers/{linked}/session"),
            None,
        )
        .await;
        let holder = leases(&b.base, &token)
            .await
            .remove(&format!("linked:{linked}"));
        if holder.as_deref() == Some(b_id.as_str()) && session["running"] == true {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "linked session not taken over"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let session_after = killed.elapsed();
    posting.await.unwrap();
    // a is listed dead once its last heartbeat is 20 s old (it beat every 5 s).
    loop {
        let cluster = api(&b.base, &token, Method::GET, "/api/v1/cluster", None).await;
        let a_row = cluster["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == a_id.as_str())
            .cloned()
            .expect("a killed node stays listed");
        if a_row["alive"] == false {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "a still alive: {a_row}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!(
        "all {MESSAGES} accepted after {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Every reply and follow-up settled: none queued or sending.
    let db = sqlx::PgPool::connect(&url).await.unwrap();
    let follow_ups = (0..MESSAGES)
        .filter(|s| s.is_multiple_of(LATER_EVERY))
        .count();
    let deadline = Instant::now() + Duration::from_secs(240);
    let replies = loop {
        let replies = outbound(&db).await;
        let open = replies
            .values()
            .filter(|(_, s, _)| s == "queued" || s == "sending")
            .count();
        if open == 0 && replies.len() >= MESSAGES + follow_ups {
            break replies;
        }
        assert!(
            Instant::now() < deadline,
            "{open} of {} replies still open",
            replies.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    eprintln!(
        "settled {:.1} s after the kill",
        killed.elapsed().as_secs_f64()
    );

    // Stored once, one run each.
    let (stored, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT (number_id, channel_message_id)) FROM messages \
         WHERE direction = 'inbound'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!((stored, distinct), (MESSAGES as i64, MESSAGES as i64));
    let (runs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM runs")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(runs, MESSAGES as i64, "one run per message");

    // Answered once: one reply per message and one follow-up per "dopo", none sent twice.
    let texts: HashSet<&str> = replies.values().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(replies.len(), MESSAGES + follow_ups);
    assert_eq!(texts.len(), replies.len(), "a reply was queued twice");
    let later: HashSet<&str> = texts
        .iter()
        .filter_map(|t| t.strip_prefix("later for +"))
        .collect();
    for seq in 0..MESSAGES {
        assert!(
            texts.contains(format!("re: {}", text_of(seq)).as_str()),
            "no reply to {seq}"
        );
        if seq.is_multiple_of(LATER_EVERY) {
            assert!(
                later.contains(phone_of(seq).as_str()),
                "no follow-up to {seq}: {later:?}"
            );
        }
    }
    let sends = sends_once(&graph);
    // The uncertain ones a's death left: settled by the status webhooks echoing our ids.
    let uncertain: Vec<&String> = replies
        .iter()
        .filter(|(_, (_, s, _))| s == "uncertain")
        .map(|(id, _)| id)
        .collect();
    eprintln!("{} uncertain after the kill", uncertain.len());
    let numbers: HashMap<String, String> =
        sqlx::query_as("SELECT id, number_id FROM messages WHERE direction = 'outbound'")
            .fetch_all(&db)
            .await
            .unwrap()
            .into_iter()
            .collect();
    for id in &uncertain {
        let (_, (text, _, error)) = replies.get_key_value(*id).unwrap();
        assert!(
            error.as_deref().unwrap_or("").len() > 20,
            "uncertain says why: {text}"
        );
        let Some((wamid, to)) = sends.get(*id) else {
            continue;
        };
        let line = lines.iter().find(|l| l.id == numbers[*id]).unwrap();
        let (body, sig) = status_webhook(line, wamid, id, to);
        let r = Client::new()
            .post(format!("{}/webhooks/cloud_api/{}", b.base, line.id))
            .header("content-type", "application/json")
            .header("X-Hub-Signature-256", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let replies = outbound(&db).await;
        let wrong: Vec<_> = replies
            .iter()
            .filter(|(id, (_, status, _))| match status.as_str() {
                "sent" => !sends.contains_key(*id),
                "uncertain" => sends.contains_key(*id),
                _ => true,
            })
            .collect();
        if wrong.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} replies neither sent once nor uncertain and unsent: {:?}",
            wrong.len(),
            wrong.iter().take(5).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // a's scheduled follow-ups fired on b: some were still due when a died.
    let dopo_on_a = (0..MESSAGES)
        .filter(|s| s.is_multiple_of(LATER_EVERY) && s % NUMBERS < NUMBERS / 2)
        .count();
    assert!(
        later_before_kill < follow_ups,
        "every follow-up fired before the kill ({later_before_kill} of {follow_ups}, {dopo_on_a} through a)"
    );

    // b took a's numbers (each sent after the kill) and no number exceeded its cap.
    let after_kill: HashSet<String> = graph
        .sent_with_times()
        .iter()
        .filter(|(at, _)| *at > killed)
        .map(|(_, m)| numbers[m["biz_opaque_callback_data"].as_str().unwrap()].clone())
        .collect();
    assert_eq!(
        after_kill.len(),
        NUMBERS,
        "b sends for every number after the kill"
    );
    let held = leases(&b.base, &token).await;
    for line in lines.iter() {
        if let Some(holder) = held.get(&format!("send:{}", line.id)) {
            assert_eq!(holder, &b_id, "a dead node holds no send lease");
        }
    }
    let busiest = busiest_second(&graph, &db).await;
    eprintln!(
        "linked session on b {:.1} s after the kill; busiest second per number {busiest:?} (cap {CAP})",
        session_after.as_secs_f64()
    );
    for (number, most) in busiest {
        assert!(
            most <= CAP,
            "number {number} sent {most} messages within one second (cap {CAP})"
        );
    }
    drop(b);
}
