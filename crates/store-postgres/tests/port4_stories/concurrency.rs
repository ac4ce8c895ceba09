//! PostgreSQL only: what SQLite's single writer made exclusive stays exclusive when another
//! server's transaction is in flight. A claim in progress is skipped by the due list and the
//! feeder's read (`SKIP LOCKED`), and a change or action that checks a state waits for the
//! transaction writing it, then checks the state it wrote.

use crate::seed::{t, SEED};
use crate::{assert_conflict, Raw};
use std::time::Duration;
use waflow_store::{
    Audience, AudienceQuery, CampaignAction, NewScheduled, Outreach, RecipientOutcome,
};
use waflow_store_postgres::{testing, PgStore};

async fn store() -> PgStore {
    let url = testing::fresh_database().await;
    let pg = PgStore::open(&url, 4).await.expect("open postgres");
    crate::PgRaw(pg.pool().clone()).exec(SEED).await;
    pg
}

fn scheduled(id: &str, due: i64) -> NewScheduled {
    NewScheduled {
        id: id.into(),
        workspace_id: "ws1".into(),
        number_id: "num1".into(),
        phone: "+15550001".into(),
        contact_id: None,
        message_type: "text".into(),
        text: "hi".into(),
        content: None,
        fallback: None,
        at: "2026-01-01T10:00".into(),
        time_zone: "UTC".into(),
        due_at: t(due),
        created_by: None,
        now: t(0),
    }
}

/// Waits a little and asserts the task is still blocked.
async fn still_waiting<T>(task: &tokio::task::JoinHandle<T>) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !task.is_finished(),
        "the statement did not wait for the lock"
    );
}

#[tokio::test]
async fn a_scheduled_message_being_claimed_is_skipped_and_its_cancel_waits() {
    let pg = store().await;
    pg.insert_scheduled(&scheduled("sc_1", 100)).await.unwrap();
    pg.insert_scheduled(&scheduled("sc_2", 200)).await.unwrap();
    let mut claim = pg.begin_tx().await.unwrap();
    assert!(claim
        .claim_scheduled("sc_1", "ct_a", "msg_x", t(150))
        .await
        .unwrap());
    // Another server's scheduler passes over the message being claimed.
    let due = pg.due_scheduled(t(300), 10).await.unwrap();
    assert_eq!(
        due.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        vec!["sc_2"]
    );
    // A cancel waits for the claim, then sees the message queued and refuses.
    let cancel = tokio::spawn({
        let pg = pg.clone();
        async move { pg.cancel_scheduled("ws1", "sc_1", t(160)).await }
    });
    still_waiting(&cancel).await;
    claim.commit().await.unwrap();
    assert_conflict(
        cancel.await.unwrap(),
        "state",
        "scheduled message sc_1 is sending: only a pending message can be changed or cancelled",
    );
    let row = pg.scheduled("ws1", "sc_1").await.unwrap();
    assert_eq!(
        (row.state.as_str(), row.message_id.as_deref()),
        ("sending", Some("msg_x"))
    );
    // An update waits the same way; once the claimer rolls back, it applies.
    let mut claim = pg.begin_tx().await.unwrap();
    assert!(claim
        .claim_scheduled("sc_2", "ct_a", "msg_y", t(210))
        .await
        .unwrap());
    let update = tokio::spawn({
        let pg = pg.clone();
        async move {
            let mut changed = scheduled("sc_2", 500);
            changed.text = "changed".into();
            pg.update_scheduled(&changed).await
        }
    });
    still_waiting(&update).await;
    drop(claim);
    let changed = update.await.unwrap().unwrap();
    assert_eq!(
        (changed.state.as_str(), changed.text.as_str()),
        ("pending", "changed")
    );
}

#[tokio::test]
async fn recipients_being_settled_are_skipped_and_an_action_sees_the_state_written_meanwhile() {
    let pg = store().await;
    let query = AudienceQuery {
        audience: Audience::Tag("news".into()),
        exclude_tag: None,
    };
    let campaign = crate::campaigns::new_campaign("cp1", "ws1", &["num1"], query, 0, 0);
    pg.insert_campaign(&campaign).await.unwrap();
    pg.active_campaigns(t(1)).await.unwrap();
    let seqs = |list: &[waflow_store::PendingRecipient]| -> Vec<i64> {
        list.iter().map(|p| p.seq).collect()
    };
    let all = pg.pending_recipients("cp1", 10).await.unwrap();
    assert_eq!(seqs(&all), vec![1, 5, 6, 7]);
    // Another server's feeder is settling the first two: this one is served the others.
    let mut feeder = pg.begin_tx().await.unwrap();
    feeder
        .settle_recipients(
            "cp1",
            &[
                RecipientOutcome::Started {
                    seq: 1,
                    run_id: "run1".into(),
                },
                RecipientOutcome::Skipped {
                    seq: 5,
                    reason: "no".into(),
                },
            ],
            t(2),
        )
        .await
        .unwrap();
    assert_eq!(
        seqs(&pg.pending_recipients("cp1", 2).await.unwrap()),
        vec![6, 7]
    );
    feeder.commit().await.unwrap();
    assert_eq!(
        seqs(&pg.pending_recipients("cp1", 10).await.unwrap()),
        vec![6, 7]
    );

    // Another server pauses the campaign; this one's pause waits, then sees it paused.
    let mut other = pg.pool().begin().await.unwrap();
    sqlx::query("UPDATE campaigns SET state = 'paused' WHERE id = 'cp1'")
        .execute(&mut *other)
        .await
        .unwrap();
    let pause = tokio::spawn({
        let pg = pg.clone();
        async move {
            pg.campaign_action("ws1", "cp1", CampaignAction::Pause, t(3))
                .await
        }
    });
    still_waiting(&pause).await;
    other.commit().await.unwrap();
    assert_conflict(
        pause.await.unwrap(),
        "state",
        "campaign cp1 is paused: it can be paused only when scheduled or sending",
    );
}
