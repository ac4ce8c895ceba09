//! What inbound notices and delivery statuses do to stored messages on PostgreSQL: edits (with
//! history), revokes, changed numbers, and provider statuses — idempotent, and reconciling a send
//! whose result was lost through the callback id the provider echoes. The statements are the
//! SQLite backend's.

use crate::convert::{self, db, ms, MESSAGE_COLUMNS};
use sqlx::PgConnection;
use waflow_domain::Notice;
use waflow_store::{new_id, AppliedStatus, NoticeWrite, Result, StatusChange};

/// Applies one notice (see [`waflow_store::Tx::apply_notice`]); returns what it did, in words.
pub(crate) async fn apply_notice(conn: &mut PgConnection, n: &NoticeWrite) -> Result<String> {
    match &n.notice {
        Notice::Edited { original, text } => {
            let Some((id, body, payload)) = original_message(conn, n, original).await? else {
                return Ok(format!(
                    "the edited message {original} is not stored; nothing updated"
                ));
            };
            sqlx::query(
                "INSERT INTO message_edits (id, workspace_id, message_id, edit_message_id, \
                 previous_body, previous_payload, edited_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(new_id("med"))
            .bind(&n.workspace_id)
            .bind(&id)
            .bind(&n.message_id)
            .bind(&body)
            .bind(&payload)
            .bind(ms(n.at))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
            sqlx::query("UPDATE messages SET body = $1 WHERE id = $2")
                .bind(text)
                .bind(&id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            Ok(format!(
                "message {id} edited: its text is now {text:?} (was {body:?}, kept in its history)"
            ))
        }
        Notice::Revoked { original } => {
            let Some((id, _, _)) = original_message(conn, n, original).await? else {
                return Ok(format!(
                    "the deleted message {original} is not stored; nothing marked"
                ));
            };
            sqlx::query("UPDATE messages SET status = 'deleted' WHERE id = $1")
                .bind(&id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            Ok(format!(
                "message {id} was deleted by the contact; marked deleted"
            ))
        }
        Notice::NumberChanged { new_phone } => {
            let holder: Option<String> = sqlx::query_scalar(
                "SELECT id FROM contacts WHERE workspace_id = $1 AND phone = $2",
            )
            .bind(&n.workspace_id)
            .bind(new_phone.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
            match holder {
                Some(id) if id == n.contact_id => {
                    Ok(format!("the contact already has {new_phone}"))
                }
                Some(id) => Ok(format!(
                    "the contact changed number to {new_phone}, which contact {id} already has; \
                     both left as they are"
                )),
                None => {
                    sqlx::query("UPDATE contacts SET phone = $1, updated_at = $2 WHERE id = $3")
                        .bind(new_phone.as_str())
                        .bind(ms(n.at))
                        .bind(&n.contact_id)
                        .execute(&mut *conn)
                        .await
                        .map_err(db)?;
                    Ok(format!("the contact changed number: now {new_phone}"))
                }
            }
        }
    }
}

/// The stored inbound message a notice is about: (id, body, payload as stored).
async fn original_message(
    conn: &mut PgConnection,
    n: &NoticeWrite,
    channel_message_id: &str,
) -> Result<Option<(String, String, Option<String>)>> {
    sqlx::query_as(
        "SELECT id, body, payload FROM messages WHERE number_id = $1 AND channel_message_id = $2 \
         AND direction = 'inbound' AND contact_id = $3",
    )
    .bind(&n.number_id)
    .bind(channel_message_id)
    .bind(&n.contact_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)
}

/// Applies statuses inside the caller's transaction (see
/// [`waflow_store::Store::apply_message_statuses`]).
pub(crate) async fn apply_statuses(
    conn: &mut PgConnection,
    changes: &[StatusChange],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Option<AppliedStatus>>> {
    // A send whose result was lost: the provider's callback names our message, which has no
    // channel id yet. Recorded as sent under the status's channel id, unless another message
    // already has that id.
    let reconcile = "UPDATE messages SET status = 'sent', channel_message_id = $1, sent_at = $2, \
         error = NULL WHERE id = $3 AND number_id = $4 AND direction = 'outbound' \
         AND status IN ('uncertain', 'sending') AND NOT EXISTS (SELECT 1 FROM messages \
         WHERE number_id = $4 AND channel_message_id = $1 AND direction = 'outbound')";
    // Statuses arrive out of order (Meta does not guarantee order) and more than once: only
    // move forward, and a failed message stays failed with its first reason.
    let update = "UPDATE messages SET status = $1, error = COALESCE($2, error) \
         WHERE number_id = $3 AND channel_message_id = $4 AND direction = 'outbound' \
         AND (($1 = 'failed' AND status <> 'failed') \
              OR (CASE status WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE 0 END) \
                 < (CASE $1 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END))";
    let select = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE number_id = $1 AND channel_message_id = $2 AND direction = 'outbound'"
    );
    let mut applied = Vec::with_capacity(changes.len());
    for c in changes {
        let mut reconciled = false;
        if let Some(message_id) = c.callback_message_id.as_deref() {
            // SQLite's single writer makes the reconcile's check and update one step; here the
            // (number, channel id) is locked for the rest of the transaction first, so two
            // servers never give one channel id to two messages.
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 0))")
                .bind(&c.number_id)
                .bind(&c.channel_message_id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            reconciled = sqlx::query(reconcile)
                .bind(&c.channel_message_id)
                .bind(ms(c.at.unwrap_or(now)))
                .bind(message_id)
                .bind(&c.number_id)
                .execute(&mut *conn)
                .await
                .map_err(db)?
                .rows_affected()
                > 0;
        }
        let changed = sqlx::query(update)
            .bind(&c.status)
            .bind(&c.error)
            .bind(&c.number_id)
            .bind(&c.channel_message_id)
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected()
            > 0;
        let row = sqlx::query(&select)
            .bind(&c.number_id)
            .bind(&c.channel_message_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        applied.push(
            row.as_ref()
                .map(convert::message)
                .transpose()?
                .map(|message| AppliedStatus {
                    message,
                    changed,
                    reconciled,
                }),
        );
    }
    Ok(applied)
}
