//! Each row mapper reads a row of its table as the schema stores it (booleans as BOOLEAN, times
//! and counters as BIGINT, JSON as TEXT).

use super::*;
use crate::{testing, PgStore};

const ROWS: &str = "\
INSERT INTO workspaces (id, name, created_at, agents_may_self_assign, takeover_hours, events_url)
  VALUES ('ws1', 'one', 1000, TRUE, 6, 'https://example.com/events');
INSERT INTO agents (id, workspace_id, name, email, role, created_at) VALUES ('ag1', 'ws1', 'Ann', 'a@x', 'owner', 1000);
INSERT INTO numbers (id, workspace_id, label, channel, status, automation, marketing, created_at, external_id, settings, secrets)
  VALUES ('num1', 'ws1', 'Main', 'cloud_api', 'connected', FALSE, TRUE, 1000, 'pn1', '{\"waba\":\"w\"}', 'sealed');
INSERT INTO contacts (id, workspace_id, phone, name, tags, lists, fields, assigned_agent_id, blocked, excluded, opted_out_at,
  automation_paused_until, created_at, updated_at)
  VALUES ('ct1', 'ws1', '+15550001', 'Bo', '[\"a\"]', '[\"l\"]', '{\"k\":1}', 'ag1', TRUE, TRUE, 2000, 3000, 1000, 1500);
INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at, read_up_to)
  VALUES ('cv1', 'ws1', 'num1', 'ct1', 0, 1000, 'msg_1');
INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, sender_kind,
  status, created_at, payload) VALUES
  ('msg_1', 'ws1', 'cv1', 'num1', 'ct1', 'inbound', 'text', 'hi', 'contact', 'received', 1000, NULL),
  ('msg_2', 'ws1', 'cv1', 'num1', 'ct1', 'inbound', 'text', 'again', 'contact', 'received', 1100, '{\"p\":true}'),
  ('msg_3', 'ws1', 'cv1', 'num1', 'ct1', 'outbound', 'text', 'reply', 'agent', 'sent', 1200, NULL);
INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, created_at, updated_at)
  VALUES ('wf1', 'ws1', 'W', 2, TRUE, 3, 'keyword', 1000, 1000);
INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES ('wf1', 2, '{\"steps\":[]}', 1000);
INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state,
  created_at, updated_at) VALUES ('run1', 'ws1', 'wf1', 2, 'ct1', 'num1', 'cv1', 'waiting', 1000, 1000);
INSERT INTO due_steps (id, run_id, workspace_id, step_id, kind, due_at, attempts)
  VALUES ('due1', 'run1', 'ws1', 's1', 'step', 5000, 2);
INSERT INTO log_entries (id, workspace_id, created_at, kind, outcome, summary, detail)
  VALUES ('log1', 'ws1', 1000, 'run', 'started', 'S', '{\"a\":1}');
";

async fn one(pool: &sqlx::PgPool, sql: &str) -> PgRow {
    sqlx::query(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn every_mapper_reads_its_table() {
    let store = PgStore::open(&testing::fresh_database().await, 2)
        .await
        .unwrap();
    let pool = store.pool();
    sqlx::raw_sql(ROWS).execute(pool).await.unwrap();

    let w = workspace(&one(pool, "SELECT * FROM workspaces").await).unwrap();
    assert!(w.agents_may_self_assign);
    assert_eq!((w.takeover_hours, w.created_at), (6, time(1000)));
    assert_eq!(
        agent(&one(pool, "SELECT * FROM agents").await)
            .unwrap()
            .role,
        "owner"
    );
    let n = channel_number(&one(pool, "SELECT * FROM numbers").await).unwrap();
    assert!(!n.number.automation && n.number.marketing);
    assert_eq!(n.sealed_secrets.as_deref(), Some("sealed"));
    assert_eq!(n.number.settings, serde_json::json!({"waba": "w"}));
    let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts");
    let c = contact(&one(pool, &sql).await).unwrap();
    assert!(c.blocked && c.excluded_from_automation && c.opted_out);
    assert_eq!(
        (c.tags, c.lists),
        (vec!["a".to_string()], vec!["l".to_string()])
    );
    assert_eq!(c.automation_paused_until, Some(time(3000)));
    let cv = conversation(&one(pool, CONVERSATION_SELECT).await).unwrap();
    assert_eq!((cv.unread, cv.last_message_at), (1, None));
    let last = cv.last_message.unwrap();
    assert_eq!((last.text.as_str(), last.direction), ("reply", "out"));
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = 'msg_2'");
    let m = message(&one(pool, &sql).await).unwrap();
    assert_eq!(m.payload, Some(serde_json::json!({"p": true})));
    let wf = workflow(&one(pool, WORKFLOW_SELECT).await).unwrap();
    assert!(wf.active);
    assert_eq!((wf.version, wf.priority), (2, 3));
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs");
    assert_eq!(
        run(&one(pool, &sql).await).unwrap().variables,
        serde_json::json!({})
    );
    let d = due_step(&one(pool, "SELECT * FROM due_steps").await).unwrap();
    assert_eq!((d.attempts, d.due_at), (2, time(5000)));
    let sql = format!("SELECT {LOG_COLUMNS} FROM log_entries");
    assert_eq!(
        log_entry(&one(pool, &sql).await).unwrap().detail,
        serde_json::json!({"a": 1})
    );
}
