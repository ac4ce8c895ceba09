//! Campaigns and their recipients on SQLite (the campaign half of [`waflow_store::Outreach`]).
//!
//! A campaign's recipients are written by one `INSERT … SELECT` over the audience's contacts
//! (numbers given in turn, skips decided in SQL); what became of each is the recipient's state
//! until its message is queued, then the message's status. Replies are not written anywhere:
//! a recipient replied when the contact wrote in that conversation within 72 hours after the
//! message was sent, found through `messages_by_conversation`.

use crate::convert::{self, db, ms, time, CONTACT_COLUMNS};
use crate::SqliteStore;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use waflow_store::{
    ActiveCampaign, Audience, AudienceCount, AudienceQuery, Campaign, CampaignAction,
    CampaignTotals, Contact, Error, NewCampaign, Result,
};

/// How long after a campaign message a contact's message counts as its reply.
pub(crate) const REPLY_WINDOW_MS: i64 = 72 * 3600 * 1000;

/// The reply time of the recipient whose message is `m` (NULL when none).
pub(crate) fn replied_sql() -> String {
    format!(
        "(SELECT MIN(i.created_at) FROM messages i WHERE i.conversation_id = m.conversation_id AND i.id > m.id \
         AND i.direction = 'inbound' AND m.sent_at IS NOT NULL AND i.created_at >= m.sent_at \
         AND i.created_at <= m.sent_at + {REPLY_WINDOW_MS})"
    )
}

/// The contacts of an audience: ` FROM contacts k WHERE …`.
fn push_audience(q: &mut QueryBuilder<'_, Sqlite>, workspace_id: &str, query: &AudienceQuery) {
    q.push(" FROM contacts k WHERE k.workspace_id = ")
        .push_bind(workspace_id.to_string());
    match &query.audience {
        Audience::List(name) => {
            q.push(" AND EXISTS (SELECT 1 FROM json_each(k.lists) WHERE value = ")
                .push_bind(name.clone())
                .push(")");
        }
        Audience::Tag(tag) => {
            q.push(" AND EXISTS (SELECT 1 FROM json_each(k.tags) WHERE value = ")
                .push_bind(tag.clone())
                .push(")");
        }
        Audience::Field { name, equals } => {
            q.push(" AND json_extract(k.fields, ")
                .push_bind(format!("$.\"{name}\""))
                .push(") = ");
            match equals {
                Value::Bool(b) => q.push_bind(i64::from(*b)),
                Value::Number(n) if n.is_i64() => q.push_bind(n.as_i64().unwrap_or_default()),
                Value::Number(n) => q.push_bind(n.as_f64().unwrap_or_default()),
                Value::String(s) => q.push_bind(s.clone()),
                other => q.push_bind(other.to_string()),
            };
        }
        Audience::All => {}
    }
    if let Some(tag) = &query.exclude_tag {
        q.push(" AND NOT EXISTS (SELECT 1 FROM json_each(k.tags) WHERE value = ")
            .push_bind(tag.clone())
            .push(")");
    }
}

/// Why a contact is skipped, in SQL, or NULL: blocked before excluded before opted out.
const SKIP_REASON: &str =
    "CASE WHEN k.blocked THEN 'blocked: nothing is sent to blocked contacts' \
     WHEN k.excluded THEN 'excluded: the contact is excluded from automation' \
     WHEN k.opted_out_at IS NOT NULL THEN 'opted out: the contact opted out of marketing' END";

const CAMPAIGN_COLUMNS: &str =
    "id, workspace_id, name, number_ids, audience, content, state, start_at, \
     expected_seconds, created_at, started_at, finished_at";

fn campaign_row(row: &SqliteRow, totals: CampaignTotals) -> Result<Campaign> {
    let parse = |col: &str| -> Result<Value> {
        let text: String = row.try_get(col).map_err(db)?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("{col}: {e}")))
    };
    let started: Option<i64> = row.try_get("started_at").map_err(db)?;
    let finished: Option<i64> = row.try_get("finished_at").map_err(db)?;
    Ok(Campaign {
        id: row.try_get("id").map_err(db)?,
        workspace_id: row.try_get("workspace_id").map_err(db)?,
        name: row.try_get("name").map_err(db)?,
        number_ids: serde_json::from_value(parse("number_ids")?)
            .map_err(|e| Error::Corrupt(format!("number_ids: {e}")))?,
        audience: parse("audience")?,
        content: parse("content")?,
        state: row.try_get("state").map_err(db)?,
        start_at: time(row.try_get("start_at").map_err(db)?),
        expected_seconds: row.try_get("expected_seconds").map_err(db)?,
        created_at: time(row.try_get("created_at").map_err(db)?),
        started_at: started.map(time),
        finished_at: finished.map(time),
        totals,
    })
}

async fn totals(conn: &mut SqliteConnection, campaign_id: &str) -> Result<CampaignTotals> {
    let sql = format!(
        "SELECT r.state, m.status, COUNT(*), SUM(CASE WHEN r.message_id IS NOT NULL AND {} IS NOT NULL THEN 1 ELSE 0 END) \
         FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE r.campaign_id = ? \
         GROUP BY r.state, m.status",
        replied_sql()
    );
    let rows: Vec<(String, Option<String>, i64, i64)> = sqlx::query_as(&sql)
        .bind(campaign_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    let mut t = CampaignTotals::default();
    for (state, status, n, replied) in rows {
        t.add(&state, status.as_deref(), n, replied);
    }
    Ok(t)
}

async fn read_campaign(
    conn: &mut SqliteConnection,
    workspace_id: &str,
    id: &str,
) -> Result<Campaign> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ? AND workspace_id = ?");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { what: "campaign" })?;
    let t = totals(conn, id).await?;
    campaign_row(&row, t)
}

impl SqliteStore {
    pub(crate) async fn count_audience_rows(
        &self,
        workspace_id: &str,
        query: &AudienceQuery,
    ) -> Result<AudienceCount> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT COUNT(*), COALESCE(SUM(k.blocked), 0), COALESCE(SUM(k.blocked = 0 AND k.excluded), 0), \
             COALESCE(SUM(k.blocked = 0 AND k.excluded = 0 AND k.opted_out_at IS NOT NULL), 0)",
        );
        push_audience(&mut q, workspace_id, query);
        let (matched, blocked, excluded, opted_out): (i64, i64, i64, i64) =
            q.build_query_as().fetch_one(&self.read).await.map_err(db)?;
        Ok(AudienceCount {
            matched,
            blocked,
            excluded,
            opted_out,
        })
    }

    pub(crate) async fn audience_sample_row(
        &self,
        workspace_id: &str,
        query: &AudienceQuery,
    ) -> Result<Option<Contact>> {
        let columns = prefixed_contact_columns();
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {columns}"));
        push_audience(&mut q, workspace_id, query);
        q.push(" AND k.blocked = 0 AND k.excluded = 0 AND k.opted_out_at IS NULL ORDER BY k.id LIMIT 1");
        let row = q.build().fetch_optional(&self.read).await.map_err(db)?;
        row.as_ref().map(convert::contact).transpose()
    }

    pub(crate) async fn insert_campaign_rows(&self, n: &NewCampaign) -> Result<Campaign> {
        let numbers = serde_json::to_string(&n.number_ids).unwrap_or_else(|_| "[]".into());
        let mut tx = self.writer.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO campaigns ({CAMPAIGN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, NULL, NULL)"
        ))
        .bind(&n.id)
        .bind(&n.workspace_id)
        .bind(&n.name)
        .bind(&numbers)
        .bind(n.audience.to_string())
        .bind(n.content.to_string())
        .bind(ms(n.start_at))
        .bind(n.expected_seconds)
        .bind(ms(n.now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let count = n.number_ids.len().max(1) as i64;
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO campaign_recipients (campaign_id, seq, workspace_id, contact_id, number_id, state, reason) \
             SELECT ",
        );
        q.push_bind(n.id.clone())
            .push(", ROW_NUMBER() OVER (ORDER BY k.id), k.workspace_id, k.id, json_extract(")
            .push_bind(numbers.clone())
            .push(", '$[' || ((ROW_NUMBER() OVER (ORDER BY k.id) - 1) % ")
            .push_bind(count)
            .push(format!(
                ") || ']'), CASE WHEN ({SKIP_REASON}) IS NULL THEN 'pending' ELSE 'skipped' END, {SKIP_REASON}"
            ));
        push_audience(&mut q, &n.workspace_id, &n.query);
        q.build().execute(&mut *tx).await.map_err(db)?;
        let campaign = read_campaign(&mut tx, &n.workspace_id, &n.id).await?;
        tx.commit().await?;
        Ok(campaign)
    }

    pub(crate) async fn campaign_by_id(&self, workspace_id: &str, id: &str) -> Result<Campaign> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        read_campaign(&mut conn, workspace_id, id).await
    }

    pub(crate) async fn campaign_list(
        &self,
        workspace_id: &str,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Campaign>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let ids: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM campaigns WHERE workspace_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
        )
        .bind(workspace_id)
        .bind(before_id)
        .bind(before_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            out.push(read_campaign(&mut conn, workspace_id, &id).await?);
        }
        Ok(out)
    }

    pub(crate) async fn campaign_act(
        &self,
        workspace_id: &str,
        id: &str,
        action: CampaignAction,
        now: DateTime<Utc>,
    ) -> Result<Campaign> {
        let mut tx = self.writer.begin().await?;
        let found = read_campaign(&mut tx, workspace_id, id).await?;
        let (allowed, to, messages_from, messages_to): (&[&str], &str, &[&str], &str) = match action
        {
            CampaignAction::Pause => (&["scheduled", "sending"], "paused", &["queued"], "held"),
            CampaignAction::Resume => {
                let to = if found.start_at <= now {
                    "sending"
                } else {
                    "scheduled"
                };
                (&["paused"], to, &["held"], "queued")
            }
            CampaignAction::Cancel => (
                &["scheduled", "sending", "paused"],
                "cancelled",
                &["queued", "held"],
                "cancelled",
            ),
        };
        if !allowed.contains(&found.state.as_str()) {
            return Err(Error::Conflict {
                field: "state".into(),
                message: format!(
                    "campaign {id} is {}: it can be {} only when {}",
                    found.state,
                    match action {
                        CampaignAction::Pause => "paused",
                        CampaignAction::Resume => "resumed",
                        CampaignAction::Cancel => "cancelled",
                    },
                    allowed.join(" or ")
                ),
            });
        }
        let from = messages_from
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "UPDATE messages SET status = ?, next_attempt_at = ? WHERE status IN ({from}) AND id IN \
             (SELECT message_id FROM campaign_recipients WHERE campaign_id = ? AND state = 'queued')"
        ))
        .bind(messages_to)
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if action == CampaignAction::Cancel {
            sqlx::query(
                "UPDATE campaign_recipients SET state = 'cancelled', reason = 'the campaign was cancelled before this message was queued' \
                 WHERE campaign_id = ? AND state = 'pending'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query(
            "UPDATE campaigns SET state = ?, finished_at = CASE WHEN ? = 'cancelled' THEN ? ELSE finished_at END, \
             started_at = CASE WHEN ? = 'sending' THEN COALESCE(started_at, ?) ELSE started_at END WHERE id = ?",
        )
        .bind(to)
        .bind(to)
        .bind(ms(now))
        .bind(to)
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let campaign = read_campaign(&mut tx, workspace_id, id).await?;
        tx.commit().await?;
        Ok(campaign)
    }

    pub(crate) async fn active_campaign_rows(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ActiveCampaign>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT id, workspace_id, content, state FROM campaigns \
             WHERE state IN ('scheduled', 'sending') AND start_at <= ? ORDER BY id",
        )
        .bind(ms(now))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        if rows.iter().any(|r| r.3 == "scheduled") {
            let mut tx = self.writer.begin().await?;
            sqlx::query(
                "UPDATE campaigns SET state = 'sending', started_at = COALESCE(started_at, ?) \
                 WHERE state = 'scheduled' AND start_at <= ?",
            )
            .bind(ms(now))
            .bind(ms(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            tx.commit().await?;
        }
        rows.into_iter()
            .map(|(id, workspace_id, content, _)| {
                Ok(ActiveCampaign {
                    id,
                    workspace_id,
                    content: serde_json::from_str(&content)
                        .map_err(|e| Error::Corrupt(format!("content: {e}")))?,
                    state: "sending".into(),
                })
            })
            .collect()
    }

    pub(crate) async fn backlog_of(&self, campaign_id: &str) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM messages WHERE status = 'queued' AND sender_kind = 'campaign' AND sender_ref = ?",
        )
        .bind(campaign_id)
        .fetch_one(&self.read)
        .await
        .map_err(db)
    }

    pub(crate) async fn complete_campaign_row(
        &self,
        campaign_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE campaigns SET state = 'completed', finished_at = ? WHERE id = ? AND state = 'sending' \
             AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = ? AND state = 'pending') \
             AND NOT EXISTS (SELECT 1 FROM messages WHERE status IN ('queued', 'sending') \
                             AND sender_kind = 'campaign' AND sender_ref = ?)",
        )
        .bind(ms(now))
        .bind(campaign_id)
        .bind(campaign_id)
        .bind(campaign_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

/// The contact columns with the `k.` prefix.
pub(crate) fn prefixed_contact_columns() -> String {
    CONTACT_COLUMNS
        .split(", ")
        .map(|c| format!("k.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// [`waflow_store::Tx::campaign_state`].
pub(crate) async fn state_of(
    conn: &mut SqliteConnection,
    campaign_id: &str,
) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT state FROM campaigns WHERE id = ?")
        .bind(campaign_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)
}
