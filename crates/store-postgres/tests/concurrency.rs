//! Claims that SQLite's single writer made exclusive stay exclusive on PostgreSQL when two
//! transactions (two servers) race: the second waits for the first and, once it commits, finds
//! the claim taken.

mod common;

use chrono::{TimeZone, Utc};
use common::{Backend, Postgres, Val};
use std::time::Duration;
use waflow_store::{ContactKey, Tx};

const SEED: &str = "\
INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0);
INSERT INTO contacts (id, workspace_id, phone, created_at, updated_at) VALUES ('ct1', 'ws1', '+15550001', 0, 0);
INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at)
  VALUES ('cv1', 'ws1', 'num1', 'ct1', 0, 0);
INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state,
  created_at, updated_at) VALUES ('run1', 'ws1', 'wf1', 1, 'ct1', 'num1', 'cv1', 'active', 0, 0);
INSERT INTO due_steps (id, run_id, workspace_id, step_id, kind, due_at, lease_owner) VALUES ('due1', 'run1', 'ws1', 's1', 'step', 0, 'w1');
INSERT INTO scheduled_messages (id, workspace_id, number_id, phone, message_type, body, local_time, time_zone, due_at, state, created_at, updated_at)
  VALUES ('sc1', 'ws1', 'num1', '+15550001', 'text', 'hi', '09:00', 'UTC', 0, 'pending', 0, 0);
INSERT INTO automation_events (workspace_id, kind, contact_id, created_at) VALUES ('ws1', 'list_added', 'ct1', 0);
";

/// A claim's answer, to come.
type Claim<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>>;

/// Runs `first` in one transaction and `second` in another that starts before the first commits;
/// returns both answers.
async fn race<F, G>(pg: &Postgres, first: F, second: G) -> (bool, bool)
where
    F: for<'a> FnOnce(&'a mut Box<dyn Tx>) -> Claim<'a>,
    G: for<'a> FnOnce(&'a mut Box<dyn Tx>) -> Claim<'a> + Send + 'static,
{
    let mut one = pg.begin().await;
    let won = first(&mut one).await;
    let mut two = pg.begin().await;
    let racer = tokio::spawn(async move {
        let answer = second(&mut two).await;
        two.commit().await.unwrap();
        answer
    });
    // The second transaction is now waiting for the first one's row.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!racer.is_finished(), "the second claim did not wait");
    one.commit().await.unwrap();
    (won, racer.await.unwrap())
}

#[tokio::test]
async fn a_claim_is_won_once_when_two_transactions_race() {
    let pg = Postgres::new().await;
    pg.exec(SEED).await;
    let at = Utc.timestamp_millis_opt(1000).unwrap();
    let seq = pg.value("SELECT seq FROM automation_events").await.int();

    let answers = race(
        &pg,
        move |tx| Box::pin(async move { tx.take_due_step("due1", "w1").await.unwrap() }),
        move |tx| Box::pin(async move { tx.take_due_step("due1", "w1").await.unwrap() }),
    )
    .await;
    assert_eq!(answers, (true, false), "take_due_step");

    let answers = race(
        &pg,
        move |tx| {
            Box::pin(async move { tx.claim_scheduled("sc1", "ct1", "m1", at).await.unwrap() })
        },
        move |tx| {
            Box::pin(async move { tx.claim_scheduled("sc1", "ct1", "m2", at).await.unwrap() })
        },
    )
    .await;
    assert_eq!(answers, (true, false), "claim_scheduled");
    assert_eq!(
        pg.value("SELECT message_id FROM scheduled_messages").await,
        Val::Text("m1".into())
    );

    let answers = race(
        &pg,
        move |tx| Box::pin(async move { tx.take_event(seq).await.unwrap() }),
        move |tx| Box::pin(async move { tx.take_event(seq).await.unwrap() }),
    )
    .await;
    assert_eq!(answers, (true, false), "take_event");

    let answers = race(
        &pg,
        move |tx| Box::pin(async move { tx.claim_date_fire("wf1", "ct1", "d", at).await.unwrap() }),
        move |tx| Box::pin(async move { tx.claim_date_fire("wf1", "ct1", "d", at).await.unwrap() }),
    )
    .await;
    assert_eq!(answers, (true, false), "claim_date_fire");

    // Two servers meeting one new contact: one creates it, the other finds it (no conflict).
    let key = || ContactKey {
        workspace_id: "ws1".into(),
        phone: "+15550002".into(),
        name: "New".into(),
    };
    let answers = race(
        &pg,
        move |tx| Box::pin(async move { tx.upsert_contacts(&[key()], at).await.unwrap()[0].1 }),
        move |tx| Box::pin(async move { tx.upsert_contacts(&[key()], at).await.unwrap()[0].1 }),
    )
    .await;
    assert_eq!(answers, (true, false), "upsert_contacts");
    assert_eq!(
        pg.value("SELECT COUNT(*) FROM contacts WHERE phone = '+15550002'")
            .await,
        Val::Int(1)
    );
}
