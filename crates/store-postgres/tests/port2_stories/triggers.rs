//! Every `Triggers` method: workflows by trigger and by phrase, idle conversations and contacts
//! with a date field.

use crate::common::Backend;
use crate::{ms, t, Port2, Transcript};

/// Workflows (each with its version), conversations, messages, runs and fires the scans read.
fn seed() -> String {
    let m = ms;
    format!(
        "\
INSERT INTO contacts (id, workspace_id, phone, name, fields, created_at, updated_at) VALUES
  ('ct4', 'ws1', '+15550004', 'Dee', '{{\"birthday\": \"2026-07-04\"}}', 0, 0),
  ('ct5', 'ws1', '+15550000', 'Eve', '{{\"birthday\": \"2026-12-24\", \"vip\": false}}', 0, 0),
  ('ct8', 'ws2', '+15550008', 'Far', '{{\"birthday\": \"2026-01-01\"}}', 0, 0);
UPDATE contacts SET fields = '{{\"birthday\": \"2026-03-01\", \"vip\": true, \"n\": 42, \"r\": 1.50, \"o\": {{\"y\": 1, \"x\": \"a b\"}}, \"z\": null}}' WHERE id = 'ct1';
UPDATE contacts SET fields = '{{\"birthday\": \"1990-05-05\"}}' WHERE id = 'ct2';
UPDATE contacts SET fields = '{{\"birthday\": null}}' WHERE id = 'ct3';
INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, phrase_key, created_at, updated_at) VALUES
  ('wf_k1', 'ws1', 'Hello 1', 1, TRUE, 2, 'keyword', 'hello', 0, 0),
  ('wf_k2', 'ws1', 'Hello 2', 1, TRUE, 1, 'keyword', 'hello', 0, 0),
  ('wf_k3', 'ws1', 'Hello off', 1, FALSE, 0, 'keyword', 'hello', 0, 0),
  ('wf_k4', 'ws1', 'Hello 4', 1, TRUE, 2, 'keyword', 'hello', 0, 0),
  ('wf_k9', 'ws2', 'Hello there', 1, TRUE, 1, 'keyword', 'hello', 0, 0),
  ('wf_d1', 'ws2', 'Birthday 2', 1, TRUE, 1, 'date', NULL, 0, 0),
  ('wf_d2', 'ws1', 'Birthday', 1, TRUE, 5, 'date', NULL, 0, 0),
  ('wf_i1', 'ws1', 'Nudge', 1, TRUE, 1, 'idle', NULL, 0, 0);
INSERT INTO workflow_versions (workflow_id, version, document, created_at)
  SELECT id, 1, '{{\"v\": 1}}', 0 FROM workflows;
INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) VALUES
  ('cv1', 'ws1', 'num1', 'ct1', {a}, 0), ('cv2', 'ws1', 'num1', 'ct2', {a}, 0),
  ('cv3', 'ws1', 'num2', 'ct1', {b}, 0), ('cv4', 'ws1', 'num1', 'ct3', {a}, 0),
  ('cv5', 'ws1', 'num2', 'ct3', {a}, 0), ('cv6', 'ws1', 'num2', 'ct2', {b}, 0),
  ('cv7', 'ws1', 'num1', 'ct4', {a}, 0), ('cv8', 'ws1', 'num2', 'ct4', {a}, 0),
  ('cv9', 'ws2', 'num9', 'ct9', {a}, 0);
INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, created_at, updated_at) VALUES
  ('run_i', 'ws1', 'wf_i1', 1, 'ct1', 'num2', 'cv3', 'completed', 0, 0),
  ('run_k', 'ws1', 'wf_k1', 1, 'ct2', 'num2', 'cv6', 'completed', 0, 0);
INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, sender_kind, sender_ref, status, created_at) VALUES
  ('msg_01', 'ws1', 'cv1', 'num1', 'ct1', 'inbound', 'text', 'hi', 'contact', NULL, 'received', {m10}),
  ('msg_02', 'ws1', 'cv1', 'num1', 'ct1', 'outbound', 'text', 'hello', 'agent', 'ag1', 'sent', {m100}),
  ('msg_03', 'ws1', 'cv2', 'num1', 'ct2', 'outbound', 'text', 'hello', 'agent', 'ag1', 'sent', {m90}),
  ('msg_04', 'ws1', 'cv2', 'num1', 'ct2', 'inbound', 'text', 'ok', 'contact', NULL, 'received', {m100}),
  ('msg_05', 'ws1', 'cv3', 'num2', 'ct1', 'outbound', 'text', 'nudge', 'run', 'run_i', 'sent', {m100}),
  ('msg_06', 'ws1', 'cv4', 'num1', 'ct3', 'outbound', 'text', 'old', 'agent', 'ag1', 'sent', {m10}),
  ('msg_07', 'ws1', 'cv5', 'num2', 'ct3', 'outbound', 'text', 'fired', 'agent', 'ag1', 'sent', {m150}),
  ('msg_08', 'ws1', 'cv6', 'num2', 'ct2', 'outbound', 'text', 'other run', 'run', 'run_k', 'sent', {m200}),
  ('msg_09', 'ws1', 'cv7', 'num1', 'ct4', 'outbound', 'text', 'at from', 'agent', 'ag1', 'sent', {m50}),
  ('msg_10', 'ws1', 'cv8', 'num2', 'ct4', 'outbound', 'text', 'at until', 'api', NULL, 'sent', {m300}),
  ('msg_11', 'ws2', 'cv9', 'num9', 'ct9', 'outbound', 'text', 'elsewhere', 'agent', NULL, 'sent', {m100});
INSERT INTO date_trigger_fires (workflow_id, contact_id, occurrence, fired_at) VALUES
  ('wf_i1', 'ct3', 'msg_07', 0), ('wf_d2', 'ct4', '2026', 0), ('wf_d1', 'ct1', '2026', 0);
",
        a = m(1),
        b = m(2),
        m10 = m(10),
        m50 = m(50),
        m90 = m(90),
        m100 = m(100),
        m150 = m(150),
        m200 = m(200),
        m300 = m(300),
    )
}

pub async fn story(s: &dyn Port2, b: &dyn Backend) -> Transcript {
    let n = b.name();
    let mut say = Transcript::new();
    b.exec(&seed()).await;
    let ids = |list: &[waflow_store::Workflow]| -> Vec<String> {
        list.iter().map(|w| w.id.clone()).collect()
    };

    // By trigger, in every workspace: by workspace, priority, then age; inactive ones left out.
    let date = s.active_workflows_with_trigger("date").await.unwrap();
    assert_eq!(ids(&date), ["wf_d2", "wf_d1"], "{n}");
    assert_eq!(date[0].document, serde_json::json!({"v": 1}), "{n}");
    say.say("date", &date);
    let keyword = s.active_workflows_with_trigger("keyword").await.unwrap();
    assert_eq!(ids(&keyword), ["wf_k2", "wf_k1", "wf_k4", "wf_k9"], "{n}");
    say.say("keyword", ids(&keyword));
    assert!(
        s.active_workflows_with_trigger("nothing")
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );

    // By phrase, in one workspace, but one.
    let hello = s
        .active_workflows_with_phrase("ws1", "hello", None)
        .await
        .unwrap();
    assert_eq!(ids(&hello), ["wf_k2", "wf_k1", "wf_k4"], "{n}");
    say.say("hello", ids(&hello));
    let others = s
        .active_workflows_with_phrase("ws1", "hello", Some("wf_k1"))
        .await
        .unwrap();
    assert_eq!(ids(&others), ["wf_k2", "wf_k4"], "{n}");
    say.say("hello but k1", ids(&others));
    assert!(
        s.active_workflows_with_phrase("ws1", "bye", None)
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    let there = s
        .active_workflows_with_phrase("ws2", "hello", None)
        .await
        .unwrap();
    assert_eq!(ids(&there), ["wf_k9"], "{n}");

    // Idle: the last message ours, in (from, until], not from a run of this workflow, and not
    // fired on yet.
    let idle = s
        .idle_conversations("ws1", "wf_i1", t(50), t(300))
        .await
        .unwrap();
    let expected = [
        ("ct1", "num1", "msg_02"),
        ("ct2", "num2", "msg_08"),
        ("ct4", "num2", "msg_10"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(idle, expected, "{n}");
    say.say("idle", &idle);
    let idle = s
        .idle_conversations("ws1", "wf_k1", t(0), t(1000))
        .await
        .unwrap();
    let got: Vec<&str> = idle.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(
        got,
        ["msg_02", "msg_05", "msg_06", "msg_07", "msg_09", "msg_10"],
        "{n}"
    );
    say.say("idle for k1", &idle);
    assert!(
        s.idle_conversations("ws1", "wf_i1", t(301), t(400))
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    let there = s
        .idle_conversations("ws2", "wf_i1", t(0), t(1000))
        .await
        .unwrap();
    assert_eq!(there.len(), 1, "{n}");

    // A field's value: by phone; a null or missing value is none; claimed contacts left out;
    // the number of the latest conversation, or none.
    let birthdays = s
        .contacts_with_field("ws1", "birthday", "wf_d2", "2026")
        .await
        .unwrap();
    let row =
        |c: &str, v: &str, num: Option<&str>| (c.to_string(), v.to_string(), num.map(String::from));
    assert_eq!(
        birthdays,
        [
            row("ct5", "2026-12-24", None),
            row("ct1", "2026-03-01", Some("num2")),
            row("ct2", "1990-05-05", Some("num2")),
        ],
        "{n}"
    );
    say.say("birthdays", &birthdays);
    let other_year = s
        .contacts_with_field("ws1", "birthday", "wf_d2", "2027")
        .await
        .unwrap();
    assert_eq!(other_year.len(), 4, "{n}: {other_year:?}");
    say.say("birthdays 2027", &other_year);
    for (field, value) in [
        ("vip", "1"),
        ("n", "42"),
        ("r", "1.5"),
        ("o", r#"{"y":1,"x":"a b"}"#),
    ] {
        let got = s
            .contacts_with_field("ws1", field, "wf_d2", "2026")
            .await
            .unwrap();
        let firsts: Vec<(&str, &str)> = got.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
        let mut want = vec![("ct1", value)];
        if field == "vip" {
            want.insert(0, ("ct5", "0"));
        }
        assert_eq!(firsts, want, "{n}: field {field}");
        say.say(field, &got);
    }
    assert!(
        s.contacts_with_field("ws1", "z", "wf_d2", "2026")
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    assert!(
        s.contacts_with_field("ws1", "none", "wf_d2", "2026")
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    let there = s
        .contacts_with_field("ws2", "birthday", "wf_d1", "2026")
        .await
        .unwrap();
    assert_eq!(there, [row("ct8", "2026-01-01", None)], "{n}");
    say
}
