//! [`Logs`] for [`PgStore`]: the run log (with its retention) and the agents' notifications.

use crate::convert::{self, db, ms, LOG_COLUMNS};
use crate::runs::sql_limit;
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use waflow_store::{Error, LogEntry, LogFilter, Logs, Notification, Result};

/// How many log entries one retention statement deletes (each its own short transaction).
const DELETE_CHUNK: i64 = 2000;

/// Appends one entry to the run log, on `executor` (a pool, or the caller's transaction).
pub(crate) async fn insert_log<'c, E>(executor: E, e: &LogEntry) -> Result<()>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    sqlx::query(
        "INSERT INTO log_entries (id, workspace_id, created_at, kind, outcome, summary, number_id, contact_id, \
         message_id, workflow_id, run_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&e.id)
    .bind(&e.workspace_id)
    .bind(ms(e.created_at))
    .bind(&e.kind)
    .bind(&e.outcome)
    .bind(&e.summary)
    .bind(&e.number_id)
    .bind(&e.contact_id)
    .bind(&e.message_id)
    .bind(&e.workflow_id)
    .bind(&e.run_id)
    .bind(e.detail.to_string())
    .execute(executor)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl Logs for PgStore {
    async fn insert_log(&self, entry: &LogEntry) -> Result<()> {
        insert_log(self.pool(), entry).await
    }

    async fn logs(&self, workspace_id: &str, f: &LogFilter) -> Result<Vec<LogEntry>> {
        // One statement text per combination of filters given (a few dozen at most), as on
        // SQLite: each is planned for the filters it has.
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
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
        q.push(" ORDER BY id DESC LIMIT ")
            .push_bind(sql_limit(f.limit));
        let rows = q.build().fetch_all(self.pool()).await.map_err(db)?;
        rows.iter().map(convert::log_entry).collect()
    }

    async fn log(&self, workspace_id: &str, id: &str) -> Result<LogEntry> {
        let sql =
            format!("SELECT {LOG_COLUMNS} FROM log_entries WHERE id = $1 AND workspace_id = $2");
        convert::one_in_workspace(
            self.pool(),
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
            // Each chunk is its own statement (and transaction), so no lock is held long. SKIP
            // LOCKED: rows another server's retention is deleting are left to it.
            let removed = sqlx::query(
                "DELETE FROM log_entries WHERE id IN \
                 (SELECT id FROM log_entries WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
            )
            .bind(ms(before))
            .bind(DELETE_CHUNK)
            .execute(self.pool())
            .await
            .map_err(db)?
            .rows_affected();
            deleted += removed;
            if removed < DELETE_CHUNK as u64 {
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
             WHERE workspace_id = $1 AND ($2::text IS NULL OR agent_id = $2 OR agent_id IS NULL) \
             AND ($3::text IS NULL OR contact_id IN \
                  (SELECT id FROM contacts WHERE workspace_id = $1 AND assigned_agent_id = $3)) \
             ORDER BY id DESC LIMIT $4",
        )
        .bind(workspace_id)
        .bind(agent_id)
        .bind(assigned_to)
        .bind(sql_limit(limit))
        .fetch_all(self.pool())
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
            "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND workspace_id = $3 \
             AND ($4::text IS NULL OR ((agent_id IS NULL OR agent_id = $4) \
             AND contact_id IN (SELECT id FROM contacts WHERE workspace_id = $3 AND assigned_agent_id = $4)))",
        )
        .bind(ms(Utc::now()))
        .bind(id)
        .bind(workspace_id)
        .bind(assigned_to)
        .execute(self.pool())
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
