//! [`Workflows`] for [`SqliteStore`].

use crate::api::*;
use crate::convert::{self, db, ms, WORKFLOW_SELECT};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use waflow_store::*;

#[async_trait]
impl Workflows for SqliteStore {
    async fn insert_workflow(&self, workspace_id: &str, w: &WorkflowWrite) -> Result<Workflow> {
        let id = new_id("wf");
        let at = ms(now());
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, phrase_key, scope_number_id, \
             created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(workspace_id)
        .bind(&w.name)
        .bind(w.active)
        .bind(w.priority)
        .bind(&w.trigger_type)
        .bind(&w.phrase_key)
        .bind(&w.scope_number_id)
        .bind(at)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        write_workflow(&mut tx, &id, 1, w, at).await?;
        let created = self.workflow_on(&mut tx, workspace_id, &id).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn update_workflow(
        &self,
        workspace_id: &str,
        id: &str,
        w: &WorkflowWrite,
    ) -> Result<Workflow> {
        let at = ms(now());
        let mut tx = self.writer.begin().await?;
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE workflows SET name = ?, version = version + 1, active = ?, priority = ?, trigger_type = ?, phrase_key = ?, \
             scope_number_id = ?, updated_at = ? WHERE id = ? AND workspace_id = ? RETURNING version",
        )
        .bind(&w.name)
        .bind(w.active)
        .bind(w.priority)
        .bind(&w.trigger_type)
        .bind(&w.phrase_key)
        .bind(&w.scope_number_id)
        .bind(at)
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let version = version.ok_or(not_found("workflow"))?;
        write_workflow(&mut tx, id, version, w, at).await?;
        let updated = self.workflow_on(&mut tx, workspace_id, id).await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn workflows(&self, workspace_id: &str) -> Result<Vec<Workflow>> {
        let sql = format!("{WORKFLOW_SELECT} WHERE w.workspace_id = ? ORDER BY w.priority, w.id");
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::workflow).collect()
    }

    async fn workflow(&self, workspace_id: &str, id: &str) -> Result<Workflow> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        self.workflow_on(&mut conn, workspace_id, id).await
    }

    async fn workflow_version(&self, workflow_id: &str, version: i64) -> Result<Value> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT document FROM workflow_versions WHERE workflow_id = ? AND version = ?",
        )
        .bind(workflow_id)
        .bind(version)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let text = text.ok_or(not_found("workflow version"))?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("workflow document: {e}")))
    }

    async fn workflow_by_id(&self, id: &str) -> Result<Workflow> {
        let row = sqlx::query(&format!("{WORKFLOW_SELECT} WHERE w.id = ?"))
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        convert::found(row, convert::workflow, "workflow")
    }

    async fn workflow_counters(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        sqlx::query_as(
            "SELECT c.step_id, c.counter, c.value FROM workflow_counters c JOIN workflows w ON w.id = c.workflow_id \
             WHERE w.id = ? AND w.workspace_id = ? ORDER BY c.step_id, c.counter",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)
    }

    async fn workflow_versions(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<(i64, DateTime<Utc>)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT v.version, v.created_at FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id \
             WHERE w.id = ? AND w.workspace_id = ? AND v.version > 0 ORDER BY v.version",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|(v, at)| (v, convert::time(at)))
            .collect())
    }

    async fn workflow_draft(&self, workspace_id: &str, workflow_id: &str) -> Result<Option<Value>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT draft FROM workflows WHERE id = ? AND workspace_id = ?")
                .bind(workflow_id)
                .bind(workspace_id)
                .fetch_optional(&self.read)
                .await
                .map_err(db)?;
        let Some((draft,)) = row else {
            return Err(Error::NotFound { what: "workflow" });
        };
        draft
            .map(|d| serde_json::from_str(&d).map_err(|e| Error::Corrupt(format!("draft: {e}"))))
            .transpose()
    }

    async fn set_workflow_draft(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        draft: Option<&Value>,
    ) -> Result<()> {
        let done = sqlx::query("UPDATE workflows SET draft = ? WHERE id = ? AND workspace_id = ?")
            .bind(draft.map(|d| d.to_string()))
            .bind(workflow_id)
            .bind(workspace_id)
            .execute(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound { what: "workflow" });
        }
        Ok(())
    }

    async fn delete_workflows(&self, workspace_id: &str, ids: &[String]) -> Result<u64> {
        let mut tx = self.writer.begin().await?;
        let mut deleted = 0;
        for id in ids {
            let removed = sqlx::query("DELETE FROM workflows WHERE id = ? AND workspace_id = ?")
                .bind(id)
                .bind(workspace_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
            if removed == 0 {
                continue;
            }
            deleted += removed;
            // Its versions go with it, so its unfinished runs end here rather than fail later.
            sqlx::query(
                "DELETE FROM due_steps WHERE run_id IN \
                 (SELECT id FROM runs WHERE workflow_id = ? AND state IN ('active', 'waiting'))",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query("UPDATE runs SET state = 'ended', updated_at = ? WHERE workflow_id = ? AND state IN ('active', 'waiting')")
                .bind(ms(now()))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    async fn insert_workflow_set(
        &self,
        workspace_id: &str,
        id: &str,
        members: &Value,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO workflow_sets (id, workspace_id, members, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(workspace_id)
        .bind(members.to_string())
        .bind(ms(now()))
        .execute(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn workflow_set(&self, workspace_id: &str, id: &str) -> Result<Value> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT members FROM workflow_sets WHERE id = ? AND workspace_id = ?",
        )
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let text = text.ok_or(not_found("workflow set"))?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("workflow set: {e}")))
    }
}
