//! Reading, writing and checksumming one table's rows.
//!
//! **Invariant:** both sides are checksummed by the same function over the same rendering: the
//! columns in PostgreSQL's order, the rows in primary-key order (SQLite's BINARY collation and
//! PostgreSQL's "C" both compare text byte by byte), each value as `N` (NULL), `I<decimal>;`,
//! `B0`/`B1`, or `T<byte length>:<bytes>`, each row ended by `\n`.

use super::catalog::{Kind, Table};
use super::{ident, pg, sqlite, BATCH_ROWS};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{PgConnection, Row, SqliteConnection};
use waflow_store::{Error, Result};

/// One value, typed as its PostgreSQL column.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
}

/// `SELECT <columns> FROM <table> ORDER BY <key>`: the same text on both sides.
fn select(table: &Table) -> String {
    let columns: Vec<String> = table.columns.iter().map(|c| ident(&c.name)).collect();
    let key: Vec<String> = table.key.iter().map(|c| ident(c)).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        ident(&table.name),
        key.join(", ")
    )
}

/// Column `i` of a SQLite row, read as its PostgreSQL type says (NULL allowed everywhere: the
/// PostgreSQL constraints judge it on insert).
fn sqlite_value(row: &SqliteRow, i: usize, table: &Table) -> Result<Value> {
    let column = &table.columns[i];
    let bad = |e: sqlx::Error| {
        Error::Backend(format!(
            "SQLite {}.{} holds a value that is not {:?}: {e}",
            table.name, column.name, column.kind
        ))
    };
    Ok(match column.kind {
        Kind::BigInt => row
            .try_get::<Option<i64>, _>(i)
            .map_err(bad)?
            .map(Value::Int),
        Kind::Text => row
            .try_get::<Option<String>, _>(i)
            .map_err(bad)?
            .map(Value::Text),
        Kind::Bool => match row.try_get::<Option<i64>, _>(i).map_err(bad)? {
            None => None,
            Some(0) => Some(Value::Bool(false)),
            Some(1) => Some(Value::Bool(true)),
            Some(other) => {
                return Err(Error::Backend(format!(
                    "SQLite {}.{} holds {other}, not a boolean's 0 or 1",
                    table.name, column.name
                )))
            }
        },
    }
    .unwrap_or(Value::Null))
}

/// Column `i` of a PostgreSQL row.
fn pg_value(row: &PgRow, i: usize, table: &Table) -> Result<Value> {
    let get = |e: sqlx::Error| Error::Backend(format!("PostgreSQL {}: {e}", table.name));
    Ok(match table.columns[i].kind {
        Kind::BigInt => row
            .try_get::<Option<i64>, _>(i)
            .map_err(get)?
            .map(Value::Int),
        Kind::Text => row
            .try_get::<Option<String>, _>(i)
            .map_err(get)?
            .map(Value::Text),
        Kind::Bool => row
            .try_get::<Option<bool>, _>(i)
            .map_err(get)?
            .map(Value::Bool),
    }
    .unwrap_or(Value::Null))
}

/// Adds one value's canonical rendering to a checksum.
fn feed(hash: &mut Sha256, value: &Value) {
    match value {
        Value::Null => hash.update(b"N"),
        Value::Int(i) => hash.update(format!("I{i};").as_bytes()),
        Value::Bool(b) => hash.update(if *b { b"B1" } else { b"B0" }),
        Value::Text(t) => {
            hash.update(format!("T{}:", t.len()).as_bytes());
            hash.update(t.as_bytes());
        }
    }
}

/// A checksum of rows as they come: (row count, hex SHA-256).
struct Checksum {
    hash: Sha256,
    rows: u64,
}

impl Checksum {
    fn new() -> Self {
        Self {
            hash: Sha256::new(),
            rows: 0,
        }
    }
    fn row(&mut self, values: &[Value]) {
        for v in values {
            feed(&mut self.hash, v);
        }
        self.hash.update(b"\n");
        self.rows += 1;
    }
    fn finish(self) -> (u64, String) {
        (self.rows, hex::encode(self.hash.finalize()))
    }
}

/// Up to [`BATCH_ROWS`] rows, column by column, as bound to one `INSERT … SELECT * FROM UNNEST`.
enum Buffer {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
}

impl Buffer {
    fn push(&mut self, value: Value) {
        match (self, value) {
            (Buffer::Int(v), Value::Int(i)) => v.push(Some(i)),
            (Buffer::Int(v), _) => v.push(None),
            (Buffer::Text(v), Value::Text(t)) => v.push(Some(t)),
            (Buffer::Text(v), _) => v.push(None),
            (Buffer::Bool(v), Value::Bool(b)) => v.push(Some(b)),
            (Buffer::Bool(v), _) => v.push(None),
        }
    }
}

fn buffers(table: &Table) -> Vec<Buffer> {
    table
        .columns
        .iter()
        .map(|c| match c.kind {
            Kind::BigInt => Buffer::Int(Vec::with_capacity(BATCH_ROWS)),
            Kind::Text => Buffer::Text(Vec::with_capacity(BATCH_ROWS)),
            Kind::Bool => Buffer::Bool(Vec::with_capacity(BATCH_ROWS)),
        })
        .collect()
}

/// Writes one batch (and empties the buffers).
async fn flush(
    tx: &mut PgConnection,
    insert: &str,
    batch: &mut Vec<Buffer>,
    table: &Table,
) -> Result<()> {
    let mut query = sqlx::query(insert);
    for buffer in std::mem::replace(batch, buffers(table)) {
        query = match buffer {
            Buffer::Int(v) => query.bind(v),
            Buffer::Text(v) => query.bind(v),
            Buffer::Bool(v) => query.bind(v),
        };
    }
    query
        .execute(&mut *tx)
        .await
        .map_err(|e| Error::Backend(format!("PostgreSQL (inserting into {}): {e}", table.name)))?;
    Ok(())
}

/// Streams a table's rows from SQLite into PostgreSQL, [`BATCH_ROWS`] per statement; answers the
/// rows written.
pub(super) async fn copy_table(
    source: &mut SqliteConnection,
    tx: &mut PgConnection,
    table: &Table,
) -> Result<u64> {
    let columns: Vec<String> = table.columns.iter().map(|c| ident(&c.name)).collect();
    let arrays: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + 1, c.kind.array()))
        .collect();
    let insert = format!(
        "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
        ident(&table.name),
        columns.join(", "),
        arrays.join(", ")
    );
    let select = select(table);
    let mut rows = sqlx::query(&select).fetch(&mut *source);
    let mut batch = buffers(table);
    let (mut pending, mut written) = (0usize, 0u64);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(sqlite(format!("reading {}", table.name)))?
    {
        for (i, buffer) in batch.iter_mut().enumerate() {
            buffer.push(sqlite_value(&row, i, table)?);
        }
        pending += 1;
        if pending == BATCH_ROWS {
            flush(tx, &insert, &mut batch, table).await?;
            written += pending as u64;
            pending = 0;
        }
    }
    if pending > 0 {
        flush(tx, &insert, &mut batch, table).await?;
        written += pending as u64;
    }
    Ok(written)
}

/// SQLite's own count of a table's rows.
pub(super) async fn count_sqlite(source: &mut SqliteConnection, table: &Table) -> Result<u64> {
    let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", ident(&table.name)))
        .fetch_one(&mut *source)
        .await
        .map_err(sqlite(format!("counting {}", table.name)))?;
    Ok(count as u64)
}

/// Sets each identity column's sequence past every value copied and every value SQLite's
/// AUTOINCREMENT already handed out (`sqlite_sequence`, which remembers deleted rows too), so a
/// new row never reuses a number.
pub(super) async fn advance_identities(
    source: &mut SqliteConnection,
    tx: &mut PgConnection,
    table: &Table,
) -> Result<()> {
    for column in table.columns.iter().filter(|c| c.identity) {
        let has_sequence: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
        )
        .fetch_one(&mut *source)
        .await
        .map_err(sqlite("reading the catalog".into()))?;
        let handed_out: i64 = if has_sequence > 0 {
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = ?")
                .bind(&table.name)
                .fetch_optional(&mut *source)
                .await
                .map_err(sqlite("reading sqlite_sequence".into()))?
                .unwrap_or(0)
        } else {
            0
        };
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), \
             GREATEST(COALESCE((SELECT max({c}) FROM {t}), 0), $3) + 1, false)",
            c = ident(&column.name),
            t = ident(&table.name)
        ))
        .bind(ident(&table.name))
        .bind(&column.name)
        .bind(handed_out)
        .execute(&mut *tx)
        .await
        .map_err(pg("setting an identity sequence"))?;
    }
    Ok(())
}

/// (rows, checksum) of a table in SQLite.
pub(super) async fn checksum_sqlite(
    source: &mut SqliteConnection,
    table: &Table,
) -> Result<(u64, String)> {
    let select = select(table);
    let mut rows = sqlx::query(&select).fetch(&mut *source);
    let mut sum = Checksum::new();
    let mut values = Vec::with_capacity(table.columns.len());
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(sqlite(format!("reading {}", table.name)))?
    {
        values.clear();
        for i in 0..table.columns.len() {
            values.push(sqlite_value(&row, i, table)?);
        }
        sum.row(&values);
    }
    Ok(sum.finish())
}

/// (rows, checksum) of a table in PostgreSQL (inside the copy's transaction).
pub(super) async fn checksum_pg(tx: &mut PgConnection, table: &Table) -> Result<(u64, String)> {
    let select = select(table);
    let mut rows = sqlx::query(&select).fetch(&mut *tx);
    let mut sum = Checksum::new();
    let mut values = Vec::with_capacity(table.columns.len());
    while let Some(row) = rows.try_next().await.map_err(pg("reading back"))? {
        values.clear();
        for i in 0..table.columns.len() {
            values.push(pg_value(&row, i, table)?);
        }
        sum.row(&values);
    }
    Ok(sum.finish())
}

#[cfg(test)]
mod tests {
    use super::{Checksum, Value};

    #[test]
    fn renderings_cannot_run_into_each_other() {
        let sum = |rows: &[&[Value]]| {
            let mut c = Checksum::new();
            for r in rows {
                c.row(r);
            }
            c.finish().1
        };
        let t = |s: &str| Value::Text(s.into());
        assert_ne!(sum(&[&[t("ab"), t("c")]]), sum(&[&[t("a"), t("bc")]]));
        assert_ne!(sum(&[&[Value::Null]]), sum(&[&[t("")]]));
        assert_ne!(sum(&[&[Value::Int(1)]]), sum(&[&[Value::Bool(true)]]));
        assert_ne!(
            sum(&[&[Value::Int(12)]]),
            sum(&[&[Value::Int(1), Value::Int(2)]])
        );
        assert_ne!(sum(&[&[t("a")], &[t("b")]]), sum(&[&[t("a"), t("b")]]));
    }
}
