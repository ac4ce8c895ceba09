//! [`Outreach`]: what waflow starts itself — scheduled messages, campaigns and their recipients,
//! and the workspace's opt-out settings. Every [`crate::Store`] is also `Outreach`.
//!
//! A scheduled message is `pending` until due; the scheduler then queues its outbound message
//! and marks it `queued` in one transaction ([`crate::Tx::claim_scheduled`]), so it is queued
//! once whatever stops when. A campaign's recipients are prepared in one statement when it is
//! created; the feeder moves them `pending` → `queued` (message queued) / `started` (run started)
//! / `skipped` in the transaction that queues their messages ([`crate::Tx::settle_recipients`]).
//! Delivery states (sent, delivered, read, failed) are the messages' own.

use crate::{Contact, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// A message to send at a time, with what became of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scheduled {
    pub id: String,
    #[serde(skip)]
    pub workspace_id: String,
    pub number_id: String,
    /// The recipient: E.164.
    pub phone: String,
    /// The contact, once the message was queued (or when it was known at creation).
    pub contact_id: Option<String>,
    pub message_type: String,
    /// The text, or a readable summary of the content.
    pub text: String,
    pub content: Option<Value>,
    /// A template sent instead outside the 24-hour window.
    pub fallback: Option<Value>,
    /// The local wall time it was scheduled for, e.g. `2026-03-30T09:00`.
    pub at: String,
    pub time_zone: String,
    pub due_at: DateTime<Utc>,
    /// `pending`, `sending`, `sent`, `failed` or `cancelled` (derived from the message once
    /// queued).
    pub state: String,
    pub error: Option<String>,
    pub message_id: Option<String>,
    /// The queued message's own status.
    pub message_status: Option<String>,
    /// When the scheduler queued it (its time, give or take the scheduler's lag).
    pub queued_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A scheduled message to store, or the whole of a pending one's new version.
#[derive(Debug, Clone)]
pub struct NewScheduled {
    pub id: String,
    pub workspace_id: String,
    pub number_id: String,
    pub phone: String,
    pub contact_id: Option<String>,
    pub message_type: String,
    pub text: String,
    pub content: Option<Value>,
    pub fallback: Option<Value>,
    pub at: String,
    pub time_zone: String,
    pub due_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub now: DateTime<Utc>,
}

/// Which scheduled messages a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduledTab {
    /// Not sent yet: pending, or queued and not yet accepted by WhatsApp.
    Pending,
    /// Accepted by WhatsApp (sent, delivered, read).
    Sent,
    Failed,
    Cancelled,
    All,
}

/// A page of scheduled messages: by due time, then id.
#[derive(Debug, Clone)]
pub struct ScheduledFilter {
    pub tab: ScheduledTab,
    /// Due at or after.
    pub from: Option<DateTime<Utc>>,
    /// Due before.
    pub to: Option<DateTime<Utc>>,
    /// The last row of the previous page: (due time, id).
    pub after: Option<(DateTime<Utc>, String)>,
    pub limit: i64,
}

/// Who a campaign is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    List(String),
    Tag(String),
    /// Contacts whose custom field `name` equals the value.
    Field {
        name: String,
        equals: Value,
    },
    All,
}

/// An audience and the tag whose contacts are left out.
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceQuery {
    pub audience: Audience,
    pub exclude_tag: Option<String>,
}

/// How many contacts an audience has, and how many of them a campaign skips and why.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct AudienceCount {
    pub matched: i64,
    pub blocked: i64,
    pub excluded: i64,
    pub opted_out: i64,
}

/// A campaign's recipients by what became of them.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CampaignTotals {
    pub recipients: i64,
    pub pending: i64,
    /// Queued, not yet accepted by WhatsApp (or held while paused).
    pub queued: i64,
    /// Accepted by WhatsApp: sent, delivered or read (or a run started).
    pub sent: i64,
    /// Delivered or read.
    pub delivered: i64,
    pub read: i64,
    /// Wrote back within 72 hours of their message.
    pub replied: i64,
    pub failed: i64,
    /// Sent, but whether WhatsApp has it is not known (the server stopped mid-send).
    pub uncertain: i64,
    pub skipped: i64,
    pub cancelled: i64,
}

/// A campaign with its totals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: String,
    #[serde(skip)]
    pub workspace_id: String,
    pub name: String,
    pub number_ids: Vec<String>,
    /// As given: `{"list": ...}`, `{"tag": ...}`, `{"field": ...}` or `{"all": true}`.
    pub audience: Value,
    /// As given: `{"template": ...}`, `{"text": ...}` or `{"workflow_id": ...}`.
    pub content: Value,
    /// `scheduled`, `sending`, `paused`, `completed` or `cancelled`.
    pub state: String,
    pub start_at: DateTime<Utc>,
    pub expected_seconds: i64,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub totals: CampaignTotals,
}

/// A campaign to create: its recipients are the audience's contacts, spread over `number_ids`
/// in turn; blocked, excluded and opted-out contacts are stored as skipped with the reason.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub number_ids: Vec<String>,
    pub audience: Value,
    pub query: AudienceQuery,
    pub content: Value,
    pub start_at: DateTime<Utc>,
    pub expected_seconds: i64,
    pub now: DateTime<Utc>,
}

/// What a user does to a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignAction {
    /// Stops sending: queued messages are held; nothing more is queued.
    Pause,
    /// Sends again: held messages are queued again.
    Resume,
    /// Stops for good: held and queued messages and pending recipients are cancelled.
    Cancel,
}

/// One recipient of a campaign, as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recipient {
    pub seq: i64,
    pub contact_id: String,
    pub phone: String,
    pub name: String,
    pub number_id: String,
    /// `pending`, `queued`, `sent`, `delivered`, `read`, `replied`, `failed`, `uncertain`,
    /// `skipped`, `cancelled` (`started` for a workflow campaign's run).
    pub status: String,
    pub reason: Option<String>,
    pub message_id: Option<String>,
    pub run_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
}

impl Recipient {
    /// The header of [`Recipient::csv_line`].
    pub const CSV_HEADER: &'static str =
        "phone,name,status,reason,number_id,message_id,sent_at,replied_at";

    /// The recipient as one CSV line (no newline), fields quoted where they need it.
    pub fn csv_line(&self) -> String {
        let quote = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
        format!(
            "{},{},{},{},{},{},{},{}",
            quote(&self.phone),
            quote(&self.name),
            self.status,
            quote(self.reason.as_deref().unwrap_or("")),
            self.number_id,
            self.message_id.as_deref().unwrap_or(""),
            time(self.sent_at),
            time(self.replied_at)
        )
    }
}

/// A recipient the feeder has to serve: the contact as it is now.
#[derive(Debug, Clone)]
pub struct PendingRecipient {
    pub seq: i64,
    pub number_id: String,
    /// `None` when the contact was deleted since the campaign was prepared.
    pub contact: Option<Contact>,
    pub opted_out: bool,
    /// When the contact last wrote to this number, if ever (the 24-hour window).
    pub last_inbound_at: Option<DateTime<Utc>>,
}

/// What the feeder did with a recipient.
#[derive(Debug, Clone)]
pub enum RecipientOutcome {
    Queued { seq: i64, message_id: String },
    Started { seq: i64, run_id: String },
    Skipped { seq: i64, reason: String },
}

/// A campaign the feeder serves.
#[derive(Debug, Clone)]
pub struct ActiveCampaign {
    pub id: String,
    pub workspace_id: String,
    pub content: Value,
    /// `scheduled` (to start) or `sending`.
    pub state: String,
}

/// Scheduled messages, campaigns and opt-out settings.
#[async_trait]
pub trait Outreach: Send + Sync {
    async fn insert_scheduled(&self, new: &NewScheduled) -> Result<Scheduled>;
    async fn scheduled(&self, workspace_id: &str, id: &str) -> Result<Scheduled>;
    async fn scheduled_list(
        &self,
        workspace_id: &str,
        filter: &ScheduledFilter,
    ) -> Result<Vec<Scheduled>>;
    /// Replaces a pending message with `new` (same id); `Conflict` when it is no longer pending.
    async fn update_scheduled(&self, new: &NewScheduled) -> Result<Scheduled>;
    /// Cancels a pending message; `Conflict` when it is no longer pending.
    async fn cancel_scheduled(
        &self,
        workspace_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Scheduled>;
    /// Pending messages due at `now`, soonest first.
    async fn due_scheduled(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Scheduled>>;
    /// When the next pending message is due.
    async fn next_scheduled_at(&self) -> Result<Option<DateTime<Utc>>>;

    /// The workspace's opt-out settings (`{}` when never set).
    async fn opt_out_settings(&self, workspace_id: &str) -> Result<Value>;
    async fn set_opt_out_settings(&self, workspace_id: &str, settings: &Value) -> Result<()>;
    /// Opts a contact out of marketing (`Some(time)`) or back in (`None`).
    async fn set_opted_out(
        &self,
        workspace_id: &str,
        contact_id: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<()>;

    async fn count_audience(
        &self,
        workspace_id: &str,
        query: &AudienceQuery,
    ) -> Result<AudienceCount>;
    /// The first contact a campaign would message (not skipped), for a preview.
    async fn audience_sample(
        &self,
        workspace_id: &str,
        query: &AudienceQuery,
    ) -> Result<Option<Contact>>;
    /// Stores the campaign and all its recipients in one transaction.
    async fn insert_campaign(&self, new: &NewCampaign) -> Result<Campaign>;
    async fn campaign(&self, workspace_id: &str, id: &str) -> Result<Campaign>;
    /// Campaigns, newest first, before the cursor.
    async fn campaigns(
        &self,
        workspace_id: &str,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Campaign>>;
    /// Pauses, resumes or cancels; `Conflict` when the state does not allow it.
    async fn campaign_action(
        &self,
        workspace_id: &str,
        id: &str,
        action: CampaignAction,
        now: DateTime<Utc>,
    ) -> Result<Campaign>;
    /// Recipients in sending order after `after_seq`, those in `status` only when given.
    async fn recipients(
        &self,
        workspace_id: &str,
        campaign_id: &str,
        status: Option<&str>,
        after_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Recipient>>;
    /// Campaigns to serve at `now`: those `sending`, and the `scheduled` ones whose time has
    /// come (made `sending` here).
    async fn active_campaigns(&self, now: DateTime<Utc>) -> Result<Vec<ActiveCampaign>>;
    /// How many of the campaign's messages wait in the outbox (queued, not yet sending).
    async fn campaign_backlog(&self, campaign_id: &str) -> Result<i64>;
    /// The next pending recipients, in order.
    async fn pending_recipients(
        &self,
        campaign_id: &str,
        limit: i64,
    ) -> Result<Vec<PendingRecipient>>;
    /// Marks a `sending` campaign with no pending recipient and no message waiting `completed`;
    /// whether it did.
    async fn complete_campaign(&self, campaign_id: &str, now: DateTime<Utc>) -> Result<bool>;
}
