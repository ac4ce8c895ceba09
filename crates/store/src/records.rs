//! [`Records`]: lists, tickets, workflow templates, pending automation events and number
//! retention — the records beyond messages and runs. Every [`crate::Store`] is also `Records`.

use crate::{Event, Result, Ticket, WorkflowTemplate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Which tickets to list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub contact_id: Option<String>,
    pub status: Option<String>,
    pub after_id: Option<String>,
    /// Only tickets of contacts assigned to this agent.
    pub assigned_to: Option<String>,
    pub limit: i64,
}

/// Lists, tickets, templates, events and number retention.
#[async_trait]
pub trait Records: Send + Sync {
    /// The workspace's lists: (name, number of contacts), by name.
    async fn lists(&self, workspace_id: &str) -> Result<Vec<(String, i64)>>;
    /// Tickets, oldest first, without their history.
    async fn tickets(&self, workspace_id: &str, filter: &TicketFilter) -> Result<Vec<Ticket>>;
    /// One ticket with its status history.
    async fn ticket(&self, workspace_id: &str, id: &str) -> Result<Ticket>;

    /// Stores a workspace's own workflow template.
    async fn insert_template(
        &self,
        workspace_id: &str,
        name: &str,
        description: &str,
        document: &Value,
    ) -> Result<WorkflowTemplate>;
    /// The workspace's own templates, oldest first.
    async fn templates_of(&self, workspace_id: &str) -> Result<Vec<WorkflowTemplate>>;
    async fn template_of(&self, workspace_id: &str, id: &str) -> Result<WorkflowTemplate>;
    async fn delete_template(&self, workspace_id: &str, id: &str) -> Result<()>;

    /// Stores a snapshot of a workflow's draft for a test run, as a hidden version numbered
    /// below zero (-1, -2, ...; immutable like the others); returns its number.
    async fn insert_test_version(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        document: &Value,
    ) -> Result<i64>;
    /// The workflow's latest test version (the lowest number) with its document, if any.
    async fn latest_test_version(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Option<(i64, Value)>>;

    /// Events not yet processed, oldest first.
    async fn pending_events(&self, limit: i64) -> Result<Vec<Event>>;
    /// The number of the contact's most recent conversation, if any.
    async fn latest_number_of_contact(&self, contact_id: &str) -> Result<Option<String>>;

    /// Numbers whose status has been `disconnected` or `logged_out` since before `before`:
    /// (workspace id, number id).
    async fn numbers_disconnected_since(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>>;
}
