//! [`Store`] for [`SqliteStore`]: the reads and writes behind the REST API, the due-step claims
//! and the outbox.

use crate::convert::{
    self, db, ms, CONTACT_COLUMNS, CONVERSATION_SELECT, LOG_COLUMNS, MESSAGE_COLUMNS, RUN_COLUMNS,
    WORKFLOW_SELECT,
};
use crate::tx::{self, SqliteTx};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use waflow_store::*;

fn not_found(what: &'static str) -> Error {
    Error::NotFound { what }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))
}

async fn create_workspace(conn: &mut SqliteConnection, name: &str) -> Result<Workspace> {
    let id = new_id("ws");
    let at = ms(now());
    let row =
        sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?) RETURNING *")
            .bind(&id)
            .bind(name)
            .bind(at)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
    sqlx::query("INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES (?, ?, 'Sandbox', 'sandbox', 'connected', ?)")
        .bind(new_id("num"))
        .bind(&id)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    convert::workspace(&row)
}

async fn write_workflow(
    conn: &mut SqliteConnection,
    id: &str,
    version: i64,
    w: &WorkflowWrite,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES (?, ?, ?, ?)")
        .bind(id)
        .bind(version)
        .bind(w.document.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

impl SqliteStore {
    async fn workflow_on(
        &self,
        conn: &mut SqliteConnection,
        workspace_id: &str,
        id: &str,
    ) -> Result<Workflow> {
        let sql = format!("{WORKFLOW_SELECT} WHERE w.id = ? AND w.workspace_id = ?");
        convert::one_in_workspace(
            &mut *conn,
            &sql,
            id,
            workspace_id,
            convert::workflow,
            "workflow",
        )
        .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn begin(&self) -> Result<Box<dyn Tx>> {
        let tx = self.writer.begin().await?;
        Ok(Box::new(SqliteTx { tx }))
    }

    async fn ensure_default_workspace(&self) -> Result<Workspace> {
        self.workspace_by_name_or_create("default").await
    }

    async fn workspace_by_name_or_create(&self, name: &str) -> Result<Workspace> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query("SELECT * FROM workspaces WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let ws = match row {
            Some(row) => convert::workspace(&row)?,
            None => create_workspace(&mut tx, name).await?,
        };
        tx.commit().await?;
        Ok(ws)
    }

    async fn workspace(&self, id: &str) -> Result<Workspace> {
        let row = sqlx::query("SELECT * FROM workspaces WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }

    async fn workspaces(&self) -> Result<Vec<Workspace>> {
        let rows = sqlx::query("SELECT * FROM workspaces ORDER BY id")
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::workspace).collect()
    }

    async fn update_workspace_settings(
        &self,
        id: &str,
        settings: &WorkspaceSettings,
    ) -> Result<Workspace> {
        let row = sqlx::query("UPDATE workspaces SET time_zone = ?, business_hours = ?, holidays = ?, agents_may_self_assign = ?, takeover_hours = ? WHERE id = ? RETURNING *")
            .bind(&settings.time_zone)
            .bind(settings.business_hours.to_string())
            .bind(settings.holidays.to_string())
            .bind(settings.agents_may_self_assign)
            .bind(settings.takeover_hours)
            .bind(id)
            .fetch_optional(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }

    async fn set_events_url(&self, id: &str, url: Option<&str>) -> Result<Workspace> {
        let row = sqlx::query("UPDATE workspaces SET events_url = ? WHERE id = ? RETURNING *")
            .bind(url)
            .bind(id)
            .fetch_optional(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        convert::found(row, convert::workspace, "workspace")
    }

    async fn set_agent_password(
        &self,
        workspace_id: &str,
        agent_id: &str,
        hash: &str,
    ) -> Result<()> {
        let n =
            sqlx::query("UPDATE agents SET password_hash = ? WHERE id = ? AND workspace_id = ?")
                .bind(hash)
                .bind(agent_id)
                .bind(workspace_id)
                .execute(&mut *self.writer.lock().await?)
                .await
                .map_err(db)?
                .rows_affected();
        if n == 0 {
            return Err(not_found("agent"));
        }
        Ok(())
    }

    async fn agents_by_email(&self, email: &str) -> Result<Vec<(Agent, Option<String>)>> {
        let rows = sqlx::query("SELECT * FROM agents WHERE email = ? ORDER BY id")
            .bind(email)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let hash: Option<String> = sqlx::Row::try_get(row, "password_hash").map_err(db)?;
                Ok((convert::agent(row)?, hash))
            })
            .collect()
    }

    async fn insert_agent(
        &self,
        workspace_id: &str,
        name: &str,
        email: &str,
        role: &str,
    ) -> Result<Agent> {
        let row = sqlx::query("INSERT INTO agents (id, workspace_id, name, email, role, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *")
            .bind(new_id("ag"))
            .bind(workspace_id)
            .bind(name)
            .bind(email)
            .bind(role)
            .bind(ms(now()))
            .fetch_one(&mut *self.writer.lock().await?)
            .await
            .map_err(|e| match db(e) {
                Error::Conflict { .. } => Error::Conflict { field: "email".into(), message: format!("an agent with email {email} already exists") },
                other => other,
            })?;
        convert::agent(&row)
    }

    async fn agents(&self, workspace_id: &str) -> Result<Vec<Agent>> {
        let rows = sqlx::query("SELECT * FROM agents WHERE workspace_id = ? ORDER BY id")
            .bind(workspace_id)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::agent).collect()
    }

    async fn agent(&self, workspace_id: &str, id: &str) -> Result<Agent> {
        convert::one_in_workspace(
            &self.read,
            "SELECT * FROM agents WHERE id = ? AND workspace_id = ?",
            id,
            workspace_id,
            convert::agent,
            "agent",
        )
        .await
    }

    async fn update_agent(
        &self,
        workspace_id: &str,
        id: &str,
        name: Option<&str>,
        role: Option<&str>,
    ) -> Result<Agent> {
        crate::owners::update_agent(&self.writer, workspace_id, id, name, role).await
    }

    async fn delete_agent(&self, workspace_id: &str, id: &str) -> Result<()> {
        crate::owners::delete_agent(&self.writer, workspace_id, id).await
    }

    async fn insert_number(
        &self,
        workspace_id: &str,
        label: &str,
        channel: &str,
        status: &str,
    ) -> Result<Number> {
        let row = sqlx::query("INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *")
            .bind(new_id("num"))
            .bind(workspace_id)
            .bind(label)
            .bind(channel)
            .bind(status)
            .bind(ms(now()))
            .fetch_one(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        convert::number(&row)
    }

    async fn insert_channel_number(&self, workspace_id: &str, new: &NewNumber) -> Result<Number> {
        let row = sqlx::query(
            "INSERT INTO numbers (id, workspace_id, label, channel, status, external_id, settings, secrets, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(new_id("num"))
        .bind(workspace_id)
        .bind(&new.label)
        .bind(&new.channel)
        .bind(&new.status)
        .bind(&new.external_id)
        .bind(new.settings.to_string())
        .bind(&new.sealed_secrets)
        .bind(ms(now()))
        .fetch_one(&mut *self.writer.lock().await?)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::Conflict {
                field: "external_id".into(),
                message: format!(
                    "a {} number with id {} is already connected",
                    new.channel,
                    new.external_id.as_deref().unwrap_or("")
                ),
            },
            other => other,
        })?;
        convert::number(&row)
    }

    async fn channel_number(&self, id: &str) -> Result<ChannelNumber> {
        let row = sqlx::query("SELECT * FROM numbers WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        convert::found(row, convert::channel_number, "number")
    }

    async fn channel_numbers(&self, channel: &str) -> Result<Vec<ChannelNumber>> {
        let rows = sqlx::query("SELECT * FROM numbers WHERE channel = ? ORDER BY id")
            .bind(channel)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::channel_number).collect()
    }

    async fn phone_of_user_id(&self, workspace_id: &str, user_id: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT phone FROM contacts WHERE workspace_id = ? AND wa_user_id = ?")
            .bind(workspace_id)
            .bind(user_id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)
    }

    async fn join_user_id(
        &self,
        workspace_id: &str,
        phone: &str,
        user_id: &str,
        at: DateTime<Utc>,
    ) -> Result<UserIdJoin> {
        let mut tx = self.writer.begin().await?;
        let joined = crate::merge::join_user_id(&mut tx, workspace_id, phone, user_id, at).await?;
        tx.commit().await?;
        Ok(joined)
    }

    async fn link_user_id(
        &self,
        workspace_id: &str,
        contact_id: &str,
        user_id: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE contacts SET wa_user_id = ?1 WHERE id = ?2 AND workspace_id = ?3 AND wa_user_id IS NULL \
             AND NOT EXISTS (SELECT 1 FROM contacts WHERE workspace_id = ?3 AND wa_user_id = ?1)",
        )
        .bind(user_id)
        .bind(contact_id)
        .bind(workspace_id)
        .execute(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn end_contact_runs(
        &self,
        workspace_id: &str,
        contact_id: &str,
        reason: &str,
    ) -> Result<Vec<String>> {
        let at = now();
        let mut tx = self.writer.begin().await?;
        let ended: Vec<(String, String, String)> = sqlx::query_as(
            "UPDATE runs SET state = 'ended', updated_at = ? WHERE workspace_id = ? AND contact_id = ? \
             AND state IN ('active', 'waiting') RETURNING id, workflow_id, number_id",
        )
        .bind(ms(at))
        .bind(workspace_id)
        .bind(contact_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for (run_id, workflow_id, number_id) in &ended {
            sqlx::query("DELETE FROM due_steps WHERE run_id = ?")
                .bind(run_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let entry = LogEntry {
                id: new_id("log"),
                workspace_id: workspace_id.to_string(),
                created_at: at,
                kind: "run".into(),
                outcome: "ended".into(),
                summary: format!("run ended: {reason}"),
                number_id: Some(number_id.clone()),
                contact_id: Some(contact_id.to_string()),
                message_id: None,
                workflow_id: Some(workflow_id.clone()),
                run_id: Some(run_id.clone()),
                detail: serde_json::json!({"reason": reason}),
            };
            tx::insert_log(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(ended.into_iter().map(|(id, _, _)| id).collect())
    }

    async fn replace_templates(
        &self,
        workspace_id: &str,
        number_id: &str,
        templates: &[MessageTemplate],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM message_templates WHERE number_id = ? AND workspace_id = ?")
            .bind(number_id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for t in templates {
            sqlx::query(
                "INSERT INTO message_templates (number_id, workspace_id, name, language, category, status, components, synced_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(number_id)
            .bind(workspace_id)
            .bind(&t.name)
            .bind(&t.language)
            .bind(&t.category)
            .bind(&t.status)
            .bind(t.components.to_string())
            .bind(ms(t.synced_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await
    }

    async fn templates(&self, workspace_id: &str, number_id: &str) -> Result<Vec<MessageTemplate>> {
        let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT name, language, category, status, components, synced_at FROM message_templates \
             WHERE number_id = ? AND workspace_id = ? ORDER BY name, language",
        )
        .bind(number_id)
        .bind(workspace_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(
                |(name, language, category, status, components, synced_at)| {
                    Ok(MessageTemplate {
                        approved: status == "APPROVED",
                        components: serde_json::from_str(&components)
                            .map_err(|e| Error::Corrupt(format!("template components: {e}")))?,
                        name,
                        language,
                        category,
                        status,
                        synced_at: convert::time(synced_at),
                    })
                },
            )
            .collect()
    }

    async fn insert_webhook_deliveries(&self, new: &[NewWebhookDelivery]) -> Result<Vec<String>> {
        let ids: Vec<String> = new.iter().map(|_| new_id("whk")).collect();
        let at = ms(now());
        let mut tx = self.writer.begin().await?;
        for (chunk, chunk_ids) in new.chunks(200).zip(ids.chunks(200)) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO webhook_events (id, workspace_id, number_id, received_at, body) ",
            );
            q.push_values(chunk.iter().zip(chunk_ids), |mut b, (d, id)| {
                b.push_bind(id)
                    .push_bind(&d.workspace_id)
                    .push_bind(&d.number_id)
                    .push_bind(at)
                    .push_bind(&d.body);
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn pending_webhook_deliveries(&self, limit: i64) -> Result<Vec<WebhookDelivery>> {
        let rows: Vec<(String, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, workspace_id, number_id, received_at, body FROM webhook_events \
             WHERE processed_at IS NULL ORDER BY id LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, workspace_id, number_id, received_at, body)| WebhookDelivery {
                    id,
                    workspace_id,
                    number_id,
                    received_at: convert::time(received_at),
                    body,
                },
            )
            .collect())
    }

    async fn finish_webhook_deliveries(&self, done: &[(String, Option<String>)]) -> Result<()> {
        let at = ms(now());
        let mut tx = self.writer.begin().await?;
        for (id, error) in done {
            sqlx::query("UPDATE webhook_events SET processed_at = ?, error = ? WHERE id = ?")
                .bind(at)
                .bind(error)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await
    }

    async fn apply_message_statuses(
        &self,
        changes: &[StatusChange],
    ) -> Result<Vec<Option<AppliedStatus>>> {
        let mut tx = self.writer.begin().await?;
        let applied = crate::notices::apply_statuses(&mut tx, changes, Utc::now()).await?;
        tx.commit().await?;
        Ok(applied)
    }

    async fn active_workflows_with_trigger(&self, trigger_type: &str) -> Result<Vec<Workflow>> {
        let rows = sqlx::query(&format!(
            "{WORKFLOW_SELECT} WHERE w.active = 1 AND w.trigger_type = ? ORDER BY w.workspace_id, w.priority, w.id"
        ))
        .bind(trigger_type)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(convert::workflow).collect()
    }

    async fn idle_conversations(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(String, String, String)>> {
        sqlx::query_as(
            "SELECT c.contact_id, c.number_id, m.id FROM conversations c \
             JOIN messages m ON m.id = (SELECT id FROM messages WHERE conversation_id = c.id ORDER BY id DESC LIMIT 1) \
             WHERE c.workspace_id = ?1 AND m.direction = 'outbound' AND m.created_at > ?2 AND m.created_at <= ?3 \
             AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = m.sender_ref AND r.workflow_id = ?4) \
             AND NOT EXISTS (SELECT 1 FROM date_trigger_fires f WHERE f.workflow_id = ?4 AND f.contact_id = c.contact_id AND f.occurrence = m.id)",
        )
        .bind(workspace_id)
        .bind(ms(from))
        .bind(ms(until))
        .bind(workflow_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)
    }

    async fn contacts_with_field(
        &self,
        workspace_id: &str,
        field: &str,
        workflow_id: &str,
        occurrence: &str,
    ) -> Result<Vec<(String, String, Option<String>)>> {
        // Contacts already claimed for this occurrence are left out here, so a check that runs
        // every 30 s does not open a write transaction per contact only to find the claim taken.
        sqlx::query_as(
            "SELECT k.id, CAST(json_extract(k.fields, '$.\"' || ?1 || '\"') AS TEXT), \
             (SELECT c.number_id FROM conversations c WHERE c.contact_id = k.id ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1) \
             FROM contacts k WHERE k.workspace_id = ?2 AND json_extract(k.fields, '$.\"' || ?1 || '\"') IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM date_trigger_fires f WHERE f.workflow_id = ?3 AND f.contact_id = k.id AND f.occurrence = ?4)",
        )
        .bind(field)
        .bind(workspace_id)
        .bind(workflow_id)
        .bind(occurrence)
        .fetch_all(&self.read)
        .await
        .map_err(db)
    }

    async fn numbers(&self, workspace_id: &str) -> Result<Vec<Number>> {
        let rows = sqlx::query("SELECT * FROM numbers WHERE workspace_id = ? ORDER BY id")
            .bind(workspace_id)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::number).collect()
    }

    async fn number(&self, workspace_id: &str, id: &str) -> Result<Number> {
        convert::one_in_workspace(
            &self.read,
            "SELECT * FROM numbers WHERE id = ? AND workspace_id = ?",
            id,
            workspace_id,
            convert::number,
            "number",
        )
        .await
    }

    async fn update_number(&self, workspace_id: &str, id: &str, p: &NumberPatch) -> Result<Number> {
        let row = sqlx::query(
            "UPDATE numbers SET label = COALESCE(?1, label), automation = COALESCE(?2, automation), marketing = COALESCE(?3, marketing), \
             status_since = CASE WHEN ?4 IS NOT NULL AND ?4 != status THEN ?7 ELSE status_since END, \
             status_reason = CASE WHEN ?4 IS NOT NULL THEN ?8 ELSE status_reason END, \
             status = COALESCE(?4, status) WHERE id = ?5 AND workspace_id = ?6 RETURNING *",
        )
        .bind(&p.label)
        .bind(p.automation)
        .bind(p.marketing)
        .bind(&p.status)
        .bind(id)
        .bind(workspace_id)
        .bind(ms(p.at.unwrap_or_else(now)))
        .bind(&p.status_reason)
        .fetch_optional(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        convert::found(row, convert::number, "number")
    }

    async fn delete_number(&self, workspace_id: &str, id: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let n = sqlx::query("DELETE FROM numbers WHERE id = ? AND workspace_id = ?")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(not_found("number"));
        }
        // The documents keep their scope field; the matcher reads scope from the document, so the
        // new version written here makes the workflow global everywhere.
        let scoped: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT w.id, w.version, v.document FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.version \
             WHERE w.workspace_id = ? AND w.scope_number_id = ?",
        )
        .bind(workspace_id)
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let at = ms(now());
        for (wf_id, version, document) in scoped {
            let mut doc: Value =
                serde_json::from_str(&document).map_err(|e| Error::Corrupt(e.to_string()))?;
            doc["scope"] = Value::String("all".into());
            sqlx::query("INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES (?, ?, ?, ?)")
                .bind(&wf_id)
                .bind(version + 1)
                .bind(doc.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            sqlx::query("UPDATE workflows SET scope_number_id = NULL, version = ?, updated_at = ? WHERE id = ?")
                .bind(version + 1)
                .bind(at)
                .bind(&wf_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await
    }

    async fn insert_contact(
        &self,
        workspace_id: &str,
        phone: &str,
        name: &str,
        patch: &ContactPatch,
    ) -> Result<Contact> {
        let mut tx = self.writer.begin().await?;
        let created = tx::insert_contact_row(&mut tx, workspace_id, phone, name, now()).await?;
        tx.commit().await?;
        self.update_contact(workspace_id, &created.id, patch).await
    }

    async fn contacts(&self, workspace_id: &str, f: &ContactFilter) -> Result<Vec<Contact>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE workspace_id = "
        ));
        q.push_bind(workspace_id);
        if let Some(agent) = &f.assigned_to {
            q.push(" AND assigned_agent_id = ").push_bind(agent);
        }
        if let Some(after) = &f.after_id {
            q.push(" AND id > ").push_bind(after);
        }
        if let Some(tag) = &f.tag {
            // Tags are stored as a JSON array of strings; compare the quoted, lower-cased form.
            q.push(" AND lower(tags) LIKE ")
                .push_bind(format!("%{}%", json_text(&tag.to_lowercase())?));
        }
        if let Some(list) = &f.list {
            q.push(" AND EXISTS (SELECT 1 FROM json_each(contacts.lists) WHERE lower(value) = ")
                .push_bind(list.to_lowercase())
                .push(")");
        }
        if let Some(s) = &f.search {
            let pattern = format!("%{}%", s.to_lowercase());
            q.push(" AND (lower(name) LIKE ")
                .push_bind(pattern.clone())
                .push(" OR phone LIKE ")
                .push_bind(pattern)
                .push(")");
        }
        q.push(" ORDER BY id LIMIT ").push_bind(f.limit);
        let rows = q.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(convert::contact).collect()
    }

    async fn contact(&self, workspace_id: &str, id: &str) -> Result<Contact> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        tx::contact(&mut conn, workspace_id, id).await
    }

    async fn update_contact(
        &self,
        workspace_id: &str,
        id: &str,
        p: &ContactPatch,
    ) -> Result<Contact> {
        let tags = p.tags.as_ref().map(json_text).transpose()?;
        let fields = p.fields.as_ref().map(json_text).transpose()?;
        let (set_agent, agent) = match &p.assigned_agent_id {
            Some(a) => (true, a.clone()),
            None => (false, None),
        };
        let sql = format!(
            "UPDATE contacts SET name = COALESCE(?, name), tags = COALESCE(?, tags), fields = COALESCE(?, fields), \
             assigned_agent_id = CASE WHEN ? THEN ? ELSE assigned_agent_id END, blocked = COALESCE(?, blocked), \
             excluded = COALESCE(?, excluded), \
             opted_out_at = CASE WHEN ? IS NULL THEN opted_out_at WHEN ? THEN COALESCE(opted_out_at, ?) ELSE NULL END, \
             updated_at = ? WHERE id = ? AND workspace_id = ? RETURNING {CONTACT_COLUMNS}"
        );
        let at = ms(now());
        let row = sqlx::query(&sql)
            .bind(&p.name)
            .bind(tags)
            .bind(fields)
            .bind(set_agent)
            .bind(agent)
            .bind(p.blocked)
            .bind(p.excluded_from_automation)
            .bind(p.opted_out)
            .bind(p.opted_out)
            .bind(at)
            .bind(at)
            .bind(id)
            .bind(workspace_id)
            .fetch_optional(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        convert::found(row, convert::contact, "contact")
    }

    async fn delete_contact(&self, workspace_id: &str, id: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM runs WHERE contact_id = ? AND workspace_id = ?")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let n = sqlx::query("DELETE FROM contacts WHERE id = ? AND workspace_id = ?")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(not_found("contact"));
        }
        tx.commit().await
    }

    async fn conversations(
        &self,
        workspace_id: &str,
        f: &ConversationFilter,
    ) -> Result<Vec<Conversation>> {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("{CONVERSATION_SELECT} WHERE c.workspace_id = "));
        q.push_bind(workspace_id);
        if let Some(b) = &f.before_id {
            q.push(" AND c.id < ").push_bind(b);
        }
        if let Some(c) = &f.contact_id {
            q.push(" AND c.contact_id = ").push_bind(c);
        }
        if let Some(n) = &f.number_id {
            q.push(" AND c.number_id = ").push_bind(n);
        }
        if let Some(a) = &f.assigned_to {
            q.push(" AND k.assigned_agent_id = ").push_bind(a);
        }
        if let Some(text) = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            // `instr` rather than LIKE: the text is matched as it is (no wildcards to escape).
            let text = text.to_lowercase();
            q.push(" AND (instr(lower(k.name), ")
                .push_bind(text.clone());
            q.push(") > 0 OR instr(k.phone, ").push_bind(text.clone());
            q.push(") > 0 OR EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = c.id AND instr(lower(s.body), ")
                .push_bind(text)
                .push(") > 0))");
        }
        q.push(" ORDER BY c.id DESC LIMIT ").push_bind(f.limit);
        let rows = q.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(convert::conversation).collect()
    }

    async fn conversation(&self, workspace_id: &str, id: &str) -> Result<Conversation> {
        let sql = format!("{CONVERSATION_SELECT} WHERE c.id = ? AND c.workspace_id = ?");
        convert::one_in_workspace(
            &self.read,
            &sql,
            id,
            workspace_id,
            convert::conversation,
            "conversation",
        )
        .await
    }

    async fn messages(
        &self,
        workspace_id: &str,
        conversation_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE workspace_id = ? AND conversation_id = ? AND id > ? ORDER BY id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(conversation_id)
            .bind(after_id.unwrap_or(""))
            .bind(limit)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::message).collect()
    }

    async fn outbound_messages(
        &self,
        workspace_id: &str,
        number_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE workspace_id = ? AND number_id = ? AND direction = 'outbound' AND id > ? \
             ORDER BY id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(number_id)
            .bind(after_id.unwrap_or(""))
            .bind(limit)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::message).collect()
    }

    async fn message(&self, workspace_id: &str, id: &str) -> Result<Message> {
        let sql =
            format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ? AND workspace_id = ?");
        convert::one_in_workspace(
            &self.read,
            &sql,
            id,
            workspace_id,
            convert::message,
            "message",
        )
        .await
    }

    async fn insert_workflow(&self, workspace_id: &str, w: &WorkflowWrite) -> Result<Workflow> {
        let id = new_id("wf");
        let at = ms(now());
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, phrase_key, scope_number_id, \
             created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(workspace_id)
        .bind(&w.name)
        .bind(w.active)
        .bind(w.priority)
        .bind(&w.trigger_type)
        .bind(&w.phrase_key)
        .bind(&w.scope_number_id)
        .bind(at)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        write_workflow(&mut tx, &id, 1, w, at).await?;
        let created = self.workflow_on(&mut tx, workspace_id, &id).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn update_workflow(
        &self,
        workspace_id: &str,
        id: &str,
        w: &WorkflowWrite,
    ) -> Result<Workflow> {
        let at = ms(now());
        let mut tx = self.writer.begin().await?;
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE workflows SET name = ?, version = version + 1, active = ?, priority = ?, trigger_type = ?, phrase_key = ?, \
             scope_number_id = ?, updated_at = ? WHERE id = ? AND workspace_id = ? RETURNING version",
        )
        .bind(&w.name)
        .bind(w.active)
        .bind(w.priority)
        .bind(&w.trigger_type)
        .bind(&w.phrase_key)
        .bind(&w.scope_number_id)
        .bind(at)
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let version = version.ok_or(not_found("workflow"))?;
        write_workflow(&mut tx, id, version, w, at).await?;
        let updated = self.workflow_on(&mut tx, workspace_id, id).await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn workflows(&self, workspace_id: &str) -> Result<Vec<Workflow>> {
        let sql = format!("{WORKFLOW_SELECT} WHERE w.workspace_id = ? ORDER BY w.priority, w.id");
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::workflow).collect()
    }

    async fn workflow(&self, workspace_id: &str, id: &str) -> Result<Workflow> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        self.workflow_on(&mut conn, workspace_id, id).await
    }

    async fn delete_logs_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut deleted = 0;
        loop {
            // `created_at` has no index (one more on the hot path is not worth an hourly job):
            // the scan runs on a reader, and the write connection only deletes by id.
            let ids: Vec<String> =
                sqlx::query_scalar("SELECT id FROM log_entries WHERE created_at < ? LIMIT 2000")
                    .bind(ms(before))
                    .fetch_all(&self.read)
                    .await
                    .map_err(db)?;
            if ids.is_empty() {
                return Ok(deleted);
            }
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("DELETE FROM log_entries WHERE id IN (");
            let mut list = q.separated(", ");
            for id in &ids {
                list.push_bind(id);
            }
            q.push(")");
            deleted += q
                .build()
                .execute(&mut *self.writer.lock().await?)
                .await
                .map_err(db)?
                .rows_affected();
            if ids.len() < 2000 {
                return Ok(deleted);
            }
        }
    }

    async fn workflow_by_id(&self, id: &str) -> Result<Workflow> {
        let row = sqlx::query(&format!("{WORKFLOW_SELECT} WHERE w.id = ?"))
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        convert::found(row, convert::workflow, "workflow")
    }

    async fn notifications(
        &self,
        workspace_id: &str,
        agent_id: Option<&str>,
        assigned_to: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(String, Option<String>, String, Option<String>, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, agent_id, contact_id, run_id, text, created_at, read_at FROM notifications \
             WHERE workspace_id = ?1 AND (?2 IS NULL OR agent_id = ?2 OR agent_id IS NULL) \
             AND (?3 IS NULL OR contact_id IN (SELECT id FROM contacts WHERE workspace_id = ?1 AND assigned_agent_id = ?3)) \
             ORDER BY id DESC LIMIT ?4",
        )
        .bind(workspace_id)
        .bind(agent_id)
        .bind(assigned_to)
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, agent_id, contact_id, run_id, text, created_at, read_at)| Notification {
                    id,
                    workspace_id: workspace_id.to_string(),
                    agent_id,
                    contact_id,
                    run_id,
                    text,
                    created_at: convert::time(created_at),
                    read_at: read_at.map(convert::time),
                },
            )
            .collect())
    }

    async fn read_notification(
        &self,
        workspace_id: &str,
        id: &str,
        assigned_to: Option<&str>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = COALESCE(read_at, ?1) WHERE id = ?2 AND workspace_id = ?3 \
             AND (?4 IS NULL OR ((agent_id IS NULL OR agent_id = ?4) \
             AND contact_id IN (SELECT id FROM contacts WHERE workspace_id = ?3 AND assigned_agent_id = ?4)))",
        )
        .bind(ms(now()))
        .bind(id)
        .bind(workspace_id)
        .bind(assigned_to)
        .execute(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                what: "notification",
            });
        }
        Ok(())
    }

    async fn workflow_counters(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        sqlx::query_as(
            "SELECT c.step_id, c.counter, c.value FROM workflow_counters c JOIN workflows w ON w.id = c.workflow_id \
             WHERE w.id = ? AND w.workspace_id = ? ORDER BY c.step_id, c.counter",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)
    }

    async fn workflow_versions(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<(i64, DateTime<Utc>)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT v.version, v.created_at FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id \
             WHERE w.id = ? AND w.workspace_id = ? AND v.version > 0 ORDER BY v.version",
        )
        .bind(workflow_id)
        .bind(workspace_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|(v, at)| (v, convert::time(at)))
            .collect())
    }

    async fn workflow_draft(&self, workspace_id: &str, workflow_id: &str) -> Result<Option<Value>> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT draft FROM workflows WHERE id = ? AND workspace_id = ?")
                .bind(workflow_id)
                .bind(workspace_id)
                .fetch_optional(&self.read)
                .await
                .map_err(db)?;
        let Some((draft,)) = row else {
            return Err(Error::NotFound { what: "workflow" });
        };
        draft
            .map(|d| serde_json::from_str(&d).map_err(|e| Error::Corrupt(format!("draft: {e}"))))
            .transpose()
    }

    async fn set_workflow_draft(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        draft: Option<&Value>,
    ) -> Result<()> {
        let done = sqlx::query("UPDATE workflows SET draft = ? WHERE id = ? AND workspace_id = ?")
            .bind(draft.map(|d| d.to_string()))
            .bind(workflow_id)
            .bind(workspace_id)
            .execute(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound { what: "workflow" });
        }
        Ok(())
    }

    async fn workflow_version(&self, workflow_id: &str, version: i64) -> Result<Value> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT document FROM workflow_versions WHERE workflow_id = ? AND version = ?",
        )
        .bind(workflow_id)
        .bind(version)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let text = text.ok_or(not_found("workflow version"))?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("workflow document: {e}")))
    }

    async fn delete_workflows(&self, workspace_id: &str, ids: &[String]) -> Result<u64> {
        let mut tx = self.writer.begin().await?;
        let mut deleted = 0;
        for id in ids {
            let removed = sqlx::query("DELETE FROM workflows WHERE id = ? AND workspace_id = ?")
                .bind(id)
                .bind(workspace_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
            if removed == 0 {
                continue;
            }
            deleted += removed;
            // Its versions go with it, so its unfinished runs end here rather than fail later.
            sqlx::query(
                "DELETE FROM due_steps WHERE run_id IN \
                 (SELECT id FROM runs WHERE workflow_id = ? AND state IN ('active', 'waiting'))",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query("UPDATE runs SET state = 'ended', updated_at = ? WHERE workflow_id = ? AND state IN ('active', 'waiting')")
                .bind(ms(now()))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    async fn active_workflows_with_phrase(
        &self,
        workspace_id: &str,
        phrase_key: &str,
        except_id: Option<&str>,
    ) -> Result<Vec<Workflow>> {
        let sql = format!("{WORKFLOW_SELECT} WHERE w.workspace_id = ? AND w.active = 1 AND w.phrase_key = ? AND w.id <> ?");
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(phrase_key)
            .bind(except_id.unwrap_or(""))
            .fetch_all(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        rows.iter().map(convert::workflow).collect()
    }

    async fn insert_workflow_set(
        &self,
        workspace_id: &str,
        id: &str,
        members: &Value,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO workflow_sets (id, workspace_id, members, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(workspace_id)
        .bind(members.to_string())
        .bind(ms(now()))
        .execute(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn workflow_set(&self, workspace_id: &str, id: &str) -> Result<Value> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT members FROM workflow_sets WHERE id = ? AND workspace_id = ?",
        )
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let text = text.ok_or(not_found("workflow set"))?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("workflow set: {e}")))
    }

    async fn run(&self, workspace_id: &str, id: &str) -> Result<Run> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ? AND workspace_id = ?");
        convert::one_in_workspace(&self.read, &sql, id, workspace_id, convert::run, "run").await
    }

    async fn runs_of_contact(&self, workspace_id: &str, contact_id: &str) -> Result<Vec<Run>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE workspace_id = ? AND contact_id = ? ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(contact_id)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(convert::run).collect()
    }

    async fn claim_due_steps(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueStep>> {
        let rows = sqlx::query(
            "UPDATE due_steps SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM due_steps WHERE due_at <= ? AND lease_until <= ? ORDER BY due_at, id LIMIT ?) \
             RETURNING id, run_id, workspace_id, step_id, kind, due_at, attempts",
        )
        .bind(owner)
        .bind(ms(lease_until))
        .bind(ms(now))
        .bind(ms(now))
        .bind(limit)
        .fetch_all(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        let mut steps: Vec<DueStep> = rows.iter().map(convert::due_step).collect::<Result<_>>()?;
        steps.sort_by(|a, b| a.due_at.cmp(&b.due_at).then(a.id.cmp(&b.id)));
        Ok(steps)
    }

    async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>> {
        // When the earliest steps become claimable: a leased step (e.g. an AI reply being
        // generated) only when its lease ends. The window keeps this an index range scan.
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(MAX(due_at, lease_until)) FROM \
             (SELECT due_at, lease_until FROM due_steps ORDER BY due_at LIMIT 256)",
        )
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(next.map(convert::time))
    }

    async fn insert_log(&self, entry: &LogEntry) -> Result<()> {
        let mut conn = self.writer.lock().await?;
        tx::insert_log(&mut conn, entry).await
    }

    async fn logs(&self, workspace_id: &str, f: &LogFilter) -> Result<Vec<LogEntry>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {LOG_COLUMNS} FROM log_entries WHERE workspace_id = "
        ));
        q.push_bind(workspace_id);
        if let Some(v) = f.since {
            q.push(" AND created_at >= ").push_bind(ms(v));
        }
        if let Some(v) = f.until {
            q.push(" AND created_at < ").push_bind(ms(v));
        }
        for (col, value) in [
            ("workflow_id", &f.workflow_id),
            ("contact_id", &f.contact_id),
            ("number_id", &f.number_id),
            ("outcome", &f.outcome),
            ("kind", &f.kind),
        ] {
            if let Some(v) = value {
                q.push(format!(" AND {col} = ")).push_bind(v.clone());
            }
        }
        if let Some(agent) = &f.assigned_to {
            q.push(" AND contact_id IN (SELECT id FROM contacts WHERE workspace_id = ")
                .push_bind(workspace_id)
                .push(" AND assigned_agent_id = ")
                .push_bind(agent.clone())
                .push(")");
        }
        if let Some(b) = &f.before_id {
            q.push(" AND id < ").push_bind(b.clone());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(f.limit);
        let rows = q.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(convert::log_entry).collect()
    }

    async fn log(&self, workspace_id: &str, id: &str) -> Result<LogEntry> {
        let sql =
            format!("SELECT {LOG_COLUMNS} FROM log_entries WHERE id = ? AND workspace_id = ?");
        convert::one_in_workspace(
            &self.read,
            &sql,
            id,
            workspace_id,
            convert::log_entry,
            "log entry",
        )
        .await
    }
}
