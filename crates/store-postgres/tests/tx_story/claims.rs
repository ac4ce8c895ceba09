//! The third step: taking due steps and events, claiming scheduled messages and date fires,
//! settling recipients, the pre-send check, the second writes and inbound notices.

use crate::common::{Backend, Val};
use crate::fixtures::{ms, notice, run, t, Story};
use serde_json::json;
use waflow_domain::{ConversationStats, Notice, PhoneNumber};
use waflow_store::{ChangedBy, Delivery, RecipientOutcome, TicketChange, Writes};

/// Tells the third step and checks what it stored.
pub async fn claims(b: &dyn Backend, s: &Story) {
    let n = b.name();
    let (a, bob, cva, cvb, ma1, mb1) = (&s.a, &s.bob, &s.cva, &s.cvb, &s.ma1, &s.mb1);
    let (o1, o2, o3, o4) = (&s.o[0], &s.o[1], &s.o[2], &s.o[3]);
    b.exec("UPDATE due_steps SET lease_owner = 'w1', lease_until = 1 WHERE run_id = 'run2'")
        .await;
    let due: String = b
        .value("SELECT id FROM due_steps WHERE run_id = 'run2'")
        .await
        .text()
        .to_string();
    let list_event = b
        .value("SELECT seq FROM automation_events WHERE kind = 'list_added'")
        .await
        .int();
    let mut tx = b.begin().await;
    assert!(
        !tx.take_due_step(&due, "w2").await.unwrap(),
        "{n}: not ours"
    );
    assert!(tx.take_due_step(&due, "w1").await.unwrap());
    assert!(!tx.take_due_step(&due, "w1").await.unwrap(), "{n}: gone");
    assert!(tx.take_event(list_event).await.unwrap());
    assert!(!tx.take_event(list_event).await.unwrap());
    assert_eq!(tx.open_tickets(a).await.unwrap(), ["tk1"]);
    assert!(tx.open_tickets(bob).await.unwrap().is_empty());
    let after = tx.after_message(cva, ma1).await.unwrap();
    assert!(
        !after.contact_wrote && after.agent_replied,
        "{n}: {after:?}"
    );
    let after = tx.after_message(cvb, o4).await.unwrap();
    assert!(
        !after.contact_wrote && !after.agent_replied,
        "{n}: {after:?}"
    );
    let after = tx.after_message(cvb, "msg_").await.unwrap();
    assert!(after.contact_wrote && after.agent_replied, "{n}: {after:?}");
    assert!(tx.claim_scheduled("sc1", a, o1, t(20)).await.unwrap());
    assert!(!tx.claim_scheduled("sc1", a, o1, t(20)).await.unwrap());
    assert!(!tx.claim_scheduled("sc3", a, o1, t(20)).await.unwrap());
    tx.fail_scheduled("sc2", "no number", t(21)).await.unwrap();
    tx.fail_scheduled("sc1", "late", t(22)).await.unwrap();
    assert_eq!(
        tx.campaign_state("cp1").await.unwrap().as_deref(),
        Some("sending")
    );
    assert_eq!(tx.campaign_state("cp_missing").await.unwrap(), None);
    tx.settle_recipients(
        "cp1",
        &[
            RecipientOutcome::Queued {
                seq: 1,
                message_id: o1.clone(),
            },
            RecipientOutcome::Started {
                seq: 2,
                run_id: "run3".into(),
            },
            RecipientOutcome::Skipped {
                seq: 3,
                reason: "opted out".into(),
            },
            RecipientOutcome::Queued {
                seq: 1,
                message_id: o3.clone(),
            },
        ],
        t(23),
    )
    .await
    .unwrap();
    tx.settle_recipients(
        "cp1",
        &[RecipientOutcome::Skipped {
            seq: 1,
            reason: "again".into(),
        }],
        t(24),
    )
    .await
    .unwrap();
    assert!(tx
        .claim_date_fire("wf1", a, "2026-01-01", t(24))
        .await
        .unwrap());
    assert!(!tx
        .claim_date_fire("wf1", a, "2026-01-01", t(25))
        .await
        .unwrap());
    assert!(tx
        .claim_date_fire("wf1", bob, "2026-01-01", t(24))
        .await
        .unwrap());
    assert_eq!(
        tx.conversation_stats(cva, "msg_zzz").await.unwrap(),
        ConversationStats {
            messages: 2,
            last_outbound_at: Some(t(11)),
            previous_inbound_at: Some(t(5))
        },
        "{n}"
    );
    let mut r1 = run("run1", a, cva, "completed");
    r1.current_step = None;
    r1.history = json!([{"step": "ask"}]);
    r1.updated_at = t(30);
    let w = Writes {
        cleared_timers: vec!["run3".into()],
        updated_runs: vec![r1],
        end_other_runs: vec![(a.clone(), "run1".into())],
        tickets: vec![TicketChange::Status {
            workspace_id: "ws1".into(),
            contact_id: a.clone(),
            ticket_id: None,
            status: "closed".into(),
            by: ChangedBy {
                kind: "agent",
                reference: Some("ag1".into()),
            },
        }],
        deliveries: vec![
            Delivery::Failed {
                message_id: o3.clone(),
                error: "bad".into(),
            },
            Delivery::Uncertain {
                message_id: o2.clone(),
                reason: "timeout".into(),
            },
            Delivery::Deferred {
                message_id: o1.clone(),
                reason: "paced".into(),
                next_attempt_at: t(99),
            },
        ],
        counters: [(("wf1".to_string(), String::new(), "entered"), 1)].into(),
        credits_used: vec![("ws1".into(), 100)],
        contact_blocked: [(bob.clone(), false)].into(),
        contact_opt_outs: [(bob.clone(), None)].into(),
        contact_agents: [(a.clone(), None)].into(),
        at: Some(t(30)),
        ..Writes::default()
    };
    tx.apply(&w).await.unwrap();
    let said = tx
        .apply_notice(&notice(
            a,
            Notice::Edited {
                original: "wamid.1".into(),
                text: "hello!".into(),
            },
        ))
        .await
        .unwrap();
    assert!(said.contains("edited"), "{n}: {said}");
    let said = tx
        .apply_notice(&notice(
            a,
            Notice::Edited {
                original: "wamid.nope".into(),
                text: "x".into(),
            },
        ))
        .await
        .unwrap();
    assert!(said.contains("is not stored"), "{n}: {said}");
    let said = tx
        .apply_notice(&notice(
            bob,
            Notice::Revoked {
                original: "wamid.2".into(),
            },
        ))
        .await
        .unwrap();
    assert!(said.contains("marked deleted"), "{n}: {said}");
    let phone = |p: &str| PhoneNumber::parse(p).unwrap();
    let said = tx
        .apply_notice(&notice(
            a,
            Notice::NumberChanged {
                new_phone: phone("+15550002"),
            },
        ))
        .await
        .unwrap();
    assert!(said.contains("already has; both left"), "{n}: {said}");
    let said = tx
        .apply_notice(&notice(
            a,
            Notice::NumberChanged {
                new_phone: phone("+15550009"),
            },
        ))
        .await
        .unwrap();
    assert!(said.contains("now +15550009"), "{n}: {said}");
    let said = tx
        .apply_notice(&notice(
            a,
            Notice::NumberChanged {
                new_phone: phone("+15550009"),
            },
        ))
        .await
        .unwrap();
    assert!(said.contains("already has +15550009"), "{n}: {said}");
    tx.commit().await.unwrap();
    check_second_writes(b, a, bob, [o1, o2, o3], ma1, mb1).await;
}

async fn check_second_writes(
    b: &dyn Backend,
    a: &str,
    bob: &str,
    o: [&String; 3],
    ma1: &str,
    mb1: &str,
) {
    let n = b.name();
    let [o1, o2, o3] = o;
    let states = b
        .rows("SELECT id, state, current_step, history, updated_at FROM runs ORDER BY id")
        .await;
    let states: Vec<(&str, &str)> = states.iter().map(|r| (r[0].text(), r[1].text())).collect();
    assert_eq!(
        states,
        [
            ("run1", "completed"),
            ("run2", "ended"),
            ("run3", "active"),
            ("run4", "waiting")
        ],
        "{n}"
    );
    let r1 = b.row("SELECT * FROM runs WHERE id = 'run1'").await;
    assert_eq!(
        (r1["current_step"].clone(), r1["history"].text()),
        (Val::Null, r#"[{"step":"ask"}]"#)
    );
    assert_eq!(
        b.value("SELECT COUNT(*) FROM due_steps").await,
        Val::Int(0),
        "{n}: taken, and cleared"
    );
    let sc = b
        .rows("SELECT id, state, contact_id, message_id, error, updated_at FROM scheduled_messages ORDER BY id")
        .await;
    assert_eq!(
        sc[0],
        [
            Val::Text("sc1".into()),
            Val::Text("queued".into()),
            Val::Text(a.into()),
            Val::Text(o1.clone()),
            Val::Null,
            Val::Int(ms(20))
        ]
    );
    assert_eq!(sc[1][1..2], [Val::Text("failed".into())]);
    assert_eq!(sc[1][4], Val::Text("no number".into()));
    assert_eq!(sc[2][1], Val::Text("cancelled".into()));
    let rc = b
        .rows("SELECT seq, state, message_id, run_id, reason, queued_at FROM campaign_recipients ORDER BY seq")
        .await;
    assert_eq!(
        rc[0],
        [
            Val::Int(1),
            Val::Text("queued".into()),
            Val::Text(o1.clone()),
            Val::Null,
            Val::Null,
            Val::Int(ms(23))
        ],
        "{n}: the first outcome counts, and a settled recipient stays settled"
    );
    assert_eq!(
        rc[1][1..4],
        [
            Val::Text("started".into()),
            Val::Null,
            Val::Text("run3".into())
        ]
    );
    assert_eq!(
        rc[2][1..5],
        [
            Val::Text("skipped".into()),
            Val::Null,
            Val::Null,
            Val::Text("opted out".into())
        ]
    );
    assert_eq!(
        rc[3][1..],
        [
            Val::Text("pending".into()),
            Val::Null,
            Val::Null,
            Val::Null,
            Val::Null
        ]
    );
    let fires = b
        .rows("SELECT contact_id, occurrence, fired_at FROM date_trigger_fires ORDER BY contact_id")
        .await;
    assert_eq!(fires.len(), 2);
    let tk = b.row("SELECT status, updated_at FROM tickets").await;
    assert_eq!(
        (tk["status"].text(), tk["updated_at"].int()),
        ("closed", ms(30))
    );
    let history = b
        .rows("SELECT status, by_kind, by_ref FROM ticket_history ORDER BY seq")
        .await;
    assert_eq!(
        history[1],
        [
            Val::Text("closed".into()),
            Val::Text("agent".into()),
            Val::Text("ag1".into())
        ]
    );
    let m = |id: &str| {
        format!("SELECT status, error, attempts, next_attempt_at FROM messages WHERE id = '{id}'")
    };
    let row = b.row(&m(o3)).await;
    assert_eq!(
        (
            row["status"].text(),
            row["error"].text(),
            row["attempts"].int()
        ),
        ("failed", "bad", 2)
    );
    let row = b.row(&m(o2)).await;
    assert_eq!(
        (
            row["status"].text(),
            row["error"].text(),
            row["attempts"].int()
        ),
        ("uncertain", "timeout", 1)
    );
    let row = b.row(&m(o1)).await;
    assert_eq!(
        (row["status"].text(), row["next_attempt_at"].int()),
        ("sent", ms(10)),
        "{n}: a result for a sent message changes nothing"
    );
    assert_eq!(
        b.value("SELECT value FROM workflow_counters WHERE step_id = '' AND counter = 'entered'")
            .await,
        Val::Int(3)
    );
    assert_eq!(
        b.value("SELECT credits FROM ai_settings").await,
        Val::Int(0),
        "{n}: never below zero"
    );
    let cb = b
        .row(&format!(
            "SELECT blocked, opted_out_at FROM contacts WHERE id = '{bob}'"
        ))
        .await;
    assert_eq!(
        (cb["blocked"].int(), cb["opted_out_at"].clone()),
        (0, Val::Null)
    );
    let ca = b
        .row(&format!(
            "SELECT phone, assigned_agent_id, updated_at FROM contacts WHERE id = '{a}'"
        ))
        .await;
    assert_eq!(
        (
            ca["phone"].text(),
            ca["assigned_agent_id"].clone(),
            ca["updated_at"].int()
        ),
        ("+15550009", Val::Null, ms(35))
    );
    let edit = b.row("SELECT * FROM message_edits").await;
    assert_eq!(
        (
            edit["message_id"].text(),
            edit["edit_message_id"].text(),
            edit["previous_body"].text(),
            edit["previous_payload"].text(),
            edit["edited_at"].int()
        ),
        (ma1, "msg_notice", "hello", r#"{"k":1}"#, ms(35))
    );
    let body = b
        .value(&format!("SELECT body FROM messages WHERE id = '{ma1}'"))
        .await;
    assert_eq!(body.text(), "hello!");
    let status = b
        .value(&format!("SELECT status FROM messages WHERE id = '{mb1}'"))
        .await;
    assert_eq!(status.text(), "deleted");
}
