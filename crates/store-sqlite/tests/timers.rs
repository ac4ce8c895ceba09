//! Durable timers at the store level: a leased due step is not claimed twice, and taking it twice
//! (a replayed completion) succeeds once.

use chrono::{Duration, Utc};
use serde_json::json;
use waflow_store::prelude::*;
use waflow_store::{new_id, ContactKey, ConversationKey, NewTimer, Run, RunState, Store, Writes};
use waflow_store_sqlite::{Durability, SqliteStore};

async fn store_with_due_step() -> (tempfile::TempDir, SqliteStore, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db"), Durability::Full)
        .await
        .unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    let number = store.numbers(&ws.id).await.unwrap().remove(0);
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    let key = ContactKey {
        workspace_id: ws.id.clone(),
        phone: "+393330000001".into(),
        name: String::new(),
    };
    let (contact, created) = tx.upsert_contacts(&[key], now).await.unwrap().remove(0);
    assert!(created);
    let conv = ConversationKey {
        workspace_id: ws.id.clone(),
        number_id: number.id.clone(),
        contact_id: contact.id.clone(),
    };
    let conversation_id = tx
        .touch_conversations(&[conv], now)
        .await
        .unwrap()
        .remove(0);
    let run = Run {
        id: new_id("run"),
        workspace_id: ws.id.clone(),
        workflow_id: "wf_x".into(),
        workflow_version: 1,
        contact_id: contact.id,
        number_id: number.id,
        conversation_id,
        state: RunState::Active,
        current_step: Some("later".into()),
        variables: json!({}),
        history: json!([]),
        created_at: now,
        updated_at: now,
    };
    let timer = NewTimer {
        run_id: run.id.clone(),
        workspace_id: ws.id.clone(),
        step_id: "later".into(),
        kind: "step".into(),
        due_at: now,
    };
    tx.apply(&Writes {
        new_runs: vec![run],
        timers: vec![timer],
        ..Default::default()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (dir, store, ws.id)
}

#[tokio::test]
async fn a_leased_step_is_claimed_once_and_taken_once() {
    let (_dir, store, _) = store_with_due_step().await;
    let now = Utc::now() + Duration::seconds(1);
    let first = store
        .claim_due_steps(now, "node-a", now + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let second = store
        .claim_due_steps(now, "node-b", now + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert!(second.is_empty(), "leased to node-a");

    // Another node cannot take it; node-a can, once.
    let mut tx = store.begin().await.unwrap();
    assert!(!tx.take_due_step(&first[0].id, "node-b").await.unwrap());
    assert!(tx.take_due_step(&first[0].id, "node-a").await.unwrap());
    assert!(
        !tx.take_due_step(&first[0].id, "node-a").await.unwrap(),
        "a replayed completion takes nothing"
    );
    tx.commit().await.unwrap();
    assert!(store.next_due_at().await.unwrap().is_none());
}

#[tokio::test]
async fn an_expired_lease_is_claimed_again() {
    let (_dir, store, _) = store_with_due_step().await;
    let now = Utc::now() + Duration::seconds(1);
    let first = store
        .claim_due_steps(now, "node-a", now + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    // node-a died; after the lease, node-b claims it and node-a's late completion is refused.
    let later = now + Duration::seconds(31);
    let again = store
        .claim_due_steps(later, "node-b", later + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    let mut tx = store.begin().await.unwrap();
    assert!(!tx.take_due_step(&again[0].id, "node-a").await.unwrap());
    assert!(tx.take_due_step(&again[0].id, "node-b").await.unwrap());
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_nothing() {
    let (_dir, store, ws) = store_with_due_step().await;
    let now = Utc::now();
    {
        let mut tx = store.begin().await.unwrap();
        let key = ContactKey {
            workspace_id: ws.clone(),
            phone: "+393330000002".into(),
            name: "Rolled Back".into(),
        };
        tx.upsert_contacts(&[key], now).await.unwrap();
        // Dropped without commit.
    }
    let all = store
        .contacts(
            &ws,
            &waflow_store::ContactFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "only the committed contact exists");
}
