//! The embedded SQLite implementation of [`waflow_store::Store`], with its migrations in
//! `migrations/`.
//!
//! **Invariant:** every write goes through one write connection, so SQLite never sees two writers
//! and no request fails with `SQLITE_BUSY`; reads use a separate pool and, in WAL mode, never
//! wait for writes. The database runs in WAL mode with `synchronous = FULL` by default: a committed
//! transaction survives a process kill and a power cut. The engine batches many messages into one
//! transaction, so this costs one fsync per batch, not per message.

mod agents;
mod ai;
mod api;
mod apply;
mod campaigns;
mod checkpoint;
mod cluster;
mod contacts;
mod conversations;
mod convert;
mod deliveries;
mod imports;
mod logs;
mod merge;
mod notices;
mod numbers;
mod outreach;
mod overview;
mod owners;
mod recipients;
mod records;
mod runs;
mod scheduled;
mod tokens;
mod triggers;
mod tx;
mod wal_sync;
mod webhooks;
mod workflows;
mod workspaces;
mod writer;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection, SqlitePool};
use std::path::Path;
use std::time::Duration;
use waflow_store::{Error, Result};

pub use tx::SqliteTx;

/// How durable a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync on every commit: survives power loss (the default).
    #[default]
    Full,
    /// fsync at checkpoints only: survives a process crash, may lose the last commits on power loss.
    Normal,
}

/// The SQLite store: one write connection and a pool of readers on one database file.
#[derive(Clone)]
pub struct SqliteStore {
    writer: writer::Writer,
    read: SqlitePool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The migrations this version of the backend applies, as (version, description), oldest
/// first: a database opened by [`SqliteStore::open`] has exactly these in `_sqlx_migrations`.
pub fn migrations() -> Vec<(i64, String)> {
    MIGRATOR
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub async fn open(path: &Path, durability: Durability) -> Result<Self> {
        let synchronous = match durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("cache_size", "-8000")
            // Checkpoints run in the background (see `checkpoint`), never inside a commit.
            .pragma("wal_autocheckpoint", "0")
            // After a restart, a WAL grown under load is cut back to this size (bytes).
            .pragma("journal_size_limit", "33554432");
        // The writer's temporary tables and statement journals stay in memory: on disk, SQLite
        // created and deleted a file for them several times per intake batch. They are as small
        // as the batches the writer writes (the read connections, whose sorts can be large, keep
        // the default).
        let write_options = options.clone().pragma("temp_store", "memory");
        let mut write = SqliteConnection::connect_with(&write_options)
            .await
            .map_err(|e| Error::Backend(format!("cannot open {}: {e}", path.display())))?;
        MIGRATOR
            .run(&mut write)
            .await
            .map_err(|e| Error::Backend(format!("migrations failed: {e}")))?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(60))
            .connect_with(options.clone().read_only(true))
            .await
            .map_err(|e| {
                Error::Backend(format!("cannot open {} for reading: {e}", path.display()))
            })?;
        let checkpointer = SqliteConnection::connect_with(&options)
            .await
            .map_err(|e| Error::Backend(format!("cannot open {}: {e}", path.display())))?;
        let sync = match durability {
            Durability::Full => Some(wal_sync::WalSync::start(wal_path(path))),
            Durability::Normal => None,
        };
        Ok(Self {
            writer: writer::Writer::new(write, checkpointer, sync),
            read,
        })
    }
}

impl SqliteStore {
    /// The write connection's `PRAGMA temp_store` (2: in memory). For tests and diagnostics.
    pub async fn writer_temp_store(&self) -> Result<i64> {
        self.writer.pragma("temp_store").await
    }

    /// The write connection's `PRAGMA synchronous` as it is now (2: `FULL`, 1: `NORMAL`, left by
    /// an intake transaction until the next other use). For tests and diagnostics.
    pub async fn writer_synchronous(&self) -> Result<i64> {
        self.writer.pragma("synchronous").await
    }
}

/// The WAL file SQLite keeps beside the database at `path`.
fn wal_path(path: &Path) -> std::path::PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    wal.into()
}
