//! [`Workflows`] for [`PgStore`]: workflows, their immutable versions, drafts, sets and counters.
//!
//! What SQLite writes in one transaction is written here in one transaction. Updating a workflow
//! takes its row lock (`UPDATE ... RETURNING version`), so two concurrent updates get consecutive
//! versions and never write the same one.

use crate::convert::{self, db, ms, WORKFLOW_SELECT};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use waflow_store::{new_id, Error, Result, Workflow, WorkflowWrite, Workflows};

/// Stores version `version` of workflow `id` (its document, as written at `at`).
async fn write_version(
    conn: &mut PgConnection,
    id: &str,
    version: i64,
    w: &WorkflowWrite,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(version)
    .bind(w.document.to_string())
    .bind(at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// One workflow of the workspace with its current version's document, read on `conn` (one of
/// another workspace is not found).
pub(crate) async fn workflow_on(
    conn: &mut PgConnection,
    workspace_id: &str,
    id: &str,
) -> Result<Workflow> {
    let sql = format!("{WORKFLOW_SELECT} WHERE w.id = $1 AND w.workspace_id = $2");
    convert::one_in_workspace(
        &mut *conn,
        &sql,
        id,
        workspace_id,
        convert::workflow,
        "workflow",
    )
    .await
}

#[async_trait]
impl Workflows for PgStore {
    async fn insert_workflow(&self, workspace_id: &str, w: &WorkflowWrite) -> Result<Workflow> {
        let id = new_id("wf");
        let at = ms(Utc::now());
        let mut tx = self.pool().begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, phrase_key, \
             scope_number_id, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $9)",
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
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        write_version(&mut tx, &id, 1, w, at).await?;
        let created = workflow_on(&mut tx, workspace_id, &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn update_workflow(
        &self,
        workspace_id: &str,
        id: &str,
        w: &WorkflowWrite,
    ) -> Result<Workflow> {
        let at = ms(Utc::now());
        let mut tx = self.pool().begin().await.map_err(db)?;
        // The row lock this takes holds a concurrent update of the workflow until the commit,
        // which then increments the version this one wrote.
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE workflows SET name = $1, version = version + 1, active = $2, priority = $3, trigger_type = $4, \
             phrase_key = $5, scope_number_id = $6, updated_at = $7 WHERE id = $8 AND workspace_id = $9 \
             RETURNING version",
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
        let version = version.ok_or(Error::NotFound { what: "workflow" })?;
        write_version(&mut tx, id, version, w, at).await?;
        let updated = workflow_on(&mut tx, workspace_id, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(updated)
    }

    async fn workflows(&self, workspace_id: &str) -> Result<Vec<Workflow>> {
        let sql = format!("{WORKFLOW_SELECT} WHERE w.workspace_id = $1 ORDER BY w.priority, w.id");
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        rows.iter().map(convert::workflow).collect()
    }

    async fn workflow(&self, workspace_id: &str, id: &str) -> Result<Workflow> {
        let mut conn = self.pool().acquire().await.map_err(db)?;
        workflow_on(&mut conn, workspace_id, id).await
    }

    async fn workflow_version(&self, workflow_id: &str, version: i64) -> Result<Value> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT document FROM workflow_versions WHERE workflow_id = $1 AND version = $2",
        )
        .bind(workflow_id)
        .bind(version)
        .fetch_optional(self.pool())
        .await
        .map_err(db)?;
        let text = text.ok_or(Error::NotFound {
            what: "workflow version",
        })?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("workflow document: {e}")))
    }

    async fn workflow_by_id(&self, id: &str) -> Result<Workflow> {
        let row = sqlx::query(&format!("{WORKFLOW_SELECT} WHERE w.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
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
             WHERE w.id = $1 AND w.workspace_id = $2 ORDER BY c.step_id, c.counter",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_all(self.pool())
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
             WHERE w.id = $1 AND w.workspace_id = $2 AND v.version > 0 ORDER BY v.version",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|(v, at)| (v, convert::time(at)))
            .collect())
    }

    async fn workflow_draft(&self, workspace_id: &str, workflow_id: &str) -> Result<Option<Value>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT draft FROM workflows WHERE id = $1 AND workspace_id = $2")
                .bind(workflow_id)
                .bind(workspace_id)
                .fetch_optional(self.pool())
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
        let done =
            sqlx::query("UPDATE workflows SET draft = $1 WHERE id = $2 AND workspace_id = $3")
                .bind(draft.map(|d| d.to_string()))
                .bind(workflow_id)
                .bind(workspace_id)
                .execute(self.pool())
                .await
                .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound { what: "workflow" });
        }
        Ok(())
    }

    async fn delete_workflows(&self, workspace_id: &str, ids: &[String]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool().begin().await.map_err(db)?;
        // An id given twice is deleted once, as SQLite's loop over the ids does.
        let deleted: Vec<String> = sqlx::query_scalar(
            "DELETE FROM workflows WHERE id = ANY($1) AND workspace_id = $2 RETURNING id",
        )
        .bind(ids)
        .bind(workspace_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        if !deleted.is_empty() {
            // Their versions go with them, so their unfinished runs end here rather than fail
            // later.
            sqlx::query(
                "DELETE FROM due_steps WHERE run_id IN \
                 (SELECT id FROM runs WHERE workflow_id = ANY($1) AND state IN ('active', 'waiting'))",
            )
            .bind(&deleted)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query(
                "UPDATE runs SET state = 'ended', updated_at = $1 \
                 WHERE workflow_id = ANY($2) AND state IN ('active', 'waiting')",
            )
            .bind(ms(Utc::now()))
            .bind(&deleted)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(deleted.len() as u64)
    }

    async fn insert_workflow_set(
        &self,
        workspace_id: &str,
        id: &str,
        members: &Value,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO workflow_sets (id, workspace_id, members, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(workspace_id)
        .bind(members.to_string())
        .bind(ms(Utc::now()))
        .execute(self.pool())
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn workflow_set(&self, workspace_id: &str, id: &str) -> Result<Value> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT members FROM workflow_sets WHERE id = $1 AND workspace_id = $2",
        )
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(self.pool())
        .await
        .map_err(db)?;
        let text = text.ok_or(Error::NotFound {
            what: "workflow set",
        })?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("workflow set: {e}")))
    }
}
