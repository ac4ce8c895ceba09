//! What the sender has in flight: the messages taken from the outbox whose results are not yet
//! committed, the conversations being sent to (one chain at a time each, so a contact's messages
//! keep their order), how many conversations each number has in flight, and the results waiting
//! for a transaction.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use waflow_store::Delivery;

/// In-flight accounting and results not yet committed.
#[derive(Default)]
pub(crate) struct PendingDeliveries {
    // A std Mutex: held only to move small values in and out, never across an await.
    inner: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    results: Vec<Delivery>,
    /// Messages taken from the outbox and not yet recorded (or released unattempted).
    in_flight: HashSet<String>,
    /// Conversations (`number_id` + recipient) with a chain running.
    conversations: HashSet<String>,
    /// Chains running per number.
    per_number: HashMap<String, usize>,
    /// Each number's limit of chains, as its channel said when the last chain started.
    caps: HashMap<String, usize>,
}

/// What the dispatcher must leave alone in its next outbox read.
pub(crate) struct Snapshot {
    pub messages: HashSet<String>,
    pub conversations: HashSet<String>,
    /// Numbers with a chain running, and how many.
    pub per_number: HashMap<String, usize>,
    /// Numbers at their limit: the outbox read leaves them out.
    pub full: Vec<String>,
}

fn message_id(d: &Delivery) -> &str {
    match d {
        Delivery::Sent { message_id, .. }
        | Delivery::Retry { message_id, .. }
        | Delivery::Deferred { message_id, .. }
        | Delivery::Failed { message_id, .. }
        | Delivery::Uncertain { message_id, .. } => message_id,
    }
}

/// The key of a conversation: one chain at a time each.
pub(crate) fn conversation_key(number_id: &str, to: &str) -> String {
    format!("{number_id}\u{1f}{to}")
}

impl PendingDeliveries {
    /// Results to record; their messages stay in flight until [`Self::recorded`].
    pub(crate) fn add(&self, results: Vec<Delivery>) {
        if let Ok(mut p) = self.inner.lock() {
            p.results.extend(results);
        }
    }

    /// What is in flight now. Taken before reading the outbox: a message recorded after this
    /// snapshot was committed before the outbox read began, so the read no longer returns it.
    pub(crate) fn snapshot(&self) -> Snapshot {
        self.inner
            .lock()
            .map(|p| Snapshot {
                messages: p.in_flight.clone(),
                conversations: p.conversations.clone(),
                per_number: p.per_number.clone(),
                full: p
                    .per_number
                    .iter()
                    .filter(|(n, running)| p.caps.get(*n).is_some_and(|cap| **running >= *cap))
                    .map(|(n, _)| n.clone())
                    .collect(),
            })
            .unwrap_or_else(|_| Snapshot {
                messages: HashSet::new(),
                conversations: HashSet::new(),
                per_number: HashMap::new(),
                full: Vec::new(),
            })
    }

    /// Starts a chain for a conversation with `messages`; `cap` is the number's limit.
    pub(crate) fn start_chain(
        &self,
        number_id: &str,
        conversation: &str,
        messages: &[String],
        cap: usize,
    ) {
        if let Ok(mut p) = self.inner.lock() {
            p.caps.insert(number_id.to_string(), cap);
            p.in_flight.extend(messages.iter().cloned());
            p.conversations.insert(conversation.to_string());
            *p.per_number.entry(number_id.to_string()).or_default() += 1;
        }
    }

    /// Ends a chain; `unattempted` messages leave the flight without a result (still queued).
    pub(crate) fn end_chain(&self, number_id: &str, conversation: &str, unattempted: &[String]) {
        if let Ok(mut p) = self.inner.lock() {
            for id in unattempted {
                p.in_flight.remove(id);
            }
            p.conversations.remove(conversation);
            if let Some(n) = p.per_number.get_mut(number_id) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    p.per_number.remove(number_id);
                }
            }
        }
    }

    /// How many chains are running.
    pub(crate) fn chains(&self) -> usize {
        self.inner
            .lock()
            .map(|p| p.per_number.values().sum())
            .unwrap_or(0)
    }

    /// Takes the results to record; the caller must then call [`Self::recorded`] or [`Self::restore`].
    pub(crate) fn take(&self) -> Vec<Delivery> {
        self.inner
            .lock()
            .map(|mut p| std::mem::take(&mut p.results))
            .unwrap_or_default()
    }

    /// The results were committed: their messages are no longer in flight.
    pub(crate) fn recorded(&self, results: &[Delivery]) {
        if let Ok(mut p) = self.inner.lock() {
            for r in results {
                p.in_flight.remove(message_id(r));
            }
        }
    }

    /// The transaction that carried the results failed: keep them for the next one.
    pub(crate) fn restore(&self, results: Vec<Delivery>) {
        if let Ok(mut p) = self.inner.lock() {
            p.results.extend(results);
        }
    }
}
