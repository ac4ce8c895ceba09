//! [`Agents`] for [`PgStore`]; changing and deleting them without leaving a workspace without an
//! owner is in `owners.rs`.

use crate::convert::{self, db, ms};
use crate::PgStore;
use async_trait::async_trait;
use sqlx::Row;
use waflow_store::{new_id, Agent, Agents, Error, Result};

#[async_trait]
impl Agents for PgStore {
    async fn set_agent_password(
        &self,
        workspace_id: &str,
        agent_id: &str,
        hash: &str,
    ) -> Result<()> {
        let n =
            sqlx::query("UPDATE agents SET password_hash = $1 WHERE id = $2 AND workspace_id = $3")
                .bind(hash)
                .bind(agent_id)
                .bind(workspace_id)
                .execute(&self.pool)
                .await
                .map_err(db)?
                .rows_affected();
        if n == 0 {
            return Err(Error::NotFound { what: "agent" });
        }
        Ok(())
    }

    async fn agents_by_email(&self, email: &str) -> Result<Vec<(Agent, Option<String>)>> {
        let rows = sqlx::query("SELECT * FROM agents WHERE email = $1 ORDER BY id")
            .bind(email)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let hash: Option<String> = row.try_get("password_hash").map_err(db)?;
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
        let row = sqlx::query(
            "INSERT INTO agents (id, workspace_id, name, email, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(new_id("ag"))
        .bind(workspace_id)
        .bind(name)
        .bind(email)
        .bind(role)
        .bind(ms(chrono::Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::Conflict {
                field: "email".into(),
                message: format!("an agent with email {email} already exists"),
            },
            other => other,
        })?;
        convert::agent(&row)
    }

    async fn agents(&self, workspace_id: &str) -> Result<Vec<Agent>> {
        let rows = sqlx::query("SELECT * FROM agents WHERE workspace_id = $1 ORDER BY id")
            .bind(workspace_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(convert::agent).collect()
    }

    async fn agent(&self, workspace_id: &str, id: &str) -> Result<Agent> {
        convert::one_in_workspace(
            &self.pool,
            "SELECT * FROM agents WHERE id = $1 AND workspace_id = $2",
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
        crate::owners::update_agent(&self.pool, workspace_id, id, name, role).await
    }

    async fn delete_agent(&self, workspace_id: &str, id: &str) -> Result<()> {
        crate::owners::delete_agent(&self.pool, workspace_id, id).await
    }
}
