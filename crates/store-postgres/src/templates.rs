//! The message templates of a number, as last synced: [`waflow_store::Numbers::replace_templates`]
//! and [`waflow_store::Numbers::templates`] on PostgreSQL.

use crate::convert::{db, ms, time};
use sqlx::PgPool;
use waflow_store::{Error, MessageTemplate, Result};

/// Replaces the stored templates of a number in one transaction: the old ones deleted, the new
/// ones inserted in one statement (in input order: of two with one name and language, the first
/// is kept, as on SQLite).
///
/// Two syncs of one number at once would interleave here (each deleting only the rows it saw), so
/// the number's row is locked first (`FOR NO KEY UPDATE`, which does not block the foreign-key
/// checks of other writers): the second sync waits and then replaces the first one's list.
pub(crate) async fn replace(
    pool: &PgPool,
    workspace_id: &str,
    number_id: &str,
    templates: &[MessageTemplate],
) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query("SELECT id FROM numbers WHERE id = $1 FOR NO KEY UPDATE")
        .bind(number_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM message_templates WHERE number_id = $1 AND workspace_id = $2")
        .bind(number_id)
        .bind(workspace_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    if !templates.is_empty() {
        let column =
            |f: fn(&MessageTemplate) -> &str| -> Vec<&str> { templates.iter().map(f).collect() };
        let components: Vec<String> = templates.iter().map(|t| t.components.to_string()).collect();
        let synced: Vec<i64> = templates.iter().map(|t| ms(t.synced_at)).collect();
        sqlx::query(
            "INSERT INTO message_templates (number_id, workspace_id, name, language, category, status, components, synced_at) \
             SELECT $1, $2, name, language, category, status, components, synced_at \
             FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[]) WITH ORDINALITY \
               AS t (name, language, category, status, components, synced_at, n) ORDER BY n \
             ON CONFLICT DO NOTHING",
        )
        .bind(number_id)
        .bind(workspace_id)
        .bind(column(|t| &t.name))
        .bind(column(|t| &t.language))
        .bind(column(|t| &t.category))
        .bind(column(|t| &t.status))
        .bind(&components)
        .bind(&synced)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

/// The stored templates of a number, by name and language.
pub(crate) async fn list(
    pool: &PgPool,
    workspace_id: &str,
    number_id: &str,
) -> Result<Vec<MessageTemplate>> {
    let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT name, language, category, status, components, synced_at FROM message_templates \
         WHERE number_id = $1 AND workspace_id = $2 ORDER BY name, language",
    )
    .bind(number_id)
    .bind(workspace_id)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    rows.into_iter()
        .map(
            |(name, language, category, status, components, synced_at)| {
                Ok(MessageTemplate {
                    approved: status == "APPROVED",
                    components: serde_json::from_str(&components)
                        .map_err(|e| Error::Corrupt(format!("template components: {e}")))?,
                    name,
                    language,
                    category,
                    status,
                    synced_at: time(synced_at),
                })
            },
        )
        .collect()
}
