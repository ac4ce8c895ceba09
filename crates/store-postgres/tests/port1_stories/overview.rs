//! Every `Overview` method.

use crate::harness::{err, id_at, is_not_found, t, All, Raw, Transcript};
use chrono::Duration;
use waflow_store::{ActivityBucket, Onboarding, WorkflowActivity};

/// The story; its transcript.
pub async fn story<S: All>(s: &S, raw: &Raw<'_>) -> Vec<String> {
    let n = raw.name();
    let mut say = Transcript::default();
    let ws = s.ensure_default_workspace().await.unwrap().id;
    let other = s.workspace_by_name_or_create("other").await.unwrap().id;
    let number = s.numbers(&ws).await.unwrap()[0].id.clone();

    // An owner anywhere.
    assert!(!s.has_owner().await.unwrap());
    s.insert_agent(&other, "Ann", "ann@example.com", "agent")
        .await
        .unwrap();
    assert!(!s.has_owner().await.unwrap(), "{n}: an agent is no owner");
    s.insert_agent(&other, "Olivia", "olivia@example.com", "owner")
        .await
        .unwrap();
    assert!(s.has_owner().await.unwrap(), "{n}");

    // The first-hour checklist, ticked step by step.
    let none = Onboarding {
        number_connected: true,
        workflow_created: false,
        draft_tested: false,
        workflow_published: false,
    };
    assert_eq!(
        s.onboarding(&ws).await.unwrap(),
        none,
        "{n}: the sandbox is connected"
    );
    s.update_number(
        &other,
        &s.numbers(&other).await.unwrap()[0].id,
        &waflow_store::NumberPatch {
            status: Some("disconnected".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        s.onboarding(&other).await.unwrap(),
        Onboarding {
            number_connected: false,
            ..none
        },
        "{n}"
    );
    let at = t(0).timestamp_millis();
    raw.exec(&format!(
        "INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, created_at, updated_at) \
         VALUES ('wf_a', '{ws}', 'Welcome', 1, FALSE, 0, 'keyword', {at}, {at}); \
         INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES ('wf_a', 1, '{{}}', {at});"
    ))
    .await;
    let created = s.onboarding(&ws).await.unwrap();
    assert_eq!(
        created,
        Onboarding {
            workflow_created: true,
            ..none
        },
        "{n}"
    );
    raw.exec(&format!(
        "INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES ('wf_a', -1, '{{}}', {at})"
    ))
    .await;
    let tested = s.onboarding(&ws).await.unwrap();
    assert_eq!(
        tested,
        Onboarding {
            workflow_created: true,
            draft_tested: true,
            ..none
        },
        "{n}"
    );
    raw.exec("UPDATE workflows SET active = TRUE WHERE id = 'wf_a'")
        .await;
    let live = s.onboarding(&ws).await.unwrap();
    assert_eq!(
        live,
        Onboarding {
            number_connected: true,
            workflow_created: true,
            draft_tested: true,
            workflow_published: true
        },
        "{n}"
    );
    assert_eq!(
        s.onboarding(&other).await.unwrap(),
        Onboarding {
            number_connected: false,
            ..none
        }
    );
    say.say("onboarding", [created, tested, live]);

    // Activity: messages, runs, failures and AI credits per quarter hour since a time, and per
    // workflow. Rows are made at fixed times, with ids of those times.
    let contact = s
        .insert_contact(&ws, "+15550000001", "Carla", &Default::default())
        .await
        .unwrap();
    let mut sql = format!(
        "INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) \
         VALUES ('cv_1', '{ws}', '{number}', '{c}', {at}, {at}), ('cv_2', '{ws}', '{number}2', '{c}', 0, {at}), \
         ('cv_o', '{other}', '{number}3', '{c}', 0, {at}); ",
        c = contact.id
    );
    let message = |sql: &mut String,
                   k: u32,
                   minutes: i64,
                   workspace: &str,
                   direction: &str,
                   sender: (&str, Option<&str>)| {
        let when = t(minutes);
        sql.push_str(&format!(
            "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, sender_kind, sender_ref, status, created_at) \
             VALUES ('{id}', '{workspace}', '{conversation}', '{number}', '{c}', '{direction}', 'text', 'm{k}', '{kind}', {reference}, 'sent', {ms}); ",
            id = id_at("msg", when, k),
            conversation = if workspace == ws { "cv_1" } else { "cv_o" },
            c = contact.id,
            kind = sender.0,
            reference = sender.1.map(|r| format!("'{r}'")).unwrap_or("NULL".into()),
            ms = when.timestamp_millis(),
        ));
    };
    let run = |sql: &mut String,
               k: u32,
               minutes: i64,
               workflow: &str,
               version: i64,
               state: &str| {
        let when = t(minutes);
        let id = id_at("run", when, k);
        sql.push_str(&format!(
            "INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, created_at, updated_at) \
             VALUES ('{id}', '{ws}', '{workflow}', {version}, '{c}', '{number}', 'cv_1', '{state}', {ms}, {ms}); ",
            c = contact.id,
            ms = when.timestamp_millis(),
        ));
        id
    };
    let log = |sql: &mut String, k: u32, minutes: i64, kind: &str, detail: &str| {
        let when = t(minutes);
        sql.push_str(&format!(
            "INSERT INTO log_entries (id, workspace_id, created_at, kind, outcome, summary, detail) \
             VALUES ('{id}', '{ws}', {ms}, '{kind}', 'ok', 'reply', '{detail}'); ",
            id = id_at("log", when, k),
            ms = when.timestamp_millis(),
        ));
    };
    // Before the period: not counted.
    message(&mut sql, 1, -20, &ws, "inbound", ("contact", None));
    run(&mut sql, 1, -20, "wf_a", 1, "done");
    log(&mut sql, 1, -20, "ai", r#"{"credits": 50}"#);
    // First quarter (minutes 0-14).
    message(&mut sql, 2, 1, &ws, "inbound", ("contact", None));
    message(&mut sql, 3, 2, &ws, "inbound", ("contact", None));
    let r1 = run(&mut sql, 2, 3, "wf_a", 1, "done");
    let r2 = run(&mut sql, 3, 4, "wf_b", 2, "failed");
    let test_run = run(&mut sql, 4, 5, "wf_a", -1, "failed");
    message(&mut sql, 4, 6, &ws, "outbound", ("workflow", Some(&r1)));
    message(&mut sql, 5, 7, &ws, "outbound", ("workflow", Some(&r1)));
    message(
        &mut sql,
        6,
        8,
        &ws,
        "outbound",
        ("workflow", Some(&test_run)),
    );
    message(&mut sql, 7, 9, &ws, "outbound", ("agent", Some("ag_1")));
    log(&mut sql, 2, 10, "ai", r#"{"credits": 2}"#);
    log(
        &mut sql,
        3,
        11,
        "ai",
        r#"{"credits": 1.7, "model": "small"}"#,
    );
    log(&mut sql, 4, 12, "ai", r#"{"model": "small"}"#);
    log(&mut sql, 5, 13, "send", r#"{"credits": 100}"#);
    // Third quarter (minutes 30-44); the second has nothing.
    let r3 = run(&mut sql, 5, 31, "wf_b", 2, "failed");
    let r4 = run(&mut sql, 6, 32, "wf_b", 2, "waiting");
    let r5 = run(&mut sql, 7, 33, "wf_c", 1, "done");
    message(&mut sql, 8, 34, &ws, "outbound", ("workflow", Some(&r3)));
    log(&mut sql, 6, 35, "ai", r#"{"credits": 3}"#);
    // Another workspace's: not counted.
    message(&mut sql, 9, 36, &other, "inbound", ("contact", None));
    raw.exec(&sql).await;
    let _ = (r2, r4, r5);

    let activity = s.activity(&ws, t(0)).await.unwrap();
    let q0 = t(0).timestamp_millis() / 900_000;
    assert_eq!(
        activity.buckets,
        [
            ActivityBucket {
                quarter: q0,
                messages_in: 2,
                messages_out: 4,
                runs: 2,
                failures: 1,
                ai_credits: 3
            },
            ActivityBucket {
                quarter: q0 + 2,
                messages_in: 0,
                messages_out: 1,
                runs: 3,
                failures: 1,
                ai_credits: 3
            },
        ],
        "{n}"
    );
    let workflow = |id: &str, runs: i64, replies: i64| WorkflowActivity {
        workflow_id: id.into(),
        runs,
        replies,
    };
    assert_eq!(
        activity.workflows,
        [
            workflow("wf_b", 3, 1),
            workflow("wf_a", 1, 2),
            workflow("wf_c", 1, 0)
        ],
        "{n}"
    );
    say.say("activity", &activity);
    let later = s.activity(&ws, t(0) + Duration::minutes(30)).await.unwrap();
    assert_eq!(later.buckets.len(), 1, "{n}");
    assert_eq!(later.buckets[0].quarter, q0 + 2);
    assert_eq!(
        later.workflows,
        [workflow("wf_b", 2, 1), workflow("wf_c", 1, 0)],
        "{n}"
    );
    let before = s.activity(&ws, t(-60)).await.unwrap();
    assert_eq!(before.buckets.len(), 3, "{n}");
    assert_eq!(before.buckets[0].ai_credits, 50);
    say.say("from an hour before", &before);
    let quiet = s.activity(&other, t(-60)).await.unwrap();
    assert_eq!(
        quiet.buckets.len(),
        1,
        "{n}: the other workspace's one message"
    );
    assert!(quiet.workflows.is_empty());
    let nothing = s.activity(&ws, t(60)).await.unwrap();
    assert!(
        nothing.buckets.is_empty() && nothing.workflows.is_empty(),
        "{n}"
    );

    // Reading a conversation: up to its latest message; a conversation with none reads ''.
    s.mark_conversation_read(&ws, "cv_1").await.unwrap();
    assert_eq!(
        raw.text("SELECT read_up_to FROM conversations WHERE id = 'cv_1'")
            .await,
        Some(id_at("msg", t(34), 8)),
        "{n}"
    );
    s.mark_conversation_read(&ws, "cv_2").await.unwrap();
    assert_eq!(
        raw.text("SELECT read_up_to FROM conversations WHERE id = 'cv_2'")
            .await
            .as_deref(),
        Some("")
    );
    let e = err(s.mark_conversation_read(&other, "cv_1").await);
    assert!(is_not_found(&e, "conversation"), "{n}: {e:?}");
    let e = err(s.mark_conversation_read(&ws, "cv_missing").await);
    assert!(is_not_found(&e, "conversation"), "{n}: {e:?}");
    say.say("read a missing conversation", &e);

    // Resuming automation after a takeover.
    raw.exec(&format!(
        "UPDATE contacts SET automation_paused_until = {} WHERE id = '{}'",
        t(600).timestamp_millis(),
        contact.id
    ))
    .await;
    assert_eq!(
        s.contact(&ws, &contact.id)
            .await
            .unwrap()
            .automation_paused_until,
        Some(t(600))
    );
    s.resume_automation(&ws, &contact.id).await.unwrap();
    assert_eq!(
        s.contact(&ws, &contact.id)
            .await
            .unwrap()
            .automation_paused_until,
        None,
        "{n}"
    );
    s.resume_automation(&ws, &contact.id).await.unwrap();
    let e = err(s.resume_automation(&other, &contact.id).await);
    assert!(is_not_found(&e, "contact"), "{n}: {e:?}");
    say.say("resume another workspace's", &e);

    say.finish()
}
