//! Lists, tickets and automation events inside the engine's transaction on PostgreSQL (called by
//! [`crate::writes`] and [`crate::tx`]).

use crate::convert::{self, db};
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use waflow_store::{ChangedBy, Error, NewEvent, Result, Ticket, TicketChange};

/// A ticket's columns, as [`ticket`] reads them.
pub(crate) const TICKET_COLUMNS: &str =
    "id, workspace_id, contact_id, number_id, subject, status, created_at, updated_at";

/// A ticket row, without its history.
pub(crate) fn ticket(row: &PgRow) -> Result<Ticket> {
    Ok(Ticket {
        id: row.try_get("id").map_err(db)?,
        workspace_id: row.try_get("workspace_id").map_err(db)?,
        contact_id: row.try_get("contact_id").map_err(db)?,
        number_id: row.try_get("number_id").map_err(db)?,
        subject: row.try_get("subject").map_err(db)?,
        status: row.try_get("status").map_err(db)?,
        created_at: convert::time(row.try_get("created_at").map_err(db)?),
        updated_at: convert::time(row.try_get("updated_at").map_err(db)?),
        history: Vec::new(),
    })
}

/// Stores events for the event worker.
pub(crate) async fn insert_events(
    conn: &mut PgConnection,
    events: &[NewEvent],
    at: i64,
) -> Result<()> {
    for e in events {
        sqlx::query(
            "INSERT INTO automation_events (workspace_id, kind, contact_id, number_id, detail, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&e.workspace_id)
        .bind(&e.kind)
        .bind(&e.contact_id)
        .bind(&e.number_id)
        .bind(e.detail.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// Writes contacts' final lists.
pub(crate) async fn write_lists(
    conn: &mut PgConnection,
    lists: &std::collections::BTreeMap<String, Vec<String>>,
    at: i64,
) -> Result<()> {
    for (contact, names) in lists {
        let text = serde_json::to_string(names).map_err(|e| Error::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE contacts SET lists = $1, updated_at = $2 WHERE id = $3")
            .bind(text)
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// The contact's open (not closed) tickets' ids, oldest first.
pub(crate) async fn open_tickets(conn: &mut PgConnection, contact_id: &str) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT id FROM tickets WHERE contact_id = $1 AND status != 'closed' ORDER BY id",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)
}

async fn record_status(conn: &mut PgConnection, t: &Ticket, by: &ChangedBy, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO ticket_history (ticket_id, status, at, by_kind, by_ref) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&t.id)
    .bind(&t.status)
    .bind(at)
    .bind(by.kind)
    .bind(&by.reference)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    let event = NewEvent {
        workspace_id: t.workspace_id.clone(),
        kind: "ticket_status_changed".into(),
        contact_id: t.contact_id.clone(),
        number_id: t.number_id.clone(),
        detail: json!({"ticket_id": t.id, "status": t.status, "subject": t.subject}),
    };
    insert_events(conn, &[event], at).await
}

/// Applies ticket changes: each real status change gets its history row and its event.
pub(crate) async fn apply_tickets(
    conn: &mut PgConnection,
    changes: &[TicketChange],
    at: i64,
) -> Result<()> {
    for change in changes {
        match change {
            TicketChange::Open {
                id,
                workspace_id,
                contact_id,
                number_id,
                subject,
                by,
            } => {
                if !open_tickets(conn, contact_id).await?.is_empty() {
                    continue;
                }
                let sql = format!(
                    "INSERT INTO tickets (id, workspace_id, contact_id, number_id, subject, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 'open', $6, $6) RETURNING {TICKET_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(id)
                    .bind(workspace_id)
                    .bind(contact_id)
                    .bind(number_id)
                    .bind(subject)
                    .bind(at)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(db)?;
                record_status(conn, &ticket(&row)?, by, at).await?;
            }
            TicketChange::Status {
                workspace_id,
                contact_id,
                ticket_id,
                status,
                by,
            } => {
                let sql = format!(
                    "UPDATE tickets SET status = $1, updated_at = $2 WHERE workspace_id = $3 AND contact_id = $4 \
                     AND status != $1 AND ($5::text IS NULL OR id = $5) AND ($5::text IS NOT NULL OR status != 'closed') \
                     RETURNING {TICKET_COLUMNS}"
                );
                let mut rows = sqlx::query(&sql)
                    .bind(status)
                    .bind(at)
                    .bind(workspace_id)
                    .bind(contact_id)
                    .bind(ticket_id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(db)?;
                // In id order, as SQLite returns them (it updates in rowid order; ids are
                // time-ordered); PostgreSQL returns rows in no particular order.
                rows.sort_by_cached_key(|r| r.try_get::<String, _>("id").unwrap_or_default());
                for row in rows {
                    record_status(conn, &ticket(&row)?, by, at).await?;
                }
            }
        }
    }
    Ok(())
}

/// Deletes a pending event; whether it was there.
pub(crate) async fn take_event(conn: &mut PgConnection, seq: i64) -> Result<bool> {
    // Safe under concurrent transactions: a second delete waits for the first and then finds
    // the row gone, so one worker alone starts the event's runs.
    let n = sqlx::query("DELETE FROM automation_events WHERE seq = $1")
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
    Ok(n > 0)
}
