//! Group commit for the intake: a commit's sync of the WAL runs on tokio's blocking pool while the
//! write connection goes on with the next transaction.
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
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;
use waflow_store::{Error, Synced};

/// How far the WAL is synced, or why syncing stopped.
#[derive(Clone, Debug, Default)]
struct Progress {
    /// Every commit numbered up to this one is durable.
    synced: u64,
    /// The sync that failed, after which nothing is reported durable.
    failed: Option<Arc<str>>,
}

/// The syncer of one database's WAL file: a task that runs each `fdatasync` on tokio's blocking
/// pool (no thread of its own while idle); it stops when this is dropped.
pub(crate) struct WalSync {
    /// Commits written, numbered from 1.
    written: watch::Sender<u64>,
    progress: watch::Receiver<Progress>,
}

impl WalSync {
    /// Starts the syncer task for the WAL file `wal` (`<database>-wal`); needs a tokio runtime.
    pub(crate) fn start(wal: PathBuf) -> Self {
        let (written, commits) = watch::channel(0);
        let (report, progress) = watch::channel(Progress::default());
        tokio::spawn(run(wal, commits, report));
        Self { written, progress }
    }

    /// Records that a commit's frames are written; returns its number for [`WalSync::wait`].
    /// Called while the write connection is still held, so numbers follow the WAL's order.
    pub(crate) fn committed(&self) -> u64 {
        let mut n = 0;
        self.written.send_modify(|w| {
            *w += 1;
            n = *w;
        });
        n
    }

    /// Resolves when commit `n` is durable.
    pub(crate) fn wait(&self, n: u64) -> Synced {
        let mut progress = self.progress.clone();
        Box::pin(async move {
            let seen = progress
                .wait_for(|p| p.synced >= n || p.failed.is_some())
                .await
                .map_err(|_| Error::Backend("the WAL syncer stopped".into()))?;
            match &seen.failed {
                Some(e) => Err(Error::Backend(format!(
                    "fdatasync of the WAL failed ({e}): the commit may not be durable"
                ))),
                None => Ok(()),
            }
        })
    }
}

/// The syncer's loop: waits for written commits, syncs the WAL, publishes how far.
async fn run(wal: PathBuf, mut commits: watch::Receiver<u64>, report: watch::Sender<Progress>) {
    let mut file: Option<File> = None;
    let mut synced = 0;
    loop {
        let target = match commits.wait_for(|w| *w > synced).await {
            Ok(w) => *w,
            // The store is gone.
            Err(_) => return,
        };
        let path = wal.clone();
        let result = tokio::task::spawn_blocking(move || {
            let result = sync(&path, &mut file);
            (result, file)
        })
        .await;
        let failure = match result {
            Ok((Ok(()), kept)) => {
                file = kept;
                synced = target;
                report.send_modify(|p| p.synced = target);
                continue;
            }
            Ok((Err(e), _)) => e.to_string(),
            Err(e) => format!("the sync task failed: {e}"),
        };
        tracing::error!(wal = %wal.display(), error = %failure, "fdatasync of the WAL failed; no commit is acknowledged from now on");
        report.send_modify(|p| p.failed = Some(failure.into()));
        return;
    }
}

/// `fdatasync` of the WAL file, reopened when the path now names another file (SQLite deletes
/// the WAL when the last connection closes; a new one would be another inode).
fn sync(path: &Path, file: &mut Option<File>) -> std::io::Result<()> {
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
