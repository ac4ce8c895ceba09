//! Both stores side by side — a fresh `SqliteStore` in a temporary directory and a fresh
//! `PgStore` on a new test database — each with raw SQL access, and transcripts of a story's
//! answers in which generated ids are named by the part they play.

use chrono::{DateTime, Duration, TimeZone, Utc};
use regex::Regex;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::PgPool;
use std::collections::HashMap;
use std::fmt::Debug;
use waflow_store::prelude::*;
use waflow_store::Error;
use waflow_store_postgres::{testing, PgStore};
use waflow_store_sqlite::{Durability, SqliteStore};

/// The traits these stories tell.
pub trait All:
    Workspaces + Agents + Tokens + Numbers + Contacts + WebhookInbox + Overview + Sync
{
}
impl<T: Workspaces + Agents + Tokens + Numbers + Contacts + WebhookInbox + Overview + Sync> All
    for T
{
}

/// A fresh store of each backend.
pub struct Sides {
    /// The SQLite store.
    pub sqlite: SqliteStore,
    sqlite_raw: SqlitePool,
    _dir: tempfile::TempDir,
    /// The PostgreSQL store.
    pub pg: PgStore,
}

impl Sides {
    /// A new SQLite file and a new PostgreSQL database, each with its migrations applied.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("waflow.db");
        let sqlite = SqliteStore::open(&path, Durability::Full)
            .await
            .expect("open sqlite");
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .busy_timeout(std::time::Duration::from_secs(10))
            .foreign_keys(true);
        let sqlite_raw = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("sqlite pool");
        let url = testing::fresh_database().await;
        let pg = PgStore::open(&url, 4).await.expect("open postgres");
        Self {
            sqlite,
            sqlite_raw,
            _dir: dir,
            pg,
        }
    }
    /// Raw SQL on the SQLite file.
    pub fn raw_sqlite(&self) -> Raw<'_> {
        Raw::Sqlite(&self.sqlite_raw)
    }
    /// Raw SQL on the PostgreSQL database.
    pub fn raw_pg(&self) -> Raw<'_> {
        Raw::Pg(self.pg.pool())
    }
}

/// Raw SQL on one backend (statements both dialects read the same way).
pub enum Raw<'a> {
    /// A pool of its own on the SQLite file.
    Sqlite(&'a SqlitePool),
    /// The PostgreSQL store's pool.
    Pg(&'a PgPool),
}

impl Raw<'_> {
    /// `sqlite` or `postgres`, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Raw::Sqlite(_) => "sqlite",
            Raw::Pg(_) => "postgres",
        }
    }
    /// Runs statements (no binds).
    pub async fn exec(&self, sql: &str) {
        let done = match self {
            Raw::Sqlite(p) => sqlx::raw_sql(sql).execute(*p).await.map(|_| ()),
            Raw::Pg(p) => sqlx::raw_sql(sql).execute(*p).await.map(|_| ()),
        };
        done.unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.name()));
    }
    /// The one integer a query answers.
    pub async fn int(&self, sql: &str) -> i64 {
        let v = match self {
            Raw::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(*p).await,
            Raw::Pg(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(*p).await,
        };
        v.unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.name()))
    }
    /// The one text (or null) a query answers.
    pub async fn text(&self, sql: &str) -> Option<String> {
        let v = match self {
            Raw::Sqlite(p) => {
                sqlx::query_scalar::<_, Option<String>>(sql)
                    .fetch_one(*p)
                    .await
            }
            Raw::Pg(p) => {
                sqlx::query_scalar::<_, Option<String>>(sql)
                    .fetch_one(*p)
                    .await
            }
        };
        v.unwrap_or_else(|e| panic!("{}: {sql}: {e}", self.name()))
    }
}

/// A fixed time: minutes after 2030-01-01 00:00 UTC.
pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// An id of kind `prefix` made at `at`, as the stores make them (`<prefix>_<uuid v7>`), with
/// `n` in its random part.
pub fn id_at(prefix: &str, at: DateTime<Utc>, n: u32) -> String {
    format!("{prefix}_{:012x}7000{:016x}", at.timestamp_millis(), n)
}

/// The error of a result that must be one.
pub fn err<T: Debug>(r: waflow_store::Result<T>) -> Error {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

/// `NotFound` naming `what`?
pub fn is_not_found(e: &Error, what: &str) -> bool {
    matches!(e, Error::NotFound { what: w } if *w == what)
}

/// The answers of a story, one line each.
#[derive(Default)]
pub struct Transcript {
    lines: Vec<String>,
}

impl Transcript {
    /// Records an answer.
    pub fn say(&mut self, what: &str, v: impl Debug) {
        self.lines.push(format!("{what}: {v:?}"));
    }

    /// The lines, each generated id replaced by its kind and rank of first appearance
    /// (`ws#1`, `ct#3`), each time within ten minutes of now by `<now>`.
    pub fn finish(self) -> Vec<String> {
        let ids = Regex::new(r"\b([a-z]+)_[0-9a-f]{32}\b").unwrap();
        let times = Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z").unwrap();
        let now = Utc::now();
        let mut labels: HashMap<String, String> = HashMap::new();
        let mut counts: HashMap<String, usize> = HashMap::new();
        self.lines
            .into_iter()
            .map(|line| {
                let line = ids.replace_all(&line, |c: &regex::Captures| {
                    let kind = c[1].to_string();
                    labels
                        .entry(c[0].to_string())
                        .or_insert_with(|| {
                            let n = counts.entry(kind.clone()).or_default();
                            *n += 1;
                            format!("{kind}#{n}")
                        })
                        .clone()
                });
                times
                    .replace_all(&line, |c: &regex::Captures| {
                        match c[0].parse::<DateTime<Utc>>() {
                            Ok(at) if (at - now).num_minutes().abs() < 10 => "<now>".to_string(),
                            _ => c[0].to_string(),
                        }
                    })
                    .into_owned()
            })
            .collect()
    }
}

/// Holds the two backends' transcripts equal, showing the first line that differs.
pub fn same(sqlite: &[String], pg: &[String]) {
    // Shown when the test fails (or runs with --no-capture).
    for line in pg {
        eprintln!("{line}");
    }
    for (i, (a, b)) in sqlite.iter().zip(pg).enumerate() {
        assert_eq!(a, b, "line {i} differs (left: sqlite, right: postgres)");
    }
    assert_eq!(sqlite.len(), pg.len(), "the transcripts differ in length");
    assert!(!sqlite.is_empty(), "an empty story");
}

/// Tells `story` to a fresh SQLite store and to a fresh PostgreSQL store, and holds their
/// transcripts equal.
#[macro_export]
macro_rules! on_both {
    ($story:path) => {{
        let sides = $crate::harness::Sides::new().await;
        let a = $story(&sides.sqlite, &sides.raw_sqlite()).await;
        let b = $story(&sides.pg, &sides.raw_pg()).await;
        $crate::harness::same(&a, &b);
    }};
}
