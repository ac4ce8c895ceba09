//! [`WebhookInbox`] for [`PgStore`].
//!
//! `pending_webhook_deliveries` is a read, as on SQLite, not a claim. Among several nodes each
//! reads with `pending_webhook_deliveries_among`: the deliveries it stored itself, and those
//! orphaned by a node that stopped; should two nodes still read one delivery, the engine's
//! deduplication by channel message id absorbs the repeat.

use crate::convert::{db, ms, time};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use waflow_store::{new_id, NewWebhookDelivery, Result, WebhookDelivery, WebhookInbox};

#[async_trait]
impl WebhookInbox for PgStore {
    async fn insert_webhook_deliveries(&self, new: &[NewWebhookDelivery]) -> Result<Vec<String>> {
        let ids: Vec<String> = new.iter().map(|_| new_id("whk")).collect();
        if new.is_empty() {
            return Ok(ids);
        }
        let workspaces: Vec<&str> = new.iter().map(|d| d.workspace_id.as_str()).collect();
        let numbers: Vec<&str> = new.iter().map(|d| d.number_id.as_str()).collect();
        let bodies: Vec<&str> = new.iter().map(|d| d.body.as_str()).collect();
        // One statement is one transaction: all stored, or none.
        sqlx::query(
            "INSERT INTO webhook_events (id, workspace_id, number_id, received_at, body) \
             SELECT id, workspace_id, number_id, $5, body \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
               AS t (id, workspace_id, number_id, body)",
        )
        .bind(&ids)
        .bind(&workspaces)
        .bind(&numbers)
        .bind(&bodies)
        .bind(ms(Utc::now()))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(ids)
    }

    async fn pending_webhook_deliveries(&self, limit: i64) -> Result<Vec<WebhookDelivery>> {
        // SQLite reads a negative limit as none; so does PostgreSQL a null one.
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT id, workspace_id, number_id, received_at, body FROM webhook_events \
             WHERE processed_at IS NULL ORDER BY id LIMIT $1",
        )
        .bind((limit >= 0).then_some(limit))
        .fetch_all(&self.pool)
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
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT id, workspace_id, number_id, received_at, body FROM webhook_events \
             WHERE processed_at IS NULL AND (id = ANY($1) OR received_at < $2) ORDER BY id LIMIT $3",
        )
        .bind(ids)
        .bind(ms(orphaned_before))
        .bind((limit >= 0).then_some(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(delivery).collect())
    }

    async fn finish_webhook_deliveries(&self, done: &[(String, Option<String>)]) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        // One statement for the batch. PostgreSQL updates a row once per statement, so an id
        // given twice is written once, with its last error: what SQLite's updates in turn leave.
        let mut seen = std::collections::HashSet::with_capacity(done.len());
        let (ids, errors): (Vec<&str>, Vec<Option<&str>>) = done
            .iter()
            .rev()
            .filter(|(id, _)| seen.insert(id.as_str()))
            .map(|(id, error)| (id.as_str(), error.as_deref()))
            .unzip();
        sqlx::query(
            "UPDATE webhook_events e SET processed_at = $1, error = t.error \
             FROM UNNEST($2::text[], $3::text[]) AS t (id, error) WHERE e.id = t.id",
        )
        .bind(ms(Utc::now()))
        .bind(&ids)
        .bind(&errors)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}

type DeliveryRow = (String, String, String, i64, String);

fn delivery((id, workspace_id, number_id, received_at, body): DeliveryRow) -> WebhookDelivery {
    WebhookDelivery {
        id,
        workspace_id,
        number_id,
        received_at: time(received_at),
        body,
    }
}
