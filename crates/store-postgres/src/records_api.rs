//! [`Records`] for [`PgStore`]: lists, tickets, workflow templates, test versions, pending
//! automation events and number retention. The statements are SQLite's (`records.rs` of the
//! SQLite backend), in PostgreSQL's dialect.

use crate::convert::{self, db, ms};
use crate::records::{ticket, TICKET_COLUMNS};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::Row;
use waflow_store::{
    new_id, Error, Event, NewEvent, Records, Result, Ticket, TicketFilter, TicketStatusEntry,
    WorkflowTemplate,
};

/// A `LIMIT` bind with SQLite's meaning: a negative limit is no limit (PostgreSQL refuses a
/// negative `LIMIT`, and reads `LIMIT NULL` as none).
pub(crate) fn sql_limit(limit: i64) -> Option<i64> {
    (limit >= 0).then_some(limit)
}

/// The columns [`template`] reads.
const TEMPLATE_COLUMNS: &str = "id, workspace_id, name, description, document, created_at";

/// A workspace's own workflow template, as stored.
fn template(row: &PgRow) -> Result<WorkflowTemplate> {
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

#[async_trait]
impl Records for PgStore {
    async fn lists(&self, workspace_id: &str) -> Result<Vec<(String, i64)>> {
        // `jsonb_array_elements_text` answers text in the database's collation: the names are
        // grouped and ordered byte by byte (`COLLATE "C"`), as SQLite orders them.
        sqlx::query_as(
            "SELECT j.name COLLATE \"C\" AS name, COUNT(*) \
             FROM contacts c, jsonb_array_elements_text(c.lists::jsonb) AS j (name) \
             WHERE c.workspace_id = $1 GROUP BY j.name COLLATE \"C\" ORDER BY j.name COLLATE \"C\"",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    async fn tickets(&self, workspace_id: &str, f: &TicketFilter) -> Result<Vec<Ticket>> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE workspace_id = $1 \
             AND ($2::text IS NULL OR contact_id = $2) AND ($3::text IS NULL OR status = $3) \
             AND ($4::text IS NULL OR id > $4) \
             AND ($5::text IS NULL OR contact_id IN \
                  (SELECT id FROM contacts WHERE workspace_id = $1 AND assigned_agent_id = $5)) \
             ORDER BY id LIMIT $6"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(&f.contact_id)
            .bind(&f.status)
            .bind(&f.after_id)
            .bind(&f.assigned_to)
            .bind(sql_limit(f.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(ticket).collect()
    }

    async fn ticket(&self, workspace_id: &str, id: &str) -> Result<Ticket> {
        let sql =
            format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE workspace_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        let mut t = convert::found(row, ticket, "ticket")?;
        let history: Vec<(String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT status, at, by_kind, by_ref FROM ticket_history WHERE ticket_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
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
        let sql = format!(
            "INSERT INTO workflow_templates ({TEMPLATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING {TEMPLATE_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(new_id("wft"))
            .bind(workspace_id)
            .bind(name)
            .bind(description)
            .bind(document.to_string())
            .bind(ms(Utc::now()))
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        template(&row)
    }

    async fn templates_of(&self, workspace_id: &str) -> Result<Vec<WorkflowTemplate>> {
        let sql = format!(
            "SELECT {TEMPLATE_COLUMNS} FROM workflow_templates WHERE workspace_id = $1 ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(template).collect()
    }

    async fn template_of(&self, workspace_id: &str, id: &str) -> Result<WorkflowTemplate> {
        let sql = format!(
            "SELECT {TEMPLATE_COLUMNS} FROM workflow_templates WHERE workspace_id = $1 AND id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        convert::found(row, template, "template")
    }

    async fn delete_template(&self, workspace_id: &str, id: &str) -> Result<()> {
        let n = sqlx::query("DELETE FROM workflow_templates WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(id)
            .execute(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        // SQLite's single writer made "lowest version, then one below it" exclusive; here the
        // workflow's row is locked first, so concurrent test runs of one workflow take their
        // numbers one after the other (-1, then -2) instead of colliding on the key. `NO KEY`:
        // the lock does not hold back inserts that merely reference the workflow.
        let workflow: Option<String> = sqlx::query_scalar(
            "SELECT id FROM workflows WHERE id = $1 AND workspace_id = $2 FOR NO KEY UPDATE",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if workflow.is_none() {
            return Err(Error::NotFound { what: "workflow" });
        }
        let lowest: Option<i64> =
            sqlx::query_scalar("SELECT MIN(version) FROM workflow_versions WHERE workflow_id = $1")
                .bind(workflow_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let Some(lowest) = lowest else {
            return Err(Error::NotFound { what: "workflow" });
        };
        let version = lowest.min(0) - 1;
        sqlx::query(
            "INSERT INTO workflow_versions (workflow_id, version, document, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(workflow_id)
        .bind(version)
        .bind(document.to_string())
        .bind(ms(Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(version)
    }

    async fn latest_test_version(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Option<(i64, Value)>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT v.version, v.document FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id \
             WHERE w.id = $1 AND w.workspace_id = $2 AND v.version < 0 ORDER BY v.version LIMIT 1",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_optional(&self.pool)
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
        // An event another server is taking right now (its row locked by the `DELETE` of
        // `Tx::take_event`, not yet committed) is skipped rather than answered again; the take
        // itself is what makes processing exclusive.
        let rows: Vec<(i64, String, String, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT seq, workspace_id, kind, contact_id, number_id, detail, created_at \
             FROM automation_events ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
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
        sqlx::query_scalar(
            "SELECT number_id FROM conversations WHERE contact_id = $1 \
             ORDER BY last_message_at DESC LIMIT 1",
        )
        .bind(contact_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    async fn numbers_disconnected_since(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>> {
        // SQLite answers in table order (ids are time-ordered, so by id); PostgreSQL's table
        // order moves with updates, so the order is asked for.
        sqlx::query_as(
            "SELECT workspace_id, id FROM numbers WHERE status IN ('disconnected', 'logged_out') \
             AND status_since IS NOT NULL AND status_since < $1 ORDER BY id",
        )
        .bind(ms(before))
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }
}
