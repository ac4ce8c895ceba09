//! Nodes on one database: `GET /api/v1/cluster` lists each node with its heartbeat and whether
//! it is alive, and the leases; two servers on one PostgreSQL see each other, and a stopped one
//! leaves the list (a killed one is reported dead once its heartbeat is older than the node
//! timeout: `two_nodes.rs`).

use crate::harness::{utc, TestApp};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use waflow_engine::clock::ManualClock;
use waflow_server::Database;

fn node<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("node {id} not listed: {body}"))
}

#[tokio::test]
async fn the_cluster_lists_this_node_alive_with_its_heartbeat() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/cluster").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.body["node"].as_str().unwrap().to_string();
    assert!(id.starts_with("node_"), "{id}");
    let me = node(&r.body, &id);
    assert_eq!(me["alive"], true);
    assert_eq!(me["this_node"], true);
    assert_eq!(me["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(me["address"], app.base.trim_start_matches("http://"));
    assert!(me["heartbeat_at"].as_str().is_some(), "{me}");
    assert!(r.body["leases"].is_array(), "{}", r.body);
}

#[tokio::test]
async fn two_nodes_on_one_postgres_see_each_other_and_a_stopped_one_leaves() {
    let url = waflow_store_postgres::testing::fresh_database().await;
    let clock = Arc::new(ManualClock::new(utc("2026-12-07T09:00:00Z")));
    let on_pg = on_postgres(&url);
    let a = TestApp::spawn_configured(clock.clone(), on_pg).await;
    let b = TestApp::spawn_configured(clock.clone(), on_pg).await;
    let a_id = a.get("/api/v1/cluster").await.body["node"]
        .as_str()
        .unwrap()
        .to_string();
    let seen = b.get("/api/v1/cluster").await;
    let b_id = seen.body["node"].as_str().unwrap().to_string();
    assert_ne!(a_id, b_id);
    assert_eq!(node(&seen.body, &a_id)["alive"], true, "{}", seen.body);
    assert_eq!(node(&seen.body, &a_id)["this_node"], false);
    assert_eq!(node(&seen.body, &b_id)["this_node"], true);

    a.running.shutdown(Duration::from_secs(5)).await;
    // A stopped node leaves the list at once (a killed one is taken for dead 20 s after its last
    // heartbeat: see two_nodes.rs); b is still alive 25 s later on the clock, beating every 5 s.
    let gone = b.get("/api/v1/cluster").await;
    assert!(
        gone.body["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["id"] != a_id.as_str()),
        "{}",
        gone.body
    );
    clock.advance(chrono::Duration::seconds(25));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let r = b.get("/api/v1/cluster").await;
        if node(&r.body, &b_id)["alive"] == true && r.body["nodes"].as_array().unwrap().len() == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "b not alive: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The lease of a linked number's session, as `GET /cluster` on `app` shows it: its holder.
async fn lease_holder(app: &TestApp, number_id: &str) -> Option<String> {
    let r = app.get("/api/v1/cluster").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["leases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == format!("linked:{number_id}"))
        .map(|l| l["holder"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_killed_nodes_linked_session_is_taken_over_by_the_other_within_30_s() {
    use crate::crash::{serve_with, signal};
    let url = waflow_store_postgres::testing::fresh_database().await;
    let database = Database::Postgres {
        url: url.clone(),
        pool: 4,
    };
    // One data directory for both nodes (as a shared volume would be): the session's file.
    let dir = tempfile::tempdir().unwrap();
    let master = "2a".repeat(32);
    let number = crate::linked_device::stored_session(dir.path(), &database, &master).await;

    // Node a: the real binary, which takes the session at boot.
    let mut a = serve_with(
        dir.path(),
        &[
            "--database",
            &url,
            "--master-key",
            &master,
            "--linked-device-url",
            crate::linked_device::NOWHERE,
        ],
    )
    .await;
    // Node b, in this process, on the same database and directory.
    let data_dir = dir.path().to_path_buf();
    let key = master.clone();
    let b = TestApp::spawn_configured(Arc::new(waflow_engine::clock::SystemClock), move |c| {
        c.data_dir = data_dir;
        c.database = database;
        c.master_key = Some(key);
        c.linked_device_url = Some(crate::linked_device::NOWHERE.into());
    })
    .await;
    let b_id = b.get("/api/v1/cluster").await.body["node"]
        .as_str()
        .unwrap()
        .to_string();
    let a_id = lease_holder(&b, &number).await.expect("a holds the lease");
    assert_ne!(a_id, b_id, "the first node holds the session");
    let on_b = b.get(&format!("/api/v1/numbers/{number}/session")).await;
    assert_eq!(
        on_b.body["running"], false,
        "one session per number: {}",
        on_b.body
    );
    // b stays off it while a renews.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        lease_holder(&b, &number).await.as_deref(),
        Some(a_id.as_str())
    );

    let killed = std::time::Instant::now();
    signal(&mut a, "-KILL").await;
    loop {
        if lease_holder(&b, &number).await.as_deref() == Some(b_id.as_str()) {
            let on_b = b.get(&format!("/api/v1/numbers/{number}/session")).await;
            if on_b.body["running"] == true {
                break;
            }
        }
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "not taken over within 30 s of the kill"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let took = killed.elapsed();
    eprintln!(
        "linked session taken over {} ms after SIGKILL",
        took.as_millis()
    );
    let cluster = b.get("/api/v1/cluster").await;
    assert_eq!(node(&cluster.body, &b_id)["alive"], true);
}

#[tokio::test]
async fn a_change_made_on_one_node_reaches_the_other_nodes_caches_at_once() {
    use reqwest::Method;
    let url = waflow_store_postgres::testing::fresh_database().await;
    let on_pg = on_postgres(&url);
    let clock = Arc::new(waflow_engine::clock::SystemClock);
    let a = TestApp::spawn_configured(clock.clone(), on_pg).await;
    let b = TestApp::spawn_configured(clock, on_pg).await;
    assert_eq!(a.sandbox, b.sandbox, "one database, one sandbox number");

    // b takes a message while no workflow exists: its cache now holds the workspace without one.
    b.inject("+393330000001", "prezzo?").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(b.outbox().await.is_empty());
    // A workflow made through a; b answers the next message with it.
    a.create_workflow(
        serde_json::json!({"name": "Prices", "trigger": {"type": "message_received"},
        "steps": [{"id": "r", "type": "send_text", "text": "Costa 10 euro"}]}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.inject("+393330000001", "prezzo?").await;
    assert_eq!(crate::harness::replies(&b, 1).await, ["Costa 10 euro"]);

    // A token that b has cached, revoked through a, is refused by b.
    let token = a.token_for("default").await;
    let on_b = b
        .request_as(Some(&token), Method::GET, "/api/v1/contacts", None)
        .await;
    assert_eq!(on_b.status, 200, "{}", on_b.body);
    let out = a
        .request_as(Some(&token), Method::POST, "/api/v1/auth/logout", None)
        .await;
    assert!(out.status.is_success(), "{}", out.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let on_b = b
        .request_as(Some(&token), Method::GET, "/api/v1/contacts", None)
        .await;
    assert_eq!(
        on_b.status, 401,
        "revoked on a, still taken by b: {}",
        on_b.body
    );
}

/// Every lease as `GET /cluster` on `app` lists it: name → holder.
async fn lease_holders(app: &TestApp) -> std::collections::HashMap<String, String> {
    lease_holders_in(&app.get("/api/v1/cluster").await.body)
}

/// The leases of a `GET /cluster` answer: name → holder.
pub(crate) fn lease_holders_in(cluster: &Value) -> std::collections::HashMap<String, String> {
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

/// Adjusts a test server's configuration to run on the PostgreSQL database at `url`.
pub(crate) fn on_postgres(url: &str) -> impl Fn(&mut waflow_server::Config) + Copy + '_ {
    move |c| {
        c.database = Database::Postgres {
            url: url.to_string(),
            pool: 4,
        }
    }
}

#[tokio::test]
async fn a_stopped_node_gives_its_numbers_up_at_once_and_the_other_node_sends_for_them() {
    let url = waflow_store_postgres::testing::fresh_database().await;
    let on_pg = on_postgres(&url);
    let clock = Arc::new(waflow_engine::clock::SystemClock);
    // a alone first: it sends the sandbox number's first reply, so it holds the number.
    let a = TestApp::spawn_configured(clock.clone(), on_pg).await;
    a.create_workflow(
        serde_json::json!({"name": "Echo", "trigger": {"type": "message_received"},
        "steps": [{"id": "r", "type": "send_text", "text": "re: {{ message.text }}"}]}),
    )
    .await;
    a.inject("+393330000001", "uno").await;
    assert_eq!(crate::harness::replies(&a, 1).await, ["re: uno"]);
    let a_id = a.get("/api/v1/cluster").await.body["node"]
        .as_str()
        .unwrap()
        .to_string();
    let send_lease = format!("send:{}", a.sandbox);
    assert!(
        crate::harness::eventually(5, || async {
            lease_holders(&a).await.get(&send_lease) == Some(&a_id)
        })
        .await,
        "a never held the sandbox number's send lease: {:?}",
        lease_holders(&a).await
    );

    // b joins; a stops gracefully (what SIGTERM does): its send lease is given up at once, and
    // b answers the next message without waiting the lease's 15 s out (within the 5 s a node
    // leaves a number alone after finding it held by another).
    let b = TestApp::spawn_configured(clock, on_pg).await;
    a.running.shutdown(Duration::from_secs(5)).await;
    assert!(
        lease_holders(&b).await.values().all(|h| h != &a_id),
        "a stopped node holds no lease"
    );
    let b_id = b.get("/api/v1/cluster").await.body["node"]
        .as_str()
        .unwrap()
        .to_string();
    let stopped = std::time::Instant::now();
    b.inject("+393330000001", "due").await;
    assert!(
        crate::harness::eventually(10, || async {
            lease_holders(&b).await.get(&send_lease) == Some(&b_id)
        })
        .await,
        "b did not take the number within 10 s of a's stop: {:?}",
        lease_holders(&b).await
    );
    eprintln!(
        "b sends for a's number {} ms after a stopped",
        stopped.elapsed().as_millis()
    );
}
