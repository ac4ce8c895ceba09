//! [`Workflows`]: workflows, their immutable versions, drafts, sets and counters.
//! Every [`crate::Store`] is also `Workflows`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Workflows, their immutable versions, drafts, sets and counters.
#[async_trait]
pub trait Workflows: Send + Sync {
    /// Creates a workflow with its first version.
    async fn insert_workflow(&self, workspace_id: &str, write: &WorkflowWrite) -> Result<Workflow>;
    /// Replaces a workflow's document with a new version.
    async fn update_workflow(
        &self,
        workspace_id: &str,
        id: &str,
        write: &WorkflowWrite,
    ) -> Result<Workflow>;
    /// The workspace's workflows, by priority then age.
    async fn workflows(&self, workspace_id: &str) -> Result<Vec<Workflow>>;
    /// One workflow of the workspace, with its current version's document.
    async fn workflow(&self, workspace_id: &str, id: &str) -> Result<Workflow>;
    /// The document of one (immutable) version of a workflow.
    async fn workflow_version(&self, workflow_id: &str, version: i64) -> Result<Value>;
    /// A workflow by id alone: for its integration URL, which carries its own secret instead of
    /// an API token.
    async fn workflow_by_id(&self, id: &str) -> Result<Workflow>;
    /// A workflow's counters: (step id or "" for the workflow, counter, value).
    async fn workflow_counters(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<(String, String, i64)>>;
    /// A workflow's versions, oldest first: (version, created at).
    async fn workflow_versions(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<(i64, DateTime<Utc>)>>;
    /// A workflow's draft, if it has one.
    async fn workflow_draft(&self, workspace_id: &str, workflow_id: &str) -> Result<Option<Value>>;
    /// Saves (or with `None` discards) a workflow's draft.
    async fn set_workflow_draft(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        draft: Option<&Value>,
    ) -> Result<()>;
    /// Deletes these workflows of the workspace (their runs end); returns how many were deleted.
    async fn delete_workflows(&self, workspace_id: &str, ids: &[String]) -> Result<u64>;
    /// Stores the members of a workflow set (immutable).
    async fn insert_workflow_set(
        &self,
        workspace_id: &str,
        id: &str,
        members: &Value,
    ) -> Result<()>;
    /// The members of a stored workflow set.
    async fn workflow_set(&self, workspace_id: &str, id: &str) -> Result<Value>;
}
