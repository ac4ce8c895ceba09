//! [`Overview`]: what the dashboard's first hour and home page read — whether the server has an
//! owner, the first-hour checklist, activity counts per quarter hour — and the two small writes
//! of the conversation view: marking a conversation read and resuming automation after a takeover.
//! Every [`crate::Store`] is also `Overview`.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The first-hour checklist of a workspace, each item ticked by what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Onboarding {
    /// A number is connected (a sandbox number counts).
    pub number_connected: bool,
    /// A workflow exists.
    pub workflow_created: bool,
    /// A draft was tried in the test chat (a test version exists).
    pub draft_tested: bool,
    /// A workflow is live (active).
    pub workflow_published: bool,
}

/// Counts of one quarter hour (UTC), for charts bucketed later into local days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityBucket {
    /// The quarter hour: milliseconds since the epoch divided by 900,000.
    pub quarter: i64,
    pub messages_in: i64,
    pub messages_out: i64,
    /// Runs started (test runs of drafts excluded).
    pub runs: i64,
    /// Of those, runs that failed.
    pub failures: i64,
    pub ai_credits: i64,
}

/// One workflow's runs started since a time, and the messages its runs sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowActivity {
    pub workflow_id: String,
    pub runs: i64,
    pub replies: i64,
}

/// A workspace's activity since a time.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    /// Quarter hours with any count, oldest first.
    pub buckets: Vec<ActivityBucket>,
    /// Workflows with any run or reply, most runs first.
    pub workflows: Vec<WorkflowActivity>,
}

/// Dashboard overviews and the conversation view's small writes.
#[async_trait]
pub trait Overview {
    /// Whether any workspace has an owner (the first-run page shows only while none has).
    async fn has_owner(&self) -> Result<bool>;
    /// The workspace's first-hour checklist.
    async fn onboarding(&self, workspace_id: &str) -> Result<Onboarding>;
    /// Messages, runs, failures and AI credits per quarter hour since `from`, and per workflow.
    /// Reads by id range (ids are time-ordered), so the cost follows the period, not the history.
    async fn activity(&self, workspace_id: &str, from: DateTime<Utc>) -> Result<Activity>;
    /// Marks the conversation read up to its latest message (its unread count becomes 0).
    async fn mark_conversation_read(&self, workspace_id: &str, conversation_id: &str)
        -> Result<()>;
    /// Resumes automation for the contact now (ends a takeover's pause).
    async fn resume_automation(&self, workspace_id: &str, contact_id: &str) -> Result<()>;
}
