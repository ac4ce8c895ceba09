//! The second step: the engine's buffered writes (`Tx::apply`) of every kind, read back, with
//! waiting runs and runs read in the same transaction.

use crate::common::{Backend, Val};
use crate::fixtures::{ms, outbound, run, t, Story};
use serde_json::json;
use waflow_store::{
    new_id, ChangedBy, Delivery, Error, LogEntry, NewEvent, NewTimer, Notification, TicketChange,
    Writes,
};

/// Applies the first writes and checks what they stored.
pub async fn first_writes(b: &dyn Backend, s: &mut Story) {
    let n = b.name();
    let (a, bob, cva, cvb, ma1) = (&s.a, &s.bob, &s.cva, &s.cvb, &s.ma1);
    let labels = &mut s.labels;
    b.exec(&format!(
        "INSERT INTO campaign_recipients (campaign_id, seq, workspace_id, contact_id, number_id, state) VALUES \
         ('cp1', 1, 'ws1', '{a}', 'num1', 'pending'), ('cp1', 2, 'ws1', '{bob}', 'num1', 'pending'), \
         ('cp1', 3, 'ws1', '{a}', 'num1', 'pending'), ('cp1', 4, 'ws1', '{bob}', 'num1', 'pending')"
    ))
    .await;
    let (o1, o2, o3, o4, o5) = (
        new_id("msg"),
        new_id("msg"),
        new_id("msg"),
        new_id("msg"),
        new_id("msg"),
    );
    for (id, label) in [
        (&o1, "o1"),
        (&o2, "o2"),
        (&o3, "o3"),
        (&o4, "o4"),
        (&o5, "o5"),
    ] {
        labels.push((id.clone(), label.into()));
    }
    let w = Writes {
        new_runs: vec![
            run("run1", a, cva, "waiting"),
            run("run2", a, cva, "active"),
            run("run3", bob, cvb, "active"),
            run("run4", bob, cvb, "waiting"),
        ],
        timers: vec![
            NewTimer {
                run_id: "run2".into(),
                workspace_id: "ws1".into(),
                step_id: "s2".into(),
                kind: "step".into(),
                due_at: t(60),
            },
            NewTimer {
                run_id: "run3".into(),
                workspace_id: "ws1".into(),
                step_id: "s3".into(),
                kind: "timeout".into(),
                due_at: t(120),
            },
        ],
        outbound: vec![
            outbound(&o1, bob, cvb, "Welcome", "workflow", Some("run3"), None, 10),
            outbound(&o2, a, cva, "Hi from Ann", "agent", Some("ag1"), None, 11),
            outbound(
                &o3,
                bob,
                cvb,
                "status?",
                "api",
                None,
                Some(json!({"type": "buttons"})),
                12,
            ),
        ],
        sent_elsewhere: vec![
            (
                outbound(&o4, bob, cvb, "typed", "phone", None, None, 13),
                "phone-1".into(),
            ),
            (
                outbound(&o5, bob, cvb, "echo", "phone", None, None, 14),
                "phone-1".into(),
            ),
        ],
        contact_tags: [(a.clone(), vec!["vip".to_string(), "new".to_string()])].into(),
        notifications: vec![Notification {
            id: "ntf1".into(),
            workspace_id: "ws1".into(),
            agent_id: Some("ag1".into()),
            contact_id: a.clone(),
            run_id: Some("run1".into()),
            text: "look".into(),
            created_at: t(10),
            read_at: None,
        }],
        counters: [
            (("wf1".to_string(), String::new(), "entered"), 2),
            (("wf1".to_string(), "s2".to_string(), "sent"), 1),
        ]
        .into(),
        contact_blocked: [(bob.clone(), true)].into(),
        contact_opt_outs: [(bob.clone(), Some(t(9)))].into(),
        contact_fields: [(
            a.clone(),
            json!({"city": "Paris"}).as_object().unwrap().clone(),
        )]
        .into(),
        contact_agents: [(a.clone(), Some("ag1".to_string()))].into(),
        deliveries: vec![
            Delivery::Sent {
                message_id: o1.clone(),
                channel_message_id: "wamid.o1".into(),
                at: t(12),
            },
            Delivery::Sent {
                message_id: o1.clone(),
                channel_message_id: "wamid.other".into(),
                at: t(13),
            },
            Delivery::Retry {
                message_id: o3.clone(),
                error: "busy".into(),
                next_attempt_at: t(30),
            },
        ],
        credits_used: vec![("ws1".into(), 3)],
        contact_lists: [(a.clone(), vec!["leads".to_string()])].into(),
        tickets: vec![TicketChange::Open {
            id: "tk1".into(),
            workspace_id: "ws1".into(),
            contact_id: a.clone(),
            number_id: Some("num1".into()),
            subject: "Help".into(),
            by: ChangedBy {
                kind: "run",
                reference: Some("run1".into()),
            },
        }],
        events: vec![NewEvent {
            workspace_id: "ws1".into(),
            kind: "list_added".into(),
            contact_id: a.clone(),
            number_id: Some("num1".into()),
            detail: json!({"list": "leads"}),
        }],
        logs: vec![LogEntry {
            id: "log1".into(),
            workspace_id: "ws1".into(),
            created_at: t(10),
            kind: "run".into(),
            outcome: "started".into(),
            summary: "run1 started".into(),
            number_id: Some("num1".into()),
            contact_id: Some(a.clone()),
            message_id: Some(ma1.clone()),
            workflow_id: Some("wf1".into()),
            run_id: Some("run1".into()),
            detail: json!({"why": "keyword"}),
        }],
        at: Some(t(10)),
        ..Writes::default()
    };
    let mut tx = b.begin().await;
    tx.apply(&w).await.unwrap();
    let waiting: Vec<String> = tx
        .waiting_runs(&[a.clone(), bob.clone(), "ct_none".into()])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(waiting, ["run1", "run4"], "{n}");
    let r2 = tx.run("run2").await.unwrap();
    assert_eq!(
        (r2.state.as_str(), r2.current_step.as_deref(), &r2.variables),
        ("active", Some("ask"), &json!({"x": 1}))
    );
    assert!(matches!(
        tx.run("run_missing").await,
        Err(Error::NotFound { what: "run" })
    ));
    tx.commit().await.unwrap();
    check_first_writes(b, a, bob, [&o1, &o2, &o3, &o4, &o5]).await;
    s.o = vec![o1, o2, o3, o4, o5];
}

async fn check_first_writes(b: &dyn Backend, a: &str, bob: &str, o: [&String; 5]) {
    let n = b.name();
    let [o1, o2, o3, o4, o5] = o;
    let m = b
        .row(&format!("SELECT * FROM messages WHERE id = '{o1}'"))
        .await;
    assert_eq!(
        (
            m["status"].text(),
            m["channel_message_id"].text(),
            m["sent_at"].int(),
            m["attempts"].int()
        ),
        ("sent", "wamid.o1", ms(12), 1),
        "{n}: the first result for a message counts"
    );
    assert_eq!(
        (
            m["sender_kind"].text(),
            m["sender_ref"].text(),
            m["next_attempt_at"].int()
        ),
        ("workflow", "run3", ms(10))
    );
    let m = b
        .row(&format!("SELECT * FROM messages WHERE id = '{o3}'"))
        .await;
    assert_eq!(
        (
            m["status"].text(),
            m["error"].text(),
            m["next_attempt_at"].int(),
            m["attempts"].int(),
            m["payload"].text()
        ),
        ("queued", "busy", ms(30), 1, r#"{"type":"buttons"}"#)
    );
    let m = b
        .row(&format!("SELECT * FROM messages WHERE id = '{o4}'"))
        .await;
    assert_eq!(
        (
            m["status"].text(),
            m["channel_message_id"].text(),
            m["sender_kind"].text(),
            m["sent_at"].int()
        ),
        ("sent", "phone-1", "phone", ms(13))
    );
    assert_eq!(
        b.value(&format!("SELECT COUNT(*) FROM messages WHERE id = '{o5}'"))
            .await,
        Val::Int(0),
        "{n}: an echo of a stored channel id is not stored again"
    );
    let m = b
        .row(&format!("SELECT status FROM messages WHERE id = '{o2}'"))
        .await;
    assert_eq!(m["status"].text(), "queued");
    let ca = b
        .row(&format!("SELECT * FROM contacts WHERE id = '{a}'"))
        .await;
    assert_eq!(ca["tags"].text(), r#"["vip","new"]"#);
    assert_eq!(ca["lists"].text(), r#"["leads"]"#);
    assert_eq!(ca["fields"].text(), r#"{"city":"Paris"}"#);
    assert_eq!(ca["assigned_agent_id"].text(), "ag1");
    assert_eq!(
        ca["automation_paused_until"].int(),
        ms(11) + 24 * 3600 * 1000,
        "{n}: an agent's message pauses automation"
    );
    assert_eq!(ca["updated_at"].int(), ms(10));
    let cb = b
        .row(&format!("SELECT * FROM contacts WHERE id = '{bob}'"))
        .await;
    assert_eq!((cb["blocked"].int(), cb["opted_out_at"].int()), (1, ms(9)));
    assert_eq!(
        cb["automation_paused_until"].int(),
        ms(13) + 24 * 3600 * 1000,
        "{n}: a message typed on the phone pauses automation"
    );
    let counters = b
        .rows("SELECT step_id, counter, value FROM workflow_counters ORDER BY step_id")
        .await;
    assert_eq!(
        counters,
        [
            vec![
                Val::Text(String::new()),
                Val::Text("entered".into()),
                Val::Int(2)
            ],
            vec![
                Val::Text("s2".into()),
                Val::Text("sent".into()),
                Val::Int(1)
            ],
        ]
    );
    assert_eq!(
        b.value("SELECT credits FROM ai_settings").await,
        Val::Int(7)
    );
    assert_eq!(
        b.rows("SELECT run_id, step_id, kind, due_at FROM due_steps ORDER BY run_id")
            .await,
        [
            vec![
                Val::Text("run2".into()),
                Val::Text("s2".into()),
                Val::Text("step".into()),
                Val::Int(ms(60))
            ],
            vec![
                Val::Text("run3".into()),
                Val::Text("s3".into()),
                Val::Text("timeout".into()),
                Val::Int(ms(120))
            ],
        ]
    );
    let r = b.row("SELECT * FROM runs WHERE id = 'run1'").await;
    assert_eq!(
        (
            r["state"].text(),
            r["variables"].text(),
            r["history"].text()
        ),
        ("waiting", r#"{"x":1}"#, "[]")
    );
    let tk = b.row("SELECT * FROM tickets").await;
    assert_eq!(
        (tk["id"].text(), tk["status"].text(), tk["subject"].text()),
        ("tk1", "open", "Help")
    );
    let h = b.row("SELECT * FROM ticket_history").await;
    assert_eq!(
        (
            h["seq"].int(),
            h["status"].text(),
            h["by_kind"].text(),
            h["by_ref"].text()
        ),
        (1, "open", "run", "run1")
    );
    let events = b
        .rows("SELECT seq, kind, detail FROM automation_events ORDER BY seq")
        .await;
    assert_eq!(events.len(), 2, "{n}: {events:?}");
    assert_eq!(events[0][1].text(), "ticket_status_changed");
    assert_eq!(
        events[1][1..],
        [
            Val::Text("list_added".into()),
            Val::Text(r#"{"list":"leads"}"#.into())
        ]
    );
    let ntf = b.row("SELECT * FROM notifications").await;
    assert_eq!(
        (
            ntf["text"].text(),
            ntf["agent_id"].text(),
            ntf["read_at"].clone()
        ),
        ("look", "ag1", Val::Null)
    );
    let log = b.row("SELECT * FROM log_entries").await;
    assert_eq!(
        (
            log["summary"].text(),
            log["detail"].text(),
            log["created_at"].int()
        ),
        ("run1 started", r#"{"why":"keyword"}"#, ms(10))
    );
}
