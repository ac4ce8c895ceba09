//! [`ContactImports`] for [`PgStore`]: the `contact_imports` table and the chunk writer — the
//! contacts of a chunk read in one `SELECT … phone = ANY($2)` (and locked), merged in Rust, and
//! written (new and changed ones only) by one multi-row upsert, with the import's counters, in
//! one transaction. The statements are SQLite's (`imports.rs` of the SQLite backend) in
//! PostgreSQL's dialect.

use crate::contact_imports_rows::{import, interrupted, parts, IMPORT_COLUMNS};
use crate::convert::{db, ms};
use crate::records_api::sql_limit;
use crate::PgStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use std::collections::HashMap;
use waflow_domain::import::{ContactParts, ContactRow};
use waflow_store::{
    new_id, BadRow, ContactImport, ContactImports, Error, ImportCounts, ImportEnd, Result,
};

/// How many times a chunk is written again when contacts of its phones were created by a
/// concurrent transaction meanwhile (each time they are then read as existing ones).
const CHUNK_TRIES: usize = 3;

/// A contact of the chunk as it will be written.
struct Merged {
    id: String,
    parts: ContactParts,
    /// Not stored yet, or changed by the chunk: written.
    write: bool,
}

/// Reads, merges and writes the chunk's contacts inside `conn`'s transaction; the counters with
/// this chunk's created and updated, or `None` when a contact the chunk was to create had been
/// created by a concurrent transaction (the transaction must then be rolled back and the chunk
/// written again).
async fn write_contacts(
    conn: &mut PgConnection,
    workspace_id: &str,
    rows: &[ContactRow],
    phones: &[&str],
    mut counts: ImportCounts,
    at: DateTime<Utc>,
) -> Result<Option<ImportCounts>> {
    let mut stored: HashMap<String, (String, ContactParts)> = HashMap::with_capacity(phones.len());
    if !phones.is_empty() {
        // Locked, in phone order (the order every chunk locks in): the merge below reads and
        // rewrites these rows, which SQLite's single writer kept from changing meanwhile.
        let found = sqlx::query(
            "SELECT id, phone, name, tags, lists, fields FROM contacts \
             WHERE workspace_id = $1 AND phone = ANY($2) ORDER BY phone FOR UPDATE",
        )
        .bind(workspace_id)
        .bind(phones)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        for row in &found {
            let (id, phone, parts) = parts(row)?;
            stored.insert(phone, (id, parts));
        }
    }
    // Rows applied in file order; a phone seen twice is one contact changed twice.
    let mut merged: HashMap<&str, Merged> = HashMap::with_capacity(phones.len());
    for row in rows {
        let phone = row.phone.as_str();
        if let Some(m) = merged.get_mut(phone) {
            counts.updated += 1;
            m.write |= row.apply(&mut m.parts);
            continue;
        }
        let mut m = match stored.remove(phone) {
            Some((id, parts)) => {
                counts.updated += 1;
                Merged {
                    id,
                    parts,
                    write: false,
                }
            }
            None => {
                counts.created += 1;
                Merged {
                    id: new_id("ct"),
                    parts: ContactParts::default(),
                    write: true,
                }
            }
        };
        m.write |= row.apply(&mut m.parts);
        merged.insert(phone, m);
    }
    // In phone order, so that two chunks inserting the same new phones wait for each other
    // instead of deadlocking.
    let mut writes: Vec<(&str, &Merged)> = merged
        .iter()
        .filter(|(_, m)| m.write)
        .map(|(p, m)| (*p, m))
        .collect();
    if writes.is_empty() {
        return Ok(Some(counts));
    }
    writes.sort_unstable_by_key(|(p, _)| *p);
    let json = |v: Value| v.to_string();
    let ids: Vec<&str> = writes.iter().map(|(_, m)| m.id.as_str()).collect();
    let phones: Vec<&str> = writes.iter().map(|(p, _)| *p).collect();
    let names: Vec<&str> = writes.iter().map(|(_, m)| m.parts.name.as_str()).collect();
    let tags: Vec<String> = writes
        .iter()
        .map(|(_, m)| json(Value::from(m.parts.tags.clone())))
        .collect();
    let lists: Vec<String> = writes
        .iter()
        .map(|(_, m)| json(Value::from(m.parts.lists.clone())))
        .collect();
    let fields: Vec<String> = writes
        .iter()
        .map(|(_, m)| json(Value::Object(m.parts.fields.clone())))
        .collect();
    let written: Vec<(String, String)> = sqlx::query_as(
        "INSERT INTO contacts (id, workspace_id, phone, name, tags, lists, fields, created_at, updated_at) \
         SELECT id, $2, phone, name, tags, lists, fields, $8, $8 \
         FROM UNNEST($1::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) \
           AS t (id, phone, name, tags, lists, fields) \
         ON CONFLICT (workspace_id, phone) DO UPDATE SET name = excluded.name, \
         tags = excluded.tags, lists = excluded.lists, fields = excluded.fields, \
         updated_at = excluded.updated_at RETURNING phone, id",
    )
    .bind(&ids)
    .bind(workspace_id)
    .bind(&phones)
    .bind(&names)
    .bind(&tags)
    .bind(&lists)
    .bind(&fields)
    .bind(ms(at))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    // A contact written under another id than the merge's was created by a concurrent
    // transaction after the read: it was merged from nothing, so the chunk is written again.
    let raced = written
        .iter()
        .any(|(phone, id)| merged.get(phone.as_str()).map(|m| m.id.as_str()) != Some(id.as_str()));
    Ok((!raced).then_some(counts))
}

#[async_trait]
impl ContactImports for PgStore {
    async fn insert_import(
        &self,
        workspace_id: &str,
        file_bytes: u64,
        at: DateTime<Utc>,
    ) -> Result<ContactImport> {
        let row = sqlx::query(&format!(
            "INSERT INTO contact_imports (id, workspace_id, state, file_bytes, created_at) \
             VALUES ($1, $2, 'running', $3, $4) RETURNING {IMPORT_COLUMNS}"
        ))
        .bind(new_id("imp"))
        .bind(workspace_id)
        .bind(file_bytes as i64)
        .bind(ms(at))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        import(&row)
    }

    async fn import_chunk(
        &self,
        workspace_id: &str,
        import_id: &str,
        rows: &[ContactRow],
        counts: ImportCounts,
        at: DateTime<Utc>,
    ) -> Result<ImportCounts> {
        let mut phones: Vec<&str> = rows.iter().map(|r| r.phone.as_str()).collect();
        phones.sort_unstable();
        phones.dedup();
        for _ in 0..CHUNK_TRIES {
            let mut tx = self.pool.begin().await.map_err(db)?;
            // Dropping `tx` rolls the attempt back.
            let Some(counts) =
                write_contacts(&mut tx, workspace_id, rows, &phones, counts, at).await?
            else {
                continue;
            };
            // Safe under concurrent transactions: the state is checked again on the newest row,
            // so a chunk never lands in an import failed meanwhile.
            let done = sqlx::query(
                "UPDATE contact_imports SET bytes_read = $1, rows_read = $2, created = $3, \
                 updated = $4, bad = $5 WHERE id = $6 AND workspace_id = $7 AND state = 'running'",
            )
            .bind(counts.bytes_read as i64)
            .bind(counts.rows as i64)
            .bind(counts.created as i64)
            .bind(counts.updated as i64)
            .bind(counts.bad as i64)
            .bind(import_id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if done.rows_affected() == 0 {
                // Not running any more (failed at a restart): its chunk is not written.
                return Err(Error::NotFound {
                    what: "running import",
                });
            }
            tx.commit().await.map_err(db)?;
            return Ok(counts);
        }
        Err(Error::Backend(format!(
            "contacts of this chunk kept being created by other writers; {CHUNK_TRIES} tries failed"
        )))
    }

    async fn finish_import(
        &self,
        workspace_id: &str,
        import_id: &str,
        counts: ImportCounts,
        bad_rows: &[BadRow],
        end: ImportEnd,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (state, error) = match end {
            ImportEnd::Done => ("done", None),
            ImportEnd::Failed(why) => ("failed", Some(why)),
        };
        let bad_rows = serde_json::to_string(bad_rows)
            .map_err(|e| Error::Backend(format!("bad rows: {e}")))?;
        sqlx::query(
            "UPDATE contact_imports SET state = $1, error = $2, bad_rows = $3, bytes_read = $4, \
             rows_read = $5, created = $6, updated = $7, bad = $8, finished_at = $9 \
             WHERE id = $10 AND workspace_id = $11",
        )
        .bind(state)
        .bind(error)
        .bind(bad_rows)
        .bind(counts.bytes_read as i64)
        .bind(counts.rows as i64)
        .bind(counts.created as i64)
        .bind(counts.updated as i64)
        .bind(counts.bad as i64)
        .bind(ms(at))
        .bind(import_id)
        .bind(workspace_id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn contact_import(&self, workspace_id: &str, id: &str) -> Result<ContactImport> {
        let row = sqlx::query(&format!(
            "SELECT {IMPORT_COLUMNS} FROM contact_imports WHERE id = $1 AND workspace_id = $2"
        ))
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { what: "import" })?;
        import(&row)
    }

    async fn contact_imports(&self, workspace_id: &str, limit: i64) -> Result<Vec<ContactImport>> {
        let rows = sqlx::query(&format!(
            "SELECT {IMPORT_COLUMNS} FROM contact_imports WHERE workspace_id = $1 \
             ORDER BY id DESC LIMIT $2"
        ))
        .bind(workspace_id)
        .bind(sql_limit(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(import).collect()
    }

    async fn fail_interrupted_imports(&self, at: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        // Locked: a chunk committing meanwhile is waited for, so the sentence tells the counts
        // as they end.
        let running = sqlx::query(&format!(
            "SELECT {IMPORT_COLUMNS} FROM contact_imports WHERE state = 'running' ORDER BY id FOR UPDATE"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for row in &running {
            let i = import(row)?;
            sqlx::query(
                "UPDATE contact_imports SET state = 'failed', error = $1, finished_at = $2 \
                 WHERE id = $3",
            )
            .bind(interrupted(i.file_bytes, &i.counts))
            .bind(ms(at))
            .bind(&i.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(running.len() as u64)
    }
}
