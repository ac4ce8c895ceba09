//! Scheduled messages and opt-out settings on SQLite (the scheduled half of
//! [`waflow_store::Outreach`]).

use crate::convert::{db, ms, time};
use crate::SqliteStore;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use waflow_store::{Error, NewScheduled, Result, Scheduled, ScheduledFilter, ScheduledTab};

const SELECT: &str = "SELECT s.id, s.workspace_id, s.number_id, s.phone, s.contact_id, s.message_type, s.body, \
     s.content, s.fallback, s.local_time, s.time_zone, s.due_at, s.state, s.error, s.message_id, s.created_by, \
     s.created_at, s.updated_at, m.status AS message_status, m.sent_at AS message_sent_at, m.created_at AS message_created_at, m.error AS message_error \
     FROM scheduled_messages s LEFT JOIN messages m ON m.id = s.message_id";

fn opt_json(row: &SqliteRow, col: &str) -> Result<Option<serde_json::Value>> {
    let text: Option<String> = row.try_get(col).map_err(db)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| Error::Corrupt(format!("{col}: {e}"))))
        .transpose()
}

fn scheduled(row: &SqliteRow) -> Result<Scheduled> {
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

fn json_text(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

async fn read_one(conn: &mut SqliteConnection, workspace_id: &str, id: &str) -> Result<Scheduled> {
    let sql = format!("{SELECT} WHERE s.id = ? AND s.workspace_id = ?");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    crate::convert::found(row, scheduled, "scheduled message")
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

impl SqliteStore {
    pub(crate) async fn insert_scheduled_row(&self, n: &NewScheduled) -> Result<Scheduled> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO scheduled_messages (id, workspace_id, number_id, phone, contact_id, message_type, body, content, \
             fallback, local_time, time_zone, due_at, state, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
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
        .bind(ms(n.now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row = read_one(&mut tx, &n.workspace_id, &n.id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn scheduled_row(&self, workspace_id: &str, id: &str) -> Result<Scheduled> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        read_one(&mut conn, workspace_id, id).await
    }

    pub(crate) async fn scheduled_rows(
        &self,
        workspace_id: &str,
        f: &ScheduledFilter,
    ) -> Result<Vec<Scheduled>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(SELECT);
        q.push(" WHERE s.workspace_id = ").push_bind(workspace_id);
        q.push(match f.tab {
            ScheduledTab::Pending => {
                " AND (s.state = 'pending' OR (s.state = 'queued' AND m.status IN ('queued', 'sending', 'uncertain')))"
            }
            ScheduledTab::Sent => {
                " AND s.state = 'queued' AND m.status IN ('sent', 'delivered', 'read')"
            }
            ScheduledTab::Failed => {
                " AND (s.state = 'failed' OR (s.state = 'queued' AND m.status = 'failed'))"
            }
            ScheduledTab::Cancelled => " AND s.state = 'cancelled'",
            ScheduledTab::All => "",
        });
        if let Some(from) = f.from {
            q.push(" AND s.due_at >= ").push_bind(ms(from));
        }
        if let Some(to) = f.to {
            q.push(" AND s.due_at < ").push_bind(ms(to));
        }
        // Pending messages soonest first; the others most recent first.
        let ascending = f.tab == ScheduledTab::Pending;
        if let Some((due, id)) = &f.after {
            q.push(if ascending {
                " AND (s.due_at, s.id) > ("
            } else {
                " AND (s.due_at, s.id) < ("
            });
            q.push_bind(ms(*due)).push(", ").push_bind(id).push(")");
        }
        q.push(if ascending {
            " ORDER BY s.due_at, s.id LIMIT "
        } else {
            " ORDER BY s.due_at DESC, s.id DESC LIMIT "
        });
        q.push_bind(f.limit);
        let rows = q.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(scheduled).collect()
    }

    pub(crate) async fn update_scheduled_row(&self, n: &NewScheduled) -> Result<Scheduled> {
        let mut tx = self.writer.begin().await?;
        let found = read_one(&mut tx, &n.workspace_id, &n.id).await?;
        if found.state != "pending" {
            return Err(not_pending(&found));
        }
        sqlx::query(
            "UPDATE scheduled_messages SET number_id = ?, phone = ?, contact_id = ?, message_type = ?, body = ?, \
             content = ?, fallback = ?, local_time = ?, time_zone = ?, due_at = ?, updated_at = ? \
             WHERE id = ? AND state = 'pending'",
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
        let row = read_one(&mut tx, &n.workspace_id, &n.id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn cancel_scheduled_row(
        &self,
        workspace_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Scheduled> {
        let mut tx = self.writer.begin().await?;
        let found = read_one(&mut tx, workspace_id, id).await?;
        if found.state != "pending" {
            return Err(not_pending(&found));
        }
        sqlx::query(
            "UPDATE scheduled_messages SET state = 'cancelled', updated_at = ? WHERE id = ? AND state = 'pending'",
        )
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row = read_one(&mut tx, workspace_id, id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn due_scheduled_rows(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Scheduled>> {
        let sql = format!(
            "{SELECT} WHERE s.state = 'pending' AND s.due_at <= ? ORDER BY s.due_at, s.id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(ms(now))
            .bind(limit)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(scheduled).collect()
    }

    pub(crate) async fn next_scheduled(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(due_at) FROM scheduled_messages WHERE state = 'pending'",
        )
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        Ok(next.map(time))
    }

    pub(crate) async fn opt_out_row(&self, workspace_id: &str) -> Result<serde_json::Value> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT opt_out FROM workspaces WHERE id = ?")
                .bind(workspace_id)
                .fetch_optional(&self.read)
                .await
                .map_err(db)?;
        let text = text.ok_or(Error::NotFound { what: "workspace" })?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("opt_out: {e}")))
    }

    pub(crate) async fn set_opt_out_row(
        &self,
        workspace_id: &str,
        settings: &serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("UPDATE workspaces SET opt_out = ? WHERE id = ?")
            .bind(settings.to_string())
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await
    }

    pub(crate) async fn set_opted_out_row(
        &self,
        workspace_id: &str,
        contact_id: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE contacts SET opted_out_at = ?, updated_at = COALESCE(?, updated_at) WHERE id = ? AND workspace_id = ?",
        )
        .bind(at.map(ms))
        .bind(at.map(ms))
        .bind(contact_id)
        .bind(workspace_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound { what: "contact" });
        }
        tx.commit().await
    }
}

/// [`waflow_store::Tx::claim_scheduled`].
pub(crate) async fn claim(
    conn: &mut SqliteConnection,
    id: &str,
    contact_id: &str,
    message_id: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE scheduled_messages SET state = 'queued', contact_id = ?, message_id = ?, updated_at = ? \
         WHERE id = ? AND state = 'pending'",
    )
    .bind(contact_id)
    .bind(message_id)
    .bind(ms(at))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// [`waflow_store::Tx::fail_scheduled`].
pub(crate) async fn fail(
    conn: &mut SqliteConnection,
    id: &str,
    error: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE scheduled_messages SET state = 'failed', error = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
    )
    .bind(error)
    .bind(ms(at))
    .bind(id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}
