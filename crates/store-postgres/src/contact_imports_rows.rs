//! The rows of contact imports on PostgreSQL: the import record's mapper, a chunk's stored
//! contacts, and the sentence an interrupted import fails with (word for word SQLite's).

use crate::convert::{db, time};
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::Row;
use waflow_domain::import::ContactParts;
use waflow_store::{BadRow, ContactImport, Error, ImportCounts, Result};

/// The columns [`import`] reads.
pub(crate) const IMPORT_COLUMNS: &str = "id, workspace_id, state, file_bytes, bytes_read, \
     rows_read, created, updated, bad, bad_rows, error, created_at, finished_at";

/// A stored counter (never negative) as a count.
fn counter(row: &PgRow, col: &str) -> Result<u64> {
    Ok(row.try_get::<i64, _>(col).map_err(db)?.max(0) as u64)
}

/// An import as stored.
pub(crate) fn import(row: &PgRow) -> Result<ContactImport> {
    let bad_rows: String = row.try_get("bad_rows").map_err(db)?;
    let bad_rows: Vec<BadRow> = serde_json::from_str::<Vec<Value>>(&bad_rows)
        .map_err(|e| Error::Corrupt(format!("bad_rows: {e}")))?
        .iter()
        .map(|v| BadRow {
            line: v["line"].as_u64().unwrap_or_default(),
            reason: v["reason"].as_str().unwrap_or_default().to_string(),
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
        bad_rows,
        error: row.try_get("error").map_err(db)?,
        created_at: time(row.try_get("created_at").map_err(db)?),
        finished_at: row
            .try_get::<Option<i64>, _>("finished_at")
            .map_err(db)?
            .map(time),
    })
}

/// A stored contact of a chunk: (id, phone, its changeable parts).
pub(crate) fn parts(row: &PgRow) -> Result<(String, String, ContactParts)> {
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

/// `3145728` bytes as `3.0 MB`.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// The sentence an interrupted import fails with.
pub(crate) fn interrupted(file_bytes: u64, c: &ImportCounts) -> String {
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
