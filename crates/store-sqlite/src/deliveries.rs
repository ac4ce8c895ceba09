//! [`Deliveries`] for [`SqliteStore`]: the outbox read, delivery results, and the attempt journal
//! (`queued` → `sending` committed before a provider is called).

use crate::convert::{self, db, ms, MESSAGE_COLUMNS};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use waflow_store::{
    Attempt, Deliveries, Delivery, Error, Interrupted, Message, OutboxItem, Result,
};

/// Rows per multi-row statement (3 variables each, well under SQLite's bound).
const CHUNK: usize = 300;

/// Records the results of delivery attempts (see [`Deliveries::record_deliveries`]); a result
/// applies to a message still `queued` or `sending`, so a replayed result changes nothing.
pub(crate) async fn record_deliveries(
    conn: &mut SqliteConnection,
    results: &[Delivery],
) -> Result<()> {
    let sent: Vec<(&String, &String, i64)> = results
        .iter()
        .filter_map(|r| match r {
            Delivery::Sent {
                message_id,
                channel_message_id,
                at,
            } => Some((message_id, channel_message_id, ms(*at))),
            _ => None,
        })
        .collect();
    // One statement for all successful sends: the common case under load.
    for chunk in sent.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("WITH d (id, cmid, at) AS (");
        q.push_values(chunk, |mut b, (id, cmid, at)| {
            b.push_bind(*id).push_bind(*cmid).push_bind(*at);
        });
        q.push(
            ") UPDATE messages SET status = 'sent', channel_message_id = (SELECT cmid FROM d WHERE d.id = messages.id), \
             sent_at = (SELECT at FROM d WHERE d.id = messages.id), attempts = attempts + 1, error = NULL \
             WHERE id IN (SELECT id FROM d) AND status IN ('queued', 'sending')",
        );
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    for r in results {
        let q = match r {
            Delivery::Sent { .. } => continue,
            Delivery::Retry { message_id, error, next_attempt_at } => sqlx::query(
                "UPDATE messages SET status = 'queued', error = ?, next_attempt_at = ?, attempts = attempts + 1 \
                 WHERE id = ? AND status IN ('queued', 'sending')",
            )
            .bind(error)
            .bind(ms(*next_attempt_at))
            .bind(message_id),
            Delivery::Deferred { message_id, reason, next_attempt_at } => sqlx::query(
                "UPDATE messages SET status = 'queued', error = ?, next_attempt_at = ? \
                 WHERE id = ? AND status IN ('queued', 'sending')",
            )
            .bind(reason)
            .bind(ms(*next_attempt_at))
            .bind(message_id),
            Delivery::Failed { message_id, error } => sqlx::query(
                "UPDATE messages SET status = 'failed', error = ?, attempts = attempts + 1 \
                 WHERE id = ? AND status IN ('queued', 'sending')",
            )
            .bind(error)
            .bind(message_id),
            Delivery::Uncertain { message_id, reason } => sqlx::query(
                "UPDATE messages SET status = 'uncertain', error = ?, attempts = attempts + 1 \
                 WHERE id = ? AND status IN ('queued', 'sending')",
            )
            .bind(reason)
            .bind(message_id),
        };
        q.execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

#[async_trait]
impl Deliveries for SqliteStore {
    async fn outbox(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        skip_numbers: &[String],
    ) -> Result<Vec<OutboxItem>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT m.id, m.workspace_id, m.number_id, n.channel, k.phone, m.body, m.payload, m.attempts, c.last_message_at FROM messages m \
             JOIN numbers n ON n.id = m.number_id JOIN contacts k ON k.id = m.contact_id \
             LEFT JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.status = 'queued' AND m.next_attempt_at <= ",
        );
        q.push_bind(ms(now));
        if !skip_numbers.is_empty() {
            q.push(" AND m.number_id NOT IN (");
            let mut list = q.separated(", ");
            for n in skip_numbers {
                list.push_bind(n);
            }
            q.push(")");
        }
        q.push(" ORDER BY m.next_attempt_at, m.id LIMIT ")
            .push_bind(limit);
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            i64,
            Option<i64>,
        )> = q.build_query_as().fetch_all(&self.read).await.map_err(db)?;
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
                )| {
                    OutboxItem {
                        payload: payload.and_then(|p| serde_json::from_str(&p).ok()),
                        last_inbound_at: last.map(convert::time),
                        message_id,
                        workspace_id,
                        number_id,
                        channel,
                        to_phone,
                        text,
                        attempts,
                    }
                },
            )
            .collect())
    }

    async fn record_deliveries(&self, results: &[Delivery]) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        record_deliveries(&mut tx, results).await?;
        tx.commit().await
    }

    async fn begin_attempts(
        &self,
        attempts: &[Attempt],
        results: &[Delivery],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let mut tx = self.writer.begin().await?;
        record_deliveries(&mut tx, results).await?;
        let mut begun = Vec::with_capacity(attempts.len());
        for chunk in attempts.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("WITH a (id, chosen) AS (");
            q.push_values(chunk, |mut b, a| {
                b.push_bind(&a.message_id).push_bind(&a.chosen_id);
            });
            q.push(") UPDATE messages SET status = 'sending', next_attempt_at = ")
                .push_bind(ms(at))
                .push(
                    ", channel_message_id = COALESCE((SELECT chosen FROM a WHERE a.id = messages.id), channel_message_id) \
                     WHERE id IN (SELECT id FROM a) AND status = 'queued' RETURNING id",
                );
            let ids: Vec<(String,)> = q.build_query_as().fetch_all(&mut *tx).await.map_err(db)?;
            begun.extend(ids.into_iter().map(|(id,)| id));
        }
        tx.commit().await?;
        Ok(begun)
    }

    async fn interrupted_attempts(
        &self,
        reason: &str,
        number_id: Option<&str>,
    ) -> Result<Vec<Interrupted>> {
        let mut tx = self.writer.begin().await?;
        let mut rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "UPDATE messages SET status = 'uncertain', error = ?1 WHERE status = 'sending' \
             AND (?2 IS NULL OR number_id = ?2) \
             RETURNING id, workspace_id, number_id, contact_id",
        )
        .bind(reason)
        .bind(number_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await?;
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
        .fetch_all(&self.read)
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
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE direction = 'outbound' AND workspace_id = "
        ));
        q.push_bind(workspace_id);
        q.push(" AND status = ").push_bind(status);
        q.push(" AND id > ").push_bind(after_id.unwrap_or(""));
        if let Some(agent) = assigned_to {
            q.push(" AND contact_id IN (SELECT id FROM contacts WHERE assigned_agent_id = ")
                .push_bind(agent)
                .push(")");
        }
        q.push(" ORDER BY id LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(convert::message).collect()
    }

    async fn resend(&self, workspace_id: &str, id: &str, now: DateTime<Utc>) -> Result<Message> {
        let mut tx = self.writer.begin().await?;
        let status: Option<(String, String)> = sqlx::query_as(
            "SELECT status, direction FROM messages WHERE id = ? AND workspace_id = ?",
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
        sqlx::query(
            "UPDATE messages SET status = 'queued', next_attempt_at = ?, error = NULL WHERE id = ?",
        )
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await?;
        waflow_store::Conversations::message(self, workspace_id, id).await
    }
}
