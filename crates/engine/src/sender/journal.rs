//! The attempt journal: before a message reaches a provider that does not dedupe by waflow's id,
//! "its attempt starts" is committed (`queued` → `sending`). Attempts are group-committed — every
//! attempt waiting while a commit runs goes into the next one, with the delivery results waiting
//! to be recorded — so that the journal costs one commit per round, not one per message.

use crate::Inner;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use waflow_store::Attempt;

type Request = (Attempt, oneshot::Sender<bool>);

/// The handle the sender's chains use to journal an attempt.
pub(crate) struct Journal {
    tx: mpsc::UnboundedSender<Request>,
}

impl Journal {
    /// A journal and the receiving end for [`journal_loop`].
    pub(crate) fn new() -> (Self, mpsc::UnboundedReceiver<Request>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx }, rx)
    }

    /// Commits that `attempt` starts; `true` when it did (the message was still queued), so the
    /// provider may be called. `false` on any failure: then nothing may be sent.
    pub(crate) async fn begin(&self, attempt: Attempt) -> bool {
        let (done, answer) = oneshot::channel();
        if self.tx.send((attempt, done)).is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

/// Commits waiting attempts in rounds until the engine's last handle is gone.
pub(crate) async fn journal_loop(inner: Arc<Inner>, mut rx: mpsc::UnboundedReceiver<Request>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(next) = rx.try_recv() {
            batch.push(next);
        }
        let (attempts, answers): (Vec<Attempt>, Vec<_>) = batch.into_iter().unzip();
        let results = inner.pending.take();
        let now = inner.clock.now();
        let begun: HashSet<String> = match inner
            .store
            .begin_attempts(&attempts, &results, now)
            .await
        {
            Ok(ids) => {
                inner.pending.recorded(&results);
                ids.into_iter().collect()
            }
            Err(e) => {
                tracing::error!(error = %e, "journaling send attempts failed; they stay queued");
                inner.pending.restore(results);
                HashSet::new()
            }
        };
        for (attempt, done) in attempts.iter().zip(answers) {
            let _ = done.send(begun.contains(&attempt.message_id));
        }
    }
}
