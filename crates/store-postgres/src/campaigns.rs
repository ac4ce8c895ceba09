//! Campaigns on PostgreSQL (the campaign half of [`waflow_store::Outreach`]): the SQLite
//! backend's statements in PostgreSQL's dialect. The audience's filter and the campaign's
//! mapper are in `audience.rs`; recipients in `recipients.rs`.
//!
//! A campaign's recipients are written by one `INSERT … SELECT` over the audience's contacts
//! (numbers given in turn, skips decided in SQL); what became of each is the recipient's state
//! until its message is queued, then the message's status.

use crate::audience::{campaign_row, push_audience, CAMPAIGN_COLUMNS, SKIP_REASON};
use crate::convert::{self, db, ms, CONTACT_COLUMNS};
use crate::PgStore;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use waflow_store::{
    ActiveCampaign, AudienceCount, AudienceQuery, Campaign, CampaignAction, CampaignTotals,
    Contact, Error, NewCampaign, Result,
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

async fn totals(conn: &mut PgConnection, campaign_id: &str) -> Result<CampaignTotals> {
    let sql = format!(
        "SELECT r.state, m.status, COUNT(*), SUM(CASE WHEN r.message_id IS NOT NULL AND {} IS NOT NULL THEN 1 ELSE 0 END)::bigint \
         FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE r.campaign_id = $1 \
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

/// A campaign of a workspace with its totals (one of another workspace is not found).
async fn read_campaign(conn: &mut PgConnection, workspace_id: &str, id: &str) -> Result<Campaign> {
    let sql =
        format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND workspace_id = $2");
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

/// The contact columns with the `k.` prefix.
pub(crate) fn prefixed_contact_columns() -> String {
    CONTACT_COLUMNS
        .split(", ")
        .map(|c| format!("k.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl PgStore {
    /// [`waflow_store::Outreach::count_audience`].
    pub(crate) async fn count_audience_rows(
        &self,
        workspace_id: &str,
        query: &AudienceQuery,
    ) -> Result<AudienceCount> {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE k.blocked), \
             COUNT(*) FILTER (WHERE NOT k.blocked AND k.excluded), \
             COUNT(*) FILTER (WHERE NOT k.blocked AND NOT k.excluded AND k.opted_out_at IS NOT NULL)",
        );
        push_audience(&mut q, workspace_id, query);
        let (matched, blocked, excluded, opted_out): (i64, i64, i64, i64) =
            q.build_query_as().fetch_one(&self.pool).await.map_err(db)?;
        Ok(AudienceCount {
            matched,
            blocked,
            excluded,
            opted_out,
        })
    }

    /// [`waflow_store::Outreach::audience_sample`].
    pub(crate) async fn audience_sample_row(
        &self,
        workspace_id: &str,
        query: &AudienceQuery,
    ) -> Result<Option<Contact>> {
        let columns = prefixed_contact_columns();
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("SELECT {columns}"));
        push_audience(&mut q, workspace_id, query);
        q.push(" AND NOT k.blocked AND NOT k.excluded AND k.opted_out_at IS NULL ORDER BY k.id LIMIT 1");
        let row = q.build().fetch_optional(&self.pool).await.map_err(db)?;
        row.as_ref().map(convert::contact).transpose()
    }

    /// [`waflow_store::Outreach::insert_campaign`]: the campaign and its recipients in one
    /// transaction.
    pub(crate) async fn insert_campaign_rows(&self, n: &NewCampaign) -> Result<Campaign> {
        let numbers = serde_json::to_string(&n.number_ids).unwrap_or_else(|_| "[]".into());
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(&format!(
            "INSERT INTO campaigns ({CAMPAIGN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $9, NULL, NULL)"
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
        // The n-th contact (by id) gets number n mod count; none (NULL, refused by the column)
        // when no number is given, as on SQLite.
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO campaign_recipients (campaign_id, seq, workspace_id, contact_id, number_id, state, reason) \
             SELECT ",
        );
        q.push_bind(n.id.clone())
            .push(", ROW_NUMBER() OVER (ORDER BY k.id), k.workspace_id, k.id, (")
            .push_bind(numbers)
            .push("::jsonb ->> ((ROW_NUMBER() OVER (ORDER BY k.id) - 1) % ")
            .push_bind(count)
            .push(format!(
                ")::int), CASE WHEN ({SKIP_REASON}) IS NULL THEN 'pending' ELSE 'skipped' END, {SKIP_REASON}"
            ));
        push_audience(&mut q, &n.workspace_id, &n.query);
        q.build().execute(&mut *tx).await.map_err(db)?;
        let campaign = read_campaign(&mut tx, &n.workspace_id, &n.id).await?;
        tx.commit().await.map_err(db)?;
        Ok(campaign)
    }

    /// [`waflow_store::Outreach::campaign`].
    pub(crate) async fn campaign_by_id(&self, workspace_id: &str, id: &str) -> Result<Campaign> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        read_campaign(&mut conn, workspace_id, id).await
    }

    /// [`waflow_store::Outreach::campaigns`].
    pub(crate) async fn campaign_list(
        &self,
        workspace_id: &str,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Campaign>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM campaigns WHERE workspace_id = $1 AND ($2::text IS NULL OR id < $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(workspace_id)
        .bind(before_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(read_campaign(&mut conn, workspace_id, &id).await?);
        }
        Ok(out)
    }

    /// [`waflow_store::Outreach::campaign_action`].
    pub(crate) async fn campaign_act(
        &self,
        workspace_id: &str,
        id: &str,
        action: CampaignAction,
        now: DateTime<Utc>,
    ) -> Result<Campaign> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // The campaign's row is locked before its state is checked: two actions at once (SQLite's
        // single writer ran them one after the other) take turns, the second seeing the first's
        // state.
        sqlx::query("SELECT 1 FROM campaigns WHERE id = $1 AND workspace_id = $2 FOR UPDATE")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
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
        sqlx::query(
            "UPDATE messages SET status = $1, next_attempt_at = $2 WHERE status = ANY($3) AND id IN \
             (SELECT message_id FROM campaign_recipients WHERE campaign_id = $4 AND state = 'queued')",
        )
        .bind(messages_to)
        .bind(ms(now))
        .bind(messages_from)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if action == CampaignAction::Cancel {
            sqlx::query(
                "UPDATE campaign_recipients SET state = 'cancelled', reason = 'the campaign was cancelled before this message was queued' \
                 WHERE campaign_id = $1 AND state = 'pending'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query(
            "UPDATE campaigns SET state = $1::text, finished_at = CASE WHEN $1::text = 'cancelled' THEN $2 ELSE finished_at END, \
             started_at = CASE WHEN $1::text = 'sending' THEN COALESCE(started_at, $2) ELSE started_at END WHERE id = $3",
        )
        .bind(to)
        .bind(ms(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let campaign = read_campaign(&mut tx, workspace_id, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(campaign)
    }

    /// [`waflow_store::Outreach::active_campaigns`].
    pub(crate) async fn active_campaign_rows(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ActiveCampaign>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT id, workspace_id, content, state FROM campaigns \
             WHERE state IN ('scheduled', 'sending') AND start_at <= $1 ORDER BY id",
        )
        .bind(ms(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        if rows.iter().any(|r| r.3 == "scheduled") {
            // Safe under concurrency: a campaign paused or cancelled meanwhile is no longer
            // `scheduled` on its newest row, and is left as it is.
            sqlx::query(
                "UPDATE campaigns SET state = 'sending', started_at = COALESCE(started_at, $1) \
                 WHERE state = 'scheduled' AND start_at <= $1",
            )
            .bind(ms(now))
            .execute(&self.pool)
            .await
            .map_err(db)?;
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

    /// [`waflow_store::Outreach::campaign_backlog`].
    pub(crate) async fn backlog_of(&self, campaign_id: &str) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM messages WHERE status = 'queued' AND sender_kind = 'campaign' AND sender_ref = $1",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    /// [`waflow_store::Outreach::complete_campaign`]: one conditional statement.
    pub(crate) async fn complete_campaign_row(
        &self,
        campaign_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE campaigns SET state = 'completed', finished_at = $1 WHERE id = $2 AND state = 'sending' \
             AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $2 AND state = 'pending') \
             AND NOT EXISTS (SELECT 1 FROM messages WHERE status IN ('queued', 'sending') \
                             AND sender_kind = 'campaign' AND sender_ref = $2)",
        )
        .bind(ms(now))
        .bind(campaign_id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }
}
