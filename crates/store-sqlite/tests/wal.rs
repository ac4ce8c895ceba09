//! The write connection never checkpoints (`wal_autocheckpoint = 0`); the background
//! checkpointer keeps the WAL bounded anyway, under a stream of transactions that never pauses.

use chrono::Utc;
use serde_json::json;
use waflow_store::prelude::*;
use waflow_store::{new_id, LogEntry, Store, Writes};
use waflow_store_sqlite::{Durability, SqliteStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_while_writes_never_pause() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let store = SqliteStore::open(&path, Durability::Normal).await.unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    // 96 MiB in 192 back-to-back transactions of 512 KiB: without checkpoints the WAL would hold
    // all of it.
    let filler = "x".repeat(64 * 1024);
    let mut ids = Vec::new();
    let mut largest_wal = 0u64;
    for _ in 0..192 {
        let logs: Vec<LogEntry> = (0..8)
            .map(|_| {
                let id = new_id("lg");
                ids.push(id.clone());
                LogEntry {
                    id,
                    workspace_id: ws.id.clone(),
                    created_at: Utc::now(),
                    kind: "test".into(),
                    outcome: "filler".into(),
                    summary: String::new(),
                    number_id: None,
                    contact_id: None,
                    message_id: None,
                    workflow_id: None,
                    run_id: None,
                    detail: json!({ "filler": filler }),
                }
            })
            .collect();
        let mut tx = store.begin().await.unwrap();
        tx.apply(&Writes {
            logs,
            ..Default::default()
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let wal = std::fs::metadata(dir.path().join("wal.db-wal")).map_or(0, |m| m.len());
        largest_wal = largest_wal.max(wal);
    }
    assert!(
        largest_wal < 48 * 1024 * 1024,
        "the WAL grew to {largest_wal} bytes for 96 MiB written"
    );
    // Everything written is there, in the database file or the WAL.
    for id in [&ids[0], &ids[ids.len() / 2], &ids[ids.len() - 1]] {
        let entry = store.log(&ws.id, id).await.unwrap();
        assert_eq!(
            entry.detail["filler"].as_str().map(str::len),
            Some(64 * 1024)
        );
    }
}
