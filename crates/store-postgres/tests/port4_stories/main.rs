//! The `Outreach` trait told as one story to both backends: every method is called with
//! realistic data on a fresh SQLite store and on a fresh PostgreSQL store, each answer is
//! asserted, and the two transcripts (every answer, in order) must be equal. The stores' ids are
//! the story's own (scheduled messages and campaigns are created with given ids; contacts and
//! messages are seeded with SQL), so answers compare as they are.

mod audience;
mod campaigns;
mod concurrency;
mod recipients;
mod scheduled;
mod seed;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{PgPool, Row};
use std::fmt::Debug;
use std::time::Duration;
use waflow_store::{Error, Outreach, Result};
use waflow_store_postgres::{testing, PgStore};
use waflow_store_sqlite::{Durability, SqliteStore};

/// Raw SQL beside the store under test (statements both dialects read the same way).
#[async_trait]
pub trait Raw: Send + Sync {
    /// `sqlite` or `postgres`.
    fn name(&self) -> &'static str;
    /// Runs statements, outside any transaction of the store.
    async fn exec(&self, sql: &str);
    /// The rows of a query whose columns are all text (cast them), NULL as `None`.
    async fn texts(&self, sql: &str) -> Vec<Vec<Option<String>>>;
}

struct SqliteRaw(SqlitePool);
/// Raw SQL on a PostgreSQL pool.
pub struct PgRaw(pub PgPool);

#[async_trait]
impl Raw for SqliteRaw {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sql)
            .execute(&self.0)
            .await
            .unwrap_or_else(|e| panic!("sqlite: {sql}: {e}"));
    }
    async fn texts(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let rows = sqlx::query(sql)
            .fetch_all(&self.0)
            .await
            .unwrap_or_else(|e| panic!("sqlite: {sql}: {e}"));
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.get::<Option<String>, _>(i))
                    .collect()
            })
            .collect()
    }
}

#[async_trait]
impl Raw for PgRaw {
    fn name(&self) -> &'static str {
        "postgres"
    }
    async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sql)
            .execute(&self.0)
            .await
            .unwrap_or_else(|e| panic!("postgres: {sql}: {e}"));
    }
    async fn texts(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let rows = sqlx::query(sql)
            .fetch_all(&self.0)
            .await
            .unwrap_or_else(|e| panic!("postgres: {sql}: {e}"));
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.get::<Option<String>, _>(i))
                    .collect()
            })
            .collect()
    }
}

/// Every answer of a story, in order, as text.
#[derive(Default)]
pub struct Log(pub Vec<String>);

impl Log {
    /// Records an answer under a label and gives it back.
    pub fn note<T: Debug>(&mut self, label: &str, value: T) -> T {
        self.0.push(format!("{label}: {value:?}"));
        value
    }
    /// Records a result (see [`shown`]) and gives it back.
    pub fn result<T: Debug>(&mut self, label: &str, r: Result<T>) -> Result<T> {
        self.0.push(format!("{label}: {}", shown(&r)));
        r
    }
}

/// A result as the transcripts compare it: a unique violation's and a backend error's message
/// are the database's own wording, so only their kind is shown.
pub fn shown<T: Debug>(r: &Result<T>) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(Error::Conflict { field, .. }) if field.is_empty() => "Err(unique violation)".into(),
        Err(Error::Backend(_)) => "Err(Backend)".into(),
        Err(e) => format!("Err({e:?})"),
    }
}

/// Asserts an error is `Conflict` on `field` with `message`.
pub fn assert_conflict<T: Debug>(r: Result<T>, field: &str, message: &str) {
    match r {
        Err(Error::Conflict {
            field: f,
            message: m,
        }) => {
            assert_eq!((f.as_str(), m.as_str()), (field, message));
        }
        other => panic!("expected a conflict on {field}, got {other:?}"),
    }
}

/// Asserts an error is `NotFound` of `what`.
pub fn assert_not_found<T: Debug>(r: Result<T>, what: &str) {
    match r {
        Err(Error::NotFound { what: w }) => assert_eq!(w, what),
        other => panic!("expected {what} not found, got {other:?}"),
    }
}

async fn story(s: &dyn Outreach, raw: &dyn Raw) -> Vec<String> {
    raw.exec(seed::SEED).await;
    let mut log = Log::default();
    audience::story(s, raw, &mut log).await;
    campaigns::story(s, raw, &mut log).await;
    scheduled::story(s, raw, &mut log).await;
    log.0
}

#[tokio::test]
async fn every_outreach_method_answers_on_postgres_what_it_answers_on_sqlite() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("waflow.db");
    let sqlite = SqliteStore::open(&path, Durability::Full)
        .await
        .expect("open sqlite");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let sqlite_raw = SqliteRaw(
        SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("sqlite pool"),
    );
    let sqlite_log = story(&sqlite, &sqlite_raw).await;

    let url = testing::fresh_database().await;
    let pg = PgStore::open(&url, 4).await.expect("open postgres");
    let pg_raw = PgRaw(pg.pool().clone());
    let pg_log = story(&pg, &pg_raw).await;

    assert_eq!(
        sqlite_log.len(),
        pg_log.len(),
        "transcripts of different lengths"
    );
    for (s, p) in sqlite_log.iter().zip(&pg_log) {
        assert_eq!(s, p, "\nsqlite:   {s}\npostgres: {p}");
    }
}
