//! Every `Deliveries` method, told to both backends.

use crate::deliveries_seed::seed;
use crate::harness::{ms, t, Raw, Transcript};
use serde_json::json;
use waflow_store::{Attempt, Deliveries, Delivery, Error, Message};

/// A case of `outbound_in_status`: what it shows, workspace, status, assignee, cursor, limit,
/// and the ids it answers.
type StatusCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    i64,
    Vec<&'a str>,
);

const STATE: &str = "SELECT id, status, channel_message_id, error, attempts, next_attempt_at, sent_at FROM messages ORDER BY id";

fn ids(v: &[Message]) -> Vec<&str> {
    v.iter().map(|m| m.id.as_str()).collect()
}

/// The story; its transcript.
pub async fn story<S: Deliveries + ?Sized>(s: &S, raw: &dyn Raw) -> Transcript {
    let n = raw.name();
    let mut tr = Transcript::default();
    raw.exec(&seed()).await;

    // The outbox: due queued messages by due time then id, bad payloads read as none.
    let outbox = s.outbox(t(200), 10, &[]).await.unwrap();
    let order: Vec<&str> = outbox.iter().map(|o| o.message_id.as_str()).collect();
    assert_eq!(order, ["m08", "m02", "m03", "m01"], "{n}");
    let m02 = &outbox[1];
    assert_eq!(
        (
            m02.channel.as_str(),
            m02.to_phone.as_str(),
            m02.text.as_str(),
            m02.attempts
        ),
        ("cloud", "+15550002", "body of m02", 2),
        "{n}"
    );
    assert_eq!(
        m02.payload,
        Some(json!({"type": "image", "url": "u"})),
        "{n}"
    );
    assert_eq!(
        m02.last_inbound_at,
        Some(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
        "{n}"
    );
    assert_eq!(outbox[2].last_inbound_at, Some(t(500)), "{n}");
    assert_eq!(
        (outbox[2].payload.clone(), outbox[3].payload.clone()),
        (None, None),
        "{n}"
    );
    tr.note("outbox", &outbox);
    let first =
        |v: Vec<waflow_store::OutboxItem>| v.into_iter().map(|o| o.message_id).collect::<Vec<_>>();
    assert_eq!(
        first(s.outbox(t(200), 2, &[]).await.unwrap()),
        ["m08", "m02"],
        "{n}"
    );
    assert_eq!(
        first(s.outbox(t(200), -1, &[]).await.unwrap()).len(),
        4,
        "{n}"
    );
    let skipped = first(
        s.outbox(t(200), 10, &["num2".into(), "num3".into()])
            .await
            .unwrap(),
    );
    assert_eq!(skipped, ["m03", "m01"], "{n}");
    tr.note("outbox skipping", &skipped);
    assert_eq!(
        first(s.outbox(t(60), 10, &["num3".into()]).await.unwrap()),
        ["m02"],
        "{n}"
    );
    let before = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH - chrono::Duration::milliseconds(1);
    assert!(s.outbox(before, 10, &[]).await.unwrap().is_empty(), "{n}");

    // Attempts begin on queued messages only; the first of two attempts names the chosen id.
    let attempt = |id: &str, chosen: Option<&str>| Attempt {
        message_id: id.into(),
        chosen_id: chosen.map(String::from),
    };
    // Answered by id (PostgreSQL would update m03, due first, before m01).
    let begun = s
        .begin_attempts(
            &[
                attempt("m03", Some("wamid.3")),
                attempt("m01", None),
                attempt("m03", Some("wamid.dup")),
                attempt("m05", Some("wamid.5")),
                attempt("m99", None),
            ],
            &[Delivery::Sent {
                message_id: "m02".into(),
                channel_message_id: "wamid.2".into(),
                at: t(5),
            }],
            t(6),
        )
        .await
        .unwrap();
    assert_eq!(begun, ["m01", "m03"], "{n}");
    tr.note("begun", &begun);
    let again = s
        .begin_attempts(&[attempt("m01", Some("x"))], &[], t(7))
        .await
        .unwrap();
    assert!(again.is_empty(), "{n}: {again:?}");
    assert!(
        s.begin_attempts(&[], &[], t(7)).await.unwrap().is_empty(),
        "{n}"
    );
    let state = raw.rows(STATE).await;
    let row = |id: &str| state.iter().find(|r| r[0] == id).unwrap().clone();
    assert_eq!(row("m03")[1..4], ["sending", "wamid.3", "NULL"], "{n}");
    assert_eq!(row("m03")[5], ms(6).to_string(), "{n}");
    assert_eq!(row("m01")[1..3], ["sending", "NULL"], "{n}");
    assert_eq!(
        row("m02")[1..],
        [
            "sent",
            "wamid.2",
            "NULL",
            "3",
            &ms(50).to_string(),
            &ms(5).to_string()
        ],
        "{n}"
    );
    assert_eq!(row("m05")[1..3], ["failed", "NULL"], "{n}");
    tr.note("after begin", &state);

    // Results apply to queued or sending messages only (a replay changes nothing).
    s.record_deliveries(&[
        Delivery::Retry {
            message_id: "m08".into(),
            error: "timeout".into(),
            next_attempt_at: t(300),
        },
        Delivery::Deferred {
            message_id: "m04".into(),
            reason: "pacing".into(),
            next_attempt_at: t(400),
        },
        Delivery::Failed {
            message_id: "m01".into(),
            error: "rejected".into(),
        },
        Delivery::Sent {
            message_id: "m05".into(),
            channel_message_id: "late".into(),
            at: t(8),
        },
        Delivery::Uncertain {
            message_id: "m09".into(),
            reason: "no answer".into(),
        },
        Delivery::Sent {
            message_id: "m03".into(),
            channel_message_id: "wamid.3b".into(),
            at: t(9),
        },
        Delivery::Sent {
            message_id: "m03".into(),
            channel_message_id: "wamid.3c".into(),
            at: t(10),
        },
    ])
    .await
    .unwrap();
    s.record_deliveries(&[]).await.unwrap();
    let state = raw.rows(STATE).await;
    let row = |id: &str| state.iter().find(|r| r[0] == id).unwrap().clone();
    assert_eq!(
        row("m08")[1..],
        [
            "queued",
            "NULL",
            "timeout",
            "1",
            &ms(300).to_string(),
            "NULL"
        ],
        "{n}"
    );
    assert_eq!(
        row("m04")[1..],
        [
            "queued",
            "NULL",
            "pacing",
            "0",
            &ms(400).to_string(),
            "NULL"
        ],
        "{n}"
    );
    assert_eq!(row("m01")[1..5], ["failed", "NULL", "rejected", "1"], "{n}");
    assert_eq!(row("m09")[1..5], ["sent", "NULL", "NULL", "1"], "{n}");
    assert_eq!(
        row("m03")[1..],
        [
            "sent",
            "wamid.3b",
            "NULL",
            "1",
            &ms(6).to_string(),
            &ms(9).to_string()
        ],
        "{n}"
    );
    tr.note("after results", &state);

    // Interrupted attempts become uncertain, once.
    raw.exec("UPDATE messages SET status = 'sending' WHERE id = 'm04'")
        .await;
    assert_eq!(
        s.numbers_sending().await.unwrap(),
        [
            ("num1".to_string(), "sandbox".to_string()),
            ("num3".to_string(), "sandbox".to_string())
        ],
        "{n}"
    );
    // One number's first (a node taking over that number's sends), then the rest.
    let of_num3 = s
        .interrupted_attempts("the server stopped", Some("num3"))
        .await
        .unwrap();
    assert_eq!(
        of_num3
            .iter()
            .map(|i| i.message_id.as_str())
            .collect::<Vec<_>>(),
        ["m10"],
        "{n}"
    );
    tr.note("interrupted of num3", &of_num3.len());
    let rest = s
        .interrupted_attempts("the server stopped", None)
        .await
        .unwrap();
    let interrupted: Vec<_> = of_num3.into_iter().chain(rest).collect();
    let got: Vec<_> = interrupted
        .iter()
        .map(|i| {
            (
                i.message_id.as_str(),
                i.workspace_id.as_str(),
                i.number_id.as_str(),
                i.contact_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("m10", "ws2", "num3", "ct3"), ("m04", "ws1", "num1", "ct1")],
        "{n}: num3's first, then the rest"
    );
    tr.note("interrupted", &got);
    assert!(
        s.interrupted_attempts("again", None)
            .await
            .unwrap()
            .is_empty()
            && s.numbers_sending().await.unwrap().is_empty(),
        "{n}"
    );
    assert_eq!(
        raw.rows("SELECT status, error FROM messages WHERE id = 'm10'")
            .await,
        [["uncertain", "the server stopped"]],
        "{n}"
    );

    // Outbound messages in a status: cursor, assignee, limit, workspace.
    let failed = s
        .outbound_in_status("ws1", "failed", None, None, 10)
        .await
        .unwrap();
    assert_eq!(ids(&failed), ["m01", "m05"], "{n}");
    assert_eq!(failed[0].error.as_deref(), Some("rejected"), "{n}");
    tr.note("failed", &failed);
    let cases: Vec<StatusCase> = vec![
        ("after", "ws1", "failed", None, Some("m01"), 10, vec!["m05"]),
        (
            "assigned",
            "ws1",
            "failed",
            Some("ag1"),
            None,
            10,
            vec!["m01"],
        ),
        (
            "assigned to nobody",
            "ws1",
            "failed",
            Some("ag9"),
            None,
            10,
            vec![],
        ),
        ("limit", "ws1", "failed", None, None, 1, vec!["m01"]),
        (
            "no limit",
            "ws1",
            "uncertain",
            None,
            None,
            -1,
            vec!["m04", "m06"],
        ),
        ("other workspace", "ws2", "failed", None, None, 10, vec![]),
        (
            "their uncertain",
            "ws2",
            "uncertain",
            None,
            None,
            10,
            vec!["m10"],
        ),
        (
            "inbound is not outbound",
            "ws1",
            "received",
            None,
            None,
            10,
            vec![],
        ),
    ];
    for (what, ws, status, agent, after, limit, want) in cases {
        let got = s
            .outbound_in_status(ws, status, agent, after, limit)
            .await
            .unwrap();
        assert_eq!(ids(&got), want, "{n}: {what}");
        tr.note(what, &ids(&got));
    }

    // Resend: uncertain or failed outbound only.
    let m = s.resend("ws1", "m06", t(600)).await.unwrap();
    assert_eq!(
        (m.id.as_str(), m.status.as_str(), m.error.as_deref()),
        ("m06", "queued", None),
        "{n}"
    );
    tr.note("resent", &m);
    let m = s.resend("ws1", "m01", t(600)).await.unwrap();
    assert_eq!(
        (m.status.as_str(), m.error.as_deref()),
        ("queued", None),
        "{n}"
    );
    for (ws, id, want) in [
        ("ws1", "m07", "only an uncertain or failed outbound message can be sent again; this inbound message is received"),
        ("ws1", "m09", "only an uncertain or failed outbound message can be sent again; this outbound message is sent"),
        ("ws1", "m06", "only an uncertain or failed outbound message can be sent again; this outbound message is queued"),
    ] {
        match s.resend(ws, id, t(600)).await {
            Err(Error::Conflict { field, message }) => {
                assert_eq!((field.as_str(), message.as_str()), ("status", want), "{n}")
            }
            other => panic!("{n}: resend {id}: {other:?}"),
        }
    }
    for (ws, id) in [("ws2", "m05"), ("ws1", "m99")] {
        let e = s.resend(ws, id, t(600)).await.unwrap_err();
        assert!(
            matches!(e, Error::NotFound { what: "message" }),
            "{n}: {e:?}"
        );
        tr.note("resend not found", &e);
    }
    let due = first(s.outbox(t(600), 10, &[]).await.unwrap());
    assert_eq!(due, ["m08", "m01", "m06"], "{n}");
    tr.note("outbox at the end", &due);
    tr.note("end", &raw.rows(STATE).await);
    tr
}
