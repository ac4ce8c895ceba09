//! [`Cluster`] for [`PgStore`]: any number of nodes on one database; every write is one
//! statement, safe under concurrency. Announcements travel by `NOTIFY` on the channel
//! [`CHANNEL`], which every node `LISTEN`s to on a connection of its own.

use crate::convert::{db, ms, time};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgListener;
use sqlx::postgres::PgRow;
use sqlx::Row;

/// The PostgreSQL channel announcements travel on.
pub const CHANNEL: &str = "waflow_changes";
use waflow_store::*;

fn node(row: &PgRow) -> NodeRow {
    NodeRow {
        id: row.get("id"),
        address: row.get("address"),
        version: row.get("version"),
        started_at: time(row.get("started_at")),
        heartbeat_at: time(row.get("heartbeat_at")),
    }
}

fn lease(row: &PgRow) -> Lease {
    Lease {
        name: row.get("name"),
        holder: row.get("holder"),
        expires_at: time(row.get("expires_at")),
        taken_at: time(row.get("taken_at")),
    }
}

#[async_trait]
impl Cluster for PgStore {
    async fn heartbeat(&self, n: &NodeRow, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO nodes (id, address, version, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5) \
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
        tx.commit().await.map_err(db)
    }

    async fn nodes(&self) -> Result<Vec<NodeRow>> {
        let rows = sqlx::query("SELECT * FROM nodes ORDER BY started_at, id")
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        Ok(rows.iter().map(node).collect())
    }

    async fn leave(&self, node_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM nodes WHERE id = $1")
            .bind(node_id)
            .execute(self.pool())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn forget_nodes(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.pool().begin().await.map_err(db)?;
        let done = sqlx::query("DELETE FROM nodes WHERE heartbeat_at < $1")
            .bind(ms(before))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await.map_err(db)?;
        // A renewal keeps taken_at; a takeover (another holder, lapsed) sets it anew.
        let row = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at, taken_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at, \
               taken_at = CASE WHEN leases.holder = excluded.holder THEN leases.taken_at ELSE excluded.taken_at END, \
               holder = excluded.holder \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= $4 \
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(ms(until))
        .bind(ms(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(row.is_some())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let mut tx = self.pool().begin().await.map_err(db)?;
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn leases(&self) -> Result<Vec<Lease>> {
        let rows = sqlx::query("SELECT * FROM leases ORDER BY name")
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        Ok(rows.iter().map(lease).collect())
    }

    async fn announce(&self, topic: &str) -> Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(topic)
            .execute(self.pool())
            .await
            .map_err(db)?;
        Ok(())
    }

    fn several_nodes(&self) -> bool {
        true
    }

    async fn listen(&self, on_change: ChangeHandler) -> Result<bool> {
        let mut listener = PgListener::connect_with(self.pool()).await.map_err(db)?;
        listener.listen(CHANNEL).await.map_err(db)?;
        tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => on_change(n.payload()),
                    // The connection was lost (the listener reconnects at the next call):
                    // what was announced meanwhile is unknown.
                    Ok(None) => on_change(EVERYTHING_CHANGED),
                    Err(e) => {
                        tracing::warn!(error = %e, "change announcements not received; retrying");
                        on_change(EVERYTHING_CHANGED);
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(true)
    }
}
