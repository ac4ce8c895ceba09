//! A campaign's recipients on SQLite: listed with their status (their own state until queued,
//! then their message's, `replied` from the conversation), served to the feeder, and settled in
//! the feeder's transaction.

use crate::campaigns::{prefixed_contact_columns, replied_sql};
use crate::convert::{self, db, ms, time};
use crate::SqliteStore;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use waflow_store::recipient_status;
use waflow_store::{Error, PendingRecipient, Recipient, RecipientOutcome, Result};

/// Rows per multi-row statement.
const CHUNK: usize = 200;

/// The SQL condition selecting recipients listed as `status`.
fn status_condition(status: &str) -> Result<String> {
    Ok(match status {
        "pending" | "skipped" | "started" => format!("r.state = '{status}'"),
        "cancelled" => "(r.state = 'cancelled' OR m.status = 'cancelled')".into(),
        "queued" => "r.state = 'queued' AND m.status IN ('queued', 'sending', 'held')".into(),
        "sent" => "(r.state = 'started' OR m.status IN ('sent', 'delivered', 'read'))".into(),
        "delivered" => "m.status IN ('delivered', 'read')".into(),
        "read" | "failed" | "uncertain" => format!("m.status = '{status}'"),
        "replied" => format!("{} IS NOT NULL", replied_sql()),
        other => {
            return Err(Error::Conflict {
                field: "status".into(),
                message: format!("\"{other}\" is not a recipient status"),
            })
        }
    })
}

impl SqliteStore {
    pub(crate) async fn recipient_rows(
        &self,
        workspace_id: &str,
        campaign_id: &str,
        status: Option<&str>,
        after_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Recipient>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT r.seq, r.contact_id, COALESCE(k.phone, '') AS phone, COALESCE(k.name, '') AS name, r.number_id, \
             r.state, m.status, r.reason, m.error, r.message_id, r.run_id, m.sent_at, {} AS replied_at \
             FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id \
             LEFT JOIN contacts k ON k.id = r.contact_id WHERE r.campaign_id = ",
            replied_sql()
        ));
        q.push_bind(campaign_id.to_string())
            .push(" AND r.workspace_id = ")
            .push_bind(workspace_id.to_string())
            .push(" AND r.seq > ")
            .push_bind(after_seq.unwrap_or(0));
        if let Some(status) = status {
            q.push(" AND ").push(status_condition(status)?);
        }
        q.push(" ORDER BY r.seq LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state").map_err(db)?;
                let status: Option<String> = row.try_get("status").map_err(db)?;
                let replied: Option<i64> = row.try_get("replied_at").map_err(db)?;
                let reason: Option<String> = row.try_get("reason").map_err(db)?;
                let error: Option<String> = row.try_get("error").map_err(db)?;
                let sent: Option<i64> = row.try_get("sent_at").map_err(db)?;
                Ok(Recipient {
                    seq: row.try_get("seq").map_err(db)?,
                    contact_id: row.try_get("contact_id").map_err(db)?,
                    phone: row.try_get("phone").map_err(db)?,
                    name: row.try_get("name").map_err(db)?,
                    number_id: row.try_get("number_id").map_err(db)?,
                    status: recipient_status(&state, status.as_deref(), replied.is_some())
                        .to_string(),
                    reason: reason.or(error),
                    message_id: row.try_get("message_id").map_err(db)?,
                    run_id: row.try_get("run_id").map_err(db)?,
                    sent_at: sent.map(time),
                    replied_at: replied.map(time),
                })
            })
            .collect()
    }

    pub(crate) async fn pending_recipient_rows(
        &self,
        campaign_id: &str,
        limit: i64,
    ) -> Result<Vec<PendingRecipient>> {
        let columns = prefixed_contact_columns();
        let sql = format!(
            "SELECT r.seq, r.number_id, r.contact_id AS recipient_contact, c.last_message_at, {columns} \
             FROM campaign_recipients r LEFT JOIN contacts k ON k.id = r.contact_id \
             LEFT JOIN conversations c ON c.number_id = r.number_id AND c.contact_id = r.contact_id \
             WHERE r.campaign_id = ? AND r.state = 'pending' ORDER BY r.seq LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(campaign_id)
            .bind(limit)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let seq: i64 = row.try_get("seq").map_err(db)?;
            let number_id: String = row.try_get("number_id").map_err(db)?;
            let last: Option<i64> = row.try_get("last_message_at").map_err(db)?;
            let present: Option<String> = row.try_get("id").map_err(db)?;
            let contact = match present {
                Some(_) => Some(convert::contact(row)?),
                None => None,
            };
            out.push(PendingRecipient {
                seq,
                number_id,
                opted_out: contact.as_ref().is_some_and(|c| c.opted_out),
                contact,
                last_inbound_at: last.map(time),
            });
        }
        Ok(out)
    }
}

/// [`waflow_store::Tx::settle_recipients`].
pub(crate) async fn settle(
    conn: &mut SqliteConnection,
    campaign_id: &str,
    outcomes: &[RecipientOutcome],
    at: DateTime<Utc>,
) -> Result<()> {
    for chunk in outcomes.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("WITH o (seq, state, message_id, run_id, reason) AS (");
        q.push_values(chunk, |mut b, o| {
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
            b.push_bind(seq)
                .push_bind(state)
                .push_bind(message.map(str::to_string))
                .push_bind(run.map(str::to_string))
                .push_bind(reason.map(str::to_string));
        });
        q.push(
            ") UPDATE campaign_recipients SET state = (SELECT state FROM o WHERE o.seq = campaign_recipients.seq), \
             message_id = (SELECT message_id FROM o WHERE o.seq = campaign_recipients.seq), \
             run_id = (SELECT run_id FROM o WHERE o.seq = campaign_recipients.seq), \
             reason = (SELECT reason FROM o WHERE o.seq = campaign_recipients.seq), queued_at = ",
        )
        .push_bind(ms(at))
        .push(" WHERE campaign_id = ")
        .push_bind(campaign_id.to_string())
        .push(" AND seq IN (SELECT seq FROM o) AND state = 'pending'");
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}
