//! The story's fixed data: times, and the rows seeded with SQL both dialects read alike.
//!
//! Workspace `ws1` has eight contacts, `ct_a` … `ct_h`, chosen so every audience rule has a
//! contact it matches and one it does not; `ws2` has one, `ct_z`.

use chrono::{DateTime, TimeZone, Utc};

/// 2026-01-01T00:00:00Z plus `seconds`.
pub fn t(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_767_225_600_000 + seconds * 1000)
        .unwrap()
}

/// [`t`] in stored milliseconds.
pub fn ms(seconds: i64) -> i64 {
    t(seconds).timestamp_millis()
}

/// Workspaces, numbers, contacts and two conversations.
pub const SEED: &str = r#"
INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0), ('ws2', 'two', 0);
INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES
  ('num1', 'ws1', 'Main', 'sandbox', 'connected', 0),
  ('num2', 'ws1', 'Second', 'sandbox', 'connected', 0),
  ('num3', 'ws2', 'Other', 'sandbox', 'connected', 0);
INSERT INTO contacts (id, workspace_id, phone, name, tags, lists, fields, blocked, excluded, opted_out_at, created_at, updated_at) VALUES
  ('ct_a', 'ws1', '+15550001', 'Ana', '["vip","news"]', '["spring"]', '{"plan":"gold","age":30,"score":1.5,"member":true}', FALSE, FALSE, NULL, 0, 0),
  ('ct_b', 'ws1', '+15550002', 'Ben', '["news"]', '["spring","summer"]', '{"plan":"silver","age":30.0,"member":false}', TRUE, FALSE, NULL, 0, 0),
  ('ct_c', 'ws1', '+15550003', 'Cy', '["news","staff"]', '["spring"]', '{"plan":"gold","age":"30","member":1}', FALSE, TRUE, NULL, 0, 0),
  ('ct_d', 'ws1', '+15550004', 'Di', '["news"]', '["spring"]', '{"plan":"gold","member":null}', FALSE, FALSE, 1767225601000, 0, 0),
  ('ct_e', 'ws1', '+15550005', 'Ed', '["news"]', '[]', '{}', FALSE, FALSE, NULL, 0, 0),
  ('ct_f', 'ws1', '+15550006', 'Fay', '[]', '["spring"]', '{"age":31}', TRUE, TRUE, NULL, 0, 0),
  ('ct_g', 'ws1', '+15550007', 'Gus', '["news"]', '["spring"]', '{}', FALSE, FALSE, NULL, 0, 0),
  ('ct_h', 'ws1', '+15550008', 'Hal', '["news"]', '["spring"]', '{}', FALSE, FALSE, NULL, 0, 0),
  ('ct_z', 'ws2', '+15550001', 'Zed', '["news"]', '["spring"]', '{}', FALSE, FALSE, NULL, 0, 0);
INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) VALUES
  ('cv_a1', 'ws1', 'num1', 'ct_a', 1767225630000, 0),
  ('cv_e1', 'ws1', 'num1', 'ct_e', 0, 0),
  ('cv_g2', 'ws1', 'num2', 'ct_g', 0, 0);
"#;

/// An outbound message of a campaign (or of the scheduler when `campaign` is empty).
pub fn outbound(
    id: &str,
    conversation: &str,
    (number, contact): (&str, &str),
    campaign: &str,
    status: &str,
    created: i64,
    sent: Option<i64>,
) -> String {
    let (kind, by) = if campaign.is_empty() {
        ("'scheduled'", "NULL".to_string())
    } else {
        ("'campaign'", format!("'{campaign}'"))
    };
    let sent = sent.map_or("NULL".to_string(), |s| ms(s).to_string());
    format!(
        "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, \
         body, sender_kind, sender_ref, status, created_at, sent_at) VALUES ('{id}', 'ws1', '{conversation}', \
         '{number}', '{contact}', 'outbound', 'text', 'hello', {kind}, {by}, '{status}', {}, {sent});",
        ms(created)
    )
}

/// An inbound message at `at` milliseconds.
pub fn inbound(id: &str, conversation: &str, (number, contact): (&str, &str), at: i64) -> String {
    format!(
        "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, \
         body, sender_kind, status, created_at) VALUES ('{id}', 'ws1', '{conversation}', '{number}', '{contact}', \
         'inbound', 'text', 'thanks', 'contact', 'received', {at});"
    )
}
