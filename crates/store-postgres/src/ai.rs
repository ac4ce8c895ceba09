//! [`AiRecords`] for [`PgStore`]: a workspace's AI settings, its knowledge items, the
//! translation cache and the claims that make one run answer a burst of messages.

use crate::convert::{self, db, ms, MESSAGE_COLUMNS};
use crate::runs::sql_limit;
use crate::PgStore;
use async_trait::async_trait;
use chrono::Utc;
use sqlx::postgres::PgRow;
use sqlx::Row;
use waflow_store::{
    new_id, AiRecords, AiSettings, Error, KnowledgeFile, KnowledgeRow, Message, Result,
};

fn settings(row: &PgRow) -> Result<AiSettings> {
    Ok(AiSettings {
        workspace_id: row.try_get("workspace_id").map_err(db)?,
        base_url: row.try_get("base_url").map_err(db)?,
        model: row.try_get("model").map_err(db)?,
        api_key_sealed: row.try_get("api_key_sealed").map_err(db)?,
        auth: row.try_get("auth").map_err(db)?,
        timeout_ms: row.try_get("timeout_ms").map_err(db)?,
        max_tokens: row.try_get("max_tokens").map_err(db)?,
        transcription_model: row.try_get("transcription_model").map_err(db)?,
        business_prompt: row.try_get("business_prompt").map_err(db)?,
        language: row.try_get("language").map_err(db)?,
        credits: row.try_get("credits").map_err(db)?,
        updated_at: convert::time(row.try_get("updated_at").map_err(db)?),
    })
}

fn file(row: &PgRow) -> Result<KnowledgeFile> {
    Ok(KnowledgeFile {
        name: row.try_get("file_name").map_err(db)?,
        kind: row.try_get("file_kind").map_err(db)?,
        items: row.try_get("items").map_err(db)?,
        created_at: convert::time(row.try_get("created_at").map_err(db)?),
    })
}

#[async_trait]
impl AiRecords for PgStore {
    async fn ai_settings(&self, workspace_id: &str) -> Result<Option<AiSettings>> {
        let row = sqlx::query("SELECT * FROM ai_settings WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_optional(self.pool())
            .await
            .map_err(db)?;
        row.as_ref().map(settings).transpose()
    }

    async fn put_ai_settings(&self, s: &AiSettings) -> Result<()> {
        sqlx::query(
            "INSERT INTO ai_settings (workspace_id, base_url, model, api_key_sealed, auth, timeout_ms, max_tokens, \
               transcription_model, business_prompt, language, credits, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (workspace_id) DO UPDATE SET base_url = excluded.base_url, model = excluded.model, \
               api_key_sealed = excluded.api_key_sealed, auth = excluded.auth, timeout_ms = excluded.timeout_ms, \
               max_tokens = excluded.max_tokens, transcription_model = excluded.transcription_model, \
               business_prompt = excluded.business_prompt, language = excluded.language, \
               credits = excluded.credits, updated_at = excluded.updated_at",
        )
        .bind(&s.workspace_id)
        .bind(&s.base_url)
        .bind(&s.model)
        .bind(&s.api_key_sealed)
        .bind(&s.auth)
        .bind(s.timeout_ms)
        .bind(s.max_tokens)
        .bind(&s.transcription_model)
        .bind(&s.business_prompt)
        .bind(&s.language)
        .bind(s.credits)
        .bind(ms(s.updated_at))
        .execute(self.pool())
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn replace_knowledge_file(
        &self,
        workspace_id: &str,
        file_name: &str,
        file_kind: &str,
        items: &[KnowledgeRow],
    ) -> Result<KnowledgeFile> {
        let now = Utc::now();
        let mut tx = self.pool().begin().await.map_err(db)?;
        sqlx::query("DELETE FROM knowledge_items WHERE workspace_id = $1 AND file_name = $2")
            .bind(workspace_id)
            .bind(file_name)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if !items.is_empty() {
            let ids: Vec<String> = items.iter().map(|_| new_id("kn")).collect();
            let column =
                |f: fn(&KnowledgeRow) -> &str| -> Vec<&str> { items.iter().map(f).collect() };
            sqlx::query(
                "INSERT INTO knowledge_items (id, workspace_id, file_name, file_kind, kind, title, text, source, created_at) \
                 SELECT id, $2, $3, $4, kind, title, text, source, $9 \
                 FROM UNNEST($1::text[], $5::text[], $6::text[], $7::text[], $8::text[]) \
                   AS t (id, kind, title, text, source)",
            )
            .bind(&ids)
            .bind(workspace_id)
            .bind(file_name)
            .bind(file_kind)
            .bind(column(|i| &i.kind))
            .bind(column(|i| &i.title))
            .bind(column(|i| &i.text))
            .bind(column(|i| &i.source))
            .bind(ms(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(KnowledgeFile {
            name: file_name.to_string(),
            kind: file_kind.to_string(),
            items: items.len() as i64,
            created_at: convert::time(ms(now)),
        })
    }

    async fn knowledge_files(&self, workspace_id: &str) -> Result<Vec<KnowledgeFile>> {
        let rows = sqlx::query(
            "SELECT file_name, MIN(file_kind) AS file_kind, COUNT(*) AS items, MIN(created_at) AS created_at \
             FROM knowledge_items WHERE workspace_id = $1 GROUP BY file_name ORDER BY file_name",
        )
        .bind(workspace_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter().map(file).collect()
    }

    async fn delete_knowledge_file(&self, workspace_id: &str, file_name: &str) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM knowledge_items WHERE workspace_id = $1 AND file_name = $2")
                .bind(workspace_id)
                .bind(file_name)
                .execute(self.pool())
                .await
                .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                what: "knowledge file",
            });
        }
        Ok(())
    }

    async fn knowledge_items(&self, workspace_id: &str) -> Result<Vec<KnowledgeRow>> {
        let rows = sqlx::query(
            "SELECT kind, title, text, source FROM knowledge_items WHERE workspace_id = $1 ORDER BY id",
        )
        .bind(workspace_id)
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(KnowledgeRow {
                    kind: r.try_get("kind").map_err(db)?,
                    title: r.try_get("title").map_err(db)?,
                    text: r.try_get("text").map_err(db)?,
                    source: r.try_get("source").map_err(db)?,
                })
            })
            .collect()
    }

    async fn translation(
        &self,
        workspace_id: &str,
        source_hash: &str,
        language: &str,
    ) -> Result<Option<String>> {
        sqlx::query_scalar(
            "SELECT translated FROM translations WHERE workspace_id = $1 AND source_hash = $2 AND language = $3",
        )
        .bind(workspace_id)
        .bind(source_hash)
        .bind(language)
        .fetch_optional(self.pool())
        .await
        .map_err(db)
    }

    async fn put_translation(
        &self,
        workspace_id: &str,
        source_hash: &str,
        language: &str,
        translated: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO translations (workspace_id, source_hash, language, translated, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (workspace_id, source_hash, language) DO UPDATE SET translated = excluded.translated",
        )
        .bind(workspace_id)
        .bind(source_hash)
        .bind(language)
        .bind(translated)
        .bind(ms(Utc::now()))
        .execute(self.pool())
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn recent_messages(
        &self,
        workspace_id: &str,
        conversation_id: &str,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND conversation_id = $2 \
             ORDER BY id DESC LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(conversation_id)
            .bind(sql_limit(limit))
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        let mut messages = rows
            .iter()
            .map(convert::message)
            .collect::<Result<Vec<_>>>()?;
        messages.reverse();
        Ok(messages)
    }

    async fn claim_ai_answer(
        &self,
        conversation_id: &str,
        message_id: &str,
        run_id: &str,
    ) -> Result<bool> {
        // A claim on an older message is replaced; one on this message stays with its run.
        // Concurrent claims on one conversation are serialised by the row: the second sees the
        // first's committed claim and keeps it unless its own message is newer.
        sqlx::query(
            "INSERT INTO ai_answers (conversation_id, message_id, run_id, claimed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (conversation_id) DO UPDATE SET message_id = excluded.message_id, \
               run_id = excluded.run_id, claimed_at = excluded.claimed_at \
             WHERE ai_answers.message_id < excluded.message_id",
        )
        .bind(conversation_id)
        .bind(message_id)
        .bind(run_id)
        .bind(ms(Utc::now()))
        .execute(self.pool())
        .await
        .map_err(db)?;
        let holder: Option<(String, String)> =
            sqlx::query_as("SELECT message_id, run_id FROM ai_answers WHERE conversation_id = $1")
                .bind(conversation_id)
                .fetch_optional(self.pool())
                .await
                .map_err(db)?;
        Ok(holder.is_some_and(|(m, r)| m == message_id && r == run_id))
    }
}
