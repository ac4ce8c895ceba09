//! Intake: stores an inbound message and decides, in the same transaction, what it starts.
//!
//! **Invariant:** an inbound message is acknowledged only after the transaction that stores it,
//! its evaluation log, the runs it starts and their first outbound messages has committed and is
//! durable. A message id already stored for the number is answered as a duplicate and changes
//! nothing.
//!
//! Messages are processed by a single intake task in batches (one transaction per batch); within
//! a batch they are processed in arrival order, so one conversation is never processed by two
//! workers at once. A batch's sync overlaps the next batch's work ([`Tx::commit_then_sync`]):
//! its answers wait for the sync in [`finish_loop`], in commit order. A batch is cut into sub-batches, each stored with a fixed
//! number of statements and decided in rounds ([`round`]).

mod decide;
mod round;

use crate::cache::WorkspaceState;
use crate::{Error, Inner};
use round::process_sub_batch;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use waflow_domain::InboundEvent;
#[cfg(doc)]
use waflow_store::Tx;
use waflow_store::{Synced, Writes};

/// The most messages committed in one transaction.
const MAX_BATCH: usize = 256;

/// What happened to an inbound message.
#[derive(Debug, Clone, Serialize)]
pub struct IntakeOutcome {
    /// The stored message; `None` for a duplicate.
    pub message_id: Option<String>,
    pub contact_id: String,
    pub conversation_id: String,
    pub duplicate: bool,
    /// `matched`, `no_match`, `resumed`, `duplicate`, `excluded`, `blocked` or `automation_off`.
    pub outcome: String,
    /// Runs started or resumed.
    pub runs: Vec<String>,
    /// Outbound messages queued in the outbox by this message.
    pub queued: Vec<String>,
    /// The log entry that explains the decision.
    pub log_id: String,
}

pub(crate) struct IntakeJob {
    pub request: InboundEvent,
    pub reply: oneshot::Sender<Result<IntakeOutcome, Error>>,
    /// A test-chat message of a draft: decided with this state instead of the workspace's live
    /// workflows, in a batch of its own.
    pub test: Option<Arc<WorkspaceState>>,
}

/// A committed batch waiting for its sync before anyone hears of it.
struct Committed {
    jobs: Vec<IntakeJob>,
    results: Vec<Result<IntakeOutcome, Error>>,
    /// `None` when every result is already durable (or failed).
    synced: Option<Synced>,
}

/// Batches whose sync may run while the intake decides the next: one sync covers all of them.
const SYNCING: usize = 4;

/// The intake task: takes jobs in batches and commits each batch once. A batch's answers (and
/// the wake-ups of the workers that act on it) wait for its sync in [`finish_loop`], while this
/// loop goes on with the next batch.
pub(crate) async fn intake_loop(inner: Arc<Inner>, mut rx: mpsc::Receiver<IntakeJob>) {
    let (done, committed) = mpsc::channel(SYNCING);
    let finisher = tokio::spawn(finish_loop(inner.clone(), committed));
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let tests: Vec<IntakeJob>;
        (tests, jobs) = jobs.into_iter().partition(|j| j.test.is_some());
        crate::test_chat::decide(&inner, tests).await;
        if jobs.is_empty() {
            continue;
        }
        let requests: Vec<&InboundEvent> = jobs.iter().map(|j| &j.request).collect();
        let (results, synced) = match process_batch(&inner, &requests, None).await {
            Ok((outcomes, synced)) => (outcomes.into_iter().map(Ok).collect(), Some(synced)),
            Err(batch_error) if jobs.len() > 1 => {
                // Isolate the failure: each message on its own, so one bad message fails alone.
                tracing::warn!(error = %batch_error, size = jobs.len(), "intake batch failed; retrying one by one");
                let mut results = Vec::with_capacity(jobs.len());
                for r in &requests {
                    results.push(process_synced(&inner, r, None).await);
                }
                (results, None)
            }
            Err(e) => (vec![Err(e)], None),
        };
        let batch = Committed {
            jobs,
            results,
            synced,
        };
        if done.send(batch).await.is_err() {
            break;
        }
    }
    drop(done);
    let _ = finisher.await;
}

/// Answers each committed batch once it is durable, in commit order, and wakes the workers that
/// act on what it wrote.
async fn finish_loop(inner: Arc<Inner>, mut committed: mpsc::Receiver<Committed>) {
    while let Some(batch) = committed.recv().await {
        let synced = match batch.synced {
            Some(synced) => synced.await,
            None => Ok(()),
        };
        let mut queued_any = false;
        for (job, result) in batch.jobs.into_iter().zip(batch.results) {
            let result = match (&synced, result) {
                (Err(e), Ok(_)) => Err(Error::Unavailable(format!(
                    "the message was stored but not made durable: {e}"
                ))),
                (_, result) => result,
            };
            queued_any |= result.as_ref().is_ok_and(|o| !o.queued.is_empty());
            let _ = job.reply.send(result);
        }
        if queued_any {
            inner.sender_wake.notify_one();
        }
        // Wake the timer worker only when a batch scheduled something: claiming takes the write
        // connection, which the next batch is waiting for.
        if inner.timers_added.swap(false, Ordering::Relaxed) {
            inner.worker_wake.notify_one();
        }
        if inner.events_added.swap(false, Ordering::Relaxed) {
            inner.events_wake.notify_one();
        }
    }
}

/// One message (or a test-chat message with its own state) processed alone, answered when
/// durable.
pub(crate) async fn process_synced(
    inner: &Inner,
    request: &InboundEvent,
    test: Option<&Arc<WorkspaceState>>,
) -> Result<IntakeOutcome, Error> {
    let (mut outcomes, synced) = process_batch(inner, &[request], test).await?;
    synced.await?;
    Ok(outcomes.remove(0))
}

/// Stores and decides `requests` in one transaction; the outcomes are in their order, and the
/// future resolves when the commit is durable.
async fn process_batch(
    inner: &Inner,
    requests: &[&InboundEvent],
    test: Option<&Arc<WorkspaceState>>,
) -> Result<(Vec<IntakeOutcome>, Synced), Error> {
    let now = inner.clock.now();
    // Workspace state may have to be loaded (and its workflow set stored) through the write
    // connection, so it is fetched before the transaction takes that connection.
    let mut states: HashMap<&str, Arc<WorkspaceState>> = HashMap::new();
    for r in requests {
        if let Some(state) = test {
            states.insert(&r.workspace_id, state.clone());
        } else if !states.contains_key(r.workspace_id.as_str()) {
            states.insert(
                &r.workspace_id,
                inner
                    .cache
                    .get(inner.store.as_ref(), &r.workspace_id)
                    .await?,
            );
        }
    }
    let mut tx = inner.store.begin_then_sync().await?;
    let mut outcomes = Vec::with_capacity(requests.len());
    let mut start = 0;
    while start < requests.len() {
        // A contact's second message joins the sub-batch only when it can be decided after the
        // first within it (`round`): not a notice, in a workspace whose conditions do not count
        // the conversation. Otherwise it starts the next sub-batch, which reads what the first
        // wrote. A changed-number notice ends its sub-batch: a message from the new number after
        // it must find the moved contact, not create another.
        let mut seen = HashSet::new();
        let mut end = start;
        while end < requests.len() {
            let r = requests[end];
            if !seen.insert((&r.workspace_id, r.from.as_str())) && !may_repeat(r, &states) {
                break;
            }
            end += 1;
            if matches!(r.notice, Some(waflow_domain::Notice::NumberChanged { .. })) {
                break;
            }
        }
        outcomes
            .extend(process_sub_batch(inner, &mut tx, &states, &requests[start..end], now).await?);
        start = end;
    }
    // Delivery results waiting to be recorded, and counters every ten seconds, ride along in this
    // transaction: one commit for all.
    let deliveries = inner.pending.take();
    let counters = inner.counters.take(false);
    if !deliveries.is_empty() || !counters.is_empty() {
        let writes = Writes {
            deliveries,
            counters,
            ..Default::default()
        };
        let applied = tx.apply(&writes).await;
        let committed = match applied {
            Ok(()) => tx.commit_then_sync().await,
            Err(e) => Err(e),
        };
        return match committed {
            Ok(synced) => {
                inner.pending.recorded(&writes.deliveries);
                Ok((outcomes, synced))
            }
            Err(e) => {
                inner.pending.restore(writes.deliveries);
                inner.counters.restore(writes.counters);
                Err(e.into())
            }
        };
    }
    let synced = tx.commit_then_sync().await?;
    Ok((outcomes, synced))
}

/// Whether a contact's further message may share a sub-batch with its earlier one (see `round`).
fn may_repeat(r: &InboundEvent, states: &HashMap<&str, Arc<WorkspaceState>>) -> bool {
    r.notice.is_none()
        && !r.content.kind.is_notice()
        && states
            .get(r.workspace_id.as_str())
            .is_some_and(|s| !s.workflows.needs_conversation())
}
