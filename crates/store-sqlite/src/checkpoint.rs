//! WAL checkpoints in the background, off the write path.
//!
//! With `wal_autocheckpoint`, the transaction whose commit crosses the threshold copies the WAL
//! back into the database file inside its own `COMMIT`, so every few batches the serial intake
//! stalls on that copy (measured: ~35 µs per message of a ~200 µs budget). Here the write
//! connection never checkpoints; this task does, on its own connection, after writes, in small
//! `PASSIVE` steps that never block the writer. The copy runs on another core while the writer
//! goes on. (Tried for issue 20: at most one pass per 100 ms copies a page written by many
//! transactions once, saving 10–15 % of the CPU per message under full load — but each pass then
//! writes and syncs ~100 ms of pages at once, and the commits' fsyncs queue behind it: p99 at
//! 1,000 msg/s rose from 7–9 ms to 11–19 ms, over its 10 ms target. Not kept.)
//!
//! **Invariant:** the WAL stays bounded. SQLite restarts the WAL from its beginning only when a
//! writer starts after *every* frame was copied, which a busy writer never allows; so once the
//! WAL holds more than [`RESTART_FRAMES`] frames, the checkpointer takes the write connection
//! between two transactions and copies the few frames written since its last pass. The next
//! transaction then restarts the WAL. The writer waits only for that short copy.

use crate::writer::Conn;
use sqlx::SqliteConnection;
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};

/// The WAL size (in frames, 4 KiB each) above which the checkpointer finishes a checkpoint on the
/// write connection so that the WAL restarts: 16 MiB.
const RESTART_FRAMES: i64 = 4_096;

/// Asks the checkpointer to run; cheap, never waits.
#[derive(Clone)]
pub(crate) struct Wake(mpsc::Sender<()>);

impl Wake {
    pub(crate) fn poke(&self) {
        // A full channel already holds a pending wake-up.
        let _ = self.0.try_send(());
    }
}

/// Starts the checkpointer on its own connection `conn`; `writer` is the write connection, used
/// only to finish a checkpoint. The task stops when every [`Wake`] is dropped.
pub(crate) fn spawn(conn: SqliteConnection, writer: Arc<Mutex<Conn>>) -> Wake {
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(run(conn, writer, rx));
    Wake(tx)
}

async fn run(mut conn: SqliteConnection, writer: Arc<Mutex<Conn>>, mut wake: mpsc::Receiver<()>) {
    while wake.recv().await.is_some() {
        match passive(&mut conn).await {
            Ok(frames) if frames > RESTART_FRAMES => {
                // Between two transactions: nothing can be appended while the rest is copied.
                let mut write = writer.lock().await;
                if let Err(e) = passive(write.connection()).await {
                    tracing::warn!(error = %e, "WAL checkpoint on the write connection failed");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}

/// Copies what it can of the WAL into the database without blocking anyone; returns the WAL's
/// size in frames.
async fn passive(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    let (_busy, frames, _copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(conn)
            .await?;
    Ok(frames)
}
