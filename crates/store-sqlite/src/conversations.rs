//! [`Conversations`] for [`SqliteStore`].

use crate::convert::{self, db, CONVERSATION_SELECT, MESSAGE_COLUMNS};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::Utc;
use sqlx::{QueryBuilder, Sqlite};
use waflow_store::*;

#[async_trait]
impl Conversations for SqliteStore {
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

    async fn apply_message_statuses(
        &self,
        changes: &[StatusChange],
    ) -> Result<Vec<Option<AppliedStatus>>> {
        let mut tx = self.writer.begin().await?;
        let applied = crate::notices::apply_statuses(&mut tx, changes, Utc::now()).await?;
        tx.commit().await?;
        Ok(applied)
    }
}
