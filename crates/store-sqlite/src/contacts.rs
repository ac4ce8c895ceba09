//! [`Contacts`] for [`SqliteStore`].

use crate::api::*;
use crate::convert::{self, db, ms, CONTACT_COLUMNS};
use crate::tx::{self};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};
use waflow_store::*;

#[async_trait]
impl Contacts for SqliteStore {
    async fn insert_contact(
        &self,
        workspace_id: &str,
        phone: &str,
        name: &str,
        patch: &ContactPatch,
    ) -> Result<Contact> {
        let mut tx = self.writer.begin().await?;
        let created = tx::insert_contact_row(&mut tx, workspace_id, phone, name, now()).await?;
        tx.commit().await?;
        self.update_contact(workspace_id, &created.id, patch).await
    }

    async fn contacts(&self, workspace_id: &str, f: &ContactFilter) -> Result<Vec<Contact>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE workspace_id = "
        ));
        q.push_bind(workspace_id);
        if let Some(agent) = &f.assigned_to {
            q.push(" AND assigned_agent_id = ").push_bind(agent);
        }
        if let Some(after) = &f.after_id {
            q.push(" AND id > ").push_bind(after);
        }
        if let Some(tag) = &f.tag {
            // Tags are stored as a JSON array of strings; compare the quoted, lower-cased form.
            q.push(" AND lower(tags) LIKE ")
                .push_bind(format!("%{}%", json_text(&tag.to_lowercase())?));
        }
        if let Some(list) = &f.list {
            q.push(" AND EXISTS (SELECT 1 FROM json_each(contacts.lists) WHERE lower(value) = ")
                .push_bind(list.to_lowercase())
                .push(")");
        }
        if let Some(s) = &f.search {
            let pattern = format!("%{}%", s.to_lowercase());
            q.push(" AND (lower(name) LIKE ")
                .push_bind(pattern.clone())
                .push(" OR phone LIKE ")
                .push_bind(pattern)
                .push(")");
        }
        q.push(" ORDER BY id LIMIT ").push_bind(f.limit);
        let rows = q.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(convert::contact).collect()
    }

    async fn contact(&self, workspace_id: &str, id: &str) -> Result<Contact> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        tx::contact(&mut conn, workspace_id, id).await
    }

    async fn update_contact(
        &self,
        workspace_id: &str,
        id: &str,
        p: &ContactPatch,
    ) -> Result<Contact> {
        let tags = p.tags.as_ref().map(json_text).transpose()?;
        let fields = p.fields.as_ref().map(json_text).transpose()?;
        let (set_agent, agent) = match &p.assigned_agent_id {
            Some(a) => (true, a.clone()),
            None => (false, None),
        };
        let sql = format!(
            "UPDATE contacts SET name = COALESCE(?, name), tags = COALESCE(?, tags), fields = COALESCE(?, fields), \
             assigned_agent_id = CASE WHEN ? THEN ? ELSE assigned_agent_id END, blocked = COALESCE(?, blocked), \
             excluded = COALESCE(?, excluded), \
             opted_out_at = CASE WHEN ? IS NULL THEN opted_out_at WHEN ? THEN COALESCE(opted_out_at, ?) ELSE NULL END, \
             updated_at = ? WHERE id = ? AND workspace_id = ? RETURNING {CONTACT_COLUMNS}"
        );
        let at = ms(now());
        let row = sqlx::query(&sql)
            .bind(&p.name)
            .bind(tags)
            .bind(fields)
            .bind(set_agent)
            .bind(agent)
            .bind(p.blocked)
            .bind(p.excluded_from_automation)
            .bind(p.opted_out)
            .bind(p.opted_out)
            .bind(at)
            .bind(at)
            .bind(id)
            .bind(workspace_id)
            .fetch_optional(&mut *self.writer.lock().await?)
            .await
            .map_err(db)?;
        convert::found(row, convert::contact, "contact")
    }

    async fn delete_contact(&self, workspace_id: &str, id: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM runs WHERE contact_id = ? AND workspace_id = ?")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let n = sqlx::query("DELETE FROM contacts WHERE id = ? AND workspace_id = ?")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(not_found("contact"));
        }
        tx.commit().await
    }

    async fn phone_of_user_id(&self, workspace_id: &str, user_id: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT phone FROM contacts WHERE workspace_id = ? AND wa_user_id = ?")
            .bind(workspace_id)
            .bind(user_id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)
    }

    async fn link_user_id(
        &self,
        workspace_id: &str,
        contact_id: &str,
        user_id: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE contacts SET wa_user_id = ?1 WHERE id = ?2 AND workspace_id = ?3 AND wa_user_id IS NULL \
             AND NOT EXISTS (SELECT 1 FROM contacts WHERE workspace_id = ?3 AND wa_user_id = ?1)",
        )
        .bind(user_id)
        .bind(contact_id)
        .bind(workspace_id)
        .execute(&mut *self.writer.lock().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn join_user_id(
        &self,
        workspace_id: &str,
        phone: &str,
        user_id: &str,
        at: DateTime<Utc>,
    ) -> Result<UserIdJoin> {
        let mut tx = self.writer.begin().await?;
        let joined = crate::merge::join_user_id(&mut tx, workspace_id, phone, user_id, at).await?;
        tx.commit().await?;
        Ok(joined)
    }
}
