//! Campaigns from creation to completion: recipients prepared (numbers in turn, skips with
//! their reason), listing and its cursor, activation, the feeder's reads, completion. The
//! recipients' statuses and the pause / resume / cancel actions are in `recipients.rs`.

use crate::seed::{inbound, outbound, t};
use crate::{assert_not_found, shown, Log, Raw};
use chrono::{DateTime, Utc};
use serde_json::json;
use waflow_store::{
    Audience, AudienceQuery, Campaign, CampaignTotals, Error, NewCampaign, Outreach,
};

pub fn new_campaign(
    id: &str,
    ws: &str,
    numbers: &[&str],
    query: AudienceQuery,
    start: i64,
    now: i64,
) -> NewCampaign {
    NewCampaign {
        id: id.into(),
        workspace_id: ws.into(),
        name: format!("Campaign {id}"),
        number_ids: numbers.iter().map(|n| n.to_string()).collect(),
        audience: json!({"described": format!("{:?}", query.audience)}),
        query,
        content: json!({"text": format!("Hello from {id}")}),
        start_at: t(start),
        expected_seconds: 60,
        now: t(now),
    }
}

pub fn query(audience: Audience, exclude: Option<&str>) -> AudienceQuery {
    AudienceQuery {
        audience,
        exclude_tag: exclude.map(str::to_string),
    }
}

fn ids(campaigns: &[Campaign]) -> Vec<&str> {
    campaigns.iter().map(|c| c.id.as_str()).collect()
}

pub async fn story(s: &dyn Outreach, raw: &dyn Raw, log: &mut Log) {
    let n = raw.name();
    let spring = query(Audience::List("spring".into()), None);
    let news = query(Audience::Tag("news".into()), Some("staff"));

    // cp1: ct_a, b, c, d, f, g, h in id order, numbers in turn; four skipped, each for its
    // first reason (ct_f is blocked and excluded: blocked).
    let cp1 = s
        .insert_campaign(&new_campaign(
            "cp1",
            "ws1",
            &["num1", "num2"],
            spring.clone(),
            100,
            10,
        ))
        .await
        .unwrap();
    assert_eq!(
        (
            cp1.state.as_str(),
            cp1.start_at,
            cp1.created_at,
            cp1.started_at,
            cp1.finished_at
        ),
        ("scheduled", t(100), t(10), None, None),
        "{n}"
    );
    assert_eq!(cp1.number_ids, vec!["num1", "num2"], "{n}");
    assert_eq!(cp1.content, json!({"text": "Hello from cp1"}), "{n}");
    assert_eq!(
        cp1.totals,
        CampaignTotals {
            recipients: 7,
            pending: 3,
            skipped: 4,
            ..Default::default()
        },
        "{n}"
    );
    log.note("insert_campaign cp1", &cp1);
    let rows = raw
        .texts(
            "SELECT CAST(seq AS TEXT), contact_id, number_id, state, reason FROM campaign_recipients \
             WHERE campaign_id = 'cp1' ORDER BY seq",
        )
        .await;
    let row = |seq: &str, contact: &str, number: &str, state: &str, reason: Option<&str>| {
        vec![
            Some(seq.to_string()),
            Some(contact.to_string()),
            Some(number.to_string()),
            Some(state.to_string()),
            reason.map(str::to_string),
        ]
    };
    let blocked = Some("blocked: nothing is sent to blocked contacts");
    assert_eq!(
        rows,
        vec![
            row("1", "ct_a", "num1", "pending", None),
            row("2", "ct_b", "num2", "skipped", blocked),
            row(
                "3",
                "ct_c",
                "num1",
                "skipped",
                Some("excluded: the contact is excluded from automation")
            ),
            row(
                "4",
                "ct_d",
                "num2",
                "skipped",
                Some("opted out: the contact opted out of marketing")
            ),
            row("5", "ct_f", "num1", "skipped", blocked),
            row("6", "ct_g", "num2", "pending", None),
            row("7", "ct_h", "num1", "pending", None),
        ],
        "{n}"
    );
    log.note("cp1 recipients", rows);

    // cp2: the news tag without staff, one number, due already.
    let cp2 = s
        .insert_campaign(&new_campaign("cp2", "ws1", &["num1"], news, 5, 20))
        .await
        .unwrap();
    assert_eq!(
        (
            cp2.totals.recipients,
            cp2.totals.pending,
            cp2.totals.skipped
        ),
        (6, 4, 2),
        "{n}"
    );
    log.note("insert_campaign cp2", &cp2);
    let cp3 = s
        .insert_campaign(&new_campaign(
            "cp3",
            "ws2",
            &["num3"],
            query(Audience::All, None),
            1000,
            30,
        ))
        .await
        .unwrap();
    assert_eq!(cp3.totals.pending, 1, "{n}");
    log.note("insert_campaign cp3", &cp3);
    // An audience nobody is in: a campaign without recipients.
    let nobody = query(
        Audience::Field {
            name: "nope".into(),
            equals: json!("x"),
        },
        None,
    );
    let cp4 = s
        .insert_campaign(&new_campaign("cp4", "ws1", &["num2"], nobody, 0, 40))
        .await
        .unwrap();
    assert_eq!(cp4.totals, CampaignTotals::default(), "{n}");
    log.note("insert_campaign cp4", &cp4);

    // The same id again: a conflict, and nothing changed.
    let again = s
        .insert_campaign(&new_campaign(
            "cp1",
            "ws1",
            &["num1"],
            query(Audience::All, None),
            0,
            41,
        ))
        .await;
    log.note("insert_campaign cp1 again", shown(&again));
    assert!(
        matches!(&again, Err(Error::Conflict { field, .. }) if field.is_empty()),
        "{n}: {again:?}"
    );
    // No number: the recipients cannot be written, and the campaign is not either (one
    // transaction).
    let none = s
        .insert_campaign(&new_campaign(
            "cp0",
            "ws1",
            &[],
            query(Audience::All, None),
            0,
            42,
        ))
        .await;
    log.note("insert_campaign cp0 without numbers", shown(&none));
    assert!(matches!(none, Err(Error::Backend(_))), "{n}: {none:?}");
    assert_not_found(s.campaign("ws1", "cp0").await, "campaign");
    assert_eq!(
        raw.texts(
            "SELECT CAST(COUNT(*) AS TEXT) FROM campaign_recipients WHERE campaign_id = 'cp0'"
        )
        .await,
        vec![vec![Some("0".to_string())]],
        "{n}"
    );

    // Reading one, and one of another workspace.
    let read = s.campaign("ws1", "cp1").await.unwrap();
    assert_eq!(
        (read.name.as_str(), read.totals),
        ("Campaign cp1", cp1.totals),
        "{n}"
    );
    log.note("campaign cp1", read);
    let other = s.campaign("ws2", "cp1").await;
    log.note("campaign cp1 in ws2", shown(&other));
    assert_not_found(other, "campaign");

    // Newest first, before the cursor.
    for (ws, before, limit, expected) in [
        ("ws1", None, 10, vec!["cp4", "cp2", "cp1"]),
        ("ws1", None, 2, vec!["cp4", "cp2"]),
        ("ws1", Some("cp2"), 2, vec!["cp1"]),
        ("ws1", Some("cp1"), 10, vec![]),
        ("ws1", None, 0, vec![]),
        ("ws2", None, 10, vec!["cp3"]),
    ] {
        let page = s.campaigns(ws, before, limit).await.unwrap();
        assert_eq!(
            ids(&page),
            expected,
            "{n}: campaigns {ws} {before:?} {limit}"
        );
        log.note(&format!("campaigns {ws} {before:?} {limit}"), &page);
    }

    // At t(50) cp2 (due at 5) and cp4 (due at 0) start; cp1 and cp3 are not due.
    for _ in 0..2 {
        let active = s.active_campaigns(t(50)).await.unwrap();
        let got: Vec<(&str, &str, &str)> = active
            .iter()
            .map(|a| (a.id.as_str(), a.workspace_id.as_str(), a.state.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("cp2", "ws1", "sending"), ("cp4", "ws1", "sending")],
            "{n}"
        );
        assert_eq!(active[0].content, json!({"text": "Hello from cp2"}), "{n}");
        log.note("active_campaigns t(50)", &active);
    }
    let cp2 = s.campaign("ws1", "cp2").await.unwrap();
    assert_eq!(
        (cp2.state.as_str(), cp2.started_at),
        ("sending", Some(t(50))),
        "{n}"
    );

    // Completion: cp4 (nothing to send) completes once; cp2 has pending recipients; cp1 is
    // not sending.
    assert!(s.complete_campaign("cp4", t(51)).await.unwrap(), "{n}");
    let cp4 = s.campaign("ws1", "cp4").await.unwrap();
    assert_eq!(
        (cp4.state.as_str(), cp4.finished_at),
        ("completed", Some(t(51))),
        "{n}"
    );
    log.note("complete_campaign cp4", &cp4);
    for id in ["cp4", "cp2", "cp1", "cp9"] {
        let done = s.complete_campaign(id, t(52)).await.unwrap();
        assert!(!done, "{n}: {id}");
        log.note(&format!("complete_campaign {id}"), done);
    }

    // The feeder's reads: the next pending recipients with the contact as it is now and the
    // last time it wrote to the recipient's number.
    let next = s.pending_recipients("cp2", 2).await.unwrap();
    let got: Vec<_> = next
        .iter()
        .map(|p| {
            (
                p.seq,
                p.number_id.as_str(),
                p.contact.as_ref().map(|c| c.id.as_str()),
                p.opted_out,
                p.last_inbound_at,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "num1", Some("ct_a"), false, Some(t(30))),
            (
                4,
                "num1",
                Some("ct_e"),
                false,
                Some(DateTime::<Utc>::UNIX_EPOCH)
            )
        ],
        "{n}"
    );
    log.note("pending_recipients cp2 2", &next);
    // A contact deleted since the campaign was prepared, another opted out.
    raw.exec("DELETE FROM contacts WHERE id = 'ct_h'").await;
    s.set_opted_out("ws1", "ct_g", Some(t(55))).await.unwrap();
    let next = s.pending_recipients("cp2", 10).await.unwrap();
    let got: Vec<_> = next
        .iter()
        .map(|p| {
            (
                p.seq,
                p.contact.as_ref().map(|c| c.id.as_str()),
                p.opted_out,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, Some("ct_a"), false),
            (4, Some("ct_e"), false),
            (5, Some("ct_g"), true),
            (6, None, false)
        ],
        "{n}"
    );
    log.note("pending_recipients cp2 10", &next);
    assert!(
        s.pending_recipients("cp4", 10).await.unwrap().is_empty(),
        "{n}"
    );
    assert!(
        s.pending_recipients("cp9", 10).await.unwrap().is_empty(),
        "{n}"
    );

    // The feeder queued ct_a's message (read, answered 10 s later) and ct_e's (waiting), and
    // started a run for ct_g.
    raw.exec(&format!(
        "{}{}{}\
         UPDATE campaign_recipients SET state = 'queued', message_id = 'm01', queued_at = 0 WHERE campaign_id = 'cp2' AND seq = 1;\
         UPDATE campaign_recipients SET state = 'queued', message_id = 'm03', queued_at = 0 WHERE campaign_id = 'cp2' AND seq = 4;\
         UPDATE campaign_recipients SET state = 'started', run_id = 'run1', queued_at = 0 WHERE campaign_id = 'cp2' AND seq = 5;",
        outbound("m01", "cv_a1", ("num1", "ct_a"), "cp2", "read", 60, Some(60)),
        inbound("m02", "cv_a1", ("num1", "ct_a"), crate::seed::ms(70)),
        outbound("m03", "cv_e1", ("num1", "ct_e"), "cp2", "queued", 61, None),
    ))
    .await;
    let backlog = s.campaign_backlog("cp2").await.unwrap();
    assert_eq!(backlog, 1, "{n}");
    log.note("campaign_backlog cp2", backlog);
    for id in ["cp1", "cp9"] {
        let backlog = s.campaign_backlog(id).await.unwrap();
        assert_eq!(backlog, 0, "{n}");
        log.note(&format!("campaign_backlog {id}"), backlog);
    }
    let cp2 = s.campaign("ws1", "cp2").await.unwrap();
    assert_eq!(
        cp2.totals,
        CampaignTotals {
            recipients: 6,
            pending: 1,
            queued: 1,
            sent: 2,
            delivered: 1,
            read: 1,
            replied: 1,
            skipped: 2,
            ..Default::default()
        },
        "{n}"
    );
    log.note("campaign cp2 fed", &cp2);
    crate::recipients::story(s, raw, log).await;
}
