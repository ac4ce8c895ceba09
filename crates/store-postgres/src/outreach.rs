//! The outbound half inside the engine's transaction on PostgreSQL: claiming and failing
//! scheduled messages, and settling a campaign's recipients.
//!
//! Each write is conditional on the row still being `pending`; PostgreSQL re-checks that
//! condition on the newest version of a row another transaction changed meanwhile, so two
//! servers never both claim one scheduled message or settle one recipient twice.

use crate::convert::{db, ms};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::collections::HashSet;
use waflow_store::{RecipientOutcome, Result};

/// [`waflow_store::Tx::claim_scheduled`].
pub(crate) async fn claim_scheduled(
    conn: &mut PgConnection,
    id: &str,
    contact_id: &str,
    message_id: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    // Safe under concurrent transactions: the second claimant waits for the first, re-checks
    // `state = 'pending'` on the row the first wrote, and updates nothing.
    let done = sqlx::query(
        "UPDATE scheduled_messages SET state = 'queued', contact_id = $1, message_id = $2, updated_at = $3 \
         WHERE id = $4 AND state = 'pending'",
    )
    .bind(contact_id)
    .bind(message_id)
    .bind(ms(at))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// [`waflow_store::Tx::fail_scheduled`].
pub(crate) async fn fail_scheduled(
    conn: &mut PgConnection,
    id: &str,
    error: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE scheduled_messages SET state = 'failed', error = $1, updated_at = $2 \
         WHERE id = $3 AND state = 'pending'",
    )
    .bind(error)
    .bind(ms(at))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// [`waflow_store::Tx::settle_recipients`]: one statement for all outcomes.
pub(crate) async fn settle_recipients(
    conn: &mut PgConnection,
    campaign_id: &str,
    outcomes: &[RecipientOutcome],
    at: DateTime<Utc>,
) -> Result<()> {
    // Of two outcomes for one recipient the first counts, as on SQLite (whose statement reads
    // each column from the first matching outcome); PostgreSQL would take either.
    let mut seen = HashSet::with_capacity(outcomes.len());
    let mut seqs = Vec::with_capacity(outcomes.len());
    let mut states = Vec::with_capacity(outcomes.len());
    let mut messages: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    let mut runs: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    let mut reasons: Vec<Option<&str>> = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        let (seq, state, message, run, reason) = match o {
            RecipientOutcome::Queued { seq, message_id } => {
                (*seq, "queued", Some(message_id.as_str()), None, None)
            }
            RecipientOutcome::Started { seq, run_id } => {
                (*seq, "started", None, Some(run_id.as_str()), None)
            }
            RecipientOutcome::Skipped { seq, reason } => {
                (*seq, "skipped", None, None, Some(reason.as_str()))
            }
        };
        if !seen.insert(seq) {
            continue;
        }
        seqs.push(seq);
        states.push(state);
        messages.push(message);
        runs.push(run);
        reasons.push(reason);
    }
    if seqs.is_empty() {
        return Ok(());
    }
    // A recipient no longer pending (settled by a concurrent transaction) is left as it is: the
    // condition is re-checked on the newest row.
    sqlx::query(
        "UPDATE campaign_recipients r SET state = o.state, message_id = o.message_id, run_id = o.run_id, \
         reason = o.reason, queued_at = $6 \
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) \
           AS o (seq, state, message_id, run_id, reason) \
         WHERE r.campaign_id = $7 AND r.seq = o.seq AND r.state = 'pending'",
    )
    .bind(&seqs)
    .bind(&states)
    .bind(&messages)
    .bind(&runs)
    .bind(&reasons)
    .bind(ms(at))
    .bind(campaign_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}
