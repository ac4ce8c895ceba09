//! [`Triggers`] for [`PgStore`]: live workflows by trigger or phrase, and the rows the
//! clock-started triggers scan.
//!
//! SQLite's two scans have no `ORDER BY`: they answer in the order of the index SQLite walks
//! (conversations by id, contacts by phone, workflows by priority then insertion). The statements here say that order, so both backends
//! answer alike.

use crate::convert::{self, db, ms, WORKFLOW_SELECT};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use waflow_store::{Result, Triggers, Workflow};

/// A custom field's JSON value as SQLite's `CAST(json_extract(..) AS TEXT)` gives it: a string
/// as itself, `true`/`false` as `1`/`0`, an integer in decimal, a real as SQLite prints it (for
/// the usual values), an object or array as minified JSON in its written order.
fn field_text(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::String(s)) => s,
        Ok(Value::Bool(b)) => if b { "1" } else { "0" }.to_string(),
        Ok(Value::Number(n)) => {
            let literal = raw.trim();
            if n.is_i64() && !literal.contains(['.', 'e', 'E']) {
                n.to_string()
            } else {
                let f = n.as_f64().unwrap_or_default();
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{f:.1}")
                } else {
                    f.to_string()
                }
            }
        }
        _ => minified(raw),
    }
}

/// JSON text without the whitespace between its tokens (strings kept as written).
fn minified(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in raw.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

#[async_trait]
impl Triggers for PgStore {
    async fn active_workflows_with_trigger(&self, trigger_type: &str) -> Result<Vec<Workflow>> {
        let rows = sqlx::query(&format!(
            "{WORKFLOW_SELECT} WHERE w.active AND w.trigger_type = $1 ORDER BY w.workspace_id, w.priority, w.id"
        ))
        .bind(trigger_type)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter().map(convert::workflow).collect()
    }

    async fn active_workflows_with_phrase(
        &self,
        workspace_id: &str,
        phrase_key: &str,
        except_id: Option<&str>,
    ) -> Result<Vec<Workflow>> {
        // SQLite reads this on its writer to see the latest writes; every PostgreSQL connection
        // sees every committed write. The order is that of SQLite's index walk (priority, then
        // insertion, which is id order).
        let sql = format!(
            "{WORKFLOW_SELECT} WHERE w.workspace_id = $1 AND w.active AND w.phrase_key = $2 AND w.id <> $3 \
             ORDER BY w.priority, w.id"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(phrase_key)
            .bind(except_id.unwrap_or(""))
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        rows.iter().map(convert::workflow).collect()
    }

    async fn idle_conversations(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(String, String, String)>> {
        sqlx::query_as(
            "SELECT c.contact_id, c.number_id, m.id FROM conversations c \
             JOIN messages m ON m.id = (SELECT id FROM messages WHERE conversation_id = c.id ORDER BY id DESC LIMIT 1) \
             WHERE c.workspace_id = $1 AND m.direction = 'outbound' AND m.created_at > $2 AND m.created_at <= $3 \
             AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = m.sender_ref AND r.workflow_id = $4) \
             AND NOT EXISTS (SELECT 1 FROM date_trigger_fires f WHERE f.workflow_id = $4 AND f.contact_id = c.contact_id AND f.occurrence = m.id) \
             ORDER BY c.id",
        )
        .bind(workspace_id)
        .bind(ms(from))
        .bind(ms(until))
        .bind(workflow_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)
    }

    async fn contacts_with_field(
        &self,
        workspace_id: &str,
        field: &str,
        workflow_id: &str,
        occurrence: &str,
    ) -> Result<Vec<(String, String, Option<String>)>> {
        // Contacts already claimed for this occurrence are left out here, so a check that runs
        // every 30 s does not open a write transaction per contact only to find the claim taken.
        // `json` (not `jsonb`) keeps the value as written; a JSON null counts as no value, as
        // with SQLite's json_extract.
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT k.id, (k.fields::json -> $1)::text, \
             (SELECT c.number_id FROM conversations c WHERE c.contact_id = k.id ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1) \
             FROM contacts k WHERE k.workspace_id = $2 AND json_typeof(k.fields::json -> $1) <> 'null' \
             AND NOT EXISTS (SELECT 1 FROM date_trigger_fires f WHERE f.workflow_id = $3 AND f.contact_id = k.id AND f.occurrence = $4) \
             ORDER BY k.phone",
        )
        .bind(field)
        .bind(workspace_id)
        .bind(workflow_id)
        .bind(occurrence)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|(id, raw, number)| (id, field_text(&raw), number))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::field_text;

    #[test]
    fn field_values_read_as_sqlite_casts_them() {
        assert_eq!(field_text(r#""2026-03-01""#), "2026-03-01");
        assert_eq!(field_text("true"), "1");
        assert_eq!(field_text("false"), "0");
        assert_eq!(field_text("42"), "42");
        assert_eq!(field_text("1.50"), "1.5");
        assert_eq!(field_text("1e3"), "1000.0");
        assert_eq!(
            field_text(r#"{"y": 1, "x": "a b"}"#),
            r#"{"y":1,"x":"a b"}"#
        );
        assert_eq!(field_text("[1, 2]"), "[1,2]");
    }
}
