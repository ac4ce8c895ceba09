//! [`Agents`] for [`SqliteStore`].

use crate::api::*;
use crate::convert::{self, db, ms};
use crate::SqliteStore;
use async_trait::async_trait;
use waflow_store::*;

#[async_trait]
impl Agents for SqliteStore {
    async fn set_agent_password(
        &self,
        workspace_id: &str,
        agent_id: &str,
        hash: &str,
    ) -> Result<()> {
        let n =
            sqlx::query("UPDATE agents SET password_hash = ? WHERE id = ? AND workspace_id = ?")
                .bind(hash)
                .bind(agent_id)
                .bind(workspace_id)
                .execute(&mut *self.writer.lock().await?)
                .await
                .map_err(db)?
                .rows_affected();
        if n == 0 {
            return Err(not_found("agent"));
        }
        Ok(())
    }

    async fn agents_by_email(&self, email: &str) -> Result<Vec<(Agent, Option<String>)>> {
        let rows = sqlx::query("SELECT * FROM agents WHERE email = ? ORDER BY id")
            .bind(email)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let hash: Option<String> = sqlx::Row::try_get(row, "password_hash").map_err(db)?;
                Ok((convert::agent(row)?, hash))
            })
            .collect()
    }

    async fn insert_agent(
        &self,
        workspace_id: &str,
        name: &str,
        email: &str,
        role: &str,
    ) -> Result<Agent> {
        let row = sqlx::query("INSERT INTO agents (id, workspace_id, name, email, role, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *")
            .bind(new_id("ag"))
            .bind(workspace_id)
            .bind(name)
            .bind(email)
            .bind(role)
            .bind(ms(now()))
            .fetch_one(&mut *self.writer.lock().await?)
            .await
            .map_err(|e| match db(e) {
                Error::Conflict { .. } => Error::Conflict { field: "email".into(), message: format!("an agent with email {email} already exists") },
                other => other,
            })?;
        convert::agent(&row)
    }

    async fn agents(&self, workspace_id: &str) -> Result<Vec<Agent>> {
        let rows = sqlx::query("SELECT * FROM agents WHERE workspace_id = ? ORDER BY id")
            .bind(workspace_id)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::agent).collect()
    }

    async fn agent(&self, workspace_id: &str, id: &str) -> Result<Agent> {
        convert::one_in_workspace(
            &self.read,
            "SELECT * FROM agents WHERE id = ? AND workspace_id = ?",
            id,
            workspace_id,
            convert::agent,
            "agent",
        )
        .await
    }

    async fn update_agent(
        &self,
        workspace_id: &str,
        id: &str,
        name: Option<&str>,
        role: Option<&str>,
    ) -> Result<Agent> {
        crate::owners::update_agent(&self.writer, workspace_id, id, name, role).await
    }

    async fn delete_agent(&self, workspace_id: &str, id: &str) -> Result<()> {
        crate::owners::delete_agent(&self.writer, workspace_id, id).await
    }
}
