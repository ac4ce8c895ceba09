//! Commits whose sync overlaps the next transaction (`Store::begin_then_sync`,
//! `Tx::commit_then_sync`): each resolves once the WAL is synced; every other use of the write
//! connection is back at `synchronous = FULL`; a sync that cannot happen fails its commit and every
//! later one.

use chrono::Utc;
use serde_json::json;
use waflow_store::prelude::*;
use waflow_store::{new_id, LogEntry, Store, Synced, Writes};
use waflow_store_sqlite::{Durability, SqliteStore};

fn log(workspace_id: &str, id: &str) -> LogEntry {
    LogEntry {
        id: id.to_string(),
        workspace_id: workspace_id.to_string(),
        created_at: Utc::now(),
        kind: "test".into(),
        outcome: "written".into(),
        summary: String::new(),
        number_id: None,
        contact_id: None,
        message_id: None,
        workflow_id: None,
        run_id: None,
        detail: json!({}),
    }
}

/// Writes one log entry and commits it without waiting for its sync.
async fn write(store: &SqliteStore, workspace_id: &str, id: &str) -> waflow_store::Result<Synced> {
    let mut tx = store.begin_then_sync().await?;
    tx.apply(&Writes {
        logs: vec![log(workspace_id, id)],
        ..Default::default()
    })
    .await?;
    tx.commit_then_sync().await
}

/// Writes one log entry, commits it and waits for its sync.
async fn write_synced(store: &SqliteStore, workspace_id: &str) {
    write(store, workspace_id, &new_id("lg"))
        .await
        .unwrap()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_resolve_when_synced_and_the_writer_syncs_again_after_each() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("g.db"), Durability::Full)
        .await
        .unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    assert_eq!(store.writer_synchronous().await.unwrap(), 2);
    let mut pending: Vec<Synced> = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..50 {
        let id = new_id("lg");
        pending.push(write(&store, &ws.id, &id).await.unwrap());
        ids.push(id);
        // Readers see the commit before its sync resolves; the connection stays at NORMAL for
        // the next such transaction.
        assert_eq!(
            store
                .log(&ws.id, ids.last().unwrap())
                .await
                .unwrap()
                .outcome,
            "written"
        );
        assert_eq!(store.writer_synchronous().await.unwrap(), 1);
    }
    for synced in pending {
        synced.await.unwrap();
    }
    // An ordinary transaction commits at FULL again…
    let mut tx = store.begin().await.unwrap();
    tx.apply(&Writes {
        logs: vec![log(&ws.id, &new_id("lg"))],
        ..Default::default()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.writer_synchronous().await.unwrap(), 2);
    // …and so does an autocommit statement after an intake transaction (here one that finds no
    // agent to update).
    write_synced(&store, &ws.id).await;
    assert_eq!(store.writer_synchronous().await.unwrap(), 1);
    assert!(store
        .set_agent_password(&ws.id, "ag_none", "hash")
        .await
        .is_err());
    assert_eq!(store.writer_synchronous().await.unwrap(), 2);
    // A transaction rolled back (dropped) after an intake one leaves FULL to the next user too.
    write_synced(&store, &ws.id).await;
    drop(store.begin_then_sync().await.unwrap());
    let mut tx = store.begin().await.unwrap();
    tx.apply(&Writes::default()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.writer_synchronous().await.unwrap(), 2);
}

/// On one thread nothing else runs between the commit and the first look at its future: the
/// answer cannot be ready before the syncer has synced.
#[tokio::test(flavor = "current_thread")]
async fn a_commit_is_not_reported_durable_before_its_sync() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("g.db"), Durability::Full)
        .await
        .unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    for _ in 0..5 {
        let mut synced = write(&store, &ws.id, &new_id("lg")).await.unwrap();
        let early = tokio::select! {
            biased;
            result = &mut synced => Some(result),
            () = std::future::ready(()) => None,
        };
        assert!(
            early.is_none(),
            "reported durable before any sync: {early:?}"
        );
        synced.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_cannot_happen_fails_its_commit_and_every_later_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    let store = SqliteStore::open(&path, Durability::Full).await.unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    write_synced(&store, &ws.id).await;
    // The WAL file is gone from its path (the connection keeps writing to the unlinked file):
    // nothing written from now on can be synced where SQLite will look for it.
    std::fs::remove_file(dir.path().join("g.db-wal")).unwrap();
    let first = write(&store, &ws.id, &new_id("lg")).await.unwrap().await;
    let err = first.expect_err("a commit whose WAL cannot be synced is not durable");
    assert!(
        err.to_string().contains("fdatasync of the WAL failed"),
        "{err}"
    );
    let later = write(&store, &ws.id, &new_id("lg")).await.unwrap().await;
    assert!(later.is_err(), "a failed sync is not retried: {later:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_normal_durability_commits_are_settled_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("g.db"), Durability::Normal)
        .await
        .unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    assert_eq!(store.writer_synchronous().await.unwrap(), 1);
    write_synced(&store, &ws.id).await;
    assert_eq!(store.writer_synchronous().await.unwrap(), 1);
}
