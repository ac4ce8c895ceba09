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

mod rig;

use crate::crash::signal;
use crate::exactly_once::{phone_of, sends_once, status_webhook};
use reqwest::{Client, Method};
use rig::{busiest_second, follow_ups, outbound, post_all, says_later, text_of, Rig};
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MESSAGES: usize = 10_000;
const NUMBERS: usize = 4;
/// Each number's cap, messages per second.
const CAP: usize = 100;
/// Every this many messages says "dopo" and gets a follow-up 30 s later (a due step).
const LATER_EVERY: usize = 10;
/// Sends that reach the Graph API before node a is killed.
const KILL_AFTER_SENDS: usize = 3_000;

/// Replies by id: (text, status, error).
type Replies = HashMap<String, (String, String, Option<String>)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_10000_messages_one_killed_everything_once_within_the_cap() {
    let mut rig = Rig::start().await;
    warm_up(&rig).await;
    let (killed, posting) = load_and_kill(&mut rig).await;
    let session_after = linked_taken_over(&rig, killed).await;
    posting.await.unwrap();
    a_listed_dead(&rig, killed).await;
    let db = PgPool::connect(&rig.url).await.unwrap();
    let replies = settled(&db).await;
    eprintln!(
        "settled {:.1} s after the kill",
        killed.elapsed().as_secs_f64()
    );
    stored_once(&db).await;
    let numbers: HashMap<String, String> =
        sqlx::query_as("SELECT id, number_id FROM messages WHERE direction = 'outbound'")
            .fetch_all(&db)
            .await
            .unwrap()
            .into_iter()
            .collect();
    answered_once(&rig, &db, &replies, &numbers).await;

    // b took a's numbers (each sent for after the kill) and no number exceeded its cap.
    let after_kill: HashSet<&String> = rig
        .graph
        .sent_with_times()
        .iter()
        .filter(|(at, _)| *at > killed)
        .map(|(_, m)| &numbers[m["biz_opaque_callback_data"].as_str().unwrap()])
        .collect();
    assert_eq!(
        after_kill.len(),
        NUMBERS,
        "b sends for every number after the kill"
    );
    let held = rig.leases().await;
    for line in rig.lines.iter() {
        if let Some(holder) = held.get(&format!("send:{}", line.id)) {
            assert_eq!(holder, &rig.b_id, "a dead node holds no send lease");
        }
    }
    let busiest = busiest_second(&rig.graph, &db).await;
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
}

/// One message per number, one after the other, so that each node sends for the numbers it
/// receives; a must send for at least one (the others' sender may read the outbox first now
/// and then).
async fn warm_up(rig: &Rig) {
    for k in 0..NUMBERS {
        let one = Arc::new(Mutex::new(vec![k]));
        post_all(rig.nodes.clone(), rig.lines.clone(), one).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while rig.graph.sent_count() <= k {
            assert!(
                Instant::now() < deadline,
                "the first reply of number {k} was not sent"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let held = rig.leases().await;
    let on_a: Vec<usize> = (0..NUMBERS)
        .filter(|k| held.get(&format!("send:{}", rig.lines[*k].id)) == Some(&rig.a_id))
        .collect();
    eprintln!("before the load, a sends for numbers {on_a:?}");
    assert!(
        !on_a.is_empty(),
        "a sends for none of the numbers: {held:?}"
    );
}

/// Starts the load and SIGKILLs a once [`KILL_AFTER_SENDS`] sends reached the Graph API; no
/// follow-up (30 s after its message) has fired by then, so a's scheduled ones fire on b.
async fn load_and_kill(rig: &mut Rig) -> (Instant, tokio::task::JoinHandle<()>) {
    let queue = Arc::new(Mutex::new((NUMBERS..MESSAGES).rev().collect::<Vec<_>>()));
    let started = Instant::now();
    let posting = tokio::spawn(post_all(rig.nodes.clone(), rig.lines.clone(), queue));
    let deadline = Instant::now() + Duration::from_secs(180);
    while rig.graph.sent_count() < KILL_AFTER_SENDS {
        assert!(
            Instant::now() < deadline,
            "only {} sends",
            rig.graph.sent_count()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(&mut rig.a, "-KILL").await;
    let killed = Instant::now();
    let follow_ups = rig
        .graph
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
        "a killed {:.1} s into the load, after {} sends ({follow_ups} follow-ups)",
        started.elapsed().as_secs_f64(),
        rig.graph.sent_count()
    );
    assert_eq!(
        follow_ups, 0,
        "the kill came before the first follow-up was due"
    );
    (killed, posting)
}

/// b holds the linked session's lease and runs it within 30 s of the kill; returns when.
async fn linked_taken_over(rig: &Rig, killed: Instant) -> Duration {
    let session = format!("/api/v1/numbers/{}/session", rig.linked);
    loop {
        let running = rig.on_b(Method::GET, &session).await["running"] == true;
        let holder = rig.leases().await.remove(&format!("linked:{}", rig.linked));
        if running && holder.as_deref() == Some(rig.b_id.as_str()) {
            return killed.elapsed();
        }
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "linked session not taken over"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// a is listed dead once its last heartbeat is 20 s old (it beat every 5 s).
async fn a_listed_dead(rig: &Rig, killed: Instant) {
    loop {
        let cluster = rig.on_b(Method::GET, "/api/v1/cluster").await;
        let a_row = cluster["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == rig.a_id.as_str())
            .cloned()
            .expect("a killed node stays listed");
        if a_row["alive"] == false {
            return;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "a still alive: {a_row}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until every reply and follow-up is queued and none is `queued` or `sending`.
async fn settled(db: &PgPool) -> Replies {
    let follow_ups = follow_ups(MESSAGES);
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let replies = outbound(db).await;
        let open = replies
            .values()
            .filter(|(_, s, _)| s == "queued" || s == "sending")
            .count();
        if open == 0 && replies.len() >= MESSAGES + follow_ups {
            return replies;
        }
        assert!(
            Instant::now() < deadline,
            "{open} of {} replies still open",
            replies.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Every message stored once, and one run each.
async fn stored_once(db: &PgPool) {
    let (stored, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT (number_id, channel_message_id)) FROM messages \
         WHERE direction = 'inbound'",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!((stored, distinct), (MESSAGES as i64, MESSAGES as i64));
    let (runs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM runs")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(runs, MESSAGES as i64, "one run per message");
}

/// One reply per message and one follow-up per "dopo", none queued or sent twice; each `sent`
/// or `uncertain` with its reason and never sent — once the status webhooks echoing our ids
/// settled the uncertain ones that did reach the Graph API.
async fn answered_once(
    rig: &Rig,
    db: &PgPool,
    replies: &Replies,
    numbers: &HashMap<String, String>,
) {
    let follow_ups = follow_ups(MESSAGES);
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
        if says_later(seq) {
            assert!(
                later.contains(phone_of(seq).as_str()),
                "no follow-up to {seq}"
            );
        }
    }
    let sends = sends_once(&rig.graph);
    let uncertain: Vec<&String> = replies
        .iter()
        .filter(|(_, (_, s, _))| s == "uncertain")
        .map(|(id, _)| id)
        .collect();
    eprintln!("{} uncertain after the kill", uncertain.len());
    for id in uncertain {
        let (text, _, error) = &replies[id];
        assert!(
            error.as_deref().unwrap_or("").len() > 20,
            "uncertain says why: {text}"
        );
        let Some((wamid, to)) = sends.get(id) else {
            continue;
        };
        let line = rig.lines.iter().find(|l| l.id == numbers[id]).unwrap();
        let (body, sig) = status_webhook(line, wamid, id, to);
        let r = Client::new()
            .post(format!("{}/webhooks/cloud_api/{}", rig.b.base, line.id))
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
        let now = outbound(db).await;
        let wrong: Vec<_> = now
            .iter()
            .filter(|(id, (_, status, _))| match status.as_str() {
                "sent" => !sends.contains_key(*id),
                "uncertain" => sends.contains_key(*id),
                _ => true,
            })
            .collect();
        if wrong.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} replies neither sent once nor uncertain and unsent: {:?}",
            wrong.len(),
            wrong.iter().take(5).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
