//! Scheduled messages (created, read, changed, cancelled, due, listed by tab with bounds and
//! cursor, shown by their message's status once queued) and the opt-out settings.

use crate::seed::{ms, outbound, t};
use crate::{assert_conflict, assert_not_found, shown, Log, Raw};
use serde_json::json;
use waflow_store::{Error, NewScheduled, Outreach, Scheduled, ScheduledFilter, ScheduledTab};

fn new(id: &str, ws: &str, due: i64, now: i64) -> NewScheduled {
    NewScheduled {
        id: id.into(),
        workspace_id: ws.into(),
        number_id: "num1".into(),
        phone: "+15550001".into(),
        contact_id: None,
        message_type: "text".into(),
        text: format!("text of {id}"),
        content: None,
        fallback: None,
        at: "2026-01-01T10:00".into(),
        time_zone: "Europe/Paris".into(),
        due_at: t(due),
        created_by: None,
        now: t(now),
    }
}

fn ids(list: &[Scheduled]) -> Vec<&str> {
    list.iter().map(|s| s.id.as_str()).collect()
}

fn filter(tab: ScheduledTab, after: Option<(i64, &str)>, limit: i64) -> ScheduledFilter {
    ScheduledFilter {
        tab,
        from: None,
        to: None,
        after: after.map(|(due, id)| (t(due), id.to_string())),
        limit,
    }
}

pub async fn story(s: &dyn Outreach, raw: &dyn Raw, log: &mut Log) {
    let n = raw.name();
    let empty = s.next_scheduled_at().await.unwrap();
    assert_eq!(empty, None, "{n}");
    log.note("next_scheduled_at (none)", empty);
    let mut first = new("sc_1", "ws1", 3600, 0);
    first.contact_id = Some("ct_a".into());
    first.fallback = Some(json!({"template": "hello", "language": "en"}));
    first.created_by = Some("ag1".into());
    let mut second = new("sc_2", "ws1", 1800, 0);
    second.content = Some(json!({"text": "x", "buttons": ["a", "b"]}));
    for new in [
        first,
        second,
        new("sc_3", "ws1", 1800, 1),
        new("sc_4", "ws2", 100, 2),
        new("sc_5", "ws1", 7200, 3),
        new("sc_6", "ws1", 900, 4),
        new("sc_7", "ws1", 2400, 5),
        new("sc_8", "ws1", 3600, 6),
    ] {
        let row = s.insert_scheduled(&new).await.unwrap();
        assert_eq!(
            (
                row.state.as_str(),
                row.due_at,
                row.created_at,
                row.updated_at
            ),
            ("pending", new.due_at, new.now, new.now),
            "{n}"
        );
        assert_eq!(
            (&row.content, &row.fallback),
            (&new.content, &new.fallback),
            "{n}"
        );
        assert_eq!(
            (row.message_id.as_ref(), row.queued_at),
            (None, None),
            "{n}"
        );
        log.note(&format!("insert_scheduled {}", new.id), row);
    }
    let again = s.insert_scheduled(&new("sc_1", "ws1", 10, 10)).await;
    log.note("insert_scheduled sc_1 again", shown(&again));
    assert!(
        matches!(&again, Err(Error::Conflict { field, .. }) if field.is_empty()),
        "{n}: {again:?}"
    );

    let one = s.scheduled("ws1", "sc_1").await.unwrap();
    assert_eq!(
        (
            one.contact_id.as_deref(),
            one.created_by.as_deref(),
            one.text.as_str(),
            one.at.as_str()
        ),
        (
            Some("ct_a"),
            Some("ag1"),
            "text of sc_1",
            "2026-01-01T10:00"
        ),
        "{n}"
    );
    log.note("scheduled sc_1", one);
    let other = s.scheduled("ws2", "sc_1").await;
    log.note("scheduled sc_1 in ws2", shown(&other));
    assert_not_found(other, "scheduled message");

    // Due: across workspaces, soonest first, then by id.
    let next = s.next_scheduled_at().await.unwrap();
    assert_eq!(next, Some(t(100)), "{n}");
    log.note("next_scheduled_at", next);
    for (now, limit, expected) in [
        (1800, 10, vec!["sc_4", "sc_6", "sc_2", "sc_3"]),
        (1800, 2, vec!["sc_4", "sc_6"]),
        (50, 10, vec![]),
    ] {
        let due = s.due_scheduled(t(now), limit).await.unwrap();
        assert_eq!(ids(&due), expected, "{n}: due at {now}");
        log.note(&format!("due_scheduled {now} {limit}"), due);
    }

    // Changed while pending; not in another workspace.
    let mut change = new("sc_2", "ws1", 5000, 10);
    change.text = "changed".into();
    change.number_id = "num2".into();
    let changed = s.update_scheduled(&change).await.unwrap();
    assert_eq!(
        (
            changed.text.as_str(),
            changed.number_id.as_str(),
            changed.content.as_ref()
        ),
        ("changed", "num2", None),
        "{n}"
    );
    assert_eq!(
        (changed.due_at, changed.created_at, changed.updated_at),
        (t(5000), t(0), t(10)),
        "{n}"
    );
    log.note("update_scheduled sc_2", changed);
    let elsewhere = s.update_scheduled(&new("sc_2", "ws2", 1, 11)).await;
    log.note("update_scheduled sc_2 in ws2", shown(&elsewhere));
    assert_not_found(elsewhere, "scheduled message");

    // Cancelled once; then neither cancelled nor changed again.
    let cancelled = s.cancel_scheduled("ws1", "sc_3", t(20)).await.unwrap();
    assert_eq!(
        (cancelled.state.as_str(), cancelled.updated_at),
        ("cancelled", t(20)),
        "{n}"
    );
    log.note("cancel_scheduled sc_3", cancelled);
    let refused =
        "scheduled message sc_3 is cancelled: only a pending message can be changed or cancelled";
    let again = s.cancel_scheduled("ws1", "sc_3", t(21)).await;
    log.note("cancel_scheduled sc_3 again", shown(&again));
    assert_conflict(again, "state", refused);
    let change = s.update_scheduled(&new("sc_3", "ws1", 1, 22)).await;
    log.note("update_scheduled sc_3", shown(&change));
    assert_conflict(change, "state", refused);
    let elsewhere = s.cancel_scheduled("ws2", "sc_1", t(23)).await;
    log.note("cancel_scheduled sc_1 in ws2", shown(&elsewhere));
    assert_not_found(elsewhere, "scheduled message");
    let ws2 = s.cancel_scheduled("ws2", "sc_4", t(24)).await.unwrap();
    log.note("cancel_scheduled sc_4", ws2);

    // The scheduler queued sc_1 (sent), sc_5 (failed) and sc_7 (still queued); sc_6 failed
    // before its message was queued.
    raw.exec(&format!(
        "{}{}{}\
         UPDATE messages SET error = 'no such number' WHERE id = 'ms5';\
         UPDATE scheduled_messages SET state = 'queued', message_id = 'ms1' WHERE id = 'sc_1';\
         UPDATE scheduled_messages SET state = 'queued', message_id = 'ms5' WHERE id = 'sc_5';\
         UPDATE scheduled_messages SET state = 'queued', message_id = 'ms7' WHERE id = 'sc_7';\
         UPDATE scheduled_messages SET state = 'failed', error = 'contact blocked' WHERE id = 'sc_6';",
        outbound("ms1", "cv_a1", ("num1", "ct_a"), "", "sent", 3600, Some(3700)),
        outbound("ms5", "cv_a1", ("num1", "ct_a"), "", "failed", 7200, None),
        outbound("ms7", "cv_a1", ("num1", "ct_a"), "", "queued", 2400, None),
    ))
    .await;
    let sent = s.scheduled("ws1", "sc_1").await.unwrap();
    assert_eq!(
        (
            sent.state.as_str(),
            sent.message_status.as_deref(),
            sent.queued_at,
            sent.sent_at
        ),
        ("sent", Some("sent"), Some(t(3600)), Some(t(3700))),
        "{n}"
    );
    log.note("scheduled sc_1 sent", sent);
    let failed = s.scheduled("ws1", "sc_5").await.unwrap();
    assert_eq!(
        (failed.state.as_str(), failed.error.as_deref()),
        ("failed", Some("no such number")),
        "{n}"
    );
    log.note("scheduled sc_5 failed", failed);
    let refused = s.cancel_scheduled("ws1", "sc_1", t(30)).await;
    log.note("cancel_scheduled sc_1 sent", shown(&refused));
    assert_conflict(
        refused,
        "state",
        "scheduled message sc_1 is sent: only a pending message can be changed or cancelled",
    );
    let next = s.next_scheduled_at().await.unwrap();
    assert_eq!(next, Some(t(3600)), "{n}");
    log.note("next_scheduled_at later", next);

    // Lists: pending soonest first, the others latest first; ties by id; cursors and bounds.
    use ScheduledTab::*;
    for (f, expected) in [
        (filter(Pending, None, 10), vec!["sc_7", "sc_8", "sc_2"]),
        (filter(Pending, None, 1), vec!["sc_7"]),
        (filter(Pending, Some((2400, "sc_7")), 1), vec!["sc_8"]),
        (filter(Pending, Some((3600, "sc_8")), 10), vec!["sc_2"]),
        (filter(Sent, None, 10), vec!["sc_1"]),
        (filter(Failed, None, 10), vec!["sc_5", "sc_6"]),
        (filter(Cancelled, None, 10), vec!["sc_3"]),
        (
            filter(All, None, 10),
            vec!["sc_5", "sc_2", "sc_8", "sc_1", "sc_7", "sc_3", "sc_6"],
        ),
        (filter(All, None, 2), vec!["sc_5", "sc_2"]),
        (filter(All, Some((3600, "sc_8")), 2), vec!["sc_1", "sc_7"]),
        (filter(All, None, 0), vec![]),
        (
            ScheduledFilter {
                from: Some(t(1800)),
                to: Some(t(5000)),
                ..filter(All, None, 10)
            },
            vec!["sc_8", "sc_1", "sc_7", "sc_3"],
        ),
        (
            ScheduledFilter {
                from: Some(t(2400)),
                ..filter(Pending, Some((2400, "sc_7")), 10)
            },
            vec!["sc_8", "sc_2"],
        ),
    ] {
        let label = format!("scheduled_list {f:?}");
        let list = s.scheduled_list("ws1", &f).await.unwrap();
        assert_eq!(ids(&list), expected, "{n}: {label}");
        log.note(&label, list);
    }
    let ws2 = s
        .scheduled_list("ws2", &filter(All, None, 10))
        .await
        .unwrap();
    assert_eq!(ids(&ws2), vec!["sc_4"], "{n}");
    log.note("scheduled_list ws2", ws2);

    opt_out(s, raw, log).await;
}

async fn opt_out(s: &dyn Outreach, raw: &dyn Raw, log: &mut Log) {
    let n = raw.name();
    let settings = s.opt_out_settings("ws1").await.unwrap();
    assert_eq!(settings, json!({}), "{n}");
    log.note("opt_out_settings (never set)", settings);
    let set = json!({"keywords": ["STOP", "ARRET"], "reply": "Bye"});
    s.set_opt_out_settings("ws1", &set).await.unwrap();
    let settings = s.opt_out_settings("ws1").await.unwrap();
    assert_eq!(settings, set, "{n}");
    log.note("opt_out_settings", settings);
    assert_eq!(s.opt_out_settings("ws2").await.unwrap(), json!({}), "{n}");
    let unknown = s.opt_out_settings("ws9").await;
    log.note("opt_out_settings ws9", shown(&unknown));
    assert_not_found(unknown, "workspace");
    let quiet = s.set_opt_out_settings("ws9", &set).await;
    log.note("set_opt_out_settings ws9", shown(&quiet));
    assert!(quiet.is_ok(), "{n}");

    // Opted out at t(400), then back in: the time of the change stays the last update.
    let contact = |id: &str| {
        format!("SELECT CAST(opted_out_at AS TEXT), CAST(updated_at AS TEXT) FROM contacts WHERE id = '{id}'")
    };
    s.set_opted_out("ws1", "ct_e", Some(t(400))).await.unwrap();
    assert_eq!(
        raw.texts(&contact("ct_e")).await,
        vec![vec![Some(ms(400).to_string()), Some(ms(400).to_string())]],
        "{n}"
    );
    s.set_opted_out("ws1", "ct_e", None).await.unwrap();
    let row = raw.texts(&contact("ct_e")).await;
    assert_eq!(row, vec![vec![None, Some(ms(400).to_string())]], "{n}");
    log.note("ct_e opted out and back", row);
    let elsewhere = s.set_opted_out("ws2", "ct_e", Some(t(401))).await;
    log.note("set_opted_out ct_e in ws2", shown(&elsewhere));
    assert_not_found(elsewhere, "contact");
    assert_eq!(
        raw.texts(&contact("ct_e")).await,
        vec![vec![None, Some(ms(400).to_string())]],
        "{n}"
    );
}
