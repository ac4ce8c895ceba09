//! [`ContactImports`] for [`SqliteStore`]: the `contact_imports` table (migration 0021) and the
//! chunk writer — the contacts of a chunk read in one `SELECT … phone IN (…)`, merged in Rust,
//! and written (new and changed ones only) by one multi-row upsert, with the import's counters,
//! in one transaction on the write connection.

use crate::convert::{db, ms, time};
use crate::SqliteStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use std::collections::HashMap;
use waflow_domain::import::{ContactParts, ContactRow};
use waflow_store::{
    new_id, BadRow, ContactImport, ContactImports, Error, ImportCounts, ImportEnd, Result,
};

/// Phones per `SELECT … IN (…)` and rows per upsert statement (9 bound values each; SQLite
/// allows 32,766).
const STATEMENT_ROWS: usize = 1000;

const IMPORT_COLUMNS: &str = "id, workspace_id, state, file_bytes, bytes_read, rows_read, \
     created, updated, bad, bad_rows, error, created_at, finished_at";

fn counter(row: &SqliteRow, col: &str) -> Result<u64> {
    Ok(row.try_get::<i64, _>(col).map_err(db)?.max(0) as u64)
}

fn import(row: &SqliteRow) -> Result<ContactImport> {
    let bad_rows: String = row.try_get("bad_rows").map_err(db)?;
    let bad_rows: Vec<(u64, String)> = serde_json::from_str::<Vec<Value>>(&bad_rows)
        .map_err(|e| Error::Corrupt(format!("bad_rows: {e}")))?
        .iter()
        .map(|v| {
            (
                v["line"].as_u64().unwrap_or_default(),
                v["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Ok(ContactImport {
        id: row.try_get("id").map_err(db)?,
        workspace_id: row.try_get("workspace_id").map_err(db)?,
        state: row.try_get("state").map_err(db)?,
        file_bytes: counter(row, "file_bytes")?,
        counts: ImportCounts {
            bytes_read: counter(row, "bytes_read")?,
            rows: counter(row, "rows_read")?,
            created: counter(row, "created")?,
            updated: counter(row, "updated")?,
            bad: counter(row, "bad")?,
        },
        bad_rows: bad_rows
            .into_iter()
            .map(|(line, reason)| BadRow { line, reason })
            .collect(),
        error: row.try_get("error").map_err(db)?,
        created_at: time(row.try_get("created_at").map_err(db)?),
        finished_at: row
            .try_get::<Option<i64>, _>("finished_at")
            .map_err(db)?
            .map(time),
    })
}

/// A contact of the chunk as it will be written.
struct Merged {
    id: String,
    parts: ContactParts,
    /// Not stored yet, or changed by the chunk: written.
    write: bool,
}

fn parts(row: &SqliteRow) -> Result<(String, String, ContactParts)> {
    let text = |col: &str| -> Result<String> { row.try_get(col).map_err(db) };
    let names = |col: &str| -> Result<Vec<String>> {
        serde_json::from_str(&text(col)?).map_err(|e| Error::Corrupt(format!("{col}: {e}")))
    };
    let fields: Map<String, Value> = match serde_json::from_str(&text("fields")?) {
        Ok(Value::Object(m)) => m,
        Ok(_) => Map::new(),
        Err(e) => return Err(Error::Corrupt(format!("fields: {e}"))),
    };
    Ok((
        text("id")?,
        text("phone")?,
        ContactParts {
            name: text("name")?,
            tags: names("tags")?,
            lists: names("lists")?,
            fields,
        },
    ))
}

/// `12345` as `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// The sentence an interrupted import fails with.
fn interrupted(file_bytes: u64, c: &ImportCounts) -> String {
    format!(
        "the server stopped while the import ran; it had read {} rows ({} of {}): {} contacts \
         created, {} updated, {} bad rows — those contacts are stored. Import the file again to \
         finish: rows already imported are updated, never duplicated",
        thousands(c.rows),
        megabytes(c.bytes_read),
        megabytes(file_bytes),
        thousands(c.created),
        thousands(c.updated),
        thousands(c.bad)
    )
}

#[async_trait]
impl ContactImports for SqliteStore {
    async fn insert_import(
        &self,
        workspace_id: &str,
        file_bytes: u64,
        at: DateTime<Utc>,
    ) -> Result<ContactImport> {
        let id = new_id("imp");
        let mut conn = self.writer.lock().await?;
        sqlx::query(
            "INSERT INTO contact_imports (id, workspace_id, state, file_bytes, created_at) \
             VALUES (?, ?, 'running', ?, ?)",
        )
        .bind(&id)
        .bind(workspace_id)
        .bind(file_bytes as i64)
        .bind(ms(at))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        drop(conn);
        self.contact_import(workspace_id, &id).await
    }

    async fn import_chunk(
        &self,
        workspace_id: &str,
        import_id: &str,
        rows: &[ContactRow],
        mut counts: ImportCounts,
        at: DateTime<Utc>,
    ) -> Result<ImportCounts> {
        let mut phones: Vec<&str> = rows.iter().map(|r| r.phone.as_str()).collect();
        phones.sort_unstable();
        phones.dedup();
        let mut tx = self.writer.begin().await?;
        let mut stored: HashMap<String, (String, ContactParts)> =
            HashMap::with_capacity(phones.len());
        for chunk in phones.chunks(STATEMENT_ROWS) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT id, phone, name, tags, lists, fields FROM contacts WHERE workspace_id = ",
            );
            q.push_bind(workspace_id).push(" AND phone IN (");
            let mut list = q.separated(", ");
            for phone in chunk {
                list.push_bind(*phone);
            }
            q.push(")");
            for row in q.build().fetch_all(&mut *tx).await.map_err(db)? {
                let (id, phone, parts) = parts(&row)?;
                stored.insert(phone, (id, parts));
            }
        }
        // Rows applied in file order; a phone seen twice is one contact changed twice.
        let mut merged: HashMap<&str, Merged> = HashMap::with_capacity(phones.len());
        let mut order: Vec<&str> = Vec::with_capacity(phones.len());
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
            order.push(phone);
        }
        let writes: Vec<(&str, &Merged)> = order
            .iter()
            .filter_map(|p| merged.get(p).map(|m| (*p, m)))
            .filter(|(_, m)| m.write)
            .collect();
        for chunk in writes.chunks(STATEMENT_ROWS) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO contacts (id, workspace_id, phone, name, tags, lists, fields, \
                 created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, (phone, m)| {
                b.push_bind(&m.id)
                    .push_bind(workspace_id)
                    .push_bind(*phone)
                    .push_bind(&m.parts.name)
                    .push_bind(Value::from(m.parts.tags.clone()).to_string())
                    .push_bind(Value::from(m.parts.lists.clone()).to_string())
                    .push_bind(Value::Object(m.parts.fields.clone()).to_string())
                    .push_bind(ms(at))
                    .push_bind(ms(at));
            });
            q.push(
                " ON CONFLICT (workspace_id, phone) DO UPDATE SET name = excluded.name, \
                 tags = excluded.tags, lists = excluded.lists, fields = excluded.fields, \
                 updated_at = excluded.updated_at",
            );
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        let done = sqlx::query(
            "UPDATE contact_imports SET bytes_read = ?, rows_read = ?, created = ?, updated = ?, \
             bad = ? WHERE id = ? AND workspace_id = ? AND state = 'running'",
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
        tx.commit().await?;
        Ok(counts)
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
        let mut conn = self.writer.lock().await?;
        sqlx::query(
            "UPDATE contact_imports SET state = ?, error = ?, bad_rows = ?, bytes_read = ?, \
             rows_read = ?, created = ?, updated = ?, bad = ?, finished_at = ? \
             WHERE id = ? AND workspace_id = ?",
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
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn contact_import(&self, workspace_id: &str, id: &str) -> Result<ContactImport> {
        let row = sqlx::query(&format!(
            "SELECT {IMPORT_COLUMNS} FROM contact_imports WHERE id = ? AND workspace_id = ?"
        ))
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { what: "import" })?;
        import(&row)
    }

    async fn contact_imports(&self, workspace_id: &str, limit: i64) -> Result<Vec<ContactImport>> {
        let rows = sqlx::query(&format!(
            "SELECT {IMPORT_COLUMNS} FROM contact_imports WHERE workspace_id = ? \
             ORDER BY id DESC LIMIT ?"
        ))
        .bind(workspace_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(import).collect()
    }

    async fn fail_interrupted_imports(&self, at: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.writer.begin().await?;
        let running = sqlx::query(&format!(
            "SELECT {IMPORT_COLUMNS} FROM contact_imports WHERE state = 'running'"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for row in &running {
            let i = import(row)?;
            sqlx::query(
                "UPDATE contact_imports SET state = 'failed', error = ?, finished_at = ? \
                 WHERE id = ?",
            )
            .bind(interrupted(i.file_bytes, &i.counts))
            .bind(ms(at))
            .bind(&i.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await?;
        Ok(running.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_import_says_how_far_it_got() {
        let c = ImportCounts {
            bytes_read: 3 * 1024 * 1024,
            rows: 40_000,
            created: 39_990,
            updated: 0,
            bad: 10,
        };
        let s = interrupted(6 * 1024 * 1024, &c);
        assert!(s.contains("40,000 rows (3.0 MB of 6.0 MB)"), "{s}");
        assert!(s.contains("39,990 contacts created"), "{s}");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
