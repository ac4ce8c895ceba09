//! Scheduled messages and opt-out settings on PostgreSQL (the scheduled half of
//! [`waflow_store::Outreach`]): the SQLite backend's statements, in PostgreSQL's dialect.
//!
//! Where SQLite's single writer made a read-then-write exclusive (changing or cancelling a
//! pending message), the row is read `FOR UPDATE`, so a concurrent claim by the scheduler either
//! waits for the change or is waited for, and the state checked is the state written over.

use crate::convert::{db, found, ms, time};
use crate::PgStore;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use waflow_store::{Error, NewScheduled, Result, Scheduled, ScheduledFilter, ScheduledTab};

const SELECT: &str = "SELECT s.id, s.workspace_id, s.number_id, s.phone, s.contact_id, s.message_type, s.body, \
     s.content, s.fallback, s.local_time, s.time_zone, s.due_at, s.state, s.error, s.message_id, s.created_by, \
     s.created_at, s.updated_at, m.status AS message_status, m.sent_at AS message_sent_at, m.created_at AS message_created_at, m.error AS message_error \
     FROM scheduled_messages s LEFT JOIN messages m ON m.id = s.message_id";

/// A nullable JSON text column, parsed.
pub(crate) fn opt_json(row: &PgRow, col: &str) -> Result<Option<Value>> {
    let text: Option<String> = row.try_get(col).map_err(db)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| Error::Corrupt(format!("{col}: {e}"))))
        .transpose()
}

/// A row of [`SELECT`] as a [`Scheduled`].
fn scheduled(row: &PgRow) -> Result<Scheduled> {
    let state: String = row.try_get("state").map_err(db)?;
    let message_status: Option<String> = row.try_get("message_status").map_err(db)?;
    let own_error: Option<String> = row.try_get("error").map_err(db)?;
    let message_error: Option<String> = row.try_get("message_error").map_err(db)?;
    let sent_at: Option<i64> = row.try_get("message_sent_at").map_err(db)?;
    let queued_at: Option<i64> = row.try_get("message_created_at").map_err(db)?;
    Ok(Scheduled {
        id: row.try_get("id").map_err(db)?,
        workspace_id: row.try_get("workspace_id").map_err(db)?,
        number_id: row.try_get("number_id").map_err(db)?,
        phone: row.try_get("phone").map_err(db)?,
        contact_id: row.try_get("contact_id").map_err(db)?,
        message_type: row.try_get("message_type").map_err(db)?,
        text: row.try_get("body").map_err(db)?,
        content: opt_json(row, "content")?,
        fallback: opt_json(row, "fallback")?,
        at: row.try_get("local_time").map_err(db)?,
        time_zone: row.try_get("time_zone").map_err(db)?,
        due_at: time(row.try_get("due_at").map_err(db)?),
        state: waflow_store::scheduled_state(&state, message_status.as_deref()).to_string(),
        error: own_error.or(message_error),
        message_id: row.try_get("message_id").map_err(db)?,
        message_status,
        queued_at: queued_at.map(time),
        sent_at: sent_at.map(time),
        created_by: row.try_get("created_by").map_err(db)?,
        created_at: time(row.try_get("created_at").map_err(db)?),
        updated_at: time(row.try_get("updated_at").map_err(db)?),
    })
}

fn json_text(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

/// One scheduled message of a workspace (one of another workspace is not found); `lock` reads
/// it `FOR UPDATE` (its message, if any, is not locked).
async fn read_one(
    conn: &mut PgConnection,
    workspace_id: &str,
    id: &str,
    lock: bool,
) -> Result<Scheduled> {
    let row = if lock {
        sqlx::query(&format!(
            "{SELECT} WHERE s.id = $1 AND s.workspace_id = $2 FOR UPDATE OF s"
        ))
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&mut *conn)
        .await
    } else {
        sqlx::query(&format!("{SELECT} WHERE s.id = $1 AND s.workspace_id = $2"))
            .bind(id)
            .bind(workspace_id)
            .fetch_optional(&mut *conn)
            .await
    }
    .map_err(db)?;
    found(row, scheduled, "scheduled message")
}

fn not_pending(found: &Scheduled) -> Error {
    Error::Conflict {
        field: "state".into(),
        message: format!(
            "scheduled message {} is {}: only a pending message can be changed or cancelled",
            found.id, found.state
        ),
    }
}

/// The condition of a list's tab (a fixed text per tab).
fn tab_condition(tab: ScheduledTab) -> &'static str {
    match tab {
        ScheduledTab::Pending => {
            " AND (s.state = 'pending' OR (s.state = 'queued' AND m.status IN ('queued', 'sending', 'uncertain')))"
        }
        ScheduledTab::Sent => " AND s.state = 'queued' AND m.status IN ('sent', 'delivered', 'read')",
        ScheduledTab::Failed => {
            " AND (s.state = 'failed' OR (s.state = 'queued' AND m.status = 'failed'))"
        }
        ScheduledTab::Cancelled => " AND s.state = 'cancelled'",
        ScheduledTab::All => "",
    }
}

impl PgStore {
    /// [`waflow_store::Outreach::insert_scheduled`].
    pub(crate) async fn insert_scheduled_row(&self, n: &NewScheduled) -> Result<Scheduled> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO scheduled_messages (id, workspace_id, number_id, phone, contact_id, message_type, body, content, \
             fallback, local_time, time_zone, due_at, state, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14, $14)",
        )
        .bind(&n.id)
        .bind(&n.workspace_id)
        .bind(&n.number_id)
        .bind(&n.phone)
        .bind(&n.contact_id)
        .bind(&n.message_type)
        .bind(&n.text)
        .bind(json_text(&n.content))
        .bind(json_text(&n.fallback))
        .bind(&n.at)
        .bind(&n.time_zone)
        .bind(ms(n.due_at))
        .bind(&n.created_by)
        .bind(ms(n.now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row = read_one(&mut tx, &n.workspace_id, &n.id, false).await?;
        tx.commit().await.map_err(db)?;
        Ok(row)
    }

    /// [`waflow_store::Outreach::scheduled`].
    pub(crate) async fn scheduled_row(&self, workspace_id: &str, id: &str) -> Result<Scheduled> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        read_one(&mut conn, workspace_id, id, false).await
    }

    /// [`waflow_store::Outreach::scheduled_list`]: one statement text per tab, the optional
    /// bounds and cursor bound as NULL when absent.
    pub(crate) async fn scheduled_rows(
        &self,
        workspace_id: &str,
        f: &ScheduledFilter,
    ) -> Result<Vec<Scheduled>> {
        // Pending messages soonest first; the others most recent first.
        let ascending = f.tab == ScheduledTab::Pending;
        let (after, order) = if ascending {
            (">", "s.due_at, s.id")
        } else {
            ("<", "s.due_at DESC, s.id DESC")
        };
        let sql = format!(
            "{SELECT} WHERE s.workspace_id = $1{} \
             AND ($2::bigint IS NULL OR s.due_at >= $2) AND ($3::bigint IS NULL OR s.due_at < $3) \
             AND ($4::bigint IS NULL OR (s.due_at, s.id) {after} ($4, $5::text)) \
             ORDER BY {order} LIMIT $6",
            tab_condition(f.tab)
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(f.from.map(ms))
            .bind(f.to.map(ms))
            .bind(f.after.as_ref().map(|(due, _)| ms(*due)))
            .bind(f.after.as_ref().map(|(_, id)| id.as_str()))
            .bind(f.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(scheduled).collect()
    }

    /// [`waflow_store::Outreach::update_scheduled`].
    pub(crate) async fn update_scheduled_row(&self, n: &NewScheduled) -> Result<Scheduled> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // Locked: a concurrent claim cannot queue the message between this check and the write.
        let found = read_one(&mut tx, &n.workspace_id, &n.id, true).await?;
        if found.state != "pending" {
            return Err(not_pending(&found));
        }
        sqlx::query(
            "UPDATE scheduled_messages SET number_id = $1, phone = $2, contact_id = $3, message_type = $4, body = $5, \
             content = $6, fallback = $7, local_time = $8, time_zone = $9, due_at = $10, updated_at = $11 \
             WHERE id = $12 AND state = 'pending'",
        )
        .bind(&n.number_id)
        .bind(&n.phone)
        .bind(&n.contact_id)
        .bind(&n.message_type)
        .bind(&n.text)
        .bind(json_text(&n.content))
        .bind(json_text(&n.fallback))
        .bind(&n.at)
        .bind(&n.time_zone)
        .bind(ms(n.due_at))
        .bind(ms(n.now))
        .bind(&n.id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row = read_one(&mut tx, &n.workspace_id, &n.id, false).await?;
        tx.commit().await.map_err(db)?;
        Ok(row)
    }

    /// [`waflow_store::Outreach::cancel_scheduled`].
    pub(crate) async fn cancel_scheduled_row(
        &self,
        workspace_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Scheduled> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // Locked: a concurrent claim cannot queue the message between this check and the write.
        let found = read_one(&mut tx, workspace_id, id, true).await?;
        if found.state != "pending" {
            return Err(not_pending(&found));
        }
        sqlx::query(
            "UPDATE scheduled_messages SET state = 'cancelled', updated_at = $1 WHERE id = $2 AND state = 'pending'",
        )
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row = read_one(&mut tx, workspace_id, id, false).await?;
        tx.commit().await.map_err(db)?;
        Ok(row)
    }

    /// [`waflow_store::Outreach::due_scheduled`]. `SKIP LOCKED` passes over the messages another
    /// server's transaction is claiming (or changing) right now, and a row changed meanwhile is
    /// re-checked on its newest version; the claim itself stays [`waflow_store::Tx::claim_scheduled`],
    /// which is exclusive.
    pub(crate) async fn due_scheduled_rows(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Scheduled>> {
        let sql = format!(
            "{SELECT} WHERE s.state = 'pending' AND s.due_at <= $1 ORDER BY s.due_at, s.id LIMIT $2 \
             FOR UPDATE OF s SKIP LOCKED"
        );
        let rows = sqlx::query(&sql)
            .bind(ms(now))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(scheduled).collect()
    }

    /// [`waflow_store::Outreach::next_scheduled_at`].
    pub(crate) async fn next_scheduled(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(due_at) FROM scheduled_messages WHERE state = 'pending'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(next.map(time))
    }

    /// [`waflow_store::Outreach::opt_out_settings`].
    pub(crate) async fn opt_out_row(&self, workspace_id: &str) -> Result<Value> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT opt_out FROM workspaces WHERE id = $1")
                .bind(workspace_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        let text = text.ok_or(Error::NotFound { what: "workspace" })?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("opt_out: {e}")))
    }

    /// [`waflow_store::Outreach::set_opt_out_settings`]: one statement (an unknown workspace is
    /// not an error, as on SQLite).
    pub(crate) async fn set_opt_out_row(&self, workspace_id: &str, settings: &Value) -> Result<()> {
        sqlx::query("UPDATE workspaces SET opt_out = $1 WHERE id = $2")
            .bind(settings.to_string())
            .bind(workspace_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// [`waflow_store::Outreach::set_opted_out`]: one statement; `NotFound` when the contact is
    /// not the workspace's.
    pub(crate) async fn set_opted_out_row(
        &self,
        workspace_id: &str,
        contact_id: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE contacts SET opted_out_at = $1, updated_at = COALESCE($1, updated_at) \
             WHERE id = $2 AND workspace_id = $3",
        )
        .bind(at.map(ms))
        .bind(contact_id)
        .bind(workspace_id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound { what: "contact" });
        }
        Ok(())
    }
}
