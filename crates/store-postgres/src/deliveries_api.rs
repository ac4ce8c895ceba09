//! [`Deliveries`] for [`PgStore`]: the outbox read, delivery results, and the attempt journal
//! (`queued` → `sending` committed before a provider is called). The statements are SQLite's
//! (`deliveries.rs` of the SQLite backend), in PostgreSQL's dialect, with lists bound as arrays.

use crate::convert::{self, db, ms, MESSAGE_COLUMNS};
use crate::records_api::sql_limit;
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use waflow_store::{
    Attempt, Deliveries, Delivery, Error, Interrupted, Message, OutboxItem, Result,
};

/// An outbox row: message id, workspace, number, channel, phone, text, payload, attempts, and
/// when the contact last wrote.
type OutboxRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    Option<i64>,
);

#[async_trait]
impl Deliveries for PgStore {
    async fn outbox(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        skip_numbers: &[String],
    ) -> Result<Vec<OutboxItem>> {
        // The outbox is where servers find work: a message another server is taking right now
        // (its row locked by `begin_attempts`, not yet committed) is skipped, not answered to
        // two servers. `begin_attempts` alone makes an attempt exclusive.
        let rows: Vec<OutboxRow> = sqlx::query_as(
            "SELECT m.id, m.workspace_id, m.number_id, n.channel, k.phone, m.body, m.payload, m.attempts, \
             c.last_message_at FROM messages m \
             JOIN numbers n ON n.id = m.number_id JOIN contacts k ON k.id = m.contact_id \
             LEFT JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.status = 'queued' AND m.next_attempt_at <= $1 AND NOT (m.number_id = ANY($2)) \
             ORDER BY m.next_attempt_at, m.id LIMIT $3 FOR UPDATE OF m SKIP LOCKED",
        )
        .bind(ms(now))
        .bind(skip_numbers)
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    message_id,
                    workspace_id,
                    number_id,
                    channel,
                    to_phone,
                    text,
                    payload,
                    attempts,
                    last,
                )| OutboxItem {
                    payload: payload.and_then(|p| serde_json::from_str(&p).ok()),
                    last_inbound_at: last.map(convert::time),
                    message_id,
                    workspace_id,
                    number_id,
                    channel,
                    to_phone,
                    text,
                    attempts,
                },
            )
            .collect())
    }

    async fn record_deliveries(&self, results: &[Delivery]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        crate::deliveries::record_deliveries(&mut tx, results).await?;
        tx.commit().await.map_err(db)
    }

    async fn begin_attempts(
        &self,
        attempts: &[Attempt],
        results: &[Delivery],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        crate::deliveries::record_deliveries(&mut tx, results).await?;
        let mut begun: Vec<String> = Vec::new();
        if !attempts.is_empty() {
            // Of two attempts at one message the first names the chosen id, as on SQLite
            // (PostgreSQL would take either joined row).
            let mut seen = HashSet::new();
            let (ids, chosen): (Vec<&str>, Vec<Option<&str>>) = attempts
                .iter()
                .filter(|a| seen.insert(a.message_id.as_str()))
                .map(|a| (a.message_id.as_str(), a.chosen_id.as_deref()))
                .unzip();
            // Safe under concurrent transactions: the `status = 'queued'` condition is checked
            // again on the newest row after any concurrent attempt commits, so one server alone
            // marks (and so sends) each message.
            begun = sqlx::query_scalar(
                "UPDATE messages m SET status = 'sending', next_attempt_at = $3, \
                 channel_message_id = COALESCE(a.chosen, m.channel_message_id) \
                 FROM UNNEST($1::text[], $2::text[]) AS a (id, chosen) \
                 WHERE m.id = a.id AND m.status = 'queued' RETURNING m.id",
            )
            .bind(&ids)
            .bind(&chosen)
            .bind(ms(at))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            // In id order, as SQLite answers (it updates by the primary key's order).
            begun.sort();
        }
        tx.commit().await.map_err(db)?;
        Ok(begun)
    }

    async fn interrupted_attempts(
        &self,
        reason: &str,
        number_id: Option<&str>,
    ) -> Result<Vec<Interrupted>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let mut rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "UPDATE messages SET status = 'uncertain', error = $1 WHERE status = 'sending' \
             AND ($2::text IS NULL OR number_id = $2) \
             RETURNING id, workspace_id, number_id, contact_id",
        )
        .bind(reason)
        .bind(number_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        // In id order, as SQLite answers (table order; ids are time-ordered).
        rows.sort();
        Ok(rows
            .into_iter()
            .map(
                |(message_id, workspace_id, number_id, contact_id)| Interrupted {
                    message_id,
                    workspace_id,
                    number_id,
                    contact_id,
                },
            )
            .collect())
    }

    async fn numbers_sending(&self) -> Result<Vec<(String, String)>> {
        sqlx::query_as(
            "SELECT DISTINCT m.number_id, n.channel FROM messages m JOIN numbers n ON n.id = m.number_id \
             WHERE m.status = 'sending' ORDER BY m.number_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    async fn outbound_in_status(
        &self,
        workspace_id: &str,
        status: &str,
        assigned_to: Option<&str>,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE direction = 'outbound' \
             AND workspace_id = $1 AND status = $2 AND id > $3 \
             AND ($4::text IS NULL OR contact_id IN (SELECT id FROM contacts WHERE assigned_agent_id = $4)) \
             ORDER BY id LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(status)
            .bind(after_id.unwrap_or(""))
            .bind(assigned_to)
            .bind(sql_limit(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(convert::message).collect()
    }

    async fn resend(&self, workspace_id: &str, id: &str, now: DateTime<Utc>) -> Result<Message> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // Check then write, made safe by the row lock (SQLite's single writer did it there): a
        // concurrent resend or delivery result waits, and the status checked is the one written
        // over.
        let status: Option<(String, String)> = sqlx::query_as(
            "SELECT status, direction FROM messages WHERE id = $1 AND workspace_id = $2 FOR UPDATE",
        )
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        match status {
            None => return Err(Error::NotFound { what: "message" }),
            Some((status, direction))
                if direction != "outbound"
                    || !matches!(status.as_str(), "uncertain" | "failed") =>
            {
                return Err(Error::Conflict {
                    field: "status".into(),
                    message: format!(
                        "only an uncertain or failed outbound message can be sent again; this {direction} message is {status}"
                    ),
                });
            }
            Some(_) => {}
        }
        let sql = format!(
            "UPDATE messages SET status = 'queued', next_attempt_at = $1, error = NULL WHERE id = $2 \
             RETURNING {MESSAGE_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(ms(now))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let message = convert::message(&row)?;
        tx.commit().await.map_err(db)?;
        Ok(message)
    }
}
