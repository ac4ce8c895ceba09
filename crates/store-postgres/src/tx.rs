//! The engine's unit of work on PostgreSQL: one transaction on a pooled connection.
//!
//! Lists are bound as arrays (`= ANY($1)`, `UNNEST($1::text[], ...)`), so every statement here
//! has one text whatever the batch size, and no chunking is needed.

use crate::convert::{self, db, ms, CONTACT_COLUMNS, RUN_COLUMNS};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, Transaction};
use std::collections::{HashMap, HashSet};
use waflow_store::{
    new_id, Contact, ContactKey, ConversationKey, Error, NewInbound, NoticeWrite, Result, Run, Tx,
    Writes,
};

/// A write transaction (PostgreSQL's default isolation, read committed). Dropping it without
/// [`Tx::commit`] rolls everything back; the commit is durable when it returns.
pub struct PgTx {
    pub(crate) tx: Transaction<'static, Postgres>,
}

/// Reads a contact of a workspace (one of another workspace is not found).
pub(crate) async fn contact(
    conn: &mut PgConnection,
    workspace_id: &str,
    id: &str,
) -> Result<Contact> {
    let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1 AND workspace_id = $2");
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

#[async_trait]
impl Tx for PgTx {
    async fn upsert_contacts(
        &mut self,
        keys: &[ContactKey],
        at: DateTime<Utc>,
    ) -> Result<Vec<(Contact, bool)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // Read first and write only what changes: most messages come from known contacts, and an
        // upsert would rewrite their rows for nothing.
        let workspaces: Vec<&str> = keys.iter().map(|k| k.workspace_id.as_str()).collect();
        let phones: Vec<&str> = keys.iter().map(|k| k.phone.as_str()).collect();
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE (workspace_id, phone) IN \
             (SELECT * FROM UNNEST($1::text[], $2::text[]))"
        );
        let mut found: HashMap<(String, String), Contact> = HashMap::with_capacity(keys.len());
        for row in sqlx::query(&sql)
            .bind(&workspaces)
            .bind(&phones)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db)?
        {
            let c = convert::contact(&row)?;
            found.insert((c.workspace_id.clone(), c.phone.clone()), c);
        }
        let mut missing: Vec<&ContactKey> = Vec::new();
        for k in keys {
            match found.get_mut(&(k.workspace_id.clone(), k.phone.clone())) {
                None => missing.push(k),
                // Fill an empty name from the channel's profile name; otherwise leave the row.
                Some(c) if c.name.is_empty() && !k.name.is_empty() => {
                    sqlx::query("UPDATE contacts SET name = $1, updated_at = $2 WHERE id = $3")
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
        if !missing.is_empty() {
            let ids: Vec<String> = missing.iter().map(|_| new_id("ct")).collect();
            let workspaces: Vec<&str> = missing.iter().map(|k| k.workspace_id.as_str()).collect();
            let phones: Vec<&str> = missing.iter().map(|k| k.phone.as_str()).collect();
            let names: Vec<&str> = missing.iter().map(|k| k.name.as_str()).collect();
            // A contact created meanwhile by a concurrent transaction (another server) is not a
            // conflict: it is read back below, as found rather than created. On SQLite, whose
            // single writer excludes that, the statement has no ON CONFLICT clause.
            let sql = format!(
                "INSERT INTO contacts (id, workspace_id, phone, name, created_at, updated_at) \
                 SELECT id, workspace_id, phone, name, $5, $5 \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY \
                   AS t (id, workspace_id, phone, name, n) ORDER BY n \
                 ON CONFLICT (workspace_id, phone) DO NOTHING RETURNING {CONTACT_COLUMNS}"
            );
            for row in sqlx::query(&sql)
                .bind(&ids)
                .bind(&workspaces)
                .bind(&phones)
                .bind(&names)
                .bind(ms(at))
                .fetch_all(&mut *self.tx)
                .await
                .map_err(db)?
            {
                let c = convert::contact(&row)?;
                created.insert(c.id.clone());
                found.insert((c.workspace_id.clone(), c.phone.clone()), c);
            }
            if created.len() < missing.len() {
                let sql = format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts WHERE (workspace_id, phone) IN \
                     (SELECT * FROM UNNEST($1::text[], $2::text[]))"
                );
                for row in sqlx::query(&sql)
                    .bind(&workspaces)
                    .bind(&phones)
                    .fetch_all(&mut *self.tx)
                    .await
                    .map_err(db)?
                {
                    let c = convert::contact(&row)?;
                    found
                        .entry((c.workspace_id.clone(), c.phone.clone()))
                        .or_insert(c);
                }
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
        // Safe under concurrent transactions: a second insert of the same key waits for the
        // first and then does nothing, so exactly one claim succeeds.
        let done = sqlx::query(
            "INSERT INTO date_trigger_fires (workflow_id, contact_id, occurrence, fired_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
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
             VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (number_id, contact_id) DO NOTHING",
        )
        .bind(new_id("cv"))
        .bind(&key.workspace_id)
        .bind(&key.number_id)
        .bind(&key.contact_id)
        .bind(ms(at))
        .execute(&mut *self.tx)
        .await
        .map_err(db)?;
        sqlx::query_scalar("SELECT id FROM conversations WHERE number_id = $1 AND contact_id = $2")
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
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // PostgreSQL refuses to update one row twice in a statement (SQLite allows it): a key
        // given twice is written once, with the same effect.
        let mut seen: HashSet<(&str, &str)> = HashSet::with_capacity(keys.len());
        let unique: Vec<&ConversationKey> = keys
            .iter()
            .filter(|k| seen.insert((k.number_id.as_str(), k.contact_id.as_str())))
            .collect();
        let ids: Vec<String> = unique.iter().map(|_| new_id("cv")).collect();
        let workspaces: Vec<&str> = unique.iter().map(|k| k.workspace_id.as_str()).collect();
        let numbers: Vec<&str> = unique.iter().map(|k| k.number_id.as_str()).collect();
        let contacts: Vec<&str> = unique.iter().map(|k| k.contact_id.as_str()).collect();
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) \
             SELECT id, workspace_id, number_id, contact_id, $5, $5 \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY \
               AS t (id, workspace_id, number_id, contact_id, n) ORDER BY n \
             ON CONFLICT (number_id, contact_id) DO UPDATE SET last_message_at = excluded.last_message_at \
             RETURNING id, number_id, contact_id",
        )
        .bind(&ids)
        .bind(&workspaces)
        .bind(&numbers)
        .bind(&contacts)
        .bind(ms(at))
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db)?;
        let found: HashMap<(String, String), String> = rows
            .into_iter()
            .map(|(id, number, contact)| ((number, contact), id))
            .collect();
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
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = messages.iter().map(|_| new_id("msg")).collect();
        let column = |f: fn(&NewInbound) -> &str| -> Vec<&str> { messages.iter().map(f).collect() };
        let payloads: Vec<Option<String>> = messages
            .iter()
            .map(|m| m.payload.as_ref().map(|p| p.to_string()))
            .collect();
        let reply_to: Vec<Option<&str>> = messages.iter().map(|m| m.reply_to.as_deref()).collect();
        let at: Vec<i64> = messages.iter().map(|m| ms(m.at)).collect();
        // In input order, so that of two messages with one channel id the first is stored, as on
        // SQLite; a duplicate (here or from a concurrent transaction) is skipped.
        let rows: Vec<String> = sqlx::query_scalar(
            "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, \
             channel_message_id, sender_kind, status, payload, reply_to, created_at) \
             SELECT id, workspace_id, conversation_id, number_id, contact_id, 'inbound', message_type, body, \
             channel_message_id, 'contact', 'received', payload, reply_to, created_at \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
               $8::text[], $9::text[], $10::text[], $11::bigint[]) WITH ORDINALITY \
               AS t (id, workspace_id, conversation_id, number_id, contact_id, message_type, body, \
                     channel_message_id, payload, reply_to, created_at, n) ORDER BY n \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&ids)
        .bind(column(|m| &m.workspace_id))
        .bind(column(|m| &m.conversation_id))
        .bind(column(|m| &m.number_id))
        .bind(column(|m| &m.contact_id))
        .bind(column(|m| &m.message_type))
        .bind(column(|m| &m.text))
        .bind(column(|m| &m.channel_message_id))
        .bind(&payloads)
        .bind(&reply_to)
        .bind(&at)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(db)?;
        let inserted: HashSet<String> = rows.into_iter().collect();
        Ok(ids
            .into_iter()
            .map(|id| inserted.contains(&id).then_some(id))
            .collect())
    }

    async fn waiting_runs(&mut self, contact_ids: &[String]) -> Result<Vec<Run>> {
        if contact_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE state = 'waiting' AND contact_id = ANY($1) ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(contact_ids)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db)?;
        rows.iter().map(convert::run).collect()
    }

    async fn run(&mut self, run_id: &str) -> Result<Run> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(run_id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db)?;
        convert::found(row, convert::run, "run")
    }

    async fn take_due_step(&mut self, id: &str, owner: &str) -> Result<bool> {
        // Safe under concurrent transactions: a second delete of the row waits for the first and
        // then finds it gone (0 rows), so exactly one taker executes the step.
        let deleted = sqlx::query("DELETE FROM due_steps WHERE id = $1 AND lease_owner = $2")
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
             MAX(CASE WHEN direction = 'inbound' AND id != $2 THEN created_at END) \
             FROM messages WHERE conversation_id = $1",
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
        let (contact_wrote, agent_replied): (bool, bool) = sqlx::query_as(
            "SELECT \
               EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 AND id > $2 AND direction = 'inbound'), \
               EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 AND id > $2 AND direction = 'outbound' \
                       AND sender_kind IN ('agent', 'api', 'phone'))",
        )
        .bind(conversation_id)
        .bind(message_id)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(db)?;
        Ok(waflow_store::AfterMessage {
            contact_wrote,
            agent_replied,
        })
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
        crate::outreach::claim_scheduled(&mut self.tx, id, contact_id, message_id, at).await
    }

    async fn fail_scheduled(&mut self, id: &str, error: &str, at: DateTime<Utc>) -> Result<()> {
        crate::outreach::fail_scheduled(&mut self.tx, id, error, at).await
    }

    async fn campaign_state(&mut self, campaign_id: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT state FROM campaigns WHERE id = $1 FOR SHARE")
            .bind(campaign_id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db)
    }

    async fn settle_recipients(
        &mut self,
        campaign_id: &str,
        outcomes: &[waflow_store::RecipientOutcome],
        at: DateTime<Utc>,
    ) -> Result<()> {
        crate::outreach::settle_recipients(&mut self.tx, campaign_id, outcomes, at).await
    }

    async fn apply(&mut self, w: &Writes) -> Result<()> {
        crate::writes::apply(&mut self.tx, w).await
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await.map_err(db)
    }
}
