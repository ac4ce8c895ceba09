//! The engine's unit of work on SQLite: one `BEGIN IMMEDIATE` transaction on the write connection.

use crate::convert::{self, db, ms, CONTACT_COLUMNS, RUN_COLUMNS};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{Sqlite, SqliteConnection, Transaction};
use waflow_store::{new_id, Contact, Error, LogEntry, NewInbound, NewOutbound, Result, Run, Tx};

/// A write transaction. Dropping it without [`Tx::commit`] rolls everything back.
pub struct SqliteTx {
    pub(crate) tx: Transaction<'static, Sqlite>,
}

pub(crate) async fn contact(conn: &mut SqliteConnection, workspace_id: &str, id: &str) -> Result<Contact> {
    let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ? AND workspace_id = ?");
    let row = sqlx::query(&sql).bind(id).bind(workspace_id).fetch_optional(&mut *conn).await.map_err(db)?;
    row.as_ref().map(convert::contact).transpose()?.ok_or(Error::NotFound { what: "contact" })
}

pub(crate) async fn insert_log(conn: &mut SqliteConnection, e: &LogEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO log_entries (id, workspace_id, created_at, kind, outcome, summary, number_id, contact_id, message_id, \
         workflow_id, run_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&e.id)
    .bind(&e.workspace_id)
    .bind(ms(e.created_at))
    .bind(&e.kind)
    .bind(&e.outcome)
    .bind(&e.summary)
    .bind(&e.number_id)
    .bind(&e.contact_id)
    .bind(&e.message_id)
    .bind(&e.workflow_id)
    .bind(&e.run_id)
    .bind(e.detail.to_string())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn insert_contact_row(conn: &mut SqliteConnection, workspace_id: &str, phone: &str, name: &str, at: DateTime<Utc>) -> Result<Contact> {
    let id = new_id("ct");
    let sql = format!(
        "INSERT INTO contacts (id, workspace_id, phone, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING {CONTACT_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(&id)
        .bind(workspace_id)
        .bind(phone)
        .bind(name)
        .bind(ms(at))
        .bind(ms(at))
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { message, .. } => Error::Conflict { field: "phone".into(), message: format!("a contact with phone {phone} already exists ({message})") },
            other => other,
        })?;
    convert::contact(&row)
}

#[async_trait]
impl Tx for SqliteTx {
    async fn upsert_contact(&mut self, workspace_id: &str, phone: &str, name: &str, at: DateTime<Utc>) -> Result<(Contact, bool)> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE workspace_id = ? AND phone = ?");
        let row = sqlx::query(&sql).bind(workspace_id).bind(phone).fetch_optional(&mut *self.tx).await.map_err(db)?;
        if let Some(row) = row {
            let mut found = convert::contact(&row)?;
            if found.name.is_empty() && !name.is_empty() {
                sqlx::query("UPDATE contacts SET name = ?, updated_at = ? WHERE id = ?")
                    .bind(name)
                    .bind(ms(at))
                    .bind(&found.id)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                found.name = name.to_string();
            }
            return Ok((found, false));
        }
        Ok((insert_contact_row(&mut self.tx, workspace_id, phone, name, at).await?, true))
    }

    async fn contact(&mut self, workspace_id: &str, contact_id: &str) -> Result<Contact> {
        contact(&mut self.tx, workspace_id, contact_id).await
    }

    async fn set_contact_tags(&mut self, contact_id: &str, tags: &[String], at: DateTime<Utc>) -> Result<()> {
        let tags = serde_json::to_string(tags).map_err(|e| Error::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE contacts SET tags = ?, updated_at = ? WHERE id = ?")
            .bind(tags)
            .bind(ms(at))
            .bind(contact_id)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn set_contact_agent(&mut self, contact_id: &str, agent_id: Option<&str>, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE contacts SET assigned_agent_id = ?, updated_at = ? WHERE id = ?")
            .bind(agent_id)
            .bind(ms(at))
            .bind(contact_id)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn touch_conversation(&mut self, workspace_id: &str, number_id: &str, contact_id: &str, at: DateTime<Utc>) -> Result<String> {
        let id: String = sqlx::query_scalar(
            "INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (number_id, contact_id) DO UPDATE SET last_message_at = excluded.last_message_at RETURNING id",
        )
        .bind(new_id("cv"))
        .bind(workspace_id)
        .bind(number_id)
        .bind(contact_id)
        .bind(ms(at))
        .bind(ms(at))
        .fetch_one(&mut *self.tx)
        .await
        .map_err(db)?;
        Ok(id)
    }

    async fn insert_inbound(&mut self, m: &NewInbound) -> Result<Option<String>> {
        let id = new_id("msg");
        let inserted = sqlx::query(
            "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, \
             channel_message_id, sender_kind, status, created_at) VALUES (?, ?, ?, ?, ?, 'inbound', ?, ?, ?, 'contact', 'received', ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(&m.workspace_id)
        .bind(&m.conversation_id)
        .bind(&m.number_id)
        .bind(&m.contact_id)
        .bind(&m.message_type)
        .bind(&m.text)
        .bind(&m.channel_message_id)
        .bind(ms(m.at))
        .execute(&mut *self.tx)
        .await
        .map_err(db)?
        .rows_affected();
        Ok((inserted == 1).then_some(id))
    }

    async fn insert_outbound(&mut self, m: &NewOutbound) -> Result<String> {
        let id = new_id("msg");
        sqlx::query(
            "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, \
             sender_kind, sender_ref, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'outbound', 'text', ?, ?, ?, 'queued', ?, ?)",
        )
        .bind(&id)
        .bind(&m.workspace_id)
        .bind(&m.conversation_id)
        .bind(&m.number_id)
        .bind(&m.contact_id)
        .bind(&m.text)
        .bind(m.sender_kind)
        .bind(&m.sender_ref)
        .bind(ms(m.at))
        .bind(ms(m.at))
        .execute(&mut *self.tx)
        .await
        .map_err(db)?;
        Ok(id)
    }

    async fn waiting_run(&mut self, contact_id: &str, number_id: &str) -> Result<Option<Run>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE contact_id = ? AND number_id = ? AND state = 'waiting' ORDER BY id LIMIT 1"
        );
        let row = sqlx::query(&sql).bind(contact_id).bind(number_id).fetch_optional(&mut *self.tx).await.map_err(db)?;
        row.as_ref().map(convert::run).transpose()
    }

    async fn run(&mut self, run_id: &str) -> Result<Run> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?");
        let row = sqlx::query(&sql).bind(run_id).fetch_optional(&mut *self.tx).await.map_err(db)?;
        row.as_ref().map(convert::run).transpose()?.ok_or(Error::NotFound { what: "run" })
    }

    async fn insert_run(&mut self, r: &Run) -> Result<()> {
        sqlx::query(
            "INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, \
             current_step, variables, history, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&r.id)
        .bind(&r.workspace_id)
        .bind(&r.workflow_id)
        .bind(r.workflow_version)
        .bind(&r.contact_id)
        .bind(&r.number_id)
        .bind(&r.conversation_id)
        .bind(&r.state)
        .bind(&r.current_step)
        .bind(r.variables.to_string())
        .bind(r.history.to_string())
        .bind(ms(r.created_at))
        .bind(ms(r.updated_at))
        .execute(&mut *self.tx)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn update_run(&mut self, r: &Run) -> Result<()> {
        sqlx::query("UPDATE runs SET state = ?, current_step = ?, variables = ?, history = ?, updated_at = ? WHERE id = ?")
            .bind(&r.state)
            .bind(&r.current_step)
            .bind(r.variables.to_string())
            .bind(r.history.to_string())
            .bind(ms(r.updated_at))
            .bind(&r.id)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn workflow_version(&mut self, workflow_id: &str, version: i64) -> Result<Value> {
        let text: Option<String> = sqlx::query_scalar("SELECT document FROM workflow_versions WHERE workflow_id = ? AND version = ?")
            .bind(workflow_id)
            .bind(version)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db)?;
        let text = text.ok_or(Error::NotFound { what: "workflow version" })?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("workflow document: {e}")))
    }

    async fn insert_due_step(&mut self, run_id: &str, step_id: &str, kind: &str, due_at: DateTime<Utc>) -> Result<()> {
        sqlx::query("INSERT INTO due_steps (id, run_id, step_id, kind, due_at) VALUES (?, ?, ?, ?, ?)")
            .bind(new_id("due"))
            .bind(run_id)
            .bind(step_id)
            .bind(kind)
            .bind(ms(due_at))
            .execute(&mut *self.tx)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn take_due_step(&mut self, id: &str, owner: &str) -> Result<bool> {
        let deleted = sqlx::query("DELETE FROM due_steps WHERE id = ? AND lease_owner = ?")
            .bind(id)
            .bind(owner)
            .execute(&mut *self.tx)
            .await
            .map_err(db)?
            .rows_affected();
        Ok(deleted == 1)
    }

    async fn delete_due_steps(&mut self, run_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM due_steps WHERE run_id = ?").bind(run_id).execute(&mut *self.tx).await.map_err(db)?;
        Ok(())
    }

    async fn insert_log(&mut self, entry: &LogEntry) -> Result<()> {
        insert_log(&mut self.tx, entry).await
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await.map_err(db)
    }
}
