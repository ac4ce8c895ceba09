//! [`Contacts`] for [`PgStore`].

use crate::convert::{self, db, ms, CONTACT_COLUMNS};
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use waflow_store::{
    new_id, Contact, ContactFilter, ContactPatch, Contacts, Error, Result, UserIdJoin,
};

fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))
}

/// Inserts a contact row; a phone already used in the workspace is a conflict naming `phone`
/// (its message ends with the database's own words, in parentheses).
pub(crate) async fn insert_contact_row(
    conn: &mut PgConnection,
    workspace_id: &str,
    phone: &str,
    name: &str,
    at: DateTime<Utc>,
) -> Result<Contact> {
    let sql = format!(
        "INSERT INTO contacts (id, workspace_id, phone, name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {CONTACT_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(new_id("ct"))
        .bind(workspace_id)
        .bind(phone)
        .bind(name)
        .bind(ms(at))
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { message, .. } => Error::Conflict {
                field: "phone".into(),
                message: format!("a contact with phone {phone} already exists ({message})"),
            },
            other => other,
        })?;
    convert::contact(&row)
}

/// Applies a patch to a contact (see [`Contacts::update_contact`]).
async fn update_contact_on(
    conn: &mut PgConnection,
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
        "UPDATE contacts SET name = COALESCE($1, name), tags = COALESCE($2, tags), \
         fields = COALESCE($3, fields), \
         assigned_agent_id = CASE WHEN $4 THEN $5 ELSE assigned_agent_id END, \
         blocked = COALESCE($6, blocked), excluded = COALESCE($7, excluded), \
         opted_out_at = CASE WHEN $8::boolean IS NULL THEN opted_out_at \
           WHEN $8 THEN COALESCE(opted_out_at, $9) ELSE NULL END, \
         updated_at = $9 WHERE id = $10 AND workspace_id = $11 RETURNING {CONTACT_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(&p.name)
        .bind(tags)
        .bind(fields)
        .bind(set_agent)
        .bind(agent)
        .bind(p.blocked)
        .bind(p.excluded_from_automation)
        .bind(p.opted_out)
        .bind(ms(Utc::now()))
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    convert::found(row, convert::contact, "contact")
}

/// The contacts filter as one statement whose text never changes: an absent condition is a
/// null parameter. Matching is SQLite's: `LIKE` there ignores ASCII case and has no escape
/// character, hence `ILIKE ... ESCAPE ''` on `COLLATE "C"` text (whose case folding is ASCII's).
const CONTACTS_FILTERED: &str = "WHERE workspace_id = $1 \
     AND ($2::text IS NULL OR assigned_agent_id = $2) \
     AND ($3::text IS NULL OR id > $3) \
     AND ($4::text IS NULL OR lower(tags) ILIKE $4 ESCAPE '') \
     AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(contacts.lists::jsonb) \
          AS l (value) WHERE lower(l.value COLLATE \"C\") = $5)) \
     AND ($6::text IS NULL OR lower(name) ILIKE $6 ESCAPE '' OR phone ILIKE $6 ESCAPE '') \
     ORDER BY id LIMIT $7";

#[async_trait]
impl Contacts for PgStore {
    async fn insert_contact(
        &self,
        workspace_id: &str,
        phone: &str,
        name: &str,
        patch: &ContactPatch,
    ) -> Result<Contact> {
        // One transaction (SQLite commits the row, then applies the patch in a second statement).
        let mut tx = self.pool.begin().await.map_err(db)?;
        let created = insert_contact_row(&mut tx, workspace_id, phone, name, Utc::now()).await?;
        let contact = update_contact_on(&mut tx, workspace_id, &created.id, patch).await?;
        tx.commit().await.map_err(db)?;
        Ok(contact)
    }

    async fn contacts(&self, workspace_id: &str, f: &ContactFilter) -> Result<Vec<Contact>> {
        let tag = f
            .tag
            .as_ref()
            .map(|tag| Ok::<_, Error>(format!("%{}%", json_text(&tag.to_lowercase())?)))
            .transpose()?;
        let search = f.search.as_ref().map(|s| format!("%{}%", s.to_lowercase()));
        // SQLite reads a negative limit as none; so does PostgreSQL a null one.
        let limit = (f.limit >= 0).then_some(f.limit);
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts {CONTACTS_FILTERED}");
        let rows = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(&f.assigned_to)
            .bind(&f.after_id)
            .bind(tag)
            .bind(f.list.as_ref().map(|l| l.to_lowercase()))
            .bind(search)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(convert::contact).collect()
    }

    async fn contact(&self, workspace_id: &str, id: &str) -> Result<Contact> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        crate::tx::contact(&mut conn, workspace_id, id).await
    }

    async fn update_contact(
        &self,
        workspace_id: &str,
        id: &str,
        p: &ContactPatch,
    ) -> Result<Contact> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        update_contact_on(&mut conn, workspace_id, id, p).await
    }

    async fn delete_contact(&self, workspace_id: &str, id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM runs WHERE contact_id = $1 AND workspace_id = $2")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let n = sqlx::query("DELETE FROM contacts WHERE id = $1 AND workspace_id = $2")
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n == 0 {
            return Err(Error::NotFound { what: "contact" });
        }
        tx.commit().await.map_err(db)
    }

    async fn phone_of_user_id(&self, workspace_id: &str, user_id: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT phone FROM contacts WHERE workspace_id = $1 AND wa_user_id = $2")
            .bind(workspace_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)
    }

    async fn link_user_id(
        &self,
        workspace_id: &str,
        contact_id: &str,
        user_id: &str,
    ) -> Result<()> {
        // Two contacts linked to one user id at once would both pass the NOT EXISTS (SQLite's
        // single writer excludes that); the second then violates the unique index, which means
        // the first won: nothing to do, as when the NOT EXISTS sees it.
        let done = sqlx::query(
            "UPDATE contacts SET wa_user_id = $1 WHERE id = $2 AND workspace_id = $3 AND wa_user_id IS NULL \
             AND NOT EXISTS (SELECT 1 FROM contacts WHERE workspace_id = $3 AND wa_user_id = $1)",
        )
        .bind(user_id)
        .bind(contact_id)
        .bind(workspace_id)
        .execute(&self.pool)
        .await;
        match done.map_err(db) {
            Ok(_) | Err(Error::Conflict { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn join_user_id(
        &self,
        workspace_id: &str,
        phone: &str,
        user_id: &str,
        at: DateTime<Utc>,
    ) -> Result<UserIdJoin> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let joined = crate::merge::join_user_id(&mut tx, workspace_id, phone, user_id, at).await?;
        tx.commit().await.map_err(db)?;
        Ok(joined)
    }
}
