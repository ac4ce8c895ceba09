//! [`Workspaces`] for [`SqliteStore`].

use crate::api::*;
use crate::convert::{self, db};
use crate::SqliteStore;
use async_trait::async_trait;
use waflow_store::*;

#[async_trait]
impl Workspaces for SqliteStore {
    async fn ensure_default_workspace(&self) -> Result<Workspace> {
        self.workspace_by_name_or_create("default").await
    }

    async fn workspace_by_name_or_create(&self, name: &str) -> Result<Workspace> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query("SELECT * FROM workspaces WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let ws = match row {
            Some(row) => convert::workspace(&row)?,
            None => create_workspace(&mut tx, name).await?,
        };
        tx.commit().await?;
        Ok(ws)
    }

    async fn workspace(&self, id: &str) -> Result<Workspace> {
        let row = sqlx::query("SELECT * FROM workspaces WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }

    async fn workspaces(&self) -> Result<Vec<Workspace>> {
        let rows = sqlx::query("SELECT * FROM workspaces ORDER BY id")
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::workspace).collect()
    }

    async fn update_workspace_settings(
        &self,
        id: &str,
        settings: &WorkspaceSettings,
    ) -> Result<Workspace> {
        let row = sqlx::query("UPDATE workspaces SET time_zone = ?, business_hours = ?, holidays = ?, agents_may_self_assign = ?, takeover_hours = ? WHERE id = ? RETURNING *")
            .bind(&settings.time_zone)
            .bind(settings.business_hours.to_string())
            .bind(settings.holidays.to_string())
            .bind(settings.agents_may_self_assign)
            .bind(settings.takeover_hours)
            .bind(id)
            .fetch_optional(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }

    async fn set_events_url(&self, id: &str, url: Option<&str>) -> Result<Workspace> {
        let row = sqlx::query("UPDATE workspaces SET events_url = ? WHERE id = ? RETURNING *")
            .bind(url)
            .bind(id)
            .fetch_optional(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }
}
