//! [`WebhookInbox`] for [`SqliteStore`].

use crate::api::*;
use crate::convert::{self, db, ms};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};
use waflow_store::*;

#[async_trait]
impl WebhookInbox for SqliteStore {
    async fn insert_webhook_deliveries(&self, new: &[NewWebhookDelivery]) -> Result<Vec<String>> {
        let ids: Vec<String> = new.iter().map(|_| new_id("whk")).collect();
        let at = ms(now());
        let mut tx = self.writer.begin().await?;
        for (chunk, chunk_ids) in new.chunks(200).zip(ids.chunks(200)) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO webhook_events (id, workspace_id, number_id, received_at, body) ",
            );
            q.push_values(chunk.iter().zip(chunk_ids), |mut b, (d, id)| {
                b.push_bind(id)
                    .push_bind(&d.workspace_id)
                    .push_bind(&d.number_id)
                    .push_bind(at)
                    .push_bind(&d.body);
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn pending_webhook_deliveries(&self, limit: i64) -> Result<Vec<WebhookDelivery>> {
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT id, workspace_id, number_id, received_at, body FROM webhook_events \
             WHERE processed_at IS NULL ORDER BY id LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(delivery).collect())
    }

    async fn pending_webhook_deliveries_among(
        &self,
        limit: i64,
        ids: &[String],
        orphaned_before: DateTime<Utc>,
    ) -> Result<Vec<WebhookDelivery>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT id, workspace_id, number_id, received_at, body FROM webhook_events \
             WHERE processed_at IS NULL AND (received_at < ",
        );
        q.push_bind(ms(orphaned_before));
        for chunk in ids.chunks(MAX_IDS) {
            q.push(" OR id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            q.push(")");
        }
        q.push(") ORDER BY id LIMIT ").push_bind(limit);
        let rows: Vec<DeliveryRow> = q.build_query_as().fetch_all(&self.read).await.map_err(db)?;
        Ok(rows.into_iter().map(delivery).collect())
    }

    async fn finish_webhook_deliveries(&self, done: &[(String, Option<String>)]) -> Result<()> {
        let at = ms(now());
        let mut tx = self.writer.begin().await?;
        for (id, error) in done {
            sqlx::query("UPDATE webhook_events SET processed_at = ?, error = ? WHERE id = ?")
                .bind(at)
                .bind(error)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await
    }
}

/// Ids bound per `IN` list (SQLite binds at most 32,766 values per statement).
const MAX_IDS: usize = 1000;

type DeliveryRow = (String, String, String, i64, String);

fn delivery((id, workspace_id, number_id, received_at, body): DeliveryRow) -> WebhookDelivery {
    WebhookDelivery {
        id,
        workspace_id,
        number_id,
        received_at: convert::time(received_at),
        body,
    }
}
