//! A campaign's recipients as listed (status from the message, replies from the conversation,
//! filters and cursor), the pause / resume / cancel actions and what they do to the campaign's
//! messages, and a second campaign to completion.

use crate::seed::{inbound, ms, outbound, t};
use crate::{assert_conflict, assert_not_found, shown, Log, Raw};
use waflow_store::{CampaignAction, CampaignTotals, Outreach, Recipient};

fn seqs(list: &[Recipient]) -> Vec<i64> {
    list.iter().map(|r| r.seq).collect()
}

async fn message_status(raw: &dyn Raw, id: &str) -> Vec<Vec<Option<String>>> {
    raw.texts(&format!(
        "SELECT status, CAST(next_attempt_at AS TEXT) FROM messages WHERE id = '{id}'"
    ))
    .await
}

pub async fn story(s: &dyn Outreach, raw: &dyn Raw, log: &mut Log) {
    let n = raw.name();
    let all = s.recipients("ws1", "cp2", None, None, 10).await.unwrap();
    let got: Vec<_> = all
        .iter()
        .map(|r| {
            (
                r.seq,
                r.contact_id.as_str(),
                r.phone.as_str(),
                r.name.as_str(),
                r.status.as_str(),
                r.message_id.as_deref(),
                r.run_id.as_deref(),
                r.sent_at,
                r.replied_at,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                1,
                "ct_a",
                "+15550001",
                "Ana",
                "replied",
                Some("m01"),
                None,
                Some(t(60)),
                Some(t(70))
            ),
            (
                2,
                "ct_b",
                "+15550002",
                "Ben",
                "skipped",
                None,
                None,
                None,
                None
            ),
            (
                3,
                "ct_d",
                "+15550004",
                "Di",
                "skipped",
                None,
                None,
                None,
                None
            ),
            (
                4,
                "ct_e",
                "+15550005",
                "Ed",
                "queued",
                Some("m03"),
                None,
                None,
                None
            ),
            (
                5,
                "ct_g",
                "+15550007",
                "Gus",
                "started",
                None,
                Some("run1"),
                None,
                None
            ),
            // ct_h was deleted: no phone, no name.
            (6, "ct_h", "", "", "pending", None, None, None, None),
        ],
        "{n}"
    );
    assert_eq!(
        all[2].reason.as_deref(),
        Some("opted out: the contact opted out of marketing"),
        "{n}"
    );
    log.note("recipients cp2", &all);
    for (status, expected) in [
        ("pending", vec![6]),
        ("skipped", vec![2, 3]),
        ("started", vec![5]),
        ("queued", vec![4]),
        ("sent", vec![1, 5]),
        ("delivered", vec![1]),
        ("read", vec![1]),
        ("replied", vec![1]),
        ("failed", vec![]),
        ("uncertain", vec![]),
        ("cancelled", vec![]),
    ] {
        let list = s
            .recipients("ws1", "cp2", Some(status), None, 10)
            .await
            .unwrap();
        assert_eq!(seqs(&list), expected, "{n}: recipients {status}");
        log.note(&format!("recipients cp2 {status}"), &list);
    }
    let page = s.recipients("ws1", "cp2", None, Some(2), 2).await.unwrap();
    assert_eq!(seqs(&page), vec![3, 4], "{n}");
    log.note("recipients cp2 after 2", &page);
    let page = s
        .recipients("ws1", "cp2", Some("skipped"), Some(2), 10)
        .await
        .unwrap();
    assert_eq!(seqs(&page), vec![3], "{n}");
    log.note("recipients cp2 skipped after 2", &page);
    let other = s.recipients("ws2", "cp2", None, None, 10).await.unwrap();
    assert!(other.is_empty(), "{n}");
    log.note("recipients cp2 in ws2", &other);
    let bogus = s.recipients("ws1", "cp2", Some("bogus"), None, 10).await;
    log.note("recipients cp2 bogus", shown(&bogus));
    assert_conflict(bogus, "status", "\"bogus\" is not a recipient status");

    // Pause holds the queued message; a second pause is refused; resume queues it again.
    let paused = s
        .campaign_action("ws1", "cp2", CampaignAction::Pause, t(80))
        .await
        .unwrap();
    assert_eq!(
        (paused.state.as_str(), paused.totals.queued),
        ("paused", 1),
        "{n}"
    );
    log.note("pause cp2", &paused);
    assert_eq!(
        message_status(raw, "m03").await,
        vec![vec![Some("held".into()), Some(ms(80).to_string())]],
        "{n}"
    );
    assert_eq!(
        message_status(raw, "m01").await[0][0].as_deref(),
        Some("read"),
        "{n}"
    );
    assert_eq!(s.campaign_backlog("cp2").await.unwrap(), 0, "{n}");
    let again = s
        .campaign_action("ws1", "cp2", CampaignAction::Pause, t(81))
        .await;
    log.note("pause cp2 again", shown(&again));
    assert_conflict(
        again,
        "state",
        "campaign cp2 is paused: it can be paused only when scheduled or sending",
    );
    let resumed = s
        .campaign_action("ws1", "cp2", CampaignAction::Resume, t(90))
        .await
        .unwrap();
    assert_eq!(
        (resumed.state.as_str(), resumed.started_at),
        ("sending", Some(t(50))),
        "{n}"
    );
    log.note("resume cp2", &resumed);
    assert_eq!(
        message_status(raw, "m03").await,
        vec![vec![Some("queued".into()), Some(ms(90).to_string())]],
        "{n}"
    );
    // Another workspace's campaign is not found.
    let elsewhere = s
        .campaign_action("ws2", "cp2", CampaignAction::Cancel, t(95))
        .await;
    log.note("cancel cp2 in ws2", shown(&elsewhere));
    assert_not_found(elsewhere, "campaign");

    // A scheduled campaign paused and resumed before its time is scheduled again.
    let cp1 = s
        .campaign_action("ws1", "cp1", CampaignAction::Resume, t(91))
        .await;
    log.note("resume cp1 scheduled", shown(&cp1));
    assert_conflict(
        cp1,
        "state",
        "campaign cp1 is scheduled: it can be resumed only when paused",
    );
    let cp1 = s
        .campaign_action("ws1", "cp1", CampaignAction::Pause, t(92))
        .await
        .unwrap();
    log.note("pause cp1", &cp1);
    let cp1 = s
        .campaign_action("ws1", "cp1", CampaignAction::Resume, t(95))
        .await
        .unwrap();
    assert_eq!(
        (cp1.state.as_str(), cp1.started_at),
        ("scheduled", None),
        "{n}"
    );
    log.note("resume cp1", &cp1);

    // Cancel: the queued message and the pending recipient are cancelled.
    let cancelled = s
        .campaign_action("ws1", "cp2", CampaignAction::Cancel, t(120))
        .await
        .unwrap();
    assert_eq!(
        (cancelled.state.as_str(), cancelled.finished_at),
        ("cancelled", Some(t(120))),
        "{n}"
    );
    assert_eq!(
        (
            cancelled.totals.cancelled,
            cancelled.totals.pending,
            cancelled.totals.queued
        ),
        (2, 0, 0),
        "{n}"
    );
    log.note("cancel cp2", &cancelled);
    assert_eq!(
        message_status(raw, "m03").await[0][0].as_deref(),
        Some("cancelled"),
        "{n}"
    );
    let list = s
        .recipients("ws1", "cp2", Some("cancelled"), None, 10)
        .await
        .unwrap();
    assert_eq!(seqs(&list), vec![4, 6], "{n}");
    assert_eq!(
        list[1].reason.as_deref(),
        Some("the campaign was cancelled before this message was queued"),
        "{n}"
    );
    log.note("recipients cp2 cancelled", &list);
    let again = s
        .campaign_action("ws1", "cp2", CampaignAction::Cancel, t(121))
        .await;
    log.note("cancel cp2 again", shown(&again));
    assert_conflict(
        again,
        "state",
        "campaign cp2 is cancelled: it can be cancelled only when scheduled or sending or paused",
    );
    assert!(!s.complete_campaign("cp2", t(122)).await.unwrap(), "{n}");

    // cp1 starts at t(200) and is fed: ct_a's message fails, ct_g's is delivered and answered
    // after the reply window; ct_h (deleted) is still pending.
    let active = s.active_campaigns(t(200)).await.unwrap();
    assert_eq!(
        active.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        vec!["cp1"],
        "{n}"
    );
    log.note("active_campaigns t(200)", &active);
    raw.exec(&format!(
        "{}{}{}\
         UPDATE messages SET error = 'bad number' WHERE id = 'm04';\
         UPDATE campaign_recipients SET state = 'queued', message_id = 'm04' WHERE campaign_id = 'cp1' AND seq = 1;\
         UPDATE campaign_recipients SET state = 'queued', message_id = 'm05' WHERE campaign_id = 'cp1' AND seq = 6;",
        outbound("m04", "cv_a1", ("num1", "ct_a"), "cp1", "failed", 210, None),
        outbound("m05", "cv_g2", ("num2", "ct_g"), "cp1", "delivered", 220, Some(220)),
        inbound("m06", "cv_g2", ("num2", "ct_g"), ms(220) + 72 * 3600 * 1000 + 1000),
    ))
    .await;
    let list = s.recipients("ws1", "cp1", None, Some(5), 10).await.unwrap();
    let got: Vec<_> = list
        .iter()
        .map(|r| (r.seq, r.status.as_str(), r.sent_at, r.replied_at))
        .collect();
    assert_eq!(
        got,
        vec![
            (6, "delivered", Some(t(220)), None),
            (7, "pending", None, None)
        ],
        "{n}"
    );
    log.note("recipients cp1 after 5", &list);
    let failed = s
        .recipients("ws1", "cp1", Some("failed"), None, 10)
        .await
        .unwrap();
    assert_eq!(seqs(&failed), vec![1], "{n}");
    assert_eq!(failed[0].reason.as_deref(), Some("bad number"), "{n}");
    log.note("recipients cp1 failed", &failed);
    let replied = s
        .recipients("ws1", "cp1", Some("replied"), None, 10)
        .await
        .unwrap();
    assert!(replied.is_empty(), "{n}");
    let next = s.pending_recipients("cp1", 10).await.unwrap();
    assert_eq!(
        next.iter()
            .map(|p| (p.seq, p.contact.is_none()))
            .collect::<Vec<_>>(),
        vec![(7, true)],
        "{n}"
    );
    log.note("pending_recipients cp1", &next);
    assert!(!s.complete_campaign("cp1", t(300)).await.unwrap(), "{n}");
    raw.exec("UPDATE campaign_recipients SET state = 'skipped', reason = 'gone' WHERE campaign_id = 'cp1' AND seq = 7")
        .await;
    // No recipient pending, but a message being sent: not complete yet.
    raw.exec("UPDATE messages SET status = 'sending' WHERE id = 'm05'")
        .await;
    assert!(!s.complete_campaign("cp1", t(300)).await.unwrap(), "{n}");
    raw.exec("UPDATE messages SET status = 'delivered' WHERE id = 'm05'")
        .await;
    assert!(s.complete_campaign("cp1", t(301)).await.unwrap(), "{n}");
    let cp1 = s.campaign("ws1", "cp1").await.unwrap();
    assert_eq!(
        (cp1.state.as_str(), cp1.started_at, cp1.finished_at),
        ("completed", Some(t(200)), Some(t(301))),
        "{n}"
    );
    assert_eq!(
        cp1.totals,
        CampaignTotals {
            recipients: 7,
            sent: 1,
            delivered: 1,
            failed: 1,
            skipped: 5,
            ..Default::default()
        },
        "{n}"
    );
    log.note("campaign cp1 completed", &cp1);
    let late = s
        .campaign_action("ws1", "cp1", CampaignAction::Pause, t(302))
        .await;
    log.note("pause cp1 completed", shown(&late));
    assert_conflict(
        late,
        "state",
        "campaign cp1 is completed: it can be paused only when scheduled or sending",
    );
}
