//! [`AiRecords`] for [`SqliteStore`], and the pre-send check and credit writes inside a
//! transaction (called by [`crate::tx`] and [`crate::apply`]).

use crate::convert::{self, db, ms, MESSAGE_COLUMNS};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::Utc;
use sqlx::{Row, SqliteConnection};
use waflow_store::{
    new_id, AfterMessage, AiRecords, AiSettings, Error, KnowledgeFile, KnowledgeRow, Result,
};

fn settings(row: &sqlx::sqlite::SqliteRow) -> Result<AiSettings> {
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

fn file(row: &sqlx::sqlite::SqliteRow) -> Result<KnowledgeFile> {
    Ok(KnowledgeFile {
        name: row.try_get("file_name").map_err(db)?,
        kind: row.try_get("file_kind").map_err(db)?,
        items: row.try_get("items").map_err(db)?,
        created_at: convert::time(row.try_get("created_at").map_err(db)?),
    })
}

/// See [`waflow_store::Tx::after_message`].
pub(crate) async fn after_message(
    conn: &mut SqliteConnection,
    conversation_id: &str,
    message_id: &str,
) -> Result<AfterMessage> {
    let row = sqlx::query(
        "SELECT \
           EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND id > ?2 AND direction = 'inbound') AS wrote, \
           EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND id > ?2 AND direction = 'outbound' \
                   AND sender_kind IN ('agent', 'api', 'phone')) AS replied",
    )
    .bind(conversation_id)
    .bind(message_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    Ok(AfterMessage {
        contact_wrote: row.try_get::<bool, _>("wrote").map_err(db)?,
        agent_replied: row.try_get::<bool, _>("replied").map_err(db)?,
    })
}

/// Takes used credits from limited balances, never below zero.
pub(crate) async fn use_credits(conn: &mut SqliteConnection, used: &[(String, i64)]) -> Result<()> {
    for (workspace_id, credits) in used {
        sqlx::query(
            "UPDATE ai_settings SET credits = MAX(credits - ?, 0) WHERE workspace_id = ? AND credits IS NOT NULL",
        )
        .bind(credits)
        .bind(workspace_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

#[async_trait]
impl AiRecords for SqliteStore {
    async fn ai_settings(&self, workspace_id: &str) -> Result<Option<AiSettings>> {
        let row = sqlx::query("SELECT * FROM ai_settings WHERE workspace_id = ?")
            .bind(workspace_id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.as_ref().map(settings).transpose()
    }

    async fn put_ai_settings(&self, s: &AiSettings) -> Result<()> {
        sqlx::query(
            "INSERT INTO ai_settings (workspace_id, base_url, model, api_key_sealed, auth, timeout_ms, max_tokens, \
               transcription_model, business_prompt, language, credits, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
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
        .execute(&mut *self.writer.lock().await?)
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
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM knowledge_items WHERE workspace_id = ? AND file_name = ?")
            .bind(workspace_id)
            .bind(file_name)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for item in items {
            sqlx::query(
                "INSERT INTO knowledge_items (id, workspace_id, file_name, file_kind, kind, title, text, source, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(new_id("kn"))
            .bind(workspace_id)
            .bind(file_name)
            .bind(file_kind)
            .bind(&item.kind)
            .bind(&item.title)
            .bind(&item.text)
            .bind(&item.source)
            .bind(ms(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await?;
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
             FROM knowledge_items WHERE workspace_id = ? GROUP BY file_name ORDER BY file_name",
        )
        .bind(workspace_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(file).collect()
    }

    async fn delete_knowledge_file(&self, workspace_id: &str, file_name: &str) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM knowledge_items WHERE workspace_id = ? AND file_name = ?")
                .bind(workspace_id)
                .bind(file_name)
                .execute(&mut *self.writer.lock().await?)
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
            "SELECT kind, title, text, source FROM knowledge_items WHERE workspace_id = ? ORDER BY id",
        )
        .bind(workspace_id)
        .fetch_all(&self.read)
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
            "SELECT translated FROM translations WHERE workspace_id = ? AND source_hash = ? AND language = ?",
        )
        .bind(workspace_id)
        .bind(source_hash)
        .bind(language)
        .fetch_optional(&self.read)
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
            "INSERT INTO translations (workspace_id, source_hash, language, translated, created_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT DO UPDATE SET translated = excluded.translated",
        )
        .bind(workspace_id)
        .bind(source_hash)
        .bind(language)
        .bind(translated)
        .bind(ms(Utc::now()))
        .execute(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn recent_messages(
        &self,
        workspace_id: &str,
        conversation_id: &str,
        limit: i64,
    ) -> Result<Vec<waflow_store::Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE workspace_id = ? AND conversation_id = ? ORDER BY id DESC LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(conversation_id)
            .bind(limit)
            .fetch_all(&self.read)
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
        sqlx::query(
            "INSERT INTO ai_answers (conversation_id, message_id, run_id, claimed_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (conversation_id) DO UPDATE SET message_id = excluded.message_id, \
               run_id = excluded.run_id, claimed_at = excluded.claimed_at \
             WHERE ai_answers.message_id < excluded.message_id",
        )
        .bind(conversation_id)
        .bind(message_id)
        .bind(run_id)
        .bind(ms(Utc::now()))
        .execute(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        let holder: Option<(String, String)> =
            sqlx::query_as("SELECT message_id, run_id FROM ai_answers WHERE conversation_id = ?")
                .bind(conversation_id)
                .fetch_optional(&self.read)
                .await
                .map_err(db)?;
        Ok(holder.is_some_and(|(m, r)| m == message_id && r == run_id))
    }
}
