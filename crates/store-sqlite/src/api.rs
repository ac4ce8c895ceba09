//! [`Store`] for [`SqliteStore`]: the reads and writes behind the REST API, the due-step claims
//! and the outbox.

use crate::convert::{self, db, ms, WORKFLOW_SELECT};
use crate::tx::SqliteTx;
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use waflow_store::*;

pub(crate) fn not_found(what: &'static str) -> Error {
    Error::NotFound { what }
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

pub(crate) fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(crate) async fn create_workspace(conn: &mut SqliteConnection, name: &str) -> Result<Workspace> {
    let id = new_id("ws");
    let at = ms(now());
    let row =
        sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?) RETURNING *")
            .bind(&id)
            .bind(name)
            .bind(at)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
    sqlx::query("INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES (?, ?, 'Sandbox', 'sandbox', 'connected', ?)")
        .bind(new_id("num"))
        .bind(&id)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    convert::workspace(&row)
}

pub(crate) async fn write_workflow(
    conn: &mut SqliteConnection,
    id: &str,
    version: i64,
    w: &WorkflowWrite,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES (?, ?, ?, ?)")
        .bind(id)
        .bind(version)
        .bind(w.document.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn workflow_on(
        &self,
        conn: &mut SqliteConnection,
        workspace_id: &str,
        id: &str,
    ) -> Result<Workflow> {
        let sql = format!("{WORKFLOW_SELECT} WHERE w.id = ? AND w.workspace_id = ?");
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
}

#[async_trait]
impl Store for SqliteStore {
    async fn begin(&self) -> Result<Box<dyn Tx>> {
        let tx = self.writer.begin().await?;
        Ok(Box::new(SqliteTx { tx }))
    }

    async fn begin_then_sync(&self) -> Result<Box<dyn Tx>> {
        let tx = self.writer.begin_then_sync().await?;
        Ok(Box::new(SqliteTx { tx }))
    }
}
