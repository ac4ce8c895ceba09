//! [`Records`] for [`SqliteStore`], and the writes of lists, tickets and events inside a
//! transaction (called by [`crate::apply`]).

use crate::convert::{self, db, ms};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{Row, SqliteConnection};
use waflow_store::{
    new_id, ChangedBy, Error, Event, NewEvent, Records, Result, Ticket, TicketChange, TicketFilter,
    TicketStatusEntry, WorkflowTemplate,
};

const TICKET_COLUMNS: &str =
    "id, workspace_id, contact_id, number_id, subject, status, created_at, updated_at";

fn ticket(row: &sqlx::sqlite::SqliteRow) -> Result<Ticket> {
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

fn template(row: &sqlx::sqlite::SqliteRow) -> Result<WorkflowTemplate> {
    let document: String = row.try_get("document").map_err(db)?;
    Ok(WorkflowTemplate {
        id: row.try_get("id").map_err(db)?,
        workspace_id: row.try_get("workspace_id").map_err(db)?,
        name: row.try_get("name").map_err(db)?,
        description: row.try_get("description").map_err(db)?,
        document: serde_json::from_str(&document)
            .map_err(|e| Error::Corrupt(format!("template document: {e}")))?,
        created_at: convert::time(row.try_get("created_at").map_err(db)?),
    })
}

/// Stores events for the event worker.
pub(crate) async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[NewEvent],
    at: i64,
) -> Result<()> {
    for e in events {
        sqlx::query(
            "INSERT INTO automation_events (workspace_id, kind, contact_id, number_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)",
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
    conn: &mut SqliteConnection,
    lists: &std::collections::BTreeMap<String, Vec<String>>,
    at: i64,
) -> Result<()> {
    for (contact, names) in lists {
        let text = serde_json::to_string(names).map_err(|e| Error::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE contacts SET lists = ?, updated_at = ? WHERE id = ?")
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
pub(crate) async fn open_tickets(
    conn: &mut SqliteConnection,
    contact_id: &str,
) -> Result<Vec<String>> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM tickets WHERE contact_id = ? AND status != 'closed' ORDER BY id",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

async fn record_status(
    conn: &mut SqliteConnection,
    t: &Ticket,
    by: &ChangedBy,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO ticket_history (ticket_id, status, at, by_kind, by_ref) VALUES (?, ?, ?, ?, ?)")
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
    conn: &mut SqliteConnection,
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
                     VALUES (?, ?, ?, ?, ?, 'open', ?, ?) RETURNING {TICKET_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(id)
                    .bind(workspace_id)
                    .bind(contact_id)
                    .bind(number_id)
                    .bind(subject)
                    .bind(at)
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
                    "UPDATE tickets SET status = ?1, updated_at = ?2 WHERE workspace_id = ?3 AND contact_id = ?4 \
                     AND status != ?1 AND (?5 IS NULL OR id = ?5) AND (?5 IS NOT NULL OR status != 'closed') \
                     RETURNING {TICKET_COLUMNS}"
                );
                let rows = sqlx::query(&sql)
                    .bind(status)
                    .bind(at)
                    .bind(workspace_id)
                    .bind(contact_id)
                    .bind(ticket_id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(db)?;
                for row in rows {
                    record_status(conn, &ticket(&row)?, by, at).await?;
                }
            }
        }
    }
    Ok(())
}

/// Deletes a pending event; whether it was there.
pub(crate) async fn take_event(conn: &mut SqliteConnection, seq: i64) -> Result<bool> {
    let n = sqlx::query("DELETE FROM automation_events WHERE seq = ?")
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
    Ok(n > 0)
}

#[async_trait]
impl Records for SqliteStore {
    async fn lists(&self, workspace_id: &str) -> Result<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT j.value AS name, COUNT(*) FROM contacts c, json_each(c.lists) j \
             WHERE c.workspace_id = ? GROUP BY j.value ORDER BY j.value",
        )
        .bind(workspace_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(rows)
    }

    async fn tickets(&self, workspace_id: &str, f: &TicketFilter) -> Result<Vec<Ticket>> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE workspace_id = ?1 AND (?2 IS NULL OR contact_id = ?2) \
             AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR id > ?4) \
             AND (?5 IS NULL OR contact_id IN (SELECT id FROM contacts WHERE workspace_id = ?1 AND assigned_agent_id = ?5)) \
             ORDER BY id LIMIT ?6"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(&f.contact_id)
            .bind(&f.status)
            .bind(&f.after_id)
            .bind(&f.assigned_to)
            .bind(f.limit)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(ticket).collect()
    }

    async fn ticket(&self, workspace_id: &str, id: &str) -> Result<Ticket> {
        let sql = format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE workspace_id = ? AND id = ?");
        let row = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        let mut t = convert::found(row, ticket, "ticket")?;
        let history: Vec<(String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT status, at, by_kind, by_ref FROM ticket_history WHERE ticket_id = ? ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        t.history = history
            .into_iter()
            .map(|(status, at, by_kind, by_ref)| TicketStatusEntry {
                status,
                at: convert::time(at),
                by_kind,
                by_ref,
            })
            .collect();
        Ok(t)
    }

    async fn insert_template(
        &self,
        workspace_id: &str,
        name: &str,
        description: &str,
        document: &Value,
    ) -> Result<WorkflowTemplate> {
        let row = sqlx::query(
            "INSERT INTO workflow_templates (id, workspace_id, name, description, document, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(new_id("wft"))
        .bind(workspace_id)
        .bind(name)
        .bind(description)
        .bind(document.to_string())
        .bind(ms(Utc::now()))
        .fetch_one(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        template(&row)
    }

    async fn templates_of(&self, workspace_id: &str) -> Result<Vec<WorkflowTemplate>> {
        let rows =
            sqlx::query("SELECT * FROM workflow_templates WHERE workspace_id = ? ORDER BY id")
                .bind(workspace_id)
                .fetch_all(&self.read)
                .await
                .map_err(db)?;
        rows.iter().map(template).collect()
    }

    async fn template_of(&self, workspace_id: &str, id: &str) -> Result<WorkflowTemplate> {
        let row = sqlx::query("SELECT * FROM workflow_templates WHERE workspace_id = ? AND id = ?")
            .bind(workspace_id)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        convert::found(row, template, "template")
    }

    async fn delete_template(&self, workspace_id: &str, id: &str) -> Result<()> {
        let n = sqlx::query("DELETE FROM workflow_templates WHERE workspace_id = ? AND id = ?")
            .bind(workspace_id)
            .bind(id)
            .execute(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(Error::NotFound { what: "template" });
        }
        Ok(())
    }

    async fn insert_test_version(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        document: &Value,
    ) -> Result<i64> {
        let mut conn = self.writer.lock().await?;
        let (lowest,): (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(v.version) FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id \
             WHERE w.id = ? AND w.workspace_id = ?",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        let Some(lowest) = lowest else {
            return Err(Error::NotFound { what: "workflow" });
        };
        let version = lowest.min(0) - 1;
        sqlx::query("INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES (?, ?, ?, ?)")
            .bind(workflow_id)
            .bind(version)
            .bind(document.to_string())
            .bind(ms(Utc::now()))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(version)
    }

    async fn latest_test_version(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Option<(i64, Value)>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT v.version, v.document FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id \
             WHERE w.id = ? AND w.workspace_id = ? AND v.version < 0 ORDER BY v.version LIMIT 1",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.map(|(version, text)| {
            serde_json::from_str(&text)
                .map(|doc| (version, doc))
                .map_err(|e| Error::Corrupt(format!("workflow document: {e}")))
        })
        .transpose()
    }

    async fn pending_events(&self, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<(i64, String, String, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT seq, workspace_id, kind, contact_id, number_id, detail, created_at FROM automation_events ORDER BY seq LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(
                |(seq, workspace_id, kind, contact_id, number_id, detail, created_at)| {
                    Ok(Event {
                        seq,
                        event: NewEvent {
                            workspace_id,
                            kind,
                            contact_id,
                            number_id,
                            detail: serde_json::from_str(&detail)
                                .map_err(|e| Error::Corrupt(format!("event detail: {e}")))?,
                        },
                        created_at: convert::time(created_at),
                    })
                },
            )
            .collect()
    }

    async fn latest_number_of_contact(&self, contact_id: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT number_id FROM conversations WHERE contact_id = ? ORDER BY last_message_at DESC LIMIT 1",
        )
        .bind(contact_id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        Ok(row.map(|(n,)| n))
    }

    async fn numbers_disconnected_since(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT workspace_id, id FROM numbers WHERE status IN ('disconnected', 'logged_out') \
             AND status_since IS NOT NULL AND status_since < ?",
        )
        .bind(ms(before))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(rows)
    }
}
