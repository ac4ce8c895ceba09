//! [`Conversations`] for [`PgStore`]: conversations and their messages, and providers' delivery
//! statuses applied to them.

use crate::convert::{self, db, CONVERSATION_SELECT, MESSAGE_COLUMNS};
use crate::runs::sql_limit;
use crate::PgStore;
use async_trait::async_trait;
use chrono::Utc;
use sqlx::{Postgres, QueryBuilder};
use waflow_store::{
    AppliedStatus, Conversation, ConversationFilter, Conversations, Message, Result, StatusChange,
};

#[async_trait]
impl Conversations for PgStore {
    async fn conversations(
        &self,
        workspace_id: &str,
        f: &ConversationFilter,
    ) -> Result<Vec<Conversation>> {
        // One statement text per combination of filters given, as on SQLite.
        let mut q: QueryBuilder<Postgres> =
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
            // `strpos` (SQLite's `instr`) rather than LIKE: the text is matched as it is (no
            // wildcards to escape). `lower` on these "C"-collated columns folds ASCII letters
            // only, as SQLite's does.
            let text = text.to_lowercase();
            q.push(" AND (strpos(lower(k.name), ")
                .push_bind(text.clone());
            q.push(") > 0 OR strpos(k.phone, ").push_bind(text.clone());
            q.push(
                ") > 0 OR EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = c.id AND strpos(lower(s.body), ",
            )
            .push_bind(text)
            .push(") > 0))");
        }
        q.push(" ORDER BY c.id DESC LIMIT ")
            .push_bind(sql_limit(f.limit));
        let rows = q.build().fetch_all(self.pool()).await.map_err(db)?;
        rows.iter().map(convert::conversation).collect()
    }

    async fn conversation(&self, workspace_id: &str, id: &str) -> Result<Conversation> {
        let sql = format!("{CONVERSATION_SELECT} WHERE c.id = $1 AND c.workspace_id = $2");
        convert::one_in_workspace(
            self.pool(),
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
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND conversation_id = $2 AND id > $3 \
             ORDER BY id LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(conversation_id)
            .bind(after_id.unwrap_or(""))
            .bind(sql_limit(limit))
            .fetch_all(self.pool())
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
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND number_id = $2 \
             AND direction = 'outbound' AND id > $3 ORDER BY id LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(number_id)
            .bind(after_id.unwrap_or(""))
            .bind(sql_limit(limit))
            .fetch_all(self.pool())
            .await
            .map_err(db)?;
        rows.iter().map(convert::message).collect()
    }

    async fn message(&self, workspace_id: &str, id: &str) -> Result<Message> {
        let sql =
            format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND workspace_id = $2");
        convert::one_in_workspace(
            self.pool(),
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
        let mut tx = self.pool().begin().await.map_err(db)?;
        let applied = crate::notices::apply_statuses(&mut tx, changes, Utc::now()).await?;
        tx.commit().await.map_err(db)?;
        Ok(applied)
    }
}
