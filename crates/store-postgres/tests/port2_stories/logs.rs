//! Every `Logs` method: the run log with its filters and retention, and notifications.

use crate::common::{Backend, Val};
use crate::{err, t, Port2, Transcript};
use serde_json::json;
use waflow_store::{LogEntry, LogFilter};

#[allow(clippy::too_many_arguments)]
fn entry(
    id: &str,
    ws: &str,
    at: i64,
    kind: &str,
    outcome: &str,
    contact: Option<&str>,
    workflow: Option<&str>,
    number: Option<&str>,
) -> LogEntry {
    LogEntry {
        id: id.into(),
        workspace_id: ws.into(),
        created_at: t(at),
        kind: kind.into(),
        outcome: outcome.into(),
        summary: format!("{kind} {outcome}"),
        number_id: number.map(String::from),
        contact_id: contact.map(String::from),
        message_id: None,
        workflow_id: workflow.map(String::from),
        run_id: None,
        detail: json!({"at": at}),
    }
}

const NOTIFICATIONS: &str = "\
INSERT INTO notifications (id, workspace_id, agent_id, contact_id, run_id, text, created_at, read_at) VALUES
  ('nt_1', 'ws1', 'ag1', 'ct1', 'run_1', 'Ann needs you', 1767225601000, NULL),
  ('nt_2', 'ws1', NULL, 'ct2', NULL, 'For everyone', 1767225602000, NULL),
  ('nt_3', 'ws1', 'ag2', 'ct2', NULL, 'Ben: Élise', 1767225603000, NULL),
  ('nt_4', 'ws1', 'ag1', 'ct3', NULL, 'Bob waits', 1767225604000, NULL),
  ('nt_9', 'ws2', NULL, 'ct9', NULL, 'Elsewhere', 1767225605000, NULL);
";

pub async fn story(s: &dyn Port2, b: &dyn Backend) -> Transcript {
    let n = b.name();
    let mut say = Transcript::new();

    // Appending; an id twice is a conflict.
    let entries = [
        entry(
            "log_1",
            "ws1",
            1,
            "run",
            "started",
            Some("ct1"),
            Some("wf1"),
            Some("num1"),
        ),
        entry(
            "log_2",
            "ws1",
            2,
            "ai",
            "failed",
            Some("ct2"),
            None,
            Some("num1"),
        ),
        entry(
            "log_3",
            "ws1",
            3,
            "run",
            "ended",
            Some("ct1"),
            Some("wf2"),
            Some("num2"),
        ),
        entry(
            "log_4",
            "ws1",
            4,
            "number",
            "connected",
            None,
            None,
            Some("num2"),
        ),
        entry(
            "log_5",
            "ws1",
            5,
            "run",
            "started",
            Some("ct3"),
            Some("wf1"),
            Some("num1"),
        ),
        entry(
            "log_9",
            "ws2",
            2,
            "run",
            "started",
            Some("ct9"),
            None,
            Some("num9"),
        ),
    ];
    for e in &entries {
        s.insert_log(e).await.unwrap();
    }
    let e = s.insert_log(&entries[0]).await.map_err(err);
    assert_eq!(e, Err("Conflict(\"\")".to_string()), "{n}");
    say.say("log twice", e);

    // Filters, newest first.
    let ids = |list: Vec<LogEntry>| -> Vec<String> { list.into_iter().map(|e| e.id).collect() };
    let all = LogFilter {
        limit: 100,
        ..LogFilter::default()
    };
    let every = s.logs("ws1", &all).await.unwrap();
    assert_eq!(every[4].detail, json!({"at": 1}), "{n}");
    assert_eq!(every[4].created_at, t(1), "{n}");
    say.say("all", &every);
    let cases: Vec<(&str, LogFilter, Vec<&str>)> = vec![
        (
            "since 2",
            LogFilter {
                since: Some(t(2)),
                ..all.clone()
            },
            vec!["log_5", "log_4", "log_3", "log_2"],
        ),
        (
            "until 3",
            LogFilter {
                until: Some(t(3)),
                ..all.clone()
            },
            vec!["log_2", "log_1"],
        ),
        (
            "2 to 4",
            LogFilter {
                since: Some(t(2)),
                until: Some(t(4)),
                ..all.clone()
            },
            vec!["log_3", "log_2"],
        ),
        (
            "wf1",
            LogFilter {
                workflow_id: Some("wf1".into()),
                ..all.clone()
            },
            vec!["log_5", "log_1"],
        ),
        (
            "ct1",
            LogFilter {
                contact_id: Some("ct1".into()),
                ..all.clone()
            },
            vec!["log_3", "log_1"],
        ),
        (
            "num2",
            LogFilter {
                number_id: Some("num2".into()),
                ..all.clone()
            },
            vec!["log_4", "log_3"],
        ),
        (
            "started",
            LogFilter {
                outcome: Some("started".into()),
                ..all.clone()
            },
            vec!["log_5", "log_1"],
        ),
        (
            "ai",
            LogFilter {
                kind: Some("ai".into()),
                ..all.clone()
            },
            vec!["log_2"],
        ),
        (
            "before 3",
            LogFilter {
                before_id: Some("log_3".into()),
                ..all.clone()
            },
            vec!["log_2", "log_1"],
        ),
        (
            "of ag1",
            LogFilter {
                assigned_to: Some("ag1".into()),
                ..all.clone()
            },
            vec!["log_3", "log_1"],
        ),
        (
            "of nobody",
            LogFilter {
                assigned_to: Some("ag9".into()),
                ..all.clone()
            },
            vec![],
        ),
        (
            "limit 2",
            LogFilter {
                limit: 2,
                ..all.clone()
            },
            vec!["log_5", "log_4"],
        ),
        (
            "no limit",
            LogFilter {
                limit: -1,
                ..all.clone()
            },
            vec!["log_5", "log_4", "log_3", "log_2", "log_1"],
        ),
        (
            "run started of wf1 before 5",
            LogFilter {
                kind: Some("run".into()),
                outcome: Some("started".into()),
                workflow_id: Some("wf1".into()),
                before_id: Some("log_5".into()),
                ..all.clone()
            },
            vec!["log_1"],
        ),
    ];
    for (what, filter, want) in cases {
        let got = ids(s.logs("ws1", &filter).await.unwrap());
        assert_eq!(got, want, "{n}: {what}");
        say.say(what, got);
    }
    assert_eq!(ids(s.logs("ws2", &all).await.unwrap()), ["log_9"], "{n}");

    // One entry; another workspace's is not found.
    let one = s.log("ws1", "log_3").await.unwrap();
    assert_eq!(
        (one.kind.as_str(), one.summary.as_str()),
        ("run", "run ended"),
        "{n}"
    );
    say.say("log 3", &one);
    let e = s.log("ws2", "log_3").await.map(|e| e.id).map_err(err);
    assert_eq!(e, Err("NotFound(log entry)".to_string()), "{n}");
    say.say("log 3 in ws2", e);

    // Retention, in chunks: 4,100 old entries and those before t(3).
    b.exec(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 4100) \
         INSERT INTO log_entries (id, workspace_id, created_at, kind, outcome, summary) \
         SELECT 'log_0' || i, 'ws2', i, 'run', 'started', 'old' FROM k",
    )
    .await;
    let deleted = s.delete_logs_before(t(3)).await.unwrap();
    assert_eq!(deleted, 4100 + 3, "{n}");
    say.say("deleted", deleted);
    assert_eq!(
        b.rows("SELECT id FROM log_entries ORDER BY id").await,
        [
            vec![Val::Text("log_3".into())],
            vec![Val::Text("log_4".into())],
            vec![Val::Text("log_5".into())]
        ],
        "{n}"
    );
    assert_eq!(s.delete_logs_before(t(3)).await.unwrap(), 0, "{n}");

    // Notifications: newest first; an agent's include those for all; assigned_to keeps those
    // about the agent's contacts.
    b.exec(NOTIFICATIONS).await;
    let list = |agent: Option<&'static str>, assigned: Option<&'static str>, limit: i64| async move {
        s.notifications("ws1", agent, assigned, limit)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect::<Vec<_>>()
    };
    let every = s.notifications("ws1", None, None, 10).await.unwrap();
    assert_eq!(every[3].run_id.as_deref(), Some("run_1"), "{n}");
    assert_eq!((every[3].created_at, every[3].read_at), (t(1), None), "{n}");
    say.say("notifications", &every);
    for (agent, assigned, limit, want) in [
        (None, None, 10, vec!["nt_4", "nt_3", "nt_2", "nt_1"]),
        (Some("ag1"), None, 10, vec!["nt_4", "nt_2", "nt_1"]),
        (Some("ag1"), Some("ag1"), 10, vec!["nt_1"]),
        (None, Some("ag2"), 10, vec!["nt_3", "nt_2"]),
        (None, None, 2, vec!["nt_4", "nt_3"]),
        (None, None, -1, vec!["nt_4", "nt_3", "nt_2", "nt_1"]),
    ] {
        let got = list(agent, assigned, limit).await;
        assert_eq!(got, want, "{n}: {agent:?} {assigned:?} {limit}");
        say.say("notifications of", (agent, assigned, limit, got));
    }
    assert!(
        s.notifications("ws_none", None, None, 10)
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );

    // Reading: once (the first time stays); not for someone else, nor another workspace.
    s.read_notification("ws1", "nt_1", None).await.unwrap();
    let read_at = b
        .value("SELECT read_at FROM notifications WHERE id = 'nt_1'")
        .await;
    assert!(read_at.int() > 0, "{n}");
    s.read_notification("ws1", "nt_1", Some("ag1"))
        .await
        .unwrap();
    assert_eq!(
        b.value("SELECT read_at FROM notifications WHERE id = 'nt_1'")
            .await,
        read_at
    );
    for (ws, id, assigned) in [
        ("ws2", "nt_1", None),
        ("ws1", "nt_3", Some("ag1")),
        ("ws1", "nt_2", Some("ag1")),
        ("ws1", "nt_missing", None),
    ] {
        let e = s.read_notification(ws, id, assigned).await.map_err(err);
        assert_eq!(
            e,
            Err("NotFound(notification)".to_string()),
            "{n}: {ws} {id}"
        );
        say.say("read", (ws, id, assigned, e));
    }
    s.read_notification("ws1", "nt_2", Some("ag2"))
        .await
        .unwrap();
    let read = b
        .rows("SELECT id FROM notifications WHERE read_at IS NOT NULL ORDER BY id")
        .await;
    assert_eq!(
        read,
        [
            vec![Val::Text("nt_1".into())],
            vec![Val::Text("nt_2".into())]
        ],
        "{n}"
    );
    say.say("read ones", read);
    say
}
