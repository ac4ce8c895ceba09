//! The `Cluster` trait's story, told to SQLite and to PostgreSQL alike: heartbeats create and
//! refresh a node's row, dead nodes are forgotten, and a lease is held by one holder at a time —
//! taken when free, renewed by its holder (keeping when it was taken), refused to another while
//! it runs, taken over once it lapses, given up only by its holder.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use waflow_store::{Cluster, NodeRow};

fn at(s: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_800_000_000_000 + s * 1000)
        .unwrap()
}

fn node(id: &str, started: i64) -> NodeRow {
    NodeRow {
        id: id.into(),
        address: format!("10.0.0.1:{started}"),
        version: "0.1.0".into(),
        started_at: at(started),
        heartbeat_at: at(started),
    }
}

/// The story; returns what it saw, for the two backends to be compared.
async fn story(s: &dyn Cluster) -> Vec<String> {
    let mut seen = vec![];
    assert!(s.nodes().await.unwrap().is_empty());
    s.heartbeat(&node("node_a", 0), at(0)).await.unwrap();
    s.heartbeat(&node("node_b", 1), at(1)).await.unwrap();
    s.heartbeat(&node("node_a", 0), at(5)).await.unwrap();
    let nodes = s.nodes().await.unwrap();
    assert_eq!(
        nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        ["node_a", "node_b"]
    );
    assert_eq!(nodes[0].heartbeat_at, at(5), "a beat refreshes the row");
    assert_eq!(nodes[0].started_at, at(0));
    assert_eq!(nodes[1].address, "10.0.0.1:1");
    seen.push(format!("{nodes:?}"));
    // node_b's last beat (1 s) is before 3 s: forgotten; node_a's (5 s) is not.
    assert_eq!(s.forget_nodes(at(3)).await.unwrap(), 1);
    assert_eq!(s.nodes().await.unwrap().len(), 1);
    // A node that stops leaves at once; leaving twice, or as an unknown node, changes nothing.
    s.heartbeat(&node("node_c", 6), at(6)).await.unwrap();
    s.leave("node_c").await.unwrap();
    s.leave("node_c").await.unwrap();
    s.leave("node_unknown").await.unwrap();
    assert_eq!(
        s.nodes()
            .await
            .unwrap()
            .iter()
            .map(|n| n.id.as_str())
            .collect::<Vec<_>>(),
        ["node_a"]
    );

    let lease = "linked:num_1";
    assert!(s.take_lease(lease, "node_a", at(10), at(40)).await.unwrap());
    assert!(
        !s.take_lease(lease, "node_b", at(20), at(50)).await.unwrap(),
        "held by another and running: refused"
    );
    assert!(
        s.take_lease(lease, "node_a", at(30), at(60)).await.unwrap(),
        "its holder renews"
    );
    let held = s.leases().await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].holder, "node_a");
    assert_eq!(held[0].expires_at, at(60));
    assert_eq!(
        held[0].taken_at,
        at(10),
        "a renewal keeps when it was taken"
    );
    assert!(
        !s.take_lease(lease, "node_b", at(59), at(89)).await.unwrap(),
        "not yet lapsed"
    );
    assert!(
        s.take_lease(lease, "node_b", at(60), at(90)).await.unwrap(),
        "lapsed: taken over"
    );
    let held = s.leases().await.unwrap();
    assert_eq!(
        (held[0].holder.as_str(), held[0].taken_at),
        ("node_b", at(60))
    );
    seen.push(format!("{held:?}"));
    s.release_lease(lease, "node_a").await.unwrap();
    assert_eq!(
        s.leases().await.unwrap().len(),
        1,
        "only its holder gives it up"
    );
    s.release_lease(lease, "node_b").await.unwrap();
    assert!(s.leases().await.unwrap().is_empty());
    assert!(
        s.take_lease(lease, "node_a", at(61), at(91)).await.unwrap(),
        "given up: free again"
    );
    seen
}

#[tokio::test]
async fn the_cluster_story_is_the_same_on_both_backends() {
    let sqlite = common::Sqlite::new().await;
    let postgres = common::Postgres::new().await;
    let a = story(sqlite.store()).await;
    let b = story(&postgres.store).await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn two_nodes_racing_for_one_lease_on_postgres_one_gets_it() {
    let postgres = common::Postgres::new().await;
    for round in 0..20 {
        let name = format!("race:{round}");
        let (x, y) = tokio::join!(
            postgres.store.take_lease(&name, "node_x", at(0), at(30)),
            postgres.store.take_lease(&name, "node_y", at(0), at(30)),
        );
        assert!(x.unwrap() ^ y.unwrap(), "round {round}: exactly one holder");
    }
}
