//! [`Logs`]: the run log (with its retention) and the agents' notifications.
//! Every [`crate::Store`] is also `Logs`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The run log (with its retention) and the agents' notifications.
#[async_trait]
pub trait Logs: Send + Sync {
    /// Appends one entry to the run log.
    async fn insert_log(&self, entry: &LogEntry) -> Result<()>;
    /// Log entries matching the filter, newest first.
    async fn logs(&self, workspace_id: &str, filter: &LogFilter) -> Result<Vec<LogEntry>>;
    /// One log entry of the workspace.
    async fn log(&self, workspace_id: &str, id: &str) -> Result<LogEntry>;
    /// Deletes log entries written before `before`, in chunks (each its own short transaction);
    /// returns how many.
    async fn delete_logs_before(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Notifications, newest first: every one, or those of one agent (including those for all);
    /// with `assigned_to`, only those about contacts assigned to that agent.
    async fn notifications(
        &self,
        workspace_id: &str,
        agent_id: Option<&str>,
        assigned_to: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Notification>>;
    /// Marks a notification read; with `assigned_to`, one that agent would not list (for
    /// someone else, or about a contact not assigned to them) is not found.
    async fn read_notification(
        &self,
        workspace_id: &str,
        id: &str,
        assigned_to: Option<&str>,
    ) -> Result<()>;
}
