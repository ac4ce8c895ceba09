//! [`Triggers`] for [`SqliteStore`].

use crate::convert::{self, db, ms, WORKFLOW_SELECT};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use waflow_store::*;

#[async_trait]
impl Triggers for SqliteStore {
    async fn active_workflows_with_trigger(&self, trigger_type: &str) -> Result<Vec<Workflow>> {
        let rows = sqlx::query(&format!(
            "{WORKFLOW_SELECT} WHERE w.active = 1 AND w.trigger_type = ? ORDER BY w.workspace_id, w.priority, w.id"
        ))
        .bind(trigger_type)
        .fetch_all(&self.read)
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
        let sql = format!("{WORKFLOW_SELECT} WHERE w.workspace_id = ? AND w.active = 1 AND w.phrase_key = ? AND w.id <> ?");
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(phrase_key)
            .bind(except_id.unwrap_or(""))
            .fetch_all(&mut *self.writer.lock().await?)
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
             WHERE c.workspace_id = ?1 AND m.direction = 'outbound' AND m.created_at > ?2 AND m.created_at <= ?3 \
             AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = m.sender_ref AND r.workflow_id = ?4) \
             AND NOT EXISTS (SELECT 1 FROM date_trigger_fires f WHERE f.workflow_id = ?4 AND f.contact_id = c.contact_id AND f.occurrence = m.id)",
        )
        .bind(workspace_id)
        .bind(ms(from))
        .bind(ms(until))
        .bind(workflow_id)
        .fetch_all(&self.read)
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
        sqlx::query_as(
            "SELECT k.id, CAST(json_extract(k.fields, '$.\"' || ?1 || '\"') AS TEXT), \
             (SELECT c.number_id FROM conversations c WHERE c.contact_id = k.id ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1) \
             FROM contacts k WHERE k.workspace_id = ?2 AND json_extract(k.fields, '$.\"' || ?1 || '\"') IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM date_trigger_fires f WHERE f.workflow_id = ?3 AND f.contact_id = k.id AND f.occurrence = ?4)",
        )
        .bind(field)
        .bind(workspace_id)
        .bind(workflow_id)
        .bind(occurrence)
        .fetch_all(&self.read)
        .await
        .map_err(db)
    }
}
