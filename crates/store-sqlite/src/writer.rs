//! The one write connection, held directly rather than in a pool.
//!
//! A mutex over one connection instead of a pool of one: no health check or hand-back task per
//! transaction, and `BEGIN IMMEDIATE`, so a transaction takes SQLite's write lock when it starts
//! and never fails later on upgrading (another process, such as `waflow token create`, waits on
//! the busy timeout instead).
//!
//! **Invariant:** at most one transaction is open on the connection; a [`WriteGuard`] dropped
//! without [`WriteGuard::commit`] is rolled back before anyone else gets the connection.

use crate::checkpoint::{self, Wake};
use crate::convert::db;
use crate::wal_sync::WalSync;
use sqlx::SqliteConnection;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};
use waflow_store::{Result, Synced};

/// The write connection and its safety level between transactions.
pub(crate) struct Conn {
    conn: SqliteConnection,
    /// `synchronous = NORMAL` was left set by the last [`Writer::begin_then_sync`] transaction;
    /// anyone else sets `FULL` again before using the connection.
    normal: bool,
}

/// Shared access to the write connection.
#[derive(Clone)]
pub(crate) struct Writer {
    conn: Arc<Mutex<Conn>>,
    checkpoint: Wake,
    /// With full durability: syncs the WAL for [`WriteGuard::commit_then_sync`].
    sync: Option<Arc<WalSync>>,
}

/// Exclusive use of the write connection: a transaction (from [`Writer::begin`]) or single
/// autocommit statements (from [`Writer::lock`]).
pub struct WriteGuard {
    guard: Option<OwnedMutexGuard<Conn>>,
    in_transaction: bool,
    checkpoint: Wake,
    sync: Option<Arc<WalSync>>,
}

impl Conn {
    /// The connection itself (for a checkpoint: a checkpoint syncs at either level).
    pub(crate) fn connection(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

impl Writer {
    /// The writer on `conn`, with a background checkpointer on `checkpointer` (see
    /// [`crate::checkpoint`]) and, when commits must be synced (`conn` at `synchronous = FULL`),
    /// the WAL's syncer (see [`crate::wal_sync`]).
    pub(crate) fn new(
        conn: SqliteConnection,
        checkpointer: SqliteConnection,
        sync: Option<WalSync>,
    ) -> Self {
        let conn = Arc::new(Mutex::new(Conn {
            conn,
            normal: false,
        }));
        Self {
            checkpoint: checkpoint::spawn(checkpointer, conn.clone()),
            conn,
            sync: sync.map(Arc::new),
        }
    }

    /// The connection as it is, whatever its safety level.
    async fn take(&self) -> WriteGuard {
        WriteGuard {
            guard: Some(self.conn.clone().lock_owned().await),
            in_transaction: false,
            checkpoint: self.checkpoint.clone(),
            sync: self.sync.clone(),
        }
    }

    /// The connection for autocommit statements, each synced as the store's durability says.
    pub(crate) async fn lock(&self) -> Result<WriteGuard> {
        let mut guard = self.take().await;
        guard.full_again().await?;
        Ok(guard)
    }

    /// The connection inside a new transaction. `BEGIN IMMEDIATE` takes SQLite's write lock at
    /// once, so a transaction never fails later on upgrading a read lock.
    pub(crate) async fn begin(&self) -> Result<WriteGuard> {
        let mut guard = self.take().await;
        let sql = if guard.normal() {
            "PRAGMA synchronous = FULL; BEGIN IMMEDIATE"
        } else {
            "BEGIN IMMEDIATE"
        };
        guard.start(sql, false).await?;
        Ok(guard)
    }

    /// A transaction for [`WriteGuard::commit_then_sync`]: with full durability it commits at
    /// `synchronous = NORMAL` (SQLite refuses to change the level inside a transaction), which
    /// stays set for the next such transaction; [`Writer::begin`] and [`Writer::lock`] set
    /// `FULL` again first.
    pub(crate) async fn begin_then_sync(&self) -> Result<WriteGuard> {
        let mut guard = self.take().await;
        let sql = if guard.sync.is_none() || guard.normal() {
            "BEGIN IMMEDIATE"
        } else {
            "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE"
        };
        guard.start(sql, guard.sync.is_some()).await?;
        Ok(guard)
    }

    /// The value of `PRAGMA <name>` on the write connection as it is now (for diagnostics:
    /// `synchronous`, `temp_store`).
    pub(crate) async fn pragma(&self, name: &'static str) -> Result<i64> {
        let mut guard = self.take().await;
        sqlx::query_scalar(&format!("PRAGMA {name}"))
            .fetch_one(&mut *guard)
            .await
            .map_err(db)
    }
}

impl WriteGuard {
    fn normal(&self) -> bool {
        self.guard.as_ref().is_some_and(|g| g.normal)
    }

    fn set_normal(&mut self, normal: bool) {
        if let Some(g) = self.guard.as_mut() {
            g.normal = normal;
        }
    }

    /// Sets `synchronous = FULL` again if a [`Writer::begin_then_sync`] transaction left it.
    async fn full_again(&mut self) -> Result<()> {
        if self.normal() {
            sqlx::query("PRAGMA synchronous = FULL")
                .execute(&mut **self)
                .await
                .map_err(db)?;
            self.set_normal(false);
        }
        Ok(())
    }

    /// Runs `sql`, which ends in `BEGIN IMMEDIATE`; `normal`: the level it leaves.
    async fn start(&mut self, sql: &'static str, normal: bool) -> Result<()> {
        // Whatever part of `sql` ran, the level is unknown until it succeeds: `FULL` is set again
        // before the next ordinary use.
        self.set_normal(true);
        sqlx::query(sql).execute(&mut **self).await.map_err(db)?;
        self.set_normal(normal);
        self.in_transaction = true;
        Ok(())
    }

    /// Commits the transaction.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let result = sqlx::query("COMMIT").execute(&mut *self).await.map_err(db);
        if result.is_ok() {
            self.in_transaction = false;
        }
        result.map(|_| ())
    }

    /// Commits without waiting for the sync: the frames are written (readers see them) and the
    /// returned future resolves once the WAL's syncer has synced them (see [`crate::wal_sync`]).
    /// On a guard from [`Writer::begin`] (a `FULL` transaction) it is [`WriteGuard::commit`].
    pub(crate) async fn commit_then_sync(self) -> Result<Synced> {
        let sync = self.sync.clone().filter(|_| self.normal());
        self.commit().await?;
        Ok(match sync {
            Some(sync) => sync.wait(sync.committed()),
            None => Box::pin(std::future::ready(Ok(()))),
        })
    }
}

impl Deref for WriteGuard {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        // The guard is only taken out in `drop`.
        &self
            .guard
            .as_deref()
            .unwrap_or_else(|| unreachable!("write guard used after drop"))
            .conn
    }
}

impl DerefMut for WriteGuard {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self
            .guard
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("write guard used after drop"))
            .conn
    }
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        // Whatever was written is now in the WAL.
        self.checkpoint.poke();
        if !self.in_transaction {
            return;
        }
        if let Some(mut conn) = self.guard.take() {
            // The rollback runs while this task still owns the connection, so no one else can use
            // it with the transaction half-open.
            let rollback = async move {
                if let Err(e) = sqlx::query("ROLLBACK").execute(&mut conn.conn).await {
                    tracing::error!(error = %e, "rollback of an abandoned transaction failed");
                }
            };
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => {
                    handle.spawn(rollback);
                }
                Err(_) => tracing::error!("transaction dropped outside a runtime; it stays open"),
            }
        }
    }
}
