//! [`Runs`]: runs read by the API, and the durable timers (due steps) the engine leases.
//! Every [`crate::Store`] is also `Runs`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Runs read by the API, and the durable timers (due steps) the engine leases.
#[async_trait]
pub trait Runs: Send + Sync {
    /// One run of the workspace.
    async fn run(&self, workspace_id: &str, id: &str) -> Result<Run>;
    /// A contact's runs, oldest first.
    async fn runs_of_contact(&self, workspace_id: &str, contact_id: &str) -> Result<Vec<Run>>;
    /// Ends every live (active or waiting) run of a contact and drops their timers, in one
    /// transaction with a log entry per run; returns the ended runs' ids.
    async fn end_contact_runs(
        &self,
        workspace_id: &str,
        contact_id: &str,
        reason: &str,
    ) -> Result<Vec<String>>;
    /// Leases up to `limit` due steps (due at or before `now`, not leased by a live owner) to
    /// `owner` until `lease_until`.
    async fn claim_due_steps(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueStep>>;
    /// When the earliest pending due step can be claimed (its due time, or the end of its lease).
    async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>>;
}
