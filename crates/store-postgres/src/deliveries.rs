//! Delivery results on PostgreSQL (see `Deliveries::record_deliveries`): applied inside the
//! caller's transaction, to messages still `queued` or `sending`, so a replayed result changes
//! nothing.

use crate::convert::{db, ms};
use sqlx::PgConnection;
use std::collections::HashSet;
use waflow_store::{Delivery, Result};

/// Records the results of delivery attempts: all successful sends in one statement (the common
/// case under load), the others one by one.
pub(crate) async fn record_deliveries(conn: &mut PgConnection, results: &[Delivery]) -> Result<()> {
    // Of two results for one message the first counts, as on SQLite.
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    let mut channel_ids = Vec::new();
    let mut at = Vec::new();
    for r in results {
        if let Delivery::Sent {
            message_id,
            channel_message_id,
            at: sent_at,
        } = r
        {
            if seen.insert(message_id.as_str()) {
                ids.push(message_id.as_str());
                channel_ids.push(channel_message_id.as_str());
                at.push(ms(*sent_at));
            }
        }
    }
    if !ids.is_empty() {
        // The rows are locked in id order first: two servers recording overlapping results lock
        // them in one order and wait for each other instead of deadlocking (the UPDATE's join
        // would lock them in whatever order its plan reads them).
        sqlx::query("SELECT id FROM messages WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(&ids)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        sqlx::query(
            "UPDATE messages m SET status = 'sent', channel_message_id = d.cmid, sent_at = d.at, \
             attempts = m.attempts + 1, error = NULL \
             FROM UNNEST($1::text[], $2::text[], $3::bigint[]) AS d (id, cmid, at) \
             WHERE m.id = d.id AND m.status IN ('queued', 'sending')",
        )
        .bind(&ids)
        .bind(&channel_ids)
        .bind(&at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    for r in results {
        let q = match r {
            Delivery::Sent { .. } => continue,
            Delivery::Retry { message_id, error, next_attempt_at } => sqlx::query(
                "UPDATE messages SET status = 'queued', error = $1, next_attempt_at = $2, attempts = attempts + 1 \
                 WHERE id = $3 AND status IN ('queued', 'sending')",
            )
            .bind(error)
            .bind(ms(*next_attempt_at))
            .bind(message_id),
            Delivery::Deferred { message_id, reason, next_attempt_at } => sqlx::query(
                "UPDATE messages SET status = 'queued', error = $1, next_attempt_at = $2 \
                 WHERE id = $3 AND status IN ('queued', 'sending')",
            )
            .bind(reason)
            .bind(ms(*next_attempt_at))
            .bind(message_id),
            Delivery::Failed { message_id, error } => sqlx::query(
                "UPDATE messages SET status = 'failed', error = $1, attempts = attempts + 1 \
                 WHERE id = $2 AND status IN ('queued', 'sending')",
            )
            .bind(error)
            .bind(message_id),
            Delivery::Uncertain { message_id, reason } => sqlx::query(
                "UPDATE messages SET status = 'uncertain', error = $1, attempts = attempts + 1 \
                 WHERE id = $2 AND status IN ('queued', 'sending')",
            )
            .bind(reason)
            .bind(message_id),
        };
        q.execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}
