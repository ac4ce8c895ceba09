//! [`Tokens`] for [`PgStore`]: the `api_tokens` table.

use crate::convert::{db, ms, time};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;
use waflow_store::{new_id, Error, NewToken, Result, TokenGrant, TokenInfo, Tokens};

/// How long an expired token is kept (so that using it says "expired", not "unknown").
const KEEP_EXPIRED_DAYS: i64 = 30;

fn info(row: &PgRow) -> Result<TokenInfo> {
    let at = |col: &str| -> Result<Option<DateTime<Utc>>> {
        Ok(row.try_get::<Option<i64>, _>(col).map_err(db)?.map(time))
    };
    Ok(TokenInfo {
        id: row.try_get("id").map_err(db)?,
        name: row.try_get("name").map_err(db)?,
        agent_id: row.try_get("agent_id").map_err(db)?,
        created_at: time(row.try_get("created_at").map_err(db)?),
        last_used_at: at("last_used_at")?,
        expires_at: at("expires_at")?,
    })
}

#[async_trait]
impl Tokens for PgStore {
    async fn insert_token(&self, token: NewToken<'_>, now: DateTime<Utc>) -> Result<String> {
        let id = new_id("tok");
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM api_tokens WHERE expires_at < $1")
            .bind(ms(now - Duration::days(KEEP_EXPIRED_DAYS)))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO api_tokens (id, workspace_id, name, token_hash, created_at, agent_id, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(token.workspace_id)
        .bind(token.name)
        .bind(token.hash)
        .bind(ms(now))
        .bind(token.agent_id)
        .bind(token.expires_at.map(ms))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn token_grant(&self, hash: &str) -> Result<Option<TokenGrant>> {
        let row = sqlx::query(
            "SELECT id, workspace_id, agent_id, expires_at FROM api_tokens WHERE token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| {
            Ok(TokenGrant {
                id: row.try_get("id").map_err(db)?,
                workspace_id: row.try_get("workspace_id").map_err(db)?,
                agent_id: row.try_get("agent_id").map_err(db)?,
                expires_at: row
                    .try_get::<Option<i64>, _>("expires_at")
                    .map_err(db)?
                    .map(time),
            })
        })
        .transpose()
    }

    async fn tokens(&self, workspace_id: &str, agent_id: Option<&str>) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, name, agent_id, created_at, last_used_at, expires_at FROM api_tokens \
             WHERE workspace_id = $1 AND ($2::text IS NULL OR agent_id = $2) ORDER BY id DESC",
        )
        .bind(workspace_id)
        .bind(agent_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(info).collect()
    }

    async fn revoke_token(
        &self,
        workspace_id: &str,
        id: &str,
        agent_id: Option<&str>,
    ) -> Result<String> {
        let hash: Option<String> = sqlx::query_scalar(
            "DELETE FROM api_tokens WHERE id = $1 AND workspace_id = $2 \
             AND ($3::text IS NULL OR agent_id = $3) RETURNING token_hash",
        )
        .bind(id)
        .bind(workspace_id)
        .bind(agent_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        hash.ok_or(Error::NotFound { what: "token" })
    }

    async fn revoke_token_by_hash(&self, hash: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1")
            .bind(hash)
            .execute(&self.pool)
            .await
            .map_err(db)?
            .rows_affected();
        Ok(n > 0)
    }

    async fn touch_token(&self, hash: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(ms(at))
            .bind(hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}
