//! A campaign's recipients on PostgreSQL: listed with their status (their own state until
//! queued, then their message's, `replied` from the conversation) and served to the feeder.
//! They are settled in the feeder's transaction (`outreach.rs`).

use crate::campaigns::{prefixed_contact_columns, replied_sql};
use crate::convert::{self, db, time};
use crate::PgStore;
use sqlx::Row;
use waflow_store::recipient_status;
use waflow_store::{Error, PendingRecipient, Recipient, Result};

/// The SQL condition selecting recipients listed as `status` (a fixed text per status).
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

impl PgStore {
    /// [`waflow_store::Outreach::recipients`].
    pub(crate) async fn recipient_rows(
        &self,
        workspace_id: &str,
        campaign_id: &str,
        status: Option<&str>,
        after_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Recipient>> {
        let condition = match status {
            Some(status) => format!(" AND {}", status_condition(status)?),
            None => String::new(),
        };
        let sql = format!(
            "SELECT r.seq, r.contact_id, COALESCE(k.phone, '') AS phone, COALESCE(k.name, '') AS name, r.number_id, \
             r.state, m.status, r.reason, m.error, r.message_id, r.run_id, m.sent_at, {} AS replied_at \
             FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id \
             LEFT JOIN contacts k ON k.id = r.contact_id \
             WHERE r.campaign_id = $1 AND r.workspace_id = $2 AND r.seq > $3{condition} \
             ORDER BY r.seq LIMIT $4",
            replied_sql()
        );
        let rows = sqlx::query(&sql)
            .bind(campaign_id)
            .bind(workspace_id)
            .bind(after_seq.unwrap_or(0))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
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

    /// [`waflow_store::Outreach::pending_recipients`]. `SKIP LOCKED` passes over the recipients
    /// another server's feeder is settling right now (their rows are locked until it commits),
    /// so servers sharing the database serve different recipients; a row settled meanwhile is
    /// re-checked on its newest version. Settling stays conditional on `pending`
    /// ([`waflow_store::Tx::settle_recipients`]), which makes it exclusive.
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
             WHERE r.campaign_id = $1 AND r.state = 'pending' ORDER BY r.seq LIMIT $2 \
             FOR UPDATE OF r SKIP LOCKED"
        );
        let rows = sqlx::query(&sql)
            .bind(campaign_id)
            .bind(limit)
            .fetch_all(&self.pool)
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
