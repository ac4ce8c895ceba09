//! [`Cluster`] for [`SqliteStore`]: one node in practice, the same rows as on PostgreSQL.

use crate::convert::{db, ms, time};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use waflow_store::*;

fn node(row: &SqliteRow) -> NodeRow {
    NodeRow {
        id: row.get("id"),
        address: row.get("address"),
        version: row.get("version"),
        started_at: time(row.get("started_at")),
        heartbeat_at: time(row.get("heartbeat_at")),
    }
}

fn lease(row: &SqliteRow) -> Lease {
    Lease {
        name: row.get("name"),
        holder: row.get("holder"),
        expires_at: time(row.get("expires_at")),
        taken_at: time(row.get("taken_at")),
    }
}

#[async_trait]
impl Cluster for SqliteStore {
    async fn heartbeat(&self, n: &NodeRow, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO nodes (id, address, version, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        )
        .bind(&n.id)
        .bind(&n.address)
        .bind(&n.version)
        .bind(ms(n.started_at))
        .bind(ms(at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await
    }

    async fn nodes(&self) -> Result<Vec<NodeRow>> {
        let rows = sqlx::query("SELECT * FROM nodes ORDER BY started_at, id")
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        Ok(rows.iter().map(node).collect())
    }

    async fn leave(&self, node_id: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM nodes WHERE id = ?")
            .bind(node_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await?;
        Ok(())
    }

    async fn forget_nodes(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query("DELETE FROM nodes WHERE heartbeat_at < ?")
            .bind(ms(before))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        // A renewal keeps taken_at; a takeover (another holder, lapsed) sets it anew.
        let row = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at, taken_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at, \
               taken_at = CASE WHEN leases.holder = excluded.holder THEN leases.taken_at ELSE excluded.taken_at END, \
               holder = excluded.holder \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4 \
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(ms(until))
        .bind(ms(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await?;
        Ok(row.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM leases WHERE name = ? AND holder = ?")
            .bind(name)
            .bind(holder)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await
    }

    async fn leases(&self) -> Result<Vec<Lease>> {
        let rows = sqlx::query("SELECT * FROM leases ORDER BY name")
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        Ok(rows.iter().map(lease).collect())
    }

    async fn announce(&self, _topic: &str) -> Result<()> {
        Ok(())
    }

    fn several_nodes(&self) -> bool {
        false
    }

    async fn listen(&self, _on_change: ChangeHandler) -> Result<bool> {
        Ok(false)
    }
}
