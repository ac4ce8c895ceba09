//! The deliveries story's seed: workspaces, numbers, contacts, conversations and messages in
//! every state a delivery can find them in.

use crate::harness::ms;

/// An outbound message row: id, workspace, conversation, number, contact, status, next attempt,
/// attempts, payload.
#[allow(clippy::too_many_arguments)]
fn outbound(
    id: &str,
    ws: &str,
    cv: &str,
    num: &str,
    ct: &str,
    status: &str,
    next: i64,
    attempts: i64,
    payload: &str,
) -> String {
    format!(
        "('{id}', '{ws}', '{cv}', '{num}', '{ct}', 'outbound', 'text', 'body of {id}', NULL, 'api', NULL, \
         '{status}', NULL, {attempts}, {next}, {created}, NULL, {payload}, NULL)",
        created = ms(1),
    )
}

pub fn seed() -> String {
    let rows = [
        outbound("m01", "ws1", "cv1", "num1", "ct1", "queued", ms(100), 0, "NULL"),
        outbound("m02", "ws1", "cv2", "num2", "ct2", "queued", ms(50), 2, "'{\"type\":\"image\",\"url\":\"u\"}'"),
        outbound("m03", "ws1", "cv1", "num1", "ct1", "queued", ms(90), 0, "'not json'"),
        outbound("m04", "ws1", "cv1", "num1", "ct1", "queued", ms(10_000), 0, "NULL"),
        outbound("m05", "ws1", "cv2", "num2", "ct2", "failed", 0, 3, "NULL"),
        outbound("m06", "ws1", "cv1", "num1", "ct1", "uncertain", 0, 1, "NULL"),
        "('m07', 'ws1', 'cv1', 'num1', 'ct1', 'inbound', 'text', 'hi', 'wamid.in', 'contact', NULL, 'received', NULL, 0, 0, 0, NULL, NULL, NULL)".to_string(),
        outbound("m08", "ws2", "cv3", "num3", "ct3", "queued", 0, 0, "NULL"),
        outbound("m09", "ws1", "cv1", "num1", "ct1", "sent", 0, 1, "NULL"),
        outbound("m10", "ws2", "cv3", "num3", "ct3", "sending", 0, 0, "NULL"),
    ];
    format!(
        "\
INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0), ('ws2', 'two', 0);
INSERT INTO agents (id, workspace_id, name, email, role, created_at) VALUES ('ag1', 'ws1', 'Ann', 'ann@example.com', 'owner', 0);
INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES
  ('num1', 'ws1', 'Main', 'sandbox', 'connected', 0), ('num2', 'ws1', 'Cloud', 'cloud', 'connected', 0),
  ('num3', 'ws2', 'Theirs', 'sandbox', 'connected', 0);
INSERT INTO contacts (id, workspace_id, phone, assigned_agent_id, created_at, updated_at) VALUES
  ('ct1', 'ws1', '+15550001', 'ag1', 0, 0), ('ct2', 'ws1', '+15550002', NULL, 0, 0),
  ('ct3', 'ws2', '+15550003', NULL, 0, 0);
INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) VALUES
  ('cv1', 'ws1', 'num1', 'ct1', {m500}, 0), ('cv2', 'ws1', 'num2', 'ct2', 0, 0), ('cv3', 'ws2', 'num3', 'ct3', {m7}, 0);
INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body,
  channel_message_id, sender_kind, sender_ref, status, error, attempts, next_attempt_at, created_at, sent_at, payload, reply_to)
  VALUES {rows};
",
        m500 = ms(500),
        m7 = ms(7),
        rows = rows.join(",\n  "),
    )
}
