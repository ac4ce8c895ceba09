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
use sqlx::SqliteConnection;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};
use waflow_store::Result;

/// Shared access to the write connection.
#[derive(Clone)]
pub(crate) struct Writer {
    conn: Arc<Mutex<SqliteConnection>>,
    checkpoint: Wake,
}

/// Exclusive use of the write connection: a transaction (from [`Writer::begin`]) or single
/// autocommit statements (from [`Writer::lock`]).
pub struct WriteGuard {
    guard: Option<OwnedMutexGuard<SqliteConnection>>,
    in_transaction: bool,
    checkpoint: Wake,
}

impl Writer {
    /// The writer on `conn`, with a background checkpointer on `checkpointer` (see
    /// [`crate::checkpoint`]).
    pub(crate) fn new(conn: SqliteConnection, checkpointer: SqliteConnection) -> Self {
        let conn = Arc::new(Mutex::new(conn));
        Self {
            checkpoint: checkpoint::spawn(checkpointer, conn.clone()),
            conn,
        }
    }

    /// The connection for autocommit statements.
    pub(crate) async fn lock(&self) -> Result<WriteGuard> {
        Ok(WriteGuard {
            guard: Some(self.conn.clone().lock_owned().await),
            in_transaction: false,
            checkpoint: self.checkpoint.clone(),
        })
    }

    /// The connection inside a new transaction. `BEGIN IMMEDIATE` takes SQLite's write lock at
    /// once, so a transaction never fails later on upgrading a read lock.
    pub(crate) async fn begin(&self) -> Result<WriteGuard> {
        let mut guard = self.lock().await?;
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *guard)
            .await
            .map_err(db)?;
        guard.in_transaction = true;
        Ok(guard)
    }
}

impl WriteGuard {
    /// Commits the transaction.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let result = sqlx::query("COMMIT").execute(&mut *self).await.map_err(db);
        if result.is_ok() {
            self.in_transaction = false;
        }
        result.map(|_| ())
    }
}

impl Deref for WriteGuard {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        // The guard is only taken out in `drop`.
        self.guard
            .as_deref()
            .unwrap_or_else(|| unreachable!("write guard used after drop"))
    }
}

impl DerefMut for WriteGuard {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.guard
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("write guard used after drop"))
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
                if let Err(e) = sqlx::query("ROLLBACK").execute(&mut *conn).await {
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
