//! The engine's unit of work on SQLite: one `BEGIN IMMEDIATE` transaction on the write connection.

use crate::convert::{self, db, ms, CONTACT_COLUMNS, RUN_COLUMNS};
use crate::writer::WriteGuard;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use sqlx::{Sqlite, SqliteConnection};
use std::collections::{HashMap, HashSet};
use waflow_store::{
    new_id, Contact, ContactKey, ConversationKey, Error, LogEntry, NewInbound, NoticeWrite, Result,
    Run, Tx, Writes,
};

/// A write transaction. Dropping it without [`Tx::commit`] rolls everything back.
pub struct SqliteTx {
    pub(crate) tx: WriteGuard,
}

pub(crate) async fn contact(
    conn: &mut SqliteConnection,
    workspace_id: &str,
    id: &str,
) -> Result<Contact> {
    let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ? AND workspace_id = ?");
    convert::one_in_workspace(
        &mut *conn,
        &sql,
        id,
        workspace_id,
        convert::contact,
        "contact",
    )
    .await
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

pub(crate) async fn insert_contact_row(
    conn: &mut SqliteConnection,
    workspace_id: &str,
    phone: &str,
    name: &str,
    at: DateTime<Utc>,
) -> Result<Contact> {
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
            Error::Conflict { message, .. } => Error::Conflict {
                field: "phone".into(),
                message: format!("a contact with phone {phone} already exists ({message})"),
            },
            other => other,
        })?;
    convert::contact(&row)
}

/// Rows per multi-row statement: well under SQLite's limit of 32766 bound variables.
const CHUNK: usize = 200;

#[async_trait]
impl Tx for SqliteTx {
    async fn upsert_contacts(
        &mut self,
        keys: &[ContactKey],
        at: DateTime<Utc>,
    ) -> Result<Vec<(Contact, bool)>> {
        // Read first and write only what changes: most messages come from known contacts, and an
        // upsert would rewrite their rows (a dirty page each) for nothing.
        let mut found: HashMap<(String, String), Contact> = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts WHERE (workspace_id, phone) IN (VALUES "
            ));
            let mut pairs = q.separated(", ");
            for k in chunk {
                pairs.push("(");
                pairs.push_bind_unseparated(&k.workspace_id);
                pairs.push_unseparated(", ");
                pairs.push_bind_unseparated(&k.phone);
                pairs.push_unseparated(")");
            }
            q.push(")");
            for row in q.build().fetch_all(&mut *self.tx).await.map_err(db)? {
                let c = convert::contact(&row)?;
                found.insert((c.workspace_id.clone(), c.phone.clone()), c);
            }
        }
        let mut missing: Vec<&ContactKey> = Vec::new();
        for k in keys {
            match found.get_mut(&(k.workspace_id.clone(), k.phone.clone())) {
                None => missing.push(k),
                // Fill an empty name from the channel's profile name; otherwise leave the row.
                Some(c) if c.name.is_empty() && !k.name.is_empty() => {
                    sqlx::query("UPDATE contacts SET name = ?, updated_at = ? WHERE id = ?")
                        .bind(&k.name)
                        .bind(ms(at))
                        .bind(&c.id)
                        .execute(&mut *self.tx)
                        .await
                        .map_err(db)?;
                    c.name = k.name.clone();
                    c.updated_at = at;
                }
                Some(_) => {}
            }
        }
        let mut created: HashSet<String> = HashSet::new();
        for chunk in missing.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO contacts (id, workspace_id, phone, name, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, k| {
                b.push_bind(new_id("ct"))
                    .push_bind(&k.workspace_id)
                    .push_bind(&k.phone)
                    .push_bind(&k.name)
                    .push_bind(ms(at))
                    .push_bind(ms(at));
            });
            q.push(format!(" RETURNING {CONTACT_COLUMNS}"));
            for row in q.build().fetch_all(&mut *self.tx).await.map_err(db)? {
                let c = convert::contact(&row)?;
                created.insert(c.id.clone());
                found.insert((c.workspace_id.clone(), c.phone.clone()), c);
            }
        }
        keys.iter()
            .map(|k| {
                let c = found
                    .get(&(k.workspace_id.clone(), k.phone.clone()))
                    .cloned()
                    .ok_or(Error::NotFound { what: "contact" })?;
                let is_new = created.contains(&c.id);
                Ok((c, is_new))
            })
            .collect()
    }

    async fn apply_notice(&mut self, notice: &NoticeWrite) -> Result<String> {
        crate::notices::apply_notice(&mut self.tx, notice).await
    }

    async fn contact(&mut self, workspace_id: &str, contact_id: &str) -> Result<Contact> {
        contact(&mut self.tx, workspace_id, contact_id).await
    }

    async fn claim_date_fire(
        &mut self,
        workflow_id: &str,
        contact_id: &str,
        occurrence: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO date_trigger_fires (workflow_id, contact_id, occurrence, fired_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(workflow_id)
        .bind(contact_id)
        .bind(occurrence)
        .bind(ms(at))
        .execute(&mut *self.tx)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn ensure_conversation(
        &mut self,
        key: &ConversationKey,
        at: DateTime<Utc>,
    ) -> Result<String> {
        sqlx::query(
            "INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) \
             VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (number_id, contact_id) DO NOTHING",
        )
        .bind(new_id("cv"))
        .bind(&key.workspace_id)
        .bind(&key.number_id)
        .bind(&key.contact_id)
        .bind(ms(at))
        .execute(&mut *self.tx)
        .await
        .map_err(db)?;
        sqlx::query_scalar("SELECT id FROM conversations WHERE number_id = ? AND contact_id = ?")
            .bind(&key.number_id)
            .bind(&key.contact_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(db)
    }

    async fn touch_conversations(
        &mut self,
        keys: &[ConversationKey],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let mut found: HashMap<(String, String), String> = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) ");
            q.push_values(chunk, |mut b, k| {
                b.push_bind(new_id("cv"))
                    .push_bind(&k.workspace_id)
                    .push_bind(&k.number_id)
                    .push_bind(&k.contact_id)
                    .push_bind(ms(at))
                    .push_bind(ms(at));
            });
            q.push(" ON CONFLICT (number_id, contact_id) DO UPDATE SET last_message_at = excluded.last_message_at RETURNING id, number_id, contact_id");
            let rows: Vec<(String, String, String)> = q
                .build_query_as()
                .fetch_all(&mut *self.tx)
                .await
                .map_err(db)?;
            for (id, number, contact) in rows {
                found.insert((number, contact), id);
            }
        }
        keys.iter()
            .map(|k| {
                found
                    .get(&(k.number_id.clone(), k.contact_id.clone()))
                    .cloned()
                    .ok_or(Error::NotFound {
                        what: "conversation",
                    })
            })
            .collect()
    }

    async fn insert_inbound(&mut self, messages: &[NewInbound]) -> Result<Vec<Option<String>>> {
        let ids: Vec<String> = messages.iter().map(|_| new_id("msg")).collect();
        let mut inserted: HashSet<String> = HashSet::with_capacity(messages.len());
        for (chunk, chunk_ids) in messages.chunks(CHUNK).zip(ids.chunks(CHUNK)) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, \
                 channel_message_id, sender_kind, status, payload, reply_to, created_at) ",
            );
            q.push_values(chunk.iter().zip(chunk_ids), |mut b, (m, id)| {
                b.push_bind(id)
                    .push_bind(&m.workspace_id)
                    .push_bind(&m.conversation_id)
                    .push_bind(&m.number_id)
                    .push_bind(&m.contact_id)
                    .push_bind("inbound")
                    .push_bind(&m.message_type)
                    .push_bind(&m.text)
                    .push_bind(&m.channel_message_id)
                    .push_bind("contact")
                    .push_bind("received")
                    .push_bind(m.payload.as_ref().map(|p| p.to_string()))
                    .push_bind(&m.reply_to)
                    .push_bind(ms(m.at));
            });
            q.push(" ON CONFLICT DO NOTHING RETURNING id");
            let rows: Vec<String> = q
                .build_query_scalar()
                .fetch_all(&mut *self.tx)
                .await
                .map_err(db)?;
            inserted.extend(rows);
        }
        Ok(ids
            .into_iter()
            .map(|id| inserted.contains(&id).then_some(id))
            .collect())
    }

    async fn waiting_runs(&mut self, contact_ids: &[String]) -> Result<Vec<Run>> {
        let mut runs = Vec::new();
        for chunk in contact_ids.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE state = 'waiting' AND contact_id IN ("
            ));
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            q.push(") ORDER BY id");
            for row in q.build().fetch_all(&mut *self.tx).await.map_err(db)? {
                runs.push(convert::run(&row)?);
            }
        }
        Ok(runs)
    }

    async fn run(&mut self, run_id: &str) -> Result<Run> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(run_id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db)?;
        convert::found(row, convert::run, "run")
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

    async fn conversation_stats(
        &mut self,
        conversation_id: &str,
        current_message_id: &str,
    ) -> Result<waflow_domain::ConversationStats> {
        let (messages, outbound, inbound): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(CASE WHEN direction = 'outbound' THEN created_at END), \
             MAX(CASE WHEN direction = 'inbound' AND id != ?2 THEN created_at END) \
             FROM messages WHERE conversation_id = ?1",
        )
        .bind(conversation_id)
        .bind(current_message_id)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(db)?;
        Ok(waflow_domain::ConversationStats {
            messages,
            last_outbound_at: outbound.map(convert::time),
            previous_inbound_at: inbound.map(convert::time),
        })
    }

    async fn after_message(
        &mut self,
        conversation_id: &str,
        message_id: &str,
    ) -> Result<waflow_store::AfterMessage> {
        crate::ai::after_message(&mut self.tx, conversation_id, message_id).await
    }

    async fn take_event(&mut self, seq: i64) -> Result<bool> {
        crate::records::take_event(&mut self.tx, seq).await
    }

    async fn open_tickets(&mut self, contact_id: &str) -> Result<Vec<String>> {
        crate::records::open_tickets(&mut self.tx, contact_id).await
    }

    async fn claim_scheduled(
        &mut self,
        id: &str,
        contact_id: &str,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        crate::scheduled::claim(&mut self.tx, id, contact_id, message_id, at).await
    }

    async fn fail_scheduled(&mut self, id: &str, error: &str, at: DateTime<Utc>) -> Result<()> {
        crate::scheduled::fail(&mut self.tx, id, error, at).await
    }

    async fn campaign_state(&mut self, campaign_id: &str) -> Result<Option<String>> {
        crate::campaigns::state_of(&mut self.tx, campaign_id).await
    }

    async fn settle_recipients(
        &mut self,
        campaign_id: &str,
        outcomes: &[waflow_store::RecipientOutcome],
        at: DateTime<Utc>,
    ) -> Result<()> {
        crate::recipients::settle(&mut self.tx, campaign_id, outcomes, at).await
    }

    async fn apply(&mut self, w: &Writes) -> Result<()> {
        crate::apply::apply(&mut self.tx, w).await
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await
    }

    async fn commit_then_sync(self: Box<Self>) -> Result<waflow_store::Synced> {
        self.tx.commit_then_sync().await
    }
}
