//! The outbox sender: delivers queued outbound messages through their number's channel, many at
//! once.
//!
//! **Invariants:**
//! - Concurrency: every conversation (number + recipient) with queued messages gets a *chain*, a
//!   task that sends that conversation's messages one after the other, in order; a number has at
//!   most [`Channel::max_in_flight`] chains, and the outbox read leaves out numbers at their
//!   limit, so a number waiting on its cap or on a slow provider never holds up another.
//! - Exactly once: for a channel that is not [`Channel::idempotent`], the attempt is committed
//!   (`sending`, by the group-committed [`journal`]) before the provider is called, and the
//!   result is recorded right after. A message found `sending` at start had its attempt
//!   interrupted: it becomes `uncertain` with the reason and is never sent again blindly.
//! - Order: when a conversation's message is deferred or retried, the ones after it in the
//!   chain wait until the same time, so they cannot overtake it.
//! - Results are not written in a transaction of their own when the engine is busy: they wait in
//!   [`PendingDeliveries`] and ride in the intake's or the journal's next transaction, or are
//!   committed by the sender itself after [`COALESCE_MS`]. A message is in flight from its read
//!   until its result is committed, and is not taken from the outbox again meanwhile.
//! - Across nodes: where several nodes share the database, a number's messages are sent by one
//!   node at a time, the holder of its send lease ([`ownership`]); the others leave them alone.

mod attempt;
mod flight;
mod handle;
pub(crate) mod journal;
pub(crate) mod ownership;

use crate::{Error, Inner};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use waflow_channels::Channel;
use waflow_store::{new_id, Delivery, LogEntry, OutboxItem};

pub(crate) use flight::PendingDeliveries;
use flight::{conversation_key, Snapshot};
pub use handle::ShutdownReport;

/// How long the sender waits between rounds, so that the intake can record its results and the
/// next round sends many messages at once.
const COALESCE_MS: u64 = 25;
/// Messages read from the outbox per round, beyond the ones already in flight.
const BATCH: usize = 1000;
/// Why a message found `sending` at start is `uncertain`.
pub(crate) const INTERRUPTED: &str = "the server stopped while this message was being sent: \
     WhatsApp may or may not have received it. It is not sent again automatically; it is marked \
     sent when WhatsApp reports it, or it can be resent";

/// The sender's loop: after marking interrupted attempts, dispatches chains until the engine
/// stops.
pub(crate) async fn sender_loop(inner: Arc<Inner>) {
    // Alone on its database, a starting node owns every number at once; among several nodes,
    // each number's interrupted attempts are marked by the node that takes its lease.
    if !inner.send_leases.enabled() {
        if let Err(e) = mark_interrupted(&inner, None).await {
            tracing::error!(error = %e, "marking interrupted sends failed");
        }
    }
    let coalesce = Duration::from_millis(COALESCE_MS);
    let mut stop = inner.stop.subscribe();
    loop {
        if *stop.borrow() {
            break;
        }
        let started = match dispatch(&inner).await {
            Ok(chains) => chains.len(),
            Err(e) => {
                tracing::error!(error = %e, "outbox sender failed; retrying");
                0
            }
        };
        if started > 0 {
            tokio::time::sleep(coalesce).await;
        } else {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                // Woken from idle (new messages, or a chain ended): send at once.
                _ = inner.sender_wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
        // Whatever the intake or the journal did not take in the meantime, record here.
        if let Err(e) = flush(&inner).await {
            tracing::error!(error = %e, "recording deliveries failed; retrying");
        }
        let busy = inner.pending.snapshot().per_number;
        let busy: HashSet<&str> = busy.keys().map(String::as_str).collect();
        let now = inner.clock.now();
        if let Err(e) = inner.send_leases.keep(&inner, now, &busy).await {
            tracing::error!(error = %e, "renewing send leases failed; retrying");
        }
        if let Err(e) = inner.send_leases.sweep(&inner, now).await {
            tracing::error!(error = %e, "looking for interrupted sends failed; retrying");
        }
    }
}

/// Turns the attempts a previous process left `sending` (of `number_id` only, when given) into
/// `uncertain` ones, each logged.
pub(crate) async fn mark_interrupted(inner: &Inner, number_id: Option<&str>) -> Result<(), Error> {
    let interrupted = inner
        .store
        .interrupted_attempts(INTERRUPTED, number_id)
        .await?;
    let now = inner.clock.now();
    for m in interrupted {
        inner
            .store
            .insert_log(&LogEntry {
                id: new_id("log"),
                workspace_id: m.workspace_id,
                created_at: now,
                kind: "send".into(),
                outcome: "uncertain".into(),
                summary: format!("message {}: {INTERRUPTED}", m.message_id),
                number_id: Some(m.number_id),
                contact_id: Some(m.contact_id),
                message_id: Some(m.message_id),
                workflow_id: None,
                run_id: None,
                detail: serde_json::json!({"reason": "interrupted"}),
            })
            .await?;
    }
    Ok(())
}

/// Records pending delivery results in a transaction of their own.
pub(crate) async fn flush(inner: &Inner) -> Result<(), Error> {
    let results = inner.pending.take();
    if results.is_empty() {
        return Ok(());
    }
    match inner.store.record_deliveries(&results).await {
        Ok(()) => {
            inner.pending.recorded(&results);
            Ok(())
        }
        Err(e) => {
            inner.pending.restore(results);
            Err(e.into())
        }
    }
}

/// Reads the outbox and starts a chain for each conversation that has ready messages and
/// none in flight, within each number's limit; returns the chains started.
pub(crate) async fn dispatch(inner: &Arc<Inner>) -> Result<Vec<JoinHandle<()>>, Error> {
    let _one_dispatcher = inner.dispatching.lock().await;
    let now = inner.clock.now();
    let Snapshot {
        messages,
        conversations,
        mut per_number,
        full,
    } = inner.pending.snapshot();
    let mut limits: HashMap<String, usize> = HashMap::new();
    let limit = i64::try_from(BATCH + messages.len()).unwrap_or(i64::MAX);
    let mut skip = full;
    skip.extend(inner.send_leases.foreign(now));
    let items = inner.store.outbox(now, limit, &skip).await?;
    let mut order: Vec<String> = Vec::new();
    let mut chains: HashMap<String, Vec<OutboxItem>> = HashMap::new();
    for item in items {
        if messages.contains(&item.message_id) {
            continue;
        }
        let key = conversation_key(&item.number_id, &item.to_phone);
        if conversations.contains(&key) {
            continue;
        }
        chains
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key.clone());
                Vec::new()
            })
            .push(item);
    }
    let mut started = Vec::new();
    let mut unknown = Vec::new();
    for key in order {
        let Some(chain) = chains.remove(&key) else {
            continue;
        };
        let first = &chain[0];
        let Some(channel) = inner.channels.get(&first.channel).cloned() else {
            unknown.extend(chain.iter().map(|item| Delivery::Failed {
                message_id: item.message_id.clone(),
                error: format!("this waflow has no channel of kind {:?}", item.channel),
            }));
            continue;
        };
        let number = first.number_id.clone();
        if !inner
            .send_leases
            .claim(inner, &number, channel.as_ref(), now)
            .await?
        {
            continue;
        }
        let cap = *limits
            .entry(number.clone())
            .or_insert_with(|| channel.max_in_flight(&number));
        let running = per_number.entry(number.clone()).or_default();
        if *running >= cap {
            continue;
        }
        *running += 1;
        let ids: Vec<String> = chain.iter().map(|i| i.message_id.clone()).collect();
        inner.pending.start_chain(&number, &key, &ids, cap);
        started.push(tokio::spawn(run_chain(
            inner.clone(),
            channel,
            number,
            key,
            chain,
        )));
    }
    if !unknown.is_empty() {
        inner.store.record_deliveries(&unknown).await?;
    }
    Ok(started)
}

/// Sends one conversation's messages in order; see the module's invariants.
async fn run_chain(
    inner: Arc<Inner>,
    channel: Arc<dyn Channel>,
    number: String,
    key: String,
    chain: Vec<OutboxItem>,
) {
    let mut held_until = None;
    let mut unattempted = Vec::new();
    for item in &chain {
        // The number's send lease lapsed (it could not be renewed): another node may take it.
        if !unattempted.is_empty() || !inner.send_leases.holds(&number, inner.clock.now()) {
            unattempted.push(item.message_id.clone());
            continue;
        }
        if let Some(until) = held_until {
            inner.pending.add(vec![Delivery::Deferred {
                message_id: item.message_id.clone(),
                reason: "waiting for an earlier message to this contact".into(),
                next_attempt_at: until,
            }]);
            continue;
        }
        match attempt::attempt(&inner, &channel, item).await {
            None => unattempted.push(item.message_id.clone()),
            Some(delivery) => {
                if let Delivery::Retry {
                    next_attempt_at, ..
                }
                | Delivery::Deferred {
                    next_attempt_at, ..
                } = &delivery
                {
                    held_until = Some(*next_attempt_at);
                }
                inner.pending.add(vec![delivery]);
            }
        }
    }
    inner.pending.end_chain(&number, &key, &unattempted);
    inner.sender_wake.notify_one();
}

/// Delivers what is ready now and waits for those chains to end (the sender does this
/// continuously); returns how many chains ran.
pub(crate) async fn deliver(inner: &Arc<Inner>) -> Result<usize, Error> {
    let chains = dispatch(inner).await?;
    let n = chains.len();
    for chain in chains {
        let _ = chain.await;
    }
    Ok(n)
}

/// Waits until no chain runs (the stop signal is already given, so none starts), at most until
/// `deadline`, then records every result; returns how many chains were still running.
pub(crate) async fn drain(inner: &Inner, deadline: tokio::time::Instant) -> usize {
    while inner.pending.chains() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let left = inner.pending.chains();
    if let Err(e) = flush(inner).await {
        tracing::error!(error = %e, "recording the last deliveries failed");
    }
    left
}
