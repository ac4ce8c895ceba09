//! One person, one contact, on PostgreSQL: the contact of a phone and the contact of a
//! business-scoped user id joined when a message carries both (see
//! [`waflow_store::Store::join_user_id`] for the rule). The statements are the SQLite backend's,
//! with `UPDATE OR IGNORE` spelled as an update of the rows that would not collide.

use crate::convert::{db, ms};
use crate::tx::contact;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use waflow_store::{Contact, Result, UserIdJoin};

/// Joins inside the caller's transaction.
pub(crate) async fn join_user_id(
    conn: &mut PgConnection,
    workspace_id: &str,
    phone: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> Result<UserIdJoin> {
    let by_user: Option<(String, String)> = sqlx::query_as(
        "SELECT id, phone FROM contacts WHERE workspace_id = $1 AND wa_user_id = $2",
    )
    .bind(workspace_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let by_phone: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT id, wa_user_id FROM contacts WHERE workspace_id = $1 AND phone = $2",
    )
    .bind(workspace_id)
    .bind(phone)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    match (by_user, by_phone) {
        (None, None) => Ok(UserIdJoin::Unchanged),
        (None, Some((id, None))) => {
            sqlx::query("UPDATE contacts SET wa_user_id = $1, updated_at = $2 WHERE id = $3")
                .bind(user_id)
                .bind(ms(at))
                .bind(&id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            Ok(UserIdJoin::Linked { contact_id: id })
        }
        // The phone's contact has another user id: not ours to change.
        (None, Some(_)) => Ok(UserIdJoin::Unchanged),
        // Known only by the user id (its address is the user id): it gains the phone.
        (Some((id, address)), None) if address == user_id => {
            sqlx::query("UPDATE contacts SET phone = $1, updated_at = $2 WHERE id = $3")
                .bind(phone)
                .bind(ms(at))
                .bind(&id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            Ok(UserIdJoin::GainedPhone { contact_id: id })
        }
        (Some((merged, address)), Some((survivor, survivor_user_id)))
            if merged != survivor
                && address == user_id
                && survivor_user_id.as_deref().is_none_or(|u| u == user_id) =>
        {
            merge(conn, workspace_id, &survivor, &merged, user_id, at).await?;
            Ok(UserIdJoin::Merged { survivor, merged })
        }
        // Already one contact, or the user id is on a contact with another phone.
        _ => Ok(UserIdJoin::Unchanged),
    }
}

/// Moves everything of `merged` to `survivor`, unites their details and deletes `merged`.
async fn merge(
    conn: &mut PgConnection,
    workspace_id: &str,
    survivor: &str,
    merged: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let keep = contact(&mut *conn, workspace_id, survivor).await?;
    let gone = contact(&mut *conn, workspace_id, merged).await?;

    // Conversations: moved whole, or — when the survivor has one on the same number — their
    // messages and runs moved into the survivor's, which keeps the later activity time.
    let conversations: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT id, number_id, last_message_at FROM conversations WHERE contact_id = $1",
    )
    .bind(merged)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for (id, number_id, last_message_at) in conversations {
        let target: Option<String> = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE contact_id = $1 AND number_id = $2",
        )
        .bind(survivor)
        .bind(&number_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let Some(target) = target else {
            exec(
                conn,
                "UPDATE conversations SET contact_id = $1 WHERE id = $2",
                &[survivor, &id],
            )
            .await?;
            continue;
        };
        for sql in [
            "UPDATE messages SET conversation_id = $1 WHERE conversation_id = $2",
            "UPDATE runs SET conversation_id = $1 WHERE conversation_id = $2",
            // SQLite's UPDATE OR IGNORE: the claim moves unless the target already has one.
            "UPDATE ai_answers SET conversation_id = $1 WHERE conversation_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM ai_answers WHERE conversation_id = $1)",
        ] {
            exec(conn, sql, &[&target, &id]).await?;
        }
        exec(
            conn,
            "DELETE FROM ai_answers WHERE conversation_id = $1",
            &[&id],
        )
        .await?;
        sqlx::query(
            "UPDATE conversations SET last_message_at = GREATEST(last_message_at, $1) WHERE id = $2",
        )
        .bind(last_message_at)
        .bind(&target)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        exec(conn, "DELETE FROM conversations WHERE id = $1", &[&id]).await?;
    }
    for sql in [
        "UPDATE messages SET contact_id = $1 WHERE contact_id = $2",
        "UPDATE runs SET contact_id = $1 WHERE contact_id = $2",
        "UPDATE tickets SET contact_id = $1 WHERE contact_id = $2",
        "UPDATE notifications SET contact_id = $1 WHERE contact_id = $2",
        "UPDATE log_entries SET contact_id = $1 WHERE contact_id = $2",
        "UPDATE automation_events SET contact_id = $1 WHERE contact_id = $2",
        // SQLite's UPDATE OR IGNORE: a fire the survivor already has stays the merged contact's
        // (and is deleted with it below).
        "UPDATE date_trigger_fires d SET contact_id = $1 WHERE d.contact_id = $2 AND NOT EXISTS \
         (SELECT 1 FROM date_trigger_fires e WHERE e.workflow_id = d.workflow_id \
          AND e.occurrence = d.occurrence AND e.contact_id = $1)",
    ] {
        exec(conn, sql, &[survivor, merged]).await?;
    }
    exec(
        conn,
        "DELETE FROM date_trigger_fires WHERE contact_id = $1",
        &[merged],
    )
    .await?;
    exec(conn, "DELETE FROM contacts WHERE id = $1", &[merged]).await?;

    let united = unite(keep, gone);
    sqlx::query(
        "UPDATE contacts SET wa_user_id = $1, name = $2, tags = $3, lists = $4, fields = $5, \
         assigned_agent_id = $6, blocked = $7, excluded = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(user_id)
    .bind(&united.name)
    .bind(Value::from(united.tags).to_string())
    .bind(Value::from(united.lists).to_string())
    .bind(Value::Object(united.fields).to_string())
    .bind(&united.assigned_agent_id)
    .bind(united.blocked)
    .bind(united.excluded_from_automation)
    .bind(ms(at))
    .bind(survivor)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// The survivor's details completed by the merged contact's: tags and lists united (survivor's
/// first), fields the survivor lacks copied, name and agent taken only when the survivor has
/// none; blocked or excluded if either was (a block is never lost in a merge).
fn unite(mut keep: Contact, gone: Contact) -> Contact {
    for tag in gone.tags {
        if !keep.tags.contains(&tag) {
            keep.tags.push(tag);
        }
    }
    for list in gone.lists {
        if !keep.lists.contains(&list) {
            keep.lists.push(list);
        }
    }
    for (key, value) in gone.fields {
        keep.fields.entry(key).or_insert(value);
    }
    if keep.name.is_empty() {
        keep.name = gone.name;
    }
    if keep.assigned_agent_id.is_none() {
        keep.assigned_agent_id = gone.assigned_agent_id;
    }
    keep.blocked |= gone.blocked;
    keep.excluded_from_automation |= gone.excluded_from_automation;
    keep
}

async fn exec(conn: &mut PgConnection, sql: &str, binds: &[&str]) -> Result<()> {
    let mut query = sqlx::query(sql);
    for b in binds {
        query = query.bind(*b);
    }
    query.execute(&mut *conn).await.map_err(db)?;
    Ok(())
}
