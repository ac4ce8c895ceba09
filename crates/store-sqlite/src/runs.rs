//! [`Runs`] for [`SqliteStore`].

use crate::api::*;
use crate::convert::{self, db, ms, RUN_COLUMNS};
use crate::tx::{self};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use waflow_store::*;

#[async_trait]
impl Runs for SqliteStore {
    async fn run(&self, workspace_id: &str, id: &str) -> Result<Run> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ? AND workspace_id = ?");
        convert::one_in_workspace(&self.read, &sql, id, workspace_id, convert::run, "run").await
    }

    async fn runs_of_contact(&self, workspace_id: &str, contact_id: &str) -> Result<Vec<Run>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE workspace_id = ? AND contact_id = ? ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(contact_id)
            .fetch_all(&self.read)
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
        let at = now();
        let mut tx = self.writer.begin().await?;
        let ended: Vec<(String, String, String)> = sqlx::query_as(
            "UPDATE runs SET state = 'ended', updated_at = ? WHERE workspace_id = ? AND contact_id = ? \
             AND state IN ('active', 'waiting') RETURNING id, workflow_id, number_id",
        )
        .bind(ms(at))
        .bind(workspace_id)
        .bind(contact_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for (run_id, workflow_id, number_id) in &ended {
            sqlx::query("DELETE FROM due_steps WHERE run_id = ?")
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
            tx::insert_log(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(ended.into_iter().map(|(id, _, _)| id).collect())
    }

    async fn claim_due_steps(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueStep>> {
        let rows = sqlx::query(
            "UPDATE due_steps SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM due_steps WHERE due_at <= ? AND lease_until <= ? ORDER BY due_at, id LIMIT ?) \
             RETURNING id, run_id, workspace_id, step_id, kind, due_at, attempts",
        )
        .bind(owner)
        .bind(ms(lease_until))
        .bind(ms(now))
        .bind(ms(now))
        .bind(limit)
        .fetch_all(&mut *self.writer.lock().await?)
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
            "SELECT MIN(MAX(due_at, lease_until)) FROM \
             (SELECT due_at, lease_until FROM due_steps ORDER BY due_at LIMIT 256)",
        )
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(next.map(convert::time))
    }
}
