//! The story's fixed data: times, the seed rows, and builders of runs, messages and notices.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use waflow_domain::Notice;
use waflow_store::{NewOutbound, NoticeWrite, Run};

/// 2026-01-01T00:00:00Z plus `seconds`.
pub fn t(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_767_225_600_000 + seconds * 1000)
        .unwrap()
}

pub fn ms(seconds: i64) -> i64 {
    t(seconds).timestamp_millis()
}

pub const SEED: &str = "\
INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0), ('ws2', 'two', 0);
INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES
  ('num1', 'ws1', 'Main', 'sandbox', 'connected', 0), ('num2', 'ws1', 'Second', 'sandbox', 'connected', 0);
INSERT INTO agents (id, workspace_id, name, email, role, created_at) VALUES ('ag1', 'ws1', 'Ann', 'ann@example.com', 'owner', 0);
INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, created_at, updated_at)
  VALUES ('wf1', 'ws1', 'Welcome', 1, TRUE, 1, 'keyword', 0, 0);
INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES ('wf1', 1, '{}', 0);
INSERT INTO ai_settings (workspace_id, base_url, model, timeout_ms, max_tokens, transcription_model, credits, updated_at)
  VALUES ('ws1', 'http://ai.invalid', 'm', 1000, 100, 't', 10, 0);
INSERT INTO scheduled_messages (id, workspace_id, number_id, phone, message_type, body, local_time, time_zone, due_at, state, created_at, updated_at) VALUES
  ('sc1', 'ws1', 'num1', '+15550001', 'text', 'hi', '09:00', 'UTC', 0, 'pending', 0, 0),
  ('sc2', 'ws1', 'num1', '+15550001', 'text', 'hi', '09:00', 'UTC', 0, 'pending', 0, 0),
  ('sc3', 'ws1', 'num1', '+15550001', 'text', 'hi', '09:00', 'UTC', 0, 'cancelled', 0, 0);
INSERT INTO campaigns (id, workspace_id, name, number_ids, audience, content, state, start_at, created_at)
  VALUES ('cp1', 'ws1', 'Promo', '[\"num1\"]', '{}', '{}', 'sending', 0, 0);
";

pub fn run(id: &str, contact: &str, conversation: &str, state: &str) -> Run {
    Run {
        id: id.into(),
        workspace_id: "ws1".into(),
        workflow_id: "wf1".into(),
        workflow_version: 1,
        contact_id: contact.into(),
        number_id: "num1".into(),
        conversation_id: conversation.into(),
        state: waflow_store::RunState::parse(state).unwrap(),
        current_step: Some("ask".into()),
        variables: json!({"x": 1}),
        history: json!([]),
        created_at: t(10),
        updated_at: t(10),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn outbound(
    id: &str,
    contact: &str,
    conversation: &str,
    text: &str,
    sender_kind: &'static str,
    sender_ref: Option<&str>,
    payload: Option<serde_json::Value>,
    at: i64,
) -> NewOutbound {
    NewOutbound {
        id: id.into(),
        workspace_id: "ws1".into(),
        conversation_id: conversation.into(),
        number_id: "num1".into(),
        contact_id: contact.into(),
        message_type: "text".into(),
        text: text.into(),
        payload,
        sender_kind,
        sender_ref: sender_ref.map(String::from),
        at: t(at),
    }
}

pub fn notice(contact: &str, notice: Notice) -> NoticeWrite {
    NoticeWrite {
        workspace_id: "ws1".into(),
        number_id: "num1".into(),
        contact_id: contact.into(),
        message_id: "msg_notice".into(),
        at: t(35),
        notice,
    }
}

/// Ids the stores or the story generated, by the part they play.
pub type Labels = Vec<(String, String)>;

/// What the story has made so far, by the part each row plays.
pub struct Story {
    pub labels: Labels,
    /// Contact A (`+15550001`, later `+15550009`) and contact B (`+15550002`).
    pub a: String,
    pub bob: String,
    /// Their conversations on `num1`.
    pub cva: String,
    pub cvb: String,
    /// Their first inbound messages.
    pub ma1: String,
    pub mb1: String,
    /// The outbound messages o1..o5 of the first writes.
    pub o: Vec<String>,
}
