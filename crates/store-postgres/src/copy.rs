//! Moving a SQLite data directory's rows into PostgreSQL: [`copy_from_sqlite`], behind
//! `waflow migrate --from <data dir> --to postgres://…`.
//!
//! **Invariant:** all or nothing. Every row is written in ONE PostgreSQL transaction, which
//! commits only after each table was read back and found equal to the SQLite one (same row count,
//! same [checksum](TableCopy::checksum)); any refusal, error or difference rolls it back, leaving
//! the PostgreSQL database as it was.
//!
//! **Invariant:** the SQLite database is only read (opened read-only, every read in one read
//! transaction, so one consistent snapshot even if a server still writes to it), and only when
//! its applied migrations are exactly this version's; the PostgreSQL database must hold no waflow
//! row (its migrations, applied by [`PgStore::open`], are expected).
//!
//! **Invariant:** nothing about the tables is written down here: tables, columns, keys and the
//! foreign keys that order the inserts are read from both catalogs (SQLite's `sqlite_master` and
//! `pragma_table_info`, PostgreSQL's `information_schema` and `pg_constraint`), and the two must
//! name the same tables and columns, or the copy is refused naming the difference.
//!
//! Limits: rows are inserted [`BATCH_ROWS`] at a time (one statement per batch, columns bound as
//! arrays) and streamed from SQLite, so memory holds one batch per table; the whole copy is one
//! transaction, so PostgreSQL keeps every row's write-ahead log until the commit (plan for the
//! database's size in free disk). Column types handled: `bigint`, `text` and `boolean` (stored
//! 0/1 in SQLite); a text holding a NUL character, which PostgreSQL cannot store, fails the copy
//! naming its table. Tables are locked (`ACCESS EXCLUSIVE`) for the copy, waiting at most
//! [`LOCK_TIMEOUT`] for servers using the target.

mod catalog;
mod rows;

use crate::PgStore;
use serde::Serialize;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use std::time::Duration;
use waflow_store::{Error, Result};

/// The most rows one `INSERT` statement writes.
pub const BATCH_ROWS: usize = 500;

/// How long the copy waits to lock the PostgreSQL tables (servers using them hold it up).
pub const LOCK_TIMEOUT: &str = "10s";

/// What [`copy_from_sqlite`] copied: every table, in the order it was written (parents before
/// the tables whose foreign keys refer to them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    /// One entry per table, empty tables included.
    pub tables: Vec<TableCopy>,
}

impl CopyReport {
    /// The rows copied, all tables together.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// One table's copy, as verified on both sides before the commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCopy {
    /// The table's name.
    pub table: String,
    /// Its rows (the same count in SQLite and PostgreSQL).
    pub rows: u64,
    /// SHA-256 (hex) over its rows in primary-key order, each value rendered canonically (see
    /// `copy::rows`): equal on both sides.
    pub checksum: String,
}

/// Copies every row of every table of the SQLite waflow database at `sqlite_db` (a `waflow.db`
/// file) into the empty PostgreSQL database of `target`, verifying each table before the single
/// commit. Refuses, changing nothing: a SQLite database whose migrations are not exactly this
/// version's (naming the versions), a target holding any waflow row (naming the tables and their
/// counts), and catalogs that differ (naming the tables or columns).
pub async fn copy_from_sqlite(sqlite_db: &Path, target: &PgStore) -> Result<CopyReport> {
    let shown = sqlite_db.display().to_string();
    if !sqlite_db.is_file() {
        return Err(Error::Backend(format!(
            "there is no SQLite database file at {shown}"
        )));
    }
    let options = SqliteConnectOptions::new()
        .filename(sqlite_db)
        .read_only(true)
        .busy_timeout(Duration::from_secs(10));
    let mut source = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| Error::Backend(format!("cannot open {shown} read-only: {e}")))?;
    // One read transaction: every table is read from the same snapshot.
    sqlx::raw_sql("BEGIN")
        .execute(&mut source)
        .await
        .map_err(|e| Error::Backend(format!("cannot read {shown}: {e}")))?;
    let result = copy(&mut source, &shown, target).await;
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut source).await;
    let _ = source.close().await;
    result
}

async fn copy(source: &mut SqliteConnection, shown: &str, target: &PgStore) -> Result<CopyReport> {
    catalog::check_migrations(source, shown).await?;
    let mut tx = target.pool().begin().await.map_err(pg("begin"))?;
    let tables = catalog::tables(source, &mut tx).await?;
    catalog::lock_and_ensure_empty(&mut tx, &tables).await?;
    for table in &tables {
        let copied = rows::copy_table(source, &mut tx, table).await?;
        let sqlite_rows = rows::count_sqlite(source, table).await?;
        if copied != sqlite_rows {
            return Err(Error::Backend(format!(
                "table {}: read {copied} rows from SQLite, which counts {sqlite_rows}; nothing was \
                 copied",
                table.name
            )));
        }
        rows::advance_identities(source, &mut tx, table).await?;
    }
    // Verify every table, reading both databases again, before committing anything.
    let mut report = Vec::with_capacity(tables.len());
    for table in &tables {
        let (sqlite_rows, sqlite_sum) = rows::checksum_sqlite(source, table).await?;
        let (pg_rows, pg_sum) = rows::checksum_pg(&mut tx, table).await?;
        if (sqlite_rows, &sqlite_sum) != (pg_rows, &pg_sum) {
            let _ = tx.rollback().await;
            return Err(Error::Backend(format!(
                "verification failed for table {}: SQLite has {sqlite_rows} rows (checksum \
                 {sqlite_sum}), PostgreSQL would have {pg_rows} (checksum {pg_sum}); nothing was \
                 copied (rolled back)",
                table.name
            )));
        }
        report.push(TableCopy {
            table: table.name.clone(),
            rows: sqlite_rows,
            checksum: sqlite_sum,
        });
    }
    tx.commit().await.map_err(pg("commit"))?;
    Ok(CopyReport { tables: report })
}

/// A PostgreSQL error, saying what was being done.
fn pg(doing: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| Error::Backend(format!("PostgreSQL ({doing}): {e}"))
}

/// A SQLite error, saying what was being done.
fn sqlite(doing: String) -> impl Fn(sqlx::Error) -> Error {
    move |e| Error::Backend(format!("SQLite ({doing}): {e}"))
}

/// `name` as a quoted identifier (the same in both dialects).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
