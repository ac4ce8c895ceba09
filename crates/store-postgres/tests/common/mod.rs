//! Both backends behind one face, for tests that hold them to identical results: a fresh SQLite
//! store in a temporary directory and a fresh PostgreSQL store on a new test database, each with
//! raw SQL access (statements written in the SQL both dialects share) and a dump of every table.

#![allow(dead_code)]

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Column, Row};
use std::collections::BTreeMap;
use std::time::Duration;
use waflow_store::{AppliedStatus, StatusChange, Tx, UserIdJoin};
use waflow_store_postgres::{testing, PgStore};
use waflow_store_sqlite::{Durability, SqliteStore};

/// One stored value, the same on both backends: booleans read as 0 and 1, as SQLite stores them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl Val {
    pub fn text(&self) -> &str {
        match self {
            Val::Text(t) => t,
            other => panic!("not text: {other:?}"),
        }
    }
    pub fn int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            other => panic!("not an integer: {other:?}"),
        }
    }
    pub fn opt_text(&self) -> Option<&str> {
        match self {
            Val::Null => None,
            Val::Text(t) => Some(t),
            other => panic!("not text: {other:?}"),
        }
    }
    pub fn opt_int(&self) -> Option<i64> {
        match self {
            Val::Null => None,
            Val::Int(i) => Some(*i),
            other => panic!("not an integer: {other:?}"),
        }
    }
}

fn val<R: Row>(row: &R, i: usize) -> Val
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<bool>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.map(Val::Text).unwrap_or(Val::Null);
    }
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map(Val::Int).unwrap_or(Val::Null);
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
        return v.map(|b| Val::Int(b as i64)).unwrap_or(Val::Null);
    }
    panic!("column {i} is neither text, integer nor boolean");
}

/// A backend under test.
#[async_trait]
pub trait Backend: Send + Sync {
    /// `sqlite` or `postgres`, for messages.
    fn name(&self) -> &'static str;
    /// A new engine transaction.
    async fn begin(&self) -> Box<dyn Tx>;
    /// Runs statements (no binds; SQL both dialects read the same way), outside any transaction.
    async fn exec(&self, sql: &str);
    /// The rows of a query, each as its values.
    async fn rows(&self, sql: &str) -> Vec<Vec<Val>>;
    /// The named columns of a query, as maps.
    async fn named_rows(&self, sql: &str) -> Vec<BTreeMap<String, Val>>;
    /// `Store::join_user_id`.
    async fn join_user_id(
        &self,
        workspace_id: &str,
        phone: &str,
        user_id: &str,
        at: DateTime<Utc>,
    ) -> UserIdJoin;
    /// `Store::apply_message_statuses`.
    async fn apply_statuses(&self, changes: &[StatusChange]) -> Vec<Option<AppliedStatus>>;

    /// The only row of a query.
    async fn row(&self, sql: &str) -> BTreeMap<String, Val> {
        let mut rows = self.named_rows(sql).await;
        assert_eq!(
            rows.len(),
            1,
            "{}: {sql} gave {} rows",
            self.name(),
            rows.len()
        );
        rows.remove(0)
    }
    /// The one value of a query.
    async fn value(&self, sql: &str) -> Val {
        let mut rows = self.rows(sql).await;
        assert_eq!(
            rows.len(),
            1,
            "{}: {sql} gave {} rows",
            self.name(),
            rows.len()
        );
        assert_eq!(rows[0].len(), 1, "{sql} gave several columns");
        rows.remove(0).remove(0)
    }
}

/// The SQLite store on a file in a temporary directory, and a pool of its own on that file.
pub struct Sqlite {
    store: SqliteStore,
    pool: SqlitePool,
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Sqlite {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("waflow.db");
        let store = SqliteStore::open(&path, Durability::Full)
            .await
            .expect("open sqlite");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("sqlite pool");
        Self {
            store,
            pool,
            path,
            _dir: dir,
        }
    }

    /// The database file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The store itself, for calls through its resource traits.
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }
}

#[async_trait]
impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    async fn begin(&self) -> Box<dyn Tx> {
        waflow_store::Store::begin(&self.store)
            .await
            .expect("sqlite begin")
    }
    async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("sqlite: {sql}: {e}"));
    }
    async fn rows(&self, sql: &str) -> Vec<Vec<Val>> {
        let rows = sqlx::query(sql)
            .fetch_all(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("sqlite: {sql}: {e}"));
        rows.iter()
            .map(|r| (0..r.len()).map(|i| val(r, i)).collect())
            .collect()
    }
    async fn named_rows(&self, sql: &str) -> Vec<BTreeMap<String, Val>> {
        let rows = sqlx::query(sql)
            .fetch_all(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("sqlite: {sql}: {e}"));
        rows.iter()
            .map(|r| {
                r.columns()
                    .iter()
                    .map(|c| (c.name().to_string(), val(r, c.ordinal())))
                    .collect()
            })
            .collect()
    }
    async fn join_user_id(
        &self,
        workspace_id: &str,
        phone: &str,
        user_id: &str,
        at: DateTime<Utc>,
    ) -> UserIdJoin {
        waflow_store::Contacts::join_user_id(&self.store, workspace_id, phone, user_id, at)
            .await
            .expect("sqlite join_user_id")
    }
    async fn apply_statuses(&self, changes: &[StatusChange]) -> Vec<Option<AppliedStatus>> {
        waflow_store::Conversations::apply_message_statuses(&self.store, changes)
            .await
            .expect("sqlite apply_message_statuses")
    }
}

/// The PostgreSQL store on a new test database.
pub struct Postgres {
    pub store: PgStore,
}

impl Postgres {
    pub async fn new() -> Self {
        let url = testing::fresh_database().await;
        let store = PgStore::open(&url, 4).await.expect("open postgres");
        Self { store }
    }
}

#[async_trait]
impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }
    async fn begin(&self) -> Box<dyn Tx> {
        self.store.begin_tx().await.expect("postgres begin")
    }
    async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sql)
            .execute(self.store.pool())
            .await
            .unwrap_or_else(|e| panic!("postgres: {sql}: {e}"));
    }
    async fn rows(&self, sql: &str) -> Vec<Vec<Val>> {
        let rows = sqlx::query(sql)
            .fetch_all(self.store.pool())
            .await
            .unwrap_or_else(|e| panic!("postgres: {sql}: {e}"));
        rows.iter()
            .map(|r| (0..r.len()).map(|i| val(r, i)).collect())
            .collect()
    }
    async fn named_rows(&self, sql: &str) -> Vec<BTreeMap<String, Val>> {
        let rows = sqlx::query(sql)
            .fetch_all(self.store.pool())
            .await
            .unwrap_or_else(|e| panic!("postgres: {sql}: {e}"));
        rows.iter()
            .map(|r| {
                r.columns()
                    .iter()
                    .map(|c| (c.name().to_string(), val(r, c.ordinal())))
                    .collect()
            })
            .collect()
    }
    async fn join_user_id(
        &self,
        workspace_id: &str,
        phone: &str,
        user_id: &str,
        at: DateTime<Utc>,
    ) -> UserIdJoin {
        waflow_store::Contacts::join_user_id(&self.store, workspace_id, phone, user_id, at)
            .await
            .expect("postgres join_user_id")
    }
    async fn apply_statuses(&self, changes: &[StatusChange]) -> Vec<Option<AppliedStatus>> {
        waflow_store::Conversations::apply_message_statuses(&self.store, changes)
            .await
            .expect("postgres apply_message_statuses")
    }
}

/// Every application table of a backend (not the migrations' own, nor SQLite's internals).
pub async fn tables(b: &dyn Backend) -> Vec<String> {
    let sql = match b.name() {
        "sqlite" => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name <> '_sqlx_migrations' ORDER BY name"
        }
        _ => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY table_name"
        }
    };
    b.rows(sql)
        .await
        .into_iter()
        .map(|r| r[0].text().to_string())
        .collect()
}
