//! Writing buffered engine effects ([`Writes`]) as a handful of multi-row statements.

use crate::convert::{db, ms};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use waflow_store::{new_id, Error, Result, Writes};

/// Rows per statement; 13 columns at most, well under SQLite's 32766 bound variables.
const CHUNK: usize = 200;

fn text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))
}

/// Writes `w` in the documented order (see [`Writes`]).
pub(crate) async fn apply(conn: &mut SqliteConnection, w: &Writes) -> Result<()> {
    for chunk in w.cleared_timers.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("DELETE FROM due_steps WHERE run_id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id);
        }
        q.push(")");
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    for chunk in w.new_runs.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, \
             current_step, variables, history, created_at, updated_at) ",
        );
        let mut failed = None;
        q.push_values(chunk, |mut b, r| {
            let (vars, history) = match (text(&r.variables), text(&r.history)) {
                (Ok(v), Ok(h)) => (v, h),
                (Err(e), _) | (_, Err(e)) => {
                    failed = Some(e);
                    (String::new(), String::new())
                }
            };
            b.push_bind(&r.id)
                .push_bind(&r.workspace_id)
                .push_bind(&r.workflow_id)
                .push_bind(r.workflow_version)
                .push_bind(&r.contact_id)
                .push_bind(&r.number_id)
                .push_bind(&r.conversation_id)
                .push_bind(r.state.as_str())
                .push_bind(&r.current_step)
                .push_bind(vars)
                .push_bind(history)
                .push_bind(ms(r.created_at))
                .push_bind(ms(r.updated_at));
        });
        if let Some(e) = failed {
            return Err(e);
        }
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    for r in &w.updated_runs {
        sqlx::query("UPDATE runs SET state = ?, current_step = ?, variables = ?, history = ?, updated_at = ? WHERE id = ?")
            .bind(r.state.as_str())
            .bind(&r.current_step)
            .bind(text(&r.variables)?)
            .bind(text(&r.history)?)
            .bind(ms(r.updated_at))
            .bind(&r.id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for chunk in w.timers.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO due_steps (id, run_id, workspace_id, step_id, kind, due_at) ",
        );
        q.push_values(chunk, |mut b, t| {
            b.push_bind(new_id("due"))
                .push_bind(&t.run_id)
                .push_bind(&t.workspace_id)
                .push_bind(&t.step_id)
                .push_bind(&t.kind)
                .push_bind(ms(t.due_at));
        });
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    for chunk in w.outbound.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, \
             payload, sender_kind, sender_ref, status, next_attempt_at, created_at) ",
        );
        q.push_values(chunk, |mut b, m| {
            b.push_bind(&m.id)
                .push_bind(&m.workspace_id)
                .push_bind(&m.conversation_id)
                .push_bind(&m.number_id)
                .push_bind(&m.contact_id)
                .push_bind("outbound")
                .push_bind(&m.message_type)
                .push_bind(&m.text)
                .push_bind(m.payload.as_ref().map(|p| p.to_string()))
                .push_bind(m.sender_kind)
                .push_bind(&m.sender_ref)
                .push_bind("queued")
                .push_bind(ms(m.at))
                .push_bind(ms(m.at));
        });
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    for m in w.outbound.iter().filter(|m| m.sender_kind == "agent") {
        take_over(conn, &m.contact_id, m.at).await?;
    }
    for (m, channel_id) in &w.sent_elsewhere {
        let stored = sqlx::query(
            "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, \
             payload, sender_kind, sender_ref, status, channel_message_id, next_attempt_at, created_at, sent_at) \
             SELECT ?, ?, ?, ?, ?, 'outbound', ?, ?, ?, ?, ?, 'sent', ?, ?, ?, ? WHERE NOT EXISTS \
             (SELECT 1 FROM messages WHERE number_id = ? AND direction = 'outbound' AND channel_message_id = ?)",
        )
        .bind(&m.id)
        .bind(&m.workspace_id)
        .bind(&m.conversation_id)
        .bind(&m.number_id)
        .bind(&m.contact_id)
        .bind(&m.message_type)
        .bind(&m.text)
        .bind(m.payload.as_ref().map(|p| p.to_string()))
        .bind(m.sender_kind)
        .bind(&m.sender_ref)
        .bind(channel_id)
        .bind(ms(m.at))
        .bind(ms(m.at))
        .bind(ms(m.at))
        .bind(&m.number_id)
        .bind(channel_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        // Typed on the business's phone (not one of ours echoed back): a person took over.
        if stored.rows_affected() == 1 {
            take_over(conn, &m.contact_id, m.at).await?;
        }
    }
    let at = ms(w.at.unwrap_or_default());
    for (contact, tags) in &w.contact_tags {
        sqlx::query("UPDATE contacts SET tags = ?, updated_at = ? WHERE id = ?")
            .bind(text(tags)?)
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for n in &w.notifications {
        sqlx::query(
            "INSERT INTO notifications (id, workspace_id, agent_id, contact_id, run_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&n.id)
        .bind(&n.workspace_id)
        .bind(&n.agent_id)
        .bind(&n.contact_id)
        .bind(&n.run_id)
        .bind(&n.text)
        .bind(ms(n.created_at))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    let counters: Vec<_> = w.counters.iter().collect();
    for chunk in counters.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO workflow_counters (workflow_id, step_id, counter, value) ",
        );
        q.push_values(chunk, |mut b, ((workflow, step, counter), value)| {
            b.push_bind(workflow)
                .push_bind(step)
                .push_bind(*counter)
                .push_bind(**value);
        });
        q.push(" ON CONFLICT (workflow_id, step_id, counter) DO UPDATE SET value = value + excluded.value");
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    for (contact, blocked) in &w.contact_blocked {
        sqlx::query("UPDATE contacts SET blocked = ?, updated_at = ? WHERE id = ?")
            .bind(blocked)
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for (contact, opted_out_at) in &w.contact_opt_outs {
        sqlx::query("UPDATE contacts SET opted_out_at = ?, updated_at = ? WHERE id = ?")
            .bind(opted_out_at.map(ms))
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for (contact, keep) in &w.end_other_runs {
        sqlx::query(
            "DELETE FROM due_steps WHERE run_id IN (SELECT id FROM runs WHERE contact_id = ? AND id != ? \
             AND state IN ('active', 'waiting'))",
        )
        .bind(contact)
        .bind(keep)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE runs SET state = 'ended', updated_at = ? WHERE contact_id = ? AND id != ? \
             AND state IN ('active', 'waiting')",
        )
        .bind(at)
        .bind(contact)
        .bind(keep)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    for (contact, fields) in &w.contact_fields {
        sqlx::query("UPDATE contacts SET fields = ?, updated_at = ? WHERE id = ?")
            .bind(serde_json::Value::Object(fields.clone()).to_string())
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for (contact, agent) in &w.contact_agents {
        sqlx::query("UPDATE contacts SET assigned_agent_id = ?, updated_at = ? WHERE id = ?")
            .bind(agent)
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    crate::deliveries::record_deliveries(&mut *conn, &w.deliveries).await?;
    crate::ai::use_credits(&mut *conn, &w.credits_used).await?;
    crate::records::write_lists(&mut *conn, &w.contact_lists, at).await?;
    crate::records::apply_tickets(&mut *conn, &w.tickets, at).await?;
    crate::records::insert_events(&mut *conn, &w.events, at).await?;
    for chunk in w.logs.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO log_entries (id, workspace_id, created_at, kind, outcome, summary, number_id, contact_id, message_id, \
             workflow_id, run_id, detail) ",
        );
        q.push_values(chunk, |mut b, e| {
            b.push_bind(&e.id)
                .push_bind(&e.workspace_id)
                .push_bind(ms(e.created_at))
                .push_bind(&e.kind)
                .push_bind(&e.outcome)
                .push_bind(&e.summary)
                .push_bind(&e.number_id)
                .push_bind(&e.contact_id)
                .push_bind(&e.message_id)
                .push_bind(&e.workflow_id)
                .push_bind(&e.run_id)
                .push_bind(e.detail.to_string());
        });
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// A person (an agent, or the business's phone) wrote to the contact: automation pauses for them
/// for the workspace's `takeover_hours` from `at` (not at all when it is 0).
async fn take_over(conn: &mut SqliteConnection, contact_id: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE contacts SET automation_paused_until = ?1 + 3600000 * \
         (SELECT w.takeover_hours FROM workspaces w WHERE w.id = contacts.workspace_id) \
         WHERE id = ?2 AND (SELECT w.takeover_hours FROM workspaces w WHERE w.id = contacts.workspace_id) > 0",
    )
    .bind(ms(at))
    .bind(contact_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}
