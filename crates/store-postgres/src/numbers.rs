//! [`Numbers`] for [`PgStore`]; their message templates are in `templates.rs`.

use crate::convert::{self, db, ms};
use crate::PgStore;
use async_trait::async_trait;
use chrono::Utc;
use serde_json::Value;
use waflow_store::{
    new_id, ChannelNumber, Error, MessageTemplate, NewNumber, Number, NumberPatch, Numbers, Result,
};

#[async_trait]
impl Numbers for PgStore {
    async fn insert_number(
        &self,
        workspace_id: &str,
        label: &str,
        channel: &str,
        status: &str,
    ) -> Result<Number> {
        let row = sqlx::query(
            "INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(new_id("num"))
        .bind(workspace_id)
        .bind(label)
        .bind(channel)
        .bind(status)
        .bind(ms(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        convert::number(&row)
    }

    async fn numbers(&self, workspace_id: &str) -> Result<Vec<Number>> {
        let rows = sqlx::query("SELECT * FROM numbers WHERE workspace_id = $1 ORDER BY id")
            .bind(workspace_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(convert::number).collect()
    }

    async fn number(&self, workspace_id: &str, id: &str) -> Result<Number> {
        convert::one_in_workspace(
            &self.pool,
            "SELECT * FROM numbers WHERE id = $1 AND workspace_id = $2",
            id,
            workspace_id,
            convert::number,
            "number",
        )
        .await
    }

    async fn update_number(&self, workspace_id: &str, id: &str, p: &NumberPatch) -> Result<Number> {
        let row = sqlx::query(
            "UPDATE numbers SET label = COALESCE($1, label), automation = COALESCE($2, automation), \
             marketing = COALESCE($3, marketing), \
             status_since = CASE WHEN $4::text IS NOT NULL AND $4 != status THEN $7 ELSE status_since END, \
             status_reason = CASE WHEN $4::text IS NOT NULL THEN $8 ELSE status_reason END, \
             status = COALESCE($4, status) WHERE id = $5 AND workspace_id = $6 RETURNING *",
        )
        .bind(&p.label)
        .bind(p.automation)
        .bind(p.marketing)
        .bind(&p.status)
        .bind(id)
        .bind(workspace_id)
        .bind(ms(p.at.unwrap_or_else(Utc::now)))
        .bind(&p.status_reason)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        convert::found(row, convert::number, "number")
    }

    async fn delete_number(&self, workspace_id: &str, id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let n = sqlx::query("DELETE FROM numbers WHERE id = $1 AND workspace_id = $2")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(Error::NotFound { what: "number" });
        }
        // The documents keep their scope field; the matcher reads scope from the document, so the
        // new version written here makes the workflow global everywhere. The workflows are locked
        // (SQLite's single writer did that), so a version written meanwhile by a concurrent
        // transaction cannot take the number chosen here.
        let scoped: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT w.id, w.version, v.document FROM workflows w \
             JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.version \
             WHERE w.workspace_id = $1 AND w.scope_number_id = $2 ORDER BY w.id FOR UPDATE OF w",
        )
        .bind(workspace_id)
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let at = ms(Utc::now());
        for (wf_id, version, document) in scoped {
            let mut doc: Value =
                serde_json::from_str(&document).map_err(|e| Error::Corrupt(e.to_string()))?;
            doc["scope"] = Value::String("all".into());
            sqlx::query(
                "INSERT INTO workflow_versions (workflow_id, version, document, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&wf_id)
            .bind(version + 1)
            .bind(doc.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query(
                "UPDATE workflows SET scope_number_id = NULL, version = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(version + 1)
            .bind(at)
            .bind(&wf_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn insert_channel_number(&self, workspace_id: &str, new: &NewNumber) -> Result<Number> {
        let row = sqlx::query(
            "INSERT INTO numbers (id, workspace_id, label, channel, status, external_id, settings, secrets, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
        )
        .bind(new_id("num"))
        .bind(workspace_id)
        .bind(&new.label)
        .bind(&new.channel)
        .bind(&new.status)
        .bind(&new.external_id)
        .bind(new.settings.to_string())
        .bind(&new.sealed_secrets)
        .bind(ms(Utc::now()))
        .fetch_one(&self.pool)
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
        let row = sqlx::query("SELECT * FROM numbers WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        convert::found(row, convert::channel_number, "number")
    }

    async fn channel_numbers(&self, channel: &str) -> Result<Vec<ChannelNumber>> {
        let rows = sqlx::query("SELECT * FROM numbers WHERE channel = $1 ORDER BY id")
            .bind(channel)
            .fetch_all(&self.pool)
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
        crate::templates::replace(&self.pool, workspace_id, number_id, templates).await
    }

    async fn templates(&self, workspace_id: &str, number_id: &str) -> Result<Vec<MessageTemplate>> {
        crate::templates::list(&self.pool, workspace_id, number_id).await
    }
}
