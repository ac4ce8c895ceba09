//! The write connection keeps its statement journals and temporary tables in memory: a
//! multi-row statement that changes many existing pages (an intake batch's log entries, spread
//! over an index) creates no temporary file. With SQLite's default (`temp_store = FILE`) a
//! statement journal over 64 KiB goes to a file created and deleted in the temporary directory,
//! several times per batch under load.

use chrono::Utc;
use serde_json::json;
use std::time::SystemTime;
use waflow_store::prelude::*;
use waflow_store::{new_id, LogEntry, Store, Writes};
use waflow_store_sqlite::{Durability, SqliteStore};

/// `n` log entries, each about a different contact (so they land all over `log_by_contact`).
fn logs(workspace_id: &str, n: usize) -> Vec<LogEntry> {
    (0..n)
        .map(|_| LogEntry {
            id: new_id("lg"),
            workspace_id: workspace_id.to_string(),
            created_at: Utc::now(),
            kind: "test".into(),
            outcome: "written".into(),
            summary: "x".repeat(200),
            number_id: None,
            contact_id: Some(new_id("ct")),
            message_id: None,
            workflow_id: None,
            run_id: None,
            detail: json!({"padding": "y".repeat(300)}),
        })
        .collect()
}

async fn write(store: &SqliteStore, logs: Vec<LogEntry>) {
    let mut tx = store.begin_then_sync().await.unwrap();
    tx.apply(&Writes {
        logs,
        ..Default::default()
    })
    .await
    .unwrap();
    tx.commit_then_sync().await.unwrap().await.unwrap();
}

fn modified(dir: &std::path::Path) -> SystemTime {
    std::fs::metadata(dir).unwrap().modified().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_changing_many_pages_creates_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // SQLite reads its temporary directory once, when it starts: before any database is open
    // (nextest runs each test in a process of its own; this file holds this test only).
    std::env::set_var("SQLITE_TMPDIR", &tmp);
    let store = SqliteStore::open(&dir.path().join("t.db"), Durability::Full)
        .await
        .unwrap();
    assert_eq!(store.writer_temp_store().await.unwrap(), 2);
    let ws = store.ensure_default_workspace().await.unwrap();
    for _ in 0..20 {
        write(&store, logs(&ws.id, 200)).await;
    }
    let before = modified(&tmp);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // Each of these statements changes hundreds of index pages that existed before it.
    for _ in 0..5 {
        write(&store, logs(&ws.id, 200)).await;
    }
    assert_eq!(
        modified(&tmp),
        before,
        "a temporary file was created and deleted in {}",
        tmp.display()
    );
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}
