//! [`Overview`] for [`PgStore`]: the first-hour checklist, activity counts, reading a
//! conversation and resuming automation.

use crate::convert::{db, ms};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use waflow_store::{
    Activity, ActivityBucket, Error, Onboarding, Overview, Result, WorkflowActivity,
};

/// Milliseconds per quarter hour (activity buckets).
const QUARTER_MS: i64 = 900_000;

/// The smallest id of kind `prefix` created at or after `at`: ids are `<prefix>_<uuid v7>`, whose
/// first twelve hex digits are the creation time in milliseconds, so ids compare as times do
/// (byte by byte: the columns are `COLLATE "C"`).
fn first_id_at(prefix: &str, at: DateTime<Utc>) -> String {
    format!("{prefix}_{:012x}", ms(at).max(0))
}

#[async_trait]
impl Overview for PgStore {
    async fn has_owner(&self) -> Result<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM agents WHERE role = 'owner')")
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    async fn onboarding(&self, workspace_id: &str) -> Result<Onboarding> {
        let (number_connected, workflow_created, draft_tested, workflow_published): (
            bool,
            bool,
            bool,
            bool,
        ) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM numbers WHERE workspace_id = $1 AND status = 'connected'), \
             EXISTS (SELECT 1 FROM workflows WHERE workspace_id = $1), \
             EXISTS (SELECT 1 FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id \
                     WHERE w.workspace_id = $1 AND v.version < 0), \
             EXISTS (SELECT 1 FROM workflows WHERE workspace_id = $1 AND active)",
        )
        .bind(workspace_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(Onboarding {
            number_connected,
            workflow_created,
            draft_tested,
            workflow_published,
        })
    }

    async fn activity(&self, workspace_id: &str, from: DateTime<Utc>) -> Result<Activity> {
        let mut buckets: BTreeMap<i64, ActivityBucket> = BTreeMap::new();
        let messages: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT created_at / $3, COUNT(*) FILTER (WHERE direction = 'inbound'), \
             COUNT(*) FILTER (WHERE direction = 'outbound') \
             FROM messages WHERE id >= $2 AND workspace_id = $1 GROUP BY 1",
        )
        .bind(workspace_id)
        .bind(first_id_at("msg", from))
        .bind(QUARTER_MS)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        for (q, inbound, outbound) in messages {
            let b = bucket(&mut buckets, q);
            b.messages_in = inbound;
            b.messages_out = outbound;
        }
        let runs: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT created_at / $3, COUNT(*), COUNT(*) FILTER (WHERE state = 'failed') FROM runs \
             WHERE id >= $2 AND workspace_id = $1 AND workflow_version > 0 GROUP BY 1",
        )
        .bind(workspace_id)
        .bind(first_id_at("run", from))
        .bind(QUARTER_MS)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        for (q, started, failed) in runs {
            let b = bucket(&mut buckets, q);
            b.runs = started;
            b.failures = failed;
        }
        // SQLite sums `json_extract(detail, '$.credits')` and truncates; here only numeric
        // credits are summed (a non-number would fail the cast, and with it the whole overview).
        let credits: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT created_at / $3, trunc(COALESCE(SUM(CASE \
               WHEN jsonb_typeof(detail::jsonb -> 'credits') = 'number' \
               THEN (detail::jsonb ->> 'credits')::numeric END), 0))::bigint \
             FROM log_entries WHERE workspace_id = $1 AND id >= $2 AND kind = 'ai' GROUP BY 1",
        )
        .bind(workspace_id)
        .bind(first_id_at("log", from))
        .bind(QUARTER_MS)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        for (q, used) in credits {
            bucket(&mut buckets, q).ai_credits = used;
        }
        Ok(Activity {
            buckets: buckets.into_values().collect(),
            workflows: self.workflow_activity(workspace_id, from).await?,
        })
    }

    async fn mark_conversation_read(
        &self,
        workspace_id: &str,
        conversation_id: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE conversations SET read_up_to = COALESCE((SELECT MAX(id) FROM messages \
             WHERE conversation_id = conversations.id), '') WHERE id = $1 AND workspace_id = $2",
        )
        .bind(conversation_id)
        .bind(workspace_id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                what: "conversation",
            });
        }
        Ok(())
    }

    async fn resume_automation(&self, workspace_id: &str, contact_id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE contacts SET automation_paused_until = NULL WHERE id = $1 AND workspace_id = $2",
        )
        .bind(contact_id)
        .bind(workspace_id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound { what: "contact" });
        }
        Ok(())
    }
}

impl PgStore {
    /// Runs started per workflow since `from`, and the messages those runs sent.
    async fn workflow_activity(
        &self,
        workspace_id: &str,
        from: DateTime<Utc>,
    ) -> Result<Vec<WorkflowActivity>> {
        let runs: Vec<(String, i64)> = sqlx::query_as(
            "SELECT workflow_id, COUNT(*) FROM runs WHERE id >= $2 AND workspace_id = $1 \
             AND workflow_version > 0 GROUP BY workflow_id",
        )
        .bind(workspace_id)
        .bind(first_id_at("run", from))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let replies: Vec<(String, i64)> = sqlx::query_as(
            "SELECT r.workflow_id, COUNT(*) FROM messages m JOIN runs r ON r.id = m.sender_ref \
             WHERE m.id >= $2 AND m.workspace_id = $1 AND m.sender_kind = 'workflow' \
             AND r.workflow_version > 0 GROUP BY r.workflow_id",
        )
        .bind(workspace_id)
        .bind(first_id_at("msg", from))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut by_id: BTreeMap<String, WorkflowActivity> = BTreeMap::new();
        for (workflow_id, n) in runs {
            by_id
                .entry(workflow_id.clone())
                .or_insert_with(|| empty(workflow_id))
                .runs = n;
        }
        for (workflow_id, n) in replies {
            by_id
                .entry(workflow_id.clone())
                .or_insert_with(|| empty(workflow_id))
                .replies = n;
        }
        let mut list: Vec<WorkflowActivity> = by_id.into_values().collect();
        list.sort_by(|a, b| b.runs.cmp(&a.runs).then(b.replies.cmp(&a.replies)));
        Ok(list)
    }
}

fn empty(workflow_id: String) -> WorkflowActivity {
    WorkflowActivity {
        workflow_id,
        runs: 0,
        replies: 0,
    }
}

fn bucket(buckets: &mut BTreeMap<i64, ActivityBucket>, quarter: i64) -> &mut ActivityBucket {
    buckets.entry(quarter).or_insert_with(|| ActivityBucket {
        quarter,
        ..Default::default()
    })
}
