//! Every `Records` method, told to both backends.

use crate::harness::{ms, t, Raw, Transcript};
use serde_json::json;
use waflow_store::{Error, Records, TicketFilter};

fn seed() -> String {
    format!(
        "\
INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0), ('ws2', 'two', 0);
INSERT INTO agents (id, workspace_id, name, email, role, created_at) VALUES ('ag1', 'ws1', 'Ann', 'ann@example.com', 'owner', 0);
INSERT INTO numbers (id, workspace_id, label, channel, status, status_since, created_at) VALUES
  ('num1', 'ws1', 'Main', 'sandbox', 'connected', NULL, 0),
  ('num2', 'ws1', 'Old', 'sandbox', 'disconnected', {gone}, 0),
  ('num3', 'ws2', 'Other', 'sandbox', 'logged_out', {gone2}, 0),
  ('num4', 'ws1', 'Unknown since', 'sandbox', 'disconnected', NULL, 0),
  ('num5', 'ws1', 'Recent', 'sandbox', 'logged_out', {recent}, 0),
  ('num6', 'ws1', 'Back', 'sandbox', 'connected', {gone}, 0);
INSERT INTO contacts (id, workspace_id, phone, name, lists, assigned_agent_id, created_at, updated_at) VALUES
  ('ct1', 'ws1', '+15550001', 'Ann', '[\"VIP\",\"b-list\"]', 'ag1', 0, 0),
  ('ct2', 'ws1', '+15550002', 'Bob', '[\"Zeta\",\"VIP\"]', NULL, 0, 0),
  ('ct3', 'ws1', '+15550003', 'Cy', '[]', NULL, 0, 0),
  ('ct4', 'ws2', '+15550001', 'Dee', '[\"VIP\"]', NULL, 0, 0);
INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) VALUES
  ('cv1', 'ws1', 'num1', 'ct1', {m100}, 0), ('cv2', 'ws1', 'num6', 'ct1', {m200}, 0),
  ('cv3', 'ws1', 'num1', 'ct2', 0, 0);
INSERT INTO tickets (id, workspace_id, contact_id, number_id, subject, status, created_at, updated_at) VALUES
  ('tk1', 'ws1', 'ct1', 'num1', 'Refund', 'pending', {m10}, {m20}),
  ('tk2', 'ws1', 'ct2', NULL, '', 'closed', {m11}, {m11}),
  ('tk3', 'ws1', 'ct1', 'num1', 'Again', 'open', {m12}, {m12}),
  ('tk4', 'ws2', 'ct4', NULL, 'Theirs', 'open', {m13}, {m13});
INSERT INTO ticket_history (ticket_id, status, at, by_kind, by_ref) VALUES
  ('tk1', 'open', {m10}, 'run', 'run_1'), ('tk2', 'closed', {m11}, 'api', NULL),
  ('tk1', 'pending', {m20}, 'agent', 'ag1');
INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, created_at, updated_at) VALUES
  ('wf1', 'ws1', 'Welcome', 2, TRUE, 1, 'keyword', 0, 0),
  ('wf2', 'ws1', 'Empty', 1, FALSE, 2, 'keyword', 0, 0);
INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES
  ('wf1', 1, '{{\"v\":1}}', 0), ('wf1', 2, '{{\"v\":2}}', 0);
INSERT INTO automation_events (workspace_id, kind, contact_id, number_id, detail, created_at) VALUES
  ('ws1', 'list_added', 'ct1', 'num1', '{{\"list\":\"VIP\"}}', {m30}),
  ('ws1', 'ticket_status_changed', 'ct2', NULL, '{{\"ticket_id\":\"tk2\",\"status\":\"closed\"}}', {m31}),
  ('ws2', 'list_added', 'ct4', NULL, '{{\"list\":\"VIP\"}}', {m32});
",
        gone = ms(-100),
        gone2 = ms(-50),
        recent = ms(10),
        m100 = ms(100),
        m200 = ms(200),
        m10 = ms(10),
        m11 = ms(11),
        m12 = ms(12),
        m13 = ms(13),
        m20 = ms(20),
        m30 = ms(30),
        m31 = ms(31),
        m32 = ms(32),
    )
}

fn filter(limit: i64) -> TicketFilter {
    TicketFilter {
        limit,
        ..TicketFilter::default()
    }
}

/// The story; its transcript.
pub async fn story<S: Records + ?Sized>(s: &S, raw: &dyn Raw) -> Transcript {
    let n = raw.name();
    let mut tr = Transcript::default();
    raw.exec(&seed()).await;

    // Lists: by name, byte order (upper case first), counted per contact.
    let lists = s.lists("ws1").await.unwrap();
    let want = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
        v.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    };
    assert_eq!(
        lists,
        want(&[("VIP", 2), ("Zeta", 1), ("b-list", 1)]),
        "{n}"
    );
    assert_eq!(s.lists("ws2").await.unwrap(), want(&[("VIP", 1)]), "{n}");
    assert!(s.lists("ws9").await.unwrap().is_empty(), "{n}");
    tr.note("lists", &lists);

    // Tickets: filters, cursor and limits.
    let ids = |ts: Vec<waflow_store::Ticket>| ts.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let all = s.tickets("ws1", &filter(10)).await.unwrap();
    assert_eq!(ids(all.clone()), ["tk1", "tk2", "tk3"], "{n}");
    assert!(all.iter().all(|t| t.history.is_empty()), "{n}");
    assert_eq!(all[1].number_id, None, "{n}");
    assert_eq!(
        (all[0].created_at, all[0].updated_at),
        (t(10), t(20)),
        "{n}"
    );
    tr.note("tickets", &all);
    let cases: Vec<(&str, TicketFilter, Vec<&str>)> = vec![
        (
            "by contact",
            TicketFilter {
                contact_id: Some("ct1".into()),
                ..filter(10)
            },
            vec!["tk1", "tk3"],
        ),
        (
            "by status",
            TicketFilter {
                status: Some("open".into()),
                ..filter(10)
            },
            vec!["tk3"],
        ),
        (
            "after",
            TicketFilter {
                after_id: Some("tk1".into()),
                ..filter(10)
            },
            vec!["tk2", "tk3"],
        ),
        (
            "assigned",
            TicketFilter {
                assigned_to: Some("ag1".into()),
                ..filter(10)
            },
            vec!["tk1", "tk3"],
        ),
        (
            "assigned, none",
            TicketFilter {
                assigned_to: Some("ag9".into()),
                ..filter(10)
            },
            vec![],
        ),
        ("limit 2", filter(2), vec!["tk1", "tk2"]),
        ("limit 0", filter(0), vec![]),
        ("no limit", filter(-1), vec!["tk1", "tk2", "tk3"]),
        (
            "all filters",
            TicketFilter {
                contact_id: Some("ct1".into()),
                status: Some("pending".into()),
                after_id: Some("tk0".into()),
                assigned_to: Some("ag1".into()),
                limit: 5,
            },
            vec!["tk1"],
        ),
    ];
    for (what, f, want) in cases {
        let got = ids(s.tickets("ws1", &f).await.unwrap());
        assert_eq!(got, want, "{n}: tickets {what}");
        tr.note(what, &got);
    }
    assert_eq!(
        ids(s.tickets("ws2", &filter(10)).await.unwrap()),
        ["tk4"],
        "{n}"
    );

    let one = s.ticket("ws1", "tk1").await.unwrap();
    let history: Vec<_> = one
        .history
        .iter()
        .map(|h| {
            (
                h.status.as_str(),
                h.at,
                h.by_kind.as_str(),
                h.by_ref.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("open", t(10), "run", Some("run_1")),
            ("pending", t(20), "agent", Some("ag1"))
        ],
        "{n}"
    );
    assert_eq!(
        (one.subject.as_str(), one.status.as_str()),
        ("Refund", "pending")
    );
    tr.note("ticket", &one);
    let none = s.ticket("ws1", "tk3").await.unwrap();
    assert!(none.history.is_empty(), "{n}");
    for (ws, id) in [("ws2", "tk1"), ("ws1", "tk9")] {
        let e = s.ticket(ws, id).await.unwrap_err();
        assert!(
            matches!(e, Error::NotFound { what: "ticket" }),
            "{n}: {e:?}"
        );
        tr.note("ticket not found", &e);
    }

    // Templates.
    let doc = json!({"steps": [{"id": "s1", "type": "send"}], "name": "Welcome"});
    let a = s
        .insert_template("ws1", "Welcome", "Greets", &doc)
        .await
        .unwrap();
    tr.label(&a.id, "wft_a");
    assert!(a.id.starts_with("wft_"), "{n}");
    assert_eq!(
        (
            a.workspace_id.as_str(),
            a.name.as_str(),
            a.description.as_str()
        ),
        ("ws1", "Welcome", "Greets")
    );
    assert_eq!(a.document, doc, "{n}");
    let b = s
        .insert_template("ws1", "Second", "", &json!({}))
        .await
        .unwrap();
    tr.label(&b.id, "wft_b");
    let c = s
        .insert_template("ws2", "Theirs", "x", &json!([1]))
        .await
        .unwrap();
    tr.label(&c.id, "wft_c");
    let names = |v: Vec<waflow_store::WorkflowTemplate>| {
        v.into_iter()
            .map(|t| (t.id, t.name, t.description, t.document))
            .collect::<Vec<_>>()
    };
    let mine = names(s.templates_of("ws1").await.unwrap());
    assert_eq!(
        mine.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
        [a.id.as_str(), b.id.as_str()],
        "{n}"
    );
    tr.note("templates", &mine);
    assert!(s.templates_of("ws9").await.unwrap().is_empty(), "{n}");
    let got = s.template_of("ws1", &a.id).await.unwrap();
    assert_eq!(
        (got.id.as_str(), &got.document, got.created_at),
        (a.id.as_str(), &doc, a.created_at),
        "{n}"
    );
    let e = s.template_of("ws2", &a.id).await.unwrap_err();
    assert!(
        matches!(e, Error::NotFound { what: "template" }),
        "{n}: {e:?}"
    );
    tr.note("template of another workspace", &e);
    let e = s.delete_template("ws2", &a.id).await.unwrap_err();
    assert!(
        matches!(e, Error::NotFound { what: "template" }),
        "{n}: {e:?}"
    );
    s.delete_template("ws1", &a.id).await.unwrap();
    let e = s.delete_template("ws1", &a.id).await.unwrap_err();
    assert!(
        matches!(e, Error::NotFound { what: "template" }),
        "{n}: {e:?}"
    );
    tr.note("template deleted twice", &e);
    let left = names(s.templates_of("ws1").await.unwrap());
    assert_eq!(left.len(), 1, "{n}");
    tr.note("templates left", &left);
    tr.note(
        "their templates",
        &names(s.templates_of("ws2").await.unwrap()),
    );

    // Test versions: -1, -2, ...; the latest is the lowest.
    assert_eq!(
        s.latest_test_version("ws1", "wf1").await.unwrap(),
        None,
        "{n}"
    );
    assert_eq!(
        s.insert_test_version("ws1", "wf1", &json!({"draft": 1}))
            .await
            .unwrap(),
        -1,
        "{n}"
    );
    assert_eq!(
        s.insert_test_version("ws1", "wf1", &json!({"draft": 2}))
            .await
            .unwrap(),
        -2,
        "{n}"
    );
    let latest = s.latest_test_version("ws1", "wf1").await.unwrap();
    assert_eq!(latest, Some((-2, json!({"draft": 2}))), "{n}");
    tr.note("latest test version", &latest);
    assert_eq!(
        s.latest_test_version("ws2", "wf1").await.unwrap(),
        None,
        "{n}"
    );
    for (ws, wf) in [("ws2", "wf1"), ("ws1", "wf9"), ("ws1", "wf2")] {
        let e = s.insert_test_version(ws, wf, &json!({})).await.unwrap_err();
        assert!(
            matches!(e, Error::NotFound { what: "workflow" }),
            "{n}: {ws} {wf}: {e:?}"
        );
        tr.note("test version of no workflow", &e);
    }
    let versions = raw.rows("SELECT workflow_id, version, document FROM workflow_versions ORDER BY workflow_id, version").await;
    assert_eq!(versions.len(), 4, "{n}: {versions:?}");
    tr.note("versions", &versions);

    // Pending events, oldest first.
    let events = s.pending_events(10).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3], "{n}");
    assert_eq!(events[1].event.number_id, None, "{n}");
    assert_eq!(
        events[1].event.detail,
        json!({"ticket_id": "tk2", "status": "closed"}),
        "{n}"
    );
    assert_eq!(
        (events[0].event.kind.as_str(), events[0].created_at),
        ("list_added", t(30)),
        "{n}"
    );
    tr.note("events", &events);
    assert_eq!(s.pending_events(2).await.unwrap().len(), 2, "{n}");
    assert_eq!(s.pending_events(0).await.unwrap().len(), 0, "{n}");
    assert_eq!(s.pending_events(-1).await.unwrap().len(), 3, "{n}");

    // The contact's latest conversation's number.
    let latest = s.latest_number_of_contact("ct1").await.unwrap();
    assert_eq!(latest.as_deref(), Some("num6"), "{n}");
    assert_eq!(
        s.latest_number_of_contact("ct2").await.unwrap().as_deref(),
        Some("num1"),
        "{n}"
    );
    assert_eq!(
        s.latest_number_of_contact("ct3").await.unwrap(),
        None,
        "{n}"
    );
    tr.note("latest number", &latest);

    // Numbers gone since before a time.
    let gone = s.numbers_disconnected_since(t(0)).await.unwrap();
    let want = [
        ("ws1".to_string(), "num2".to_string()),
        ("ws2".into(), "num3".into()),
    ];
    assert_eq!(gone, want, "{n}");
    tr.note("disconnected", &gone);
    assert!(
        s.numbers_disconnected_since(t(-60)).await.unwrap() == want[..1],
        "{n}"
    );
    assert!(
        s.numbers_disconnected_since(t(-100))
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    let later = s.numbers_disconnected_since(t(11)).await.unwrap();
    assert_eq!(later.len(), 3, "{n}: {later:?}");
    tr
}
