//! [`Outreach`] for [`PgStore`] (the queries live in `scheduled.rs`, `campaigns.rs`,
//! `audience.rs` and `recipients.rs`), and the outbound half inside the engine's transaction:
//! claiming and failing scheduled messages, and settling a campaign's recipients.
//!
//! Each write is conditional on the row still being `pending`; PostgreSQL re-checks that
//! condition on the newest version of a row another transaction changed meanwhile, so two
//! servers never both claim one scheduled message or settle one recipient twice.

use crate::convert::{db, ms};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use std::collections::HashSet;
use waflow_store::{
    ActiveCampaign, AudienceCount, AudienceQuery, Campaign, CampaignAction, Contact, NewCampaign,
    NewScheduled, Outreach, PendingRecipient, Recipient, RecipientOutcome, Result, Scheduled,
    ScheduledFilter,
};

#[async_trait]
impl Outreach for PgStore {
    async fn insert_scheduled(&self, new: &NewScheduled) -> Result<Scheduled> {
        self.insert_scheduled_row(new).await
    }
    async fn scheduled(&self, workspace_id: &str, id: &str) -> Result<Scheduled> {
        self.scheduled_row(workspace_id, id).await
    }
    async fn scheduled_list(
        &self,
        workspace_id: &str,
        filter: &ScheduledFilter,
    ) -> Result<Vec<Scheduled>> {
        self.scheduled_rows(workspace_id, filter).await
    }
    async fn update_scheduled(&self, new: &NewScheduled) -> Result<Scheduled> {
        self.update_scheduled_row(new).await
    }
    async fn cancel_scheduled(
        &self,
        workspace_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Scheduled> {
        self.cancel_scheduled_row(workspace_id, id, now).await
    }
    async fn due_scheduled(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Scheduled>> {
        self.due_scheduled_rows(now, limit).await
    }
    async fn next_scheduled_at(&self) -> Result<Option<DateTime<Utc>>> {
        self.next_scheduled().await
    }
    async fn opt_out_settings(&self, workspace_id: &str) -> Result<Value> {
        self.opt_out_row(workspace_id).await
    }
    async fn set_opt_out_settings(&self, workspace_id: &str, settings: &Value) -> Result<()> {
        self.set_opt_out_row(workspace_id, settings).await
    }
    async fn set_opted_out(
        &self,
        workspace_id: &str,
        contact_id: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.set_opted_out_row(workspace_id, contact_id, at).await
    }
    async fn count_audience(
        &self,
        workspace_id: &str,
        query: &AudienceQuery,
    ) -> Result<AudienceCount> {
        self.count_audience_rows(workspace_id, query).await
    }
    async fn audience_sample(
        &self,
        workspace_id: &str,
        query: &AudienceQuery,
    ) -> Result<Option<Contact>> {
        self.audience_sample_row(workspace_id, query).await
    }
    async fn insert_campaign(&self, new: &NewCampaign) -> Result<Campaign> {
        self.insert_campaign_rows(new).await
    }
    async fn campaign(&self, workspace_id: &str, id: &str) -> Result<Campaign> {
        self.campaign_by_id(workspace_id, id).await
    }
    async fn campaigns(
        &self,
        workspace_id: &str,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Campaign>> {
        self.campaign_list(workspace_id, before_id, limit).await
    }
    async fn campaign_action(
        &self,
        workspace_id: &str,
        id: &str,
        action: CampaignAction,
        now: DateTime<Utc>,
    ) -> Result<Campaign> {
        self.campaign_act(workspace_id, id, action, now).await
    }
    async fn recipients(
        &self,
        workspace_id: &str,
        campaign_id: &str,
        status: Option<&str>,
        after_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Recipient>> {
        self.recipient_rows(workspace_id, campaign_id, status, after_seq, limit)
            .await
    }
    async fn active_campaigns(&self, now: DateTime<Utc>) -> Result<Vec<ActiveCampaign>> {
        self.active_campaign_rows(now).await
    }
    async fn campaign_backlog(&self, campaign_id: &str) -> Result<i64> {
        self.backlog_of(campaign_id).await
    }
    async fn pending_recipients(
        &self,
        campaign_id: &str,
        limit: i64,
    ) -> Result<Vec<PendingRecipient>> {
        self.pending_recipient_rows(campaign_id, limit).await
    }
    async fn complete_campaign(&self, campaign_id: &str, now: DateTime<Utc>) -> Result<bool> {
        self.complete_campaign_row(campaign_id, now).await
    }
}

/// [`waflow_store::Tx::claim_scheduled`].
pub(crate) async fn claim_scheduled(
    conn: &mut PgConnection,
    id: &str,
    contact_id: &str,
    message_id: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    // Safe under concurrent transactions: the second claimant waits for the first, re-checks
    // `state = 'pending'` on the row the first wrote, and updates nothing.
    let done = sqlx::query(
        "UPDATE scheduled_messages SET state = 'queued', contact_id = $1, message_id = $2, updated_at = $3 \
         WHERE id = $4 AND state = 'pending'",
    )
    .bind(contact_id)
    .bind(message_id)
    .bind(ms(at))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// [`waflow_store::Tx::fail_scheduled`].
pub(crate) async fn fail_scheduled(
    conn: &mut PgConnection,
    id: &str,
    error: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE scheduled_messages SET state = 'failed', error = $1, updated_at = $2 \
         WHERE id = $3 AND state = 'pending'",
    )
    .bind(error)
    .bind(ms(at))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// [`waflow_store::Tx::settle_recipients`]: one statement for all outcomes.
pub(crate) async fn settle_recipients(
    conn: &mut PgConnection,
    campaign_id: &str,
    outcomes: &[RecipientOutcome],
    at: DateTime<Utc>,
) -> Result<()> {
    // Of two outcomes for one recipient the first counts, as on SQLite (whose statement reads
    // each column from the first matching outcome); PostgreSQL would take either.
    let mut seen = HashSet::with_capacity(outcomes.len());
    let mut seqs = Vec::with_capacity(outcomes.len());
    let mut states = Vec::with_capacity(outcomes.len());
    let mut messages: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    let mut runs: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    let mut reasons: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        let (seq, state, message, run, reason) = match o {
            RecipientOutcome::Queued { seq, message_id } => {
                (*seq, "queued", Some(message_id.as_str()), None, None)
            }
            RecipientOutcome::Started { seq, run_id } => {
                (*seq, "started", None, Some(run_id.as_str()), None)
            }
            RecipientOutcome::Skipped { seq, reason } => {
                (*seq, "skipped", None, None, Some(reason.as_str()))
            }
        };
        if !seen.insert(seq) {
            continue;
        }
        seqs.push(seq);
        states.push(state);
        messages.push(message);
        runs.push(run);
        reasons.push(reason);
    }
    if seqs.is_empty() {
        return Ok(());
    }
    // A recipient no longer pending (settled by a concurrent transaction) is left as it is: the
    // condition is re-checked on the newest row.
    sqlx::query(
        "UPDATE campaign_recipients r SET state = o.state, message_id = o.message_id, run_id = o.run_id, \
         reason = o.reason, queued_at = $6 \
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) \
           AS o (seq, state, message_id, run_id, reason) \
         WHERE r.campaign_id = $7 AND r.seq = o.seq AND r.state = 'pending'",
    )
    .bind(&seqs)
    .bind(&states)
    .bind(&messages)
    .bind(&runs)
    .bind(&reasons)
    .bind(ms(at))
    .bind(campaign_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}
