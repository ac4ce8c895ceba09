//! Writing buffered engine effects ([`Writes`]) on PostgreSQL, in the order the SQLite backend
//! writes them; many rows go in one statement over arrays (`UNNEST`), the rest row by row as there.

use crate::convert::{db, ms};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use waflow_store::{new_id, Error, Result, Writes};

fn text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))
}

/// Writes `w` in the documented order (see [`Writes`]).
pub(crate) async fn apply(conn: &mut PgConnection, w: &Writes) -> Result<()> {
    if !w.cleared_timers.is_empty() {
        sqlx::query("DELETE FROM due_steps WHERE run_id = ANY($1)")
            .bind(&w.cleared_timers)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    insert_runs(conn, w).await?;
    for r in &w.updated_runs {
        sqlx::query(
            "UPDATE runs SET state = $1, current_step = $2, variables = $3, history = $4, updated_at = $5 \
             WHERE id = $6",
        )
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
    if !w.timers.is_empty() {
        let t = &w.timers;
        sqlx::query(
            "INSERT INTO due_steps (id, run_id, workspace_id, step_id, kind, due_at) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])",
        )
        .bind(t.iter().map(|_| new_id("due")).collect::<Vec<_>>())
        .bind(t.iter().map(|t| t.run_id.as_str()).collect::<Vec<_>>())
        .bind(t.iter().map(|t| t.workspace_id.as_str()).collect::<Vec<_>>())
        .bind(t.iter().map(|t| t.step_id.as_str()).collect::<Vec<_>>())
        .bind(t.iter().map(|t| t.kind.as_str()).collect::<Vec<_>>())
        .bind(t.iter().map(|t| ms(t.due_at)).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    insert_outbound(conn, w).await?;
    for m in w.outbound.iter().filter(|m| m.sender_kind == "agent") {
        take_over(conn, &m.contact_id, m.at).await?;
    }
    for (m, channel_id) in &w.sent_elsewhere {
        // SQLite's single writer makes the check and the insert one step; here two servers could
        // store the same echo at once, so the (number, channel id) is locked for the rest of the
        // transaction first, and the insert's check then sees any row committed meanwhile.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 0))")
            .bind(&m.number_id)
            .bind(channel_id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        let stored = sqlx::query(
            "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, \
             payload, sender_kind, sender_ref, status, channel_message_id, next_attempt_at, created_at, sent_at) \
             SELECT $1, $2, $3, $4, $5, 'outbound', $6, $7, $8, $9, $10, 'sent', $11, $12, $12, $12 WHERE NOT EXISTS \
             (SELECT 1 FROM messages WHERE number_id = $4 AND direction = 'outbound' AND channel_message_id = $11)",
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
        sqlx::query("UPDATE contacts SET tags = $1, updated_at = $2 WHERE id = $3")
            .bind(text(tags)?)
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for n in &w.notifications {
        sqlx::query(
            "INSERT INTO notifications (id, workspace_id, agent_id, contact_id, run_id, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
    if !w.counters.is_empty() {
        let c = &w.counters;
        // The keys are distinct (a map), so no row is updated twice in the statement.
        sqlx::query(
            "INSERT INTO workflow_counters (workflow_id, step_id, counter, value) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[]) \
             ON CONFLICT (workflow_id, step_id, counter) \
             DO UPDATE SET value = workflow_counters.value + excluded.value",
        )
        .bind(c.keys().map(|(w, _, _)| w.as_str()).collect::<Vec<_>>())
        .bind(c.keys().map(|(_, s, _)| s.as_str()).collect::<Vec<_>>())
        .bind(c.keys().map(|(_, _, n)| *n).collect::<Vec<_>>())
        .bind(c.values().copied().collect::<Vec<i64>>())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    for (contact, blocked) in &w.contact_blocked {
        sqlx::query("UPDATE contacts SET blocked = $1, updated_at = $2 WHERE id = $3")
            .bind(blocked)
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for (contact, opted_out_at) in &w.contact_opt_outs {
        sqlx::query("UPDATE contacts SET opted_out_at = $1, updated_at = $2 WHERE id = $3")
            .bind(opted_out_at.map(ms))
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for (contact, keep) in &w.end_other_runs {
        sqlx::query(
            "DELETE FROM due_steps WHERE run_id IN (SELECT id FROM runs WHERE contact_id = $1 AND id != $2 \
             AND state IN ('active', 'waiting'))",
        )
        .bind(contact)
        .bind(keep)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE runs SET state = 'ended', updated_at = $1 WHERE contact_id = $2 AND id != $3 \
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
        sqlx::query("UPDATE contacts SET fields = $1, updated_at = $2 WHERE id = $3")
            .bind(serde_json::Value::Object(fields.clone()).to_string())
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for (contact, agent) in &w.contact_agents {
        sqlx::query("UPDATE contacts SET assigned_agent_id = $1, updated_at = $2 WHERE id = $3")
            .bind(agent)
            .bind(at)
            .bind(contact)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    crate::deliveries::record_deliveries(&mut *conn, &w.deliveries).await?;
    use_credits(&mut *conn, &w.credits_used).await?;
    crate::records::write_lists(&mut *conn, &w.contact_lists, at).await?;
    crate::records::apply_tickets(&mut *conn, &w.tickets, at).await?;
    crate::records::insert_events(&mut *conn, &w.events, at).await?;
    insert_logs(conn, w).await
}

async fn insert_runs(conn: &mut PgConnection, w: &Writes) -> Result<()> {
    let r = &w.new_runs;
    if r.is_empty() {
        return Ok(());
    }
    let variables = r
        .iter()
        .map(|r| text(&r.variables))
        .collect::<Result<Vec<_>>>()?;
    let history = r
        .iter()
        .map(|r| text(&r.history))
        .collect::<Result<Vec<_>>>()?;
    sqlx::query(
        "INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, \
         current_step, variables, history, created_at, updated_at) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], \
           $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[])",
    )
    .bind(r.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
    .bind(r.iter().map(|r| r.workspace_id.as_str()).collect::<Vec<_>>())
    .bind(r.iter().map(|r| r.workflow_id.as_str()).collect::<Vec<_>>())
    .bind(r.iter().map(|r| r.workflow_version).collect::<Vec<_>>())
    .bind(r.iter().map(|r| r.contact_id.as_str()).collect::<Vec<_>>())
    .bind(r.iter().map(|r| r.number_id.as_str()).collect::<Vec<_>>())
    .bind(r.iter().map(|r| r.conversation_id.as_str()).collect::<Vec<_>>())
    .bind(r.iter().map(|r| r.state.as_str()).collect::<Vec<_>>())
    .bind(r.iter().map(|r| r.current_step.as_deref()).collect::<Vec<_>>())
    .bind(variables)
    .bind(history)
    .bind(r.iter().map(|r| ms(r.created_at)).collect::<Vec<_>>())
    .bind(r.iter().map(|r| ms(r.updated_at)).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn insert_outbound(conn: &mut PgConnection, w: &Writes) -> Result<()> {
    let o = &w.outbound;
    if o.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, \
         payload, sender_kind, sender_ref, status, next_attempt_at, created_at) \
         SELECT id, workspace_id, conversation_id, number_id, contact_id, 'outbound', message_type, body, \
         payload, sender_kind, sender_ref, 'queued', at, at \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
           $9::text[], $10::text[], $11::bigint[]) \
           AS t (id, workspace_id, conversation_id, number_id, contact_id, message_type, body, payload, \
                 sender_kind, sender_ref, at)",
    )
    .bind(o.iter().map(|m| m.id.as_str()).collect::<Vec<_>>())
    .bind(o.iter().map(|m| m.workspace_id.as_str()).collect::<Vec<_>>())
    .bind(o.iter().map(|m| m.conversation_id.as_str()).collect::<Vec<_>>())
    .bind(o.iter().map(|m| m.number_id.as_str()).collect::<Vec<_>>())
    .bind(o.iter().map(|m| m.contact_id.as_str()).collect::<Vec<_>>())
    .bind(o.iter().map(|m| m.message_type.as_str()).collect::<Vec<_>>())
    .bind(o.iter().map(|m| m.text.as_str()).collect::<Vec<_>>())
    .bind(
        o.iter()
            .map(|m| m.payload.as_ref().map(|p| p.to_string()))
            .collect::<Vec<_>>(),
    )
    .bind(o.iter().map(|m| m.sender_kind).collect::<Vec<_>>())
    .bind(o.iter().map(|m| m.sender_ref.as_deref()).collect::<Vec<_>>())
    .bind(o.iter().map(|m| ms(m.at)).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn insert_logs(conn: &mut PgConnection, w: &Writes) -> Result<()> {
    let l = &w.logs;
    if l.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO log_entries (id, workspace_id, created_at, kind, outcome, summary, number_id, contact_id, message_id, \
         workflow_id, run_id, detail) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], \
           $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])",
    )
    .bind(l.iter().map(|e| e.id.as_str()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.workspace_id.as_str()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| ms(e.created_at)).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.outcome.as_str()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.summary.as_str()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.number_id.as_deref()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.contact_id.as_deref()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.message_id.as_deref()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.workflow_id.as_deref()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.run_id.as_deref()).collect::<Vec<_>>())
    .bind(l.iter().map(|e| e.detail.to_string()).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// A person (an agent, or the business's phone) wrote to the contact: automation pauses for them
/// for the workspace's `takeover_hours` from `at` (not at all when it is 0).
async fn take_over(conn: &mut PgConnection, contact_id: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE contacts SET automation_paused_until = $1 + 3600000 * \
         (SELECT w.takeover_hours FROM workspaces w WHERE w.id = contacts.workspace_id) \
         WHERE id = $2 AND (SELECT w.takeover_hours FROM workspaces w WHERE w.id = contacts.workspace_id) > 0",
    )
    .bind(ms(at))
    .bind(contact_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Takes used AI credits from limited balances, never below zero.
async fn use_credits(conn: &mut PgConnection, used: &[(String, i64)]) -> Result<()> {
    for (workspace_id, credits) in used {
        sqlx::query(
            "UPDATE ai_settings SET credits = GREATEST(credits - $1, 0) \
             WHERE workspace_id = $2 AND credits IS NOT NULL",
        )
        .bind(credits)
        .bind(workspace_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}
