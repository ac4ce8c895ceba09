//! The PostgreSQL implementation of the waflow store, with its migrations in `migrations/`.
//!
//! **Invariant:** the schema is the SQLite backend's, column for column (see
//! `migrations/0001_initial.sql`): times are milliseconds (`BIGINT`), JSON is `TEXT`, the columns
//! the code treats as booleans are `BOOLEAN`, and every `TEXT` column compares byte by byte
//! (`COLLATE "C"`), so rows read, order and paginate exactly as on SQLite. A schema test holds the
//! two backends' tables, columns and indexes equal.
//!
//! **Invariant:** a [`PgTx`] does what a `SqliteTx` does, statement for statement, and is as
//! durable: its commit is a real PostgreSQL commit (`synchronous_commit` left on). Where SQLite's
//! single writer made a claim exclusive (taking a due step, a scheduled message, an event, a
//! date-trigger fire), the PostgreSQL statement is itself safe under concurrent transactions (a
//! conditional `UPDATE`/`DELETE` re-checked on the newest row, or `ON CONFLICT DO NOTHING`), so
//! several servers may share one database.
//!
//! **Invariant:** every statement's text is fixed whatever the number of rows it writes: lists
//! are bound as arrays (`= ANY($1)`, `UNNEST`), so PostgreSQL prepares each statement once per
//! connection.

#![warn(missing_docs)]

mod cluster;
mod convert;
pub mod copy;
mod deliveries;
mod merge;
mod notices;
mod outreach;
mod records;
pub mod testing;
mod tx;
mod writes;

// Resource traits (port-1).
mod agents;
mod contacts;
mod numbers;
mod overview;
mod owners;
mod templates;
mod tokens;
mod webhooks;
mod workspaces;

// Resource traits (port-2).
mod ai;
mod conversations;
mod logs;
mod runs;
mod triggers;
mod workflows;

// Resource traits (port-3).
mod contact_imports;
mod contact_imports_rows;
mod deliveries_api;
mod records_api;

// Resource traits (port-4).
mod audience;
mod campaigns;
mod recipients;
mod scheduled;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;
use waflow_store::{Error, Result, Tx};

pub use copy::{copy_from_sqlite, CopyReport, TableCopy};
pub use tx::PgTx;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The PostgreSQL store: a pool of connections to one database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// `url` with its password (if any) replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

impl PgStore {
    /// Connects to the database at `url` (a `postgres://` URL) with a pool of at most
    /// `max_connections` connections, and applies pending migrations.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self> {
        let shown = redact_url(url);
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| Error::Backend(format!("invalid PostgreSQL URL {shown}: {e}")))?;
        // One connection first: an unreachable server fails at once (a pool would retry until
        // its acquire timeout), and the migrations run on it.
        let mut conn = PgConnection::connect_with(&options)
            .await
            .map_err(|e| Error::Backend(format!("cannot connect to PostgreSQL at {shown}: {e}")))?;
        MIGRATOR.run(&mut conn).await.map_err(|e| {
            Error::Backend(format!("migrations failed on PostgreSQL at {shown}: {e}"))
        })?;
        let _ = conn.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
            .idle_timeout(Duration::from_secs(300))
            .connect_with(options)
            .await
            .map_err(|e| Error::Backend(format!("cannot connect to PostgreSQL at {shown}: {e}")))?;
        Ok(Self { pool })
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Opens a transaction for durable work (what `Store::begin` will answer).
    pub async fn begin_tx(&self) -> Result<Box<dyn Tx>> {
        let tx = self.pool.begin().await.map_err(convert::db)?;
        Ok(Box::new(PgTx { tx }))
    }
}

#[async_trait::async_trait]
impl waflow_store::Store for PgStore {
    async fn begin(&self) -> Result<Box<dyn Tx>> {
        self.begin_tx().await
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn a_password_never_shows() {
        assert_eq!(
            redact_url("postgres://waflow:s3cret@db:5432/waflow?sslmode=require"),
            "postgres://waflow:***@db:5432/waflow?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(redact_url("postgres:///waflow"), "postgres:///waflow");
        assert_eq!(
            redact_url("postgresql://u:p@w@h/d"),
            "postgresql://u:***@h/d"
        );
    }
}
