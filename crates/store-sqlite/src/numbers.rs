//! [`Numbers`] for [`SqliteStore`].

use crate::api::*;
use crate::convert::{self, db, ms};
use crate::SqliteStore;
use async_trait::async_trait;
use serde_json::Value;
use waflow_store::*;

#[async_trait]
impl Numbers for SqliteStore {
    async fn insert_number(
        &self,
        workspace_id: &str,
        label: &str,
        channel: &str,
        status: &str,
    ) -> Result<Number> {
        let row = sqlx::query("INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *")
            .bind(new_id("num"))
            .bind(workspace_id)
            .bind(label)
            .bind(channel)
            .bind(status)
            .bind(ms(now()))
            .fetch_one(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        convert::number(&row)
    }

    async fn numbers(&self, workspace_id: &str) -> Result<Vec<Number>> {
        let rows = sqlx::query("SELECT * FROM numbers WHERE workspace_id = ? ORDER BY id")
            .bind(workspace_id)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::number).collect()
    }

    async fn number(&self, workspace_id: &str, id: &str) -> Result<Number> {
        convert::one_in_workspace(
            &self.read,
            "SELECT * FROM numbers WHERE id = ? AND workspace_id = ?",
            id,
            workspace_id,
            convert::number,
            "number",
        )
        .await
    }

    async fn update_number(&self, workspace_id: &str, id: &str, p: &NumberPatch) -> Result<Number> {
        let row = sqlx::query(
            "UPDATE numbers SET label = COALESCE(?1, label), automation = COALESCE(?2, automation), marketing = COALESCE(?3, marketing), \
             status_since = CASE WHEN ?4 IS NOT NULL AND ?4 != status THEN ?7 ELSE status_since END, \
             status_reason = CASE WHEN ?4 IS NOT NULL THEN ?8 ELSE status_reason END, \
             status = COALESCE(?4, status) WHERE id = ?5 AND workspace_id = ?6 RETURNING *",
        )
        .bind(&p.label)
        .bind(p.automation)
        .bind(p.marketing)
        .bind(&p.status)
        .bind(id)
        .bind(workspace_id)
        .bind(ms(p.at.unwrap_or_else(now)))
        .bind(&p.status_reason)
        .fetch_optional(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        convert::found(row, convert::number, "number")
    }

    async fn delete_number(&self, workspace_id: &str, id: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let n = sqlx::query("DELETE FROM numbers WHERE id = ? AND workspace_id = ?")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(not_found("number"));
        }
        // The documents keep their scope field; the matcher reads scope from the document, so the
        // new version written here makes the workflow global everywhere.
        let scoped: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT w.id, w.version, v.document FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.version \
             WHERE w.workspace_id = ? AND w.scope_number_id = ?",
        )
        .bind(workspace_id)
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let at = ms(now());
        for (wf_id, version, document) in scoped {
            let mut doc: Value =
                serde_json::from_str(&document).map_err(|e| Error::Corrupt(e.to_string()))?;
            doc["scope"] = Value::String("all".into());
            sqlx::query("INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES (?, ?, ?, ?)")
                .bind(&wf_id)
                .bind(version + 1)
                .bind(doc.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            sqlx::query("UPDATE workflows SET scope_number_id = NULL, version = ?, updated_at = ? WHERE id = ?")
                .bind(version + 1)
                .bind(at)
                .bind(&wf_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await
    }

    async fn insert_channel_number(&self, workspace_id: &str, new: &NewNumber) -> Result<Number> {
        let row = sqlx::query(
            "INSERT INTO numbers (id, workspace_id, label, channel, status, external_id, settings, secrets, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(new_id("num"))
        .bind(workspace_id)
        .bind(&new.label)
        .bind(&new.channel)
        .bind(&new.status)
        .bind(&new.external_id)
        .bind(new.settings.to_string())
        .bind(&new.sealed_secrets)
        .bind(ms(now()))
        .fetch_one(&mut *self.writer.lock().await?)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::Conflict {
                field: "external_id".into(),
                message: format!(
                    "a {} number with id {} is already connected",
                    new.channel,
                    new.external_id.as_deref().unwrap_or("")
                ),
            },
            other => other,
        })?;
        convert::number(&row)
    }

    async fn channel_number(&self, id: &str) -> Result<ChannelNumber> {
        let row = sqlx::query("SELECT * FROM numbers WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        convert::found(row, convert::channel_number, "number")
    }

    async fn channel_numbers(&self, channel: &str) -> Result<Vec<ChannelNumber>> {
        let rows = sqlx::query("SELECT * FROM numbers WHERE channel = ? ORDER BY id")
            .bind(channel)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::channel_number).collect()
    }

    async fn replace_templates(
        &self,
        workspace_id: &str,
        number_id: &str,
        templates: &[MessageTemplate],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM message_templates WHERE number_id = ? AND workspace_id = ?")
            .bind(number_id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for t in templates {
            sqlx::query(
                "INSERT INTO message_templates (number_id, workspace_id, name, language, category, status, components, synced_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(number_id)
            .bind(workspace_id)
            .bind(&t.name)
            .bind(&t.language)
            .bind(&t.category)
            .bind(&t.status)
            .bind(t.components.to_string())
            .bind(ms(t.synced_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await
    }

    async fn templates(&self, workspace_id: &str, number_id: &str) -> Result<Vec<MessageTemplate>> {
        let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT name, language, category, status, components, synced_at FROM message_templates \
             WHERE number_id = ? AND workspace_id = ? ORDER BY name, language",
        )
        .bind(number_id)
        .bind(workspace_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(
                |(name, language, category, status, components, synced_at)| {
                    Ok(MessageTemplate {
                        approved: status == "APPROVED",
                        components: serde_json::from_str(&components)
                            .map_err(|e| Error::Corrupt(format!("template components: {e}")))?,
                        name,
                        language,
                        category,
                        status,
                        synced_at: convert::time(synced_at),
                    })
                },
            )
            .collect()
    }
}
