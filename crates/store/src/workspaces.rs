//! [`Workspaces`]: workspaces: reading and creating them and writing their settings.
//! Every [`crate::Store`] is also `Workspaces`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;

/// Workspaces: reading and creating them and writing their settings.
#[async_trait]
pub trait Workspaces: Send + Sync {
    /// The default workspace, created (with its sandbox number) on first call.
    async fn ensure_default_workspace(&self) -> Result<Workspace>;
    /// Finds a workspace by name or creates it (with its sandbox number).
    async fn workspace_by_name_or_create(&self, name: &str) -> Result<Workspace>;
    /// Reads a workspace.
    async fn workspace(&self, id: &str) -> Result<Workspace>;
    /// All workspaces.
    async fn workspaces(&self) -> Result<Vec<Workspace>>;
    /// Writes a workspace's settings, all in one statement.
    async fn update_workspace_settings(
        &self,
        id: &str,
        settings: &WorkspaceSettings,
    ) -> Result<Workspace>;
    /// Sets (or clears) where the workspace's signed event webhooks go.
    async fn set_events_url(&self, id: &str, url: Option<&str>) -> Result<Workspace>;
}
