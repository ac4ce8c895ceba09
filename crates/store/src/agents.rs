//! [`Agents`]: the people who sign in: agents, their roles and password hashes (API tokens: `Tokens`).
//! Every [`crate::Store`] is also `Agents`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;

/// The people who sign in: agents, their roles and password hashes (API tokens: `Tokens`).
#[async_trait]
pub trait Agents: Send + Sync {
    /// Sets an agent's password hash (a PHC string).
    async fn set_agent_password(
        &self,
        workspace_id: &str,
        agent_id: &str,
        hash: &str,
    ) -> Result<()>;
    /// The agents with this email in any workspace, with their password hashes.
    async fn agents_by_email(&self, email: &str) -> Result<Vec<(Agent, Option<String>)>>;
    /// Creates an agent; an email already used in the workspace is a conflict naming `email`.
    async fn insert_agent(
        &self,
        workspace_id: &str,
        name: &str,
        email: &str,
        role: &str,
    ) -> Result<Agent>;
    /// The workspace's agents, oldest first.
    async fn agents(&self, workspace_id: &str) -> Result<Vec<Agent>>;
    /// One agent of the workspace (not found in another workspace).
    async fn agent(&self, workspace_id: &str, id: &str) -> Result<Agent>;
    /// Changes an agent's name and/or role. Demoting the workspace's last owner is a conflict
    /// naming `role`, decided in the same statement as the change (two demotions at once cannot
    /// leave a workspace without an owner).
    async fn update_agent(
        &self,
        workspace_id: &str,
        id: &str,
        name: Option<&str>,
        role: Option<&str>,
    ) -> Result<Agent>;
    /// Deletes an agent and unassigns their contacts. Deleting the workspace's last owner is a
    /// conflict saying so, decided in the same transaction.
    async fn delete_agent(&self, workspace_id: &str, id: &str) -> Result<()>;
}
