//! [`Runs`] for [`PgStore`]: runs read by the API, and the durable timers (due steps) the engine
//! leases.
//!
//! Claiming due steps is safe with several servers on one database: the rows are taken with
//! `FOR UPDATE SKIP LOCKED`, so concurrent claimers lease disjoint steps.

use crate::convert::{self, db, ms, RUN_COLUMNS};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use waflow_store::{new_id, DueStep, LogEntry, Result, Run, Runs};

/// A `LIMIT` bind with SQLite's meaning: a negative limit is no limit (PostgreSQL refuses a
/// negative one; `LIMIT NULL` is none).
pub(crate) fn sql_limit(limit: i64) -> Option<i64> {
    (limit >= 0).then_some(limit)
}

#[async_trait]
impl Runs for PgStore {
    async fn run(&self, workspace_id: &str, id: &str) -> Result<Run> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1 AND workspace_id = $2");
        convert::one_in_workspace(self.pool(), &sql, id, workspace_id, convert::run, "run").await
    }

    async fn runs_of_contact(&self, workspace_id: &str, contact_id: &str) -> Result<Vec<Run>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE workspace_id = $1 AND contact_id = $2 ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(contact_id)
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        rows.iter().map(convert::run).collect()
    }

    async fn end_contact_runs(
        &self,
        workspace_id: &str,
        contact_id: &str,
        reason: &str,
    ) -> Result<Vec<String>> {
        let at = Utc::now();
        let mut tx = self.pool().begin().await.map_err(db)?;
        // The update locks the runs it ends: a concurrent ending waits and then finds them
        // ended. In id order, the order SQLite's scan of the table gives.
        let ended: Vec<(String, String, String)> = sqlx::query_as(
            "WITH ended AS (UPDATE runs SET state = 'ended', updated_at = $1 WHERE workspace_id = $2 \
             AND contact_id = $3 AND state IN ('active', 'waiting') RETURNING id, workflow_id, number_id) \
             SELECT id, workflow_id, number_id FROM ended ORDER BY id",
        )
        .bind(ms(at))
        .bind(workspace_id)
        .bind(contact_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for (run_id, workflow_id, number_id) in &ended {
            sqlx::query("DELETE FROM due_steps WHERE run_id = $1")
                .bind(run_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let entry = LogEntry {
                id: new_id("log"),
                workspace_id: workspace_id.to_string(),
                created_at: at,
                kind: "run".into(),
                outcome: "ended".into(),
                summary: format!("run ended: {reason}"),
                number_id: Some(number_id.clone()),
                contact_id: Some(contact_id.to_string()),
                message_id: None,
                workflow_id: Some(workflow_id.clone()),
                run_id: Some(run_id.clone()),
                detail: serde_json::json!({"reason": reason}),
            };
            crate::logs::insert_log(&mut *tx, &entry).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(ended.into_iter().map(|(id, _, _)| id).collect())
    }

    async fn claim_due_steps(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueStep>> {
        // SKIP LOCKED: a step another server is claiming (or executing) is passed over rather
        // than waited for; a row whose lease was renewed meanwhile is re-checked on its newest
        // version and left when no longer due.
        let rows = sqlx::query(
            "UPDATE due_steps SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM due_steps WHERE due_at <= $3 AND lease_until <= $3 ORDER BY due_at, id LIMIT $4 \
              FOR UPDATE SKIP LOCKED) \
             RETURNING id, run_id, workspace_id, step_id, kind, due_at, attempts",
        )
        .bind(owner)
        .bind(ms(lease_until))
        .bind(ms(now))
        .bind(sql_limit(limit))
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        let mut steps: Vec<DueStep> = rows.iter().map(convert::due_step).collect::<Result<_>>()?;
        steps.sort_by(|a, b| a.due_at.cmp(&b.due_at).then(a.id.cmp(&b.id)));
        Ok(steps)
    }

    async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>> {
        // When the earliest steps become claimable: a leased step (e.g. an AI reply being
        // generated) only when its lease ends. The window keeps this an index range scan.
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(GREATEST(due_at, lease_until)) FROM \
             (SELECT due_at, lease_until FROM due_steps ORDER BY due_at LIMIT 256) AS soon",
        )
        .fetch_one(self.pool())
        .await
        .map_err(db)?;
        Ok(next.map(convert::time))
    }
}
