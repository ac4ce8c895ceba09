//! PostgreSQL only: what SQLite's single writer made exclusive stays exclusive when several
//! servers share the database.

use crate::common::{Backend, Postgres, Val};
use crate::{t, SEED};
use serde_json::json;
use std::collections::HashSet;
use waflow_store::prelude::*;
use waflow_store::WorkflowWrite;

#[tokio::test]
async fn servers_claiming_due_steps_together_take_each_once() {
    let pg = Postgres::new().await;
    pg.exec(SEED).await;
    pg.exec(
        "INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, created_at, updated_at) \
         VALUES ('run_1', 'ws1', 'wf1', 1, 'ct1', 'num1', 'cv1', 'active', 0, 0); \
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 300) \
         INSERT INTO due_steps (id, run_id, workspace_id, step_id, kind, due_at) \
         SELECT 'ds_' || i, 'run_1', 'ws1', 's', 'step', i FROM k",
    )
    .await;
    let servers: Vec<_> = (0..6)
        .map(|server| {
            let store = pg.store.clone();
            tokio::spawn(async move {
                let owner = format!("server{server}");
                let mut taken = Vec::new();
                loop {
                    let steps = store
                        .claim_due_steps(t(1000), &owner, t(2000), 7)
                        .await
                        .unwrap();
                    if steps.is_empty() {
                        return taken;
                    }
                    taken.extend(steps.into_iter().map(|d| (d.id, d.attempts)));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for server in servers {
        all.extend(server.await.unwrap());
    }
    let ids: HashSet<&str> = all.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        (all.len(), ids.len()),
        (300, 300),
        "each step taken exactly once"
    );
    assert!(all.iter().all(|(_, attempts)| *attempts == 1));
    assert_eq!(
        pg.value("SELECT COUNT(DISTINCT lease_owner) > 1 FROM due_steps")
            .await,
        Val::Int(1),
        "the servers shared the work"
    );
}

#[tokio::test]
async fn runs_claiming_one_answer_together_leave_one_holder() {
    let pg = Postgres::new().await;
    pg.exec(SEED).await;
    let runs: Vec<_> = (0..8)
        .map(|run| {
            let store = pg.store.clone();
            tokio::spawn(async move {
                store
                    .claim_ai_answer("cv1", "msg_5", &format!("run_{run}"))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for run in runs {
        won += run.await.unwrap() as usize;
    }
    assert_eq!(won, 1);
}

#[tokio::test]
async fn concurrent_updates_of_a_workflow_write_consecutive_versions() {
    let pg = Postgres::new().await;
    pg.exec(SEED).await;
    let write = |i: i64| WorkflowWrite {
        name: format!("v{i}"),
        active: true,
        priority: 1,
        trigger_type: "keyword".into(),
        phrase_key: None,
        scope_number_id: None,
        document: json!({"i": i}),
    };
    let wf = pg.store.insert_workflow("ws1", &write(0)).await.unwrap();
    let updates: Vec<_> = (1..=8)
        .map(|i| {
            let (store, id, w) = (pg.store.clone(), wf.id.clone(), write(i));
            tokio::spawn(
                async move { store.update_workflow("ws1", &id, &w).await.unwrap().version },
            )
        })
        .collect();
    let mut versions = Vec::new();
    for u in updates {
        versions.push(u.await.unwrap());
    }
    versions.sort();
    assert_eq!(versions, (2..=9).collect::<Vec<_>>());
    let stored = pg.store.workflow_versions("ws1", &wf.id).await.unwrap();
    assert_eq!(stored.len(), 9);
}
