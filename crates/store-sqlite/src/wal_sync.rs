//! Group commit for the intake: a commit's sync of the WAL runs on its own thread while the write
//! connection goes on with the next transaction.
//!
//! With `synchronous = FULL` every `COMMIT` writes its WAL frames and then fsyncs the WAL before
//! it returns, and the serial intake waits for that sync between two batches. A transaction
//! committed with [`crate::writer::WriteGuard::commit_then_sync`] commits with
//! `synchronous = NORMAL` (frames written, no sync — readers see it at once) and then asks this
//! syncer for an `fdatasync` of the WAL file; one sync covers every commit written before it
//! started, so commits made while a sync runs share the next one.
//!
//! **Invariants:** a commit's [`WalSync::wait`] resolves `Ok` only after an `fdatasync` of the WAL
//! file that began after the commit's frames were written, so what it acknowledges survives power
//! loss as a `FULL` commit would. The write connection is back at `synchronous = FULL` before
//! anyone else uses it. A failed sync fails every wait from then on (after a failed fsync the
//! kernel may have dropped the dirty pages; retrying could report a lost write as durable).
//! What acts outside the process on the intake's writes first commits through a `FULL`
//! transaction (the sender's attempt journal), which syncs the WAL up to there.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use tokio::sync::watch;
use waflow_store::{Error, Result, Synced};

/// How far the WAL is synced, or why syncing stopped.
#[derive(Clone, Debug, Default)]
struct Progress {
    /// Every commit numbered up to this one is durable.
    synced: u64,
    /// The sync that failed, after which nothing is reported durable.
    failed: Option<Arc<str>>,
}

struct Shared {
    wal: PathBuf,
    /// Commits written (numbered from 1), and whether the syncer should stop.
    written: Mutex<(u64, bool)>,
    more: Condvar,
    progress: watch::Sender<Progress>,
}

/// The syncer of one database's WAL file; stops its thread when dropped.
pub(crate) struct WalSync {
    shared: Arc<Shared>,
}

impl WalSync {
    /// Starts the syncer thread for the WAL file `wal` (`<database>-wal`).
    pub(crate) fn start(wal: PathBuf) -> Result<Self> {
        let shared = Arc::new(Shared {
            wal,
            written: Mutex::new((0, false)),
            more: Condvar::new(),
            progress: watch::Sender::new(Progress::default()),
        });
        let thread = shared.clone();
        std::thread::Builder::new()
            .name("wal-sync".into())
            .spawn(move || run(&thread))
            .map_err(|e| Error::Backend(format!("cannot start the WAL sync thread: {e}")))?;
        Ok(Self { shared })
    }

    /// Records that a commit's frames are written; returns its number for [`WalSync::wait`].
    /// Called while the write connection is still held, so numbers follow the WAL's order.
    pub(crate) fn committed(&self) -> u64 {
        let mut written = lock(&self.shared.written);
        written.0 += 1;
        self.shared.more.notify_one();
        written.0
    }

    /// Resolves when commit `n` is durable.
    pub(crate) fn wait(&self, n: u64) -> Synced {
        let mut progress = self.shared.progress.subscribe();
        Box::pin(async move {
            let seen = progress
                .wait_for(|p| p.synced >= n || p.failed.is_some())
                .await
                .map_err(|_| Error::Backend("the WAL sync thread stopped".into()))?;
            match &seen.failed {
                Some(e) => Err(Error::Backend(format!(
                    "fdatasync of the WAL failed ({e}): the commit may not be durable"
                ))),
                None => Ok(()),
            }
        })
    }
}

impl Drop for WalSync {
    fn drop(&mut self) {
        lock(&self.shared.written).1 = true;
        self.shared.more.notify_one();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The data under the lock (two numbers) is valid whatever a panicking holder did.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The syncer's loop: waits for written commits, syncs the WAL, publishes how far.
fn run(shared: &Shared) {
    let mut file: Option<File> = None;
    let mut synced = 0;
    loop {
        let target = {
            let mut written = lock(&shared.written);
            while written.0 <= synced && !written.1 {
                written = shared
                    .more
                    .wait(written)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if written.0 <= synced {
                return;
            }
            written.0
        };
        match sync(&shared.wal, &mut file) {
            Ok(()) => {
                synced = target;
                shared.progress.send_modify(|p| p.synced = target);
            }
            Err(e) => {
                tracing::error!(wal = %shared.wal.display(), error = %e, "fdatasync of the WAL failed; no commit is acknowledged from now on");
                let failed: Arc<str> = e.to_string().into();
                shared.progress.send_modify(|p| p.failed = Some(failed));
                return;
            }
        }
    }
}

/// `fdatasync` of the WAL file, reopened when the path now names another file (SQLite deletes
/// the WAL when the last connection closes; a new one would be another inode).
fn sync(path: &PathBuf, file: &mut Option<File>) -> std::io::Result<()> {
    let current = std::fs::metadata(path)?.ino();
    let same = match file {
        Some(f) => f.metadata()?.ino() == current,
        None => false,
    };
    if !same {
        *file = Some(File::open(path)?);
    }
    match file {
        Some(f) => f.sync_data(),
        None => Ok(()),
    }
}
