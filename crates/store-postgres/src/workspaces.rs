//! [`Workspaces`] for [`PgStore`].

use crate::convert::{self, db, ms};
use crate::PgStore;
use async_trait::async_trait;
use sqlx::PgConnection;
use waflow_store::{new_id, Result, Workspace, WorkspaceSettings, Workspaces};

/// Creates the workspace `name` with its sandbox number, unless a workspace of that name exists
/// (created meanwhile by a concurrent transaction): then `None`, and nothing is written.
///
/// On SQLite the single writer makes "read, then create" exclusive; here the insert itself is
/// (`ON CONFLICT (name) DO NOTHING` waits for a concurrent insert of the same name and yields).
pub(crate) async fn create_workspace(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<Workspace>> {
    let id = new_id("ws");
    let at = ms(chrono::Utc::now());
    let row = sqlx::query(
        "INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING RETURNING *",
    )
    .bind(&id)
    .bind(name)
    .bind(at)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some(row) = row else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) \
         VALUES ($1, $2, 'Sandbox', 'sandbox', 'connected', $3)",
    )
    .bind(new_id("num"))
    .bind(&id)
    .bind(at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    convert::workspace(&row).map(Some)
}

/// The workspace named `name`, if there is one.
async fn by_name(conn: &mut PgConnection, name: &str) -> Result<Option<Workspace>> {
    let row = sqlx::query("SELECT * FROM workspaces WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    row.as_ref().map(convert::workspace).transpose()
}

#[async_trait]
impl Workspaces for PgStore {
    async fn ensure_default_workspace(&self) -> Result<Workspace> {
        self.workspace_by_name_or_create("default").await
    }

    async fn workspace_by_name_or_create(&self, name: &str) -> Result<Workspace> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let ws = match by_name(&mut tx, name).await? {
            Some(ws) => ws,
            None => match create_workspace(&mut tx, name).await? {
                Some(ws) => ws,
                // Created by a concurrent transaction since the read: read it now (read committed
                // sees the committed row).
                None => by_name(&mut tx, name)
                    .await?
                    .ok_or(waflow_store::Error::NotFound { what: "workspace" })?,
            },
        };
        tx.commit().await.map_err(db)?;
        Ok(ws)
    }

    async fn workspace(&self, id: &str) -> Result<Workspace> {
        let row = sqlx::query("SELECT * FROM workspaces WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }

    async fn workspaces(&self) -> Result<Vec<Workspace>> {
        let rows = sqlx::query("SELECT * FROM workspaces ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(convert::workspace).collect()
    }

    async fn update_workspace_settings(
        &self,
        id: &str,
        settings: &WorkspaceSettings,
    ) -> Result<Workspace> {
        let row = sqlx::query(
            "UPDATE workspaces SET time_zone = $1, business_hours = $2, holidays = $3, \
             agents_may_self_assign = $4, takeover_hours = $5 WHERE id = $6 RETURNING *",
        )
        .bind(&settings.time_zone)
        .bind(settings.business_hours.to_string())
        .bind(settings.holidays.to_string())
        .bind(settings.agents_may_self_assign)
        .bind(settings.takeover_hours)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }

    async fn set_events_url(&self, id: &str, url: Option<&str>) -> Result<Workspace> {
        let row = sqlx::query("UPDATE workspaces SET events_url = $1 WHERE id = $2 RETURNING *")
            .bind(url)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }
}
