//! Concurrent callers on one PostgreSQL database (several servers): what SQLite's single writer
//! made exclusive stays exclusive, and work another transaction is taking is skipped.

use crate::harness::{t, Pg, Raw};
use crate::imports::row;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use waflow_store::{Attempt, ContactImports, Deliveries, Error, ImportCounts, Records};

const SEED: &str = "\
INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0);
INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES ('num1', 'ws1', 'Main', 'sandbox', 'connected', 0);
INSERT INTO contacts (id, workspace_id, phone, created_at, updated_at) VALUES ('ct1', 'ws1', '+15550001', 0, 0);
INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) VALUES ('cv1', 'ws1', 'num1', 'ct1', 0, 0);
INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, sender_kind, status, created_at)
  VALUES ('m1', 'ws1', 'cv1', 'num1', 'ct1', 'outbound', 'text', 'a', 'api', 'queued', 0),
         ('m2', 'ws1', 'cv1', 'num1', 'ct1', 'outbound', 'text', 'b', 'api', 'queued', 0),
         ('m3', 'ws1', 'cv1', 'num1', 'ct1', 'outbound', 'text', 'c', 'api', 'failed', 0);
INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, created_at, updated_at)
  VALUES ('wf1', 'ws1', 'Welcome', 1, TRUE, 1, 'keyword', 0, 0);
INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES ('wf1', 1, '{}', 0);
INSERT INTO automation_events (workspace_id, kind, contact_id, detail, created_at) VALUES
  ('ws1', 'list_added', 'ct1', '{}', 0), ('ws1', 'list_added', 'ct1', '{}', 0);
";

async fn seeded() -> Arc<Pg> {
    let pg = Pg::new().await;
    pg.exec(SEED).await;
    Arc::new(pg)
}

/// A contact created by another server while a chunk is written is found, not overwritten.
#[tokio::test]
async fn a_chunk_racing_a_new_contact_updates_it() {
    let pg = seeded().await;
    let imp = pg.store.insert_import("ws1", 10, t(0)).await.unwrap();
    let mut other = pg.store.pool().begin().await.unwrap();
    sqlx::query("INSERT INTO contacts (id, workspace_id, phone, name, created_at, updated_at) VALUES ('ct_walk_in', 'ws1', '+15550077', 'Walk-in', 0, 0)")
        .execute(&mut *other)
        .await
        .unwrap();
    let chunk = {
        let pg = pg.clone();
        let id = imp.id.clone();
        tokio::spawn(async move {
            let rows = [row("+15550077", None, &["imported"], &[], json!({}))];
            pg.store
                .import_chunk("ws1", &id, &rows, ImportCounts::default(), t(1))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    other.commit().await.unwrap();
    let counts = chunk.await.unwrap().unwrap();
    assert_eq!((counts.created, counts.updated), (0, 1));
    let stored = pg
        .rows("SELECT id, name, tags FROM contacts WHERE phone = '+15550077'")
        .await;
    assert_eq!(stored, [["ct_walk_in", "Walk-in", "[\"imported\"]"]]);
}

/// Concurrent test runs of one workflow get one version each.
#[tokio::test]
async fn concurrent_test_versions_take_distinct_numbers() {
    let pg = seeded().await;
    let runs: Vec<_> = (0..6)
        .map(|i| {
            let pg = pg.clone();
            tokio::spawn(async move {
                pg.store
                    .insert_test_version("ws1", "wf1", &json!({ "run": i }))
                    .await
            })
        })
        .collect();
    let mut versions = Vec::new();
    for r in runs {
        versions.push(r.await.unwrap().unwrap());
    }
    versions.sort();
    assert_eq!(versions, [-6, -5, -4, -3, -2, -1]);
}

/// Of concurrent resends of one message, one queues it; the others find it queued.
#[tokio::test]
async fn one_of_concurrent_resends_wins() {
    let pg = seeded().await;
    let tries: Vec<_> = (0..6)
        .map(|_| {
            let pg = pg.clone();
            tokio::spawn(async move { pg.store.resend("ws1", "m3", t(5)).await })
        })
        .collect();
    let mut won = 0;
    for r in tries {
        match r.await.unwrap() {
            Ok(m) => {
                assert_eq!(m.status, "queued");
                won += 1;
            }
            Err(Error::Conflict { field, message }) => {
                assert_eq!(field, "status");
                assert!(
                    message.ends_with("this outbound message is queued"),
                    "{message}"
                );
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won, 1);
}

/// An attempt another server is beginning is skipped by the outbox, and once it commits the
/// message cannot be begun again.
#[tokio::test]
async fn an_attempt_is_taken_once() {
    let pg = seeded().await;
    let mut other = pg.store.pool().begin().await.unwrap();
    sqlx::query("UPDATE messages SET status = 'sending' WHERE id = 'm1'")
        .execute(&mut *other)
        .await
        .unwrap();
    let outbox = pg.store.outbox(t(10), 10, &[]).await.unwrap();
    let ids: Vec<&str> = outbox.iter().map(|o| o.message_id.as_str()).collect();
    assert_eq!(ids, ["m2"], "a message being taken is skipped");
    let begin = {
        let pg = pg.clone();
        tokio::spawn(async move {
            let attempts = ["m1", "m2"].map(|id| Attempt {
                message_id: id.into(),
                chosen_id: None,
            });
            pg.store.begin_attempts(&attempts, &[], t(10)).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    other.commit().await.unwrap();
    assert_eq!(begin.await.unwrap().unwrap(), ["m2"]);
}

/// An event another server is taking is not answered again.
#[tokio::test]
async fn an_event_being_taken_is_skipped() {
    let pg = seeded().await;
    let mut other = pg.store.pool().begin().await.unwrap();
    sqlx::query("DELETE FROM automation_events WHERE seq = 1")
        .execute(&mut *other)
        .await
        .unwrap();
    let seqs: Vec<i64> = pg
        .store
        .pending_events(10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [2]);
    drop(other);
    assert_eq!(pg.store.pending_events(10).await.unwrap().len(), 2);
}
