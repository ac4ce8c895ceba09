//! [`Outreach`] for [`SqliteStore`]: the queries live in `scheduled.rs` and `campaigns.rs`.

use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use waflow_store::{
    ActiveCampaign, AudienceCount, AudienceQuery, Campaign, CampaignAction, Contact, NewCampaign,
    NewScheduled, Outreach, PendingRecipient, Recipient, Result, Scheduled, ScheduledFilter,
};

#[async_trait]
impl Outreach for SqliteStore {
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
