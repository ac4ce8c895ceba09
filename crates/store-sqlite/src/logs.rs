//! [`Logs`] for [`SqliteStore`].

use crate::api::*;
use crate::convert::{self, db, ms, LOG_COLUMNS};
use crate::tx::{self};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};
use waflow_store::*;

#[async_trait]
impl Logs for SqliteStore {
    async fn insert_log(&self, entry: &LogEntry) -> Result<()> {
        let mut conn = self.writer.lock().await?;
        tx::insert_log(&mut conn, entry).await
    }

    async fn logs(&self, workspace_id: &str, f: &LogFilter) -> Result<Vec<LogEntry>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {LOG_COLUMNS} FROM log_entries WHERE workspace_id = "
        ));
        q.push_bind(workspace_id);
        if let Some(v) = f.since {
            q.push(" AND created_at >= ").push_bind(ms(v));
        }
        if let Some(v) = f.until {
            q.push(" AND created_at < ").push_bind(ms(v));
        }
        for (col, value) in [
            ("workflow_id", &f.workflow_id),
            ("contact_id", &f.contact_id),
            ("number_id", &f.number_id),
            ("outcome", &f.outcome),
            ("kind", &f.kind),
        ] {
            if let Some(v) = value {
                q.push(format!(" AND {col} = ")).push_bind(v.clone());
            }
        }
        if let Some(agent) = &f.assigned_to {
            q.push(" AND contact_id IN (SELECT id FROM contacts WHERE workspace_id = ")
                .push_bind(workspace_id)
                .push(" AND assigned_agent_id = ")
                .push_bind(agent.clone())
                .push(")");
        }
        if let Some(b) = &f.before_id {
            q.push(" AND id < ").push_bind(b.clone());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(f.limit);
        let rows = q.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(convert::log_entry).collect()
    }

    async fn log(&self, workspace_id: &str, id: &str) -> Result<LogEntry> {
        let sql =
            format!("SELECT {LOG_COLUMNS} FROM log_entries WHERE id = ? AND workspace_id = ?");
        convert::one_in_workspace(
            &self.read,
            &sql,
            id,
            workspace_id,
            convert::log_entry,
            "log entry",
        )
        .await
    }

    async fn delete_logs_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut deleted = 0;
        loop {
            // `created_at` has no index (one more on the hot path is not worth an hourly job):
            // the scan runs on a reader, and the write connection only deletes by id.
            let ids: Vec<String> =
                sqlx::query_scalar("SELECT id FROM log_entries WHERE created_at < ? LIMIT 2000")
                    .bind(ms(before))
                    .fetch_all(&self.read)
                    .await
                    .map_err(db)?;
            if ids.is_empty() {
                return Ok(deleted);
            }
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("DELETE FROM log_entries WHERE id IN (");
            let mut list = q.separated(", ");
            for id in &ids {
                list.push_bind(id);
            }
            q.push(")");
            deleted += q
                .build()
                .execute(&mut *self.writer.lock().await?)
                .await
                .map_err(db)?
                .rows_affected();
            if ids.len() < 2000 {
                return Ok(deleted);
            }
        }
    }

    async fn notifications(
        &self,
        workspace_id: &str,
        agent_id: Option<&str>,
        assigned_to: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(String, Option<String>, String, Option<String>, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, agent_id, contact_id, run_id, text, created_at, read_at FROM notifications \
             WHERE workspace_id = ?1 AND (?2 IS NULL OR agent_id = ?2 OR agent_id IS NULL) \
             AND (?3 IS NULL OR contact_id IN (SELECT id FROM contacts WHERE workspace_id = ?1 AND assigned_agent_id = ?3)) \
             ORDER BY id DESC LIMIT ?4",
        )
        .bind(workspace_id)
        .bind(agent_id)
        .bind(assigned_to)
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, agent_id, contact_id, run_id, text, created_at, read_at)| Notification {
                    id,
                    workspace_id: workspace_id.to_string(),
                    agent_id,
                    contact_id,
                    run_id,
                    text,
                    created_at: convert::time(created_at),
                    read_at: read_at.map(convert::time),
                },
            )
            .collect())
    }

    async fn read_notification(
        &self,
        workspace_id: &str,
        id: &str,
        assigned_to: Option<&str>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = COALESCE(read_at, ?1) WHERE id = ?2 AND workspace_id = ?3 \
             AND (?4 IS NULL OR ((agent_id IS NULL OR agent_id = ?4) \
             AND contact_id IN (SELECT id FROM contacts WHERE workspace_id = ?3 AND assigned_agent_id = ?4)))",
        )
        .bind(ms(now()))
        .bind(id)
        .bind(workspace_id)
        .bind(assigned_to)
        .execute(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                what: "notification",
            });
        }
        Ok(())
    }
}
