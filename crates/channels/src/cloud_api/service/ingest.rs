//! Group commit for webhook deliveries: every delivery is stored before it is acknowledged, and
//! deliveries arriving together share one transaction (one fsync) instead of one each.
//!
//! **Invariant:** [`Ingest::store`] returns `Ok` only after the delivery's transaction committed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Notify};
use waflow_store::{NewWebhookDelivery, Store};

/// The most deliveries stored in one transaction.
const MAX_BATCH: usize = 256;

struct Job {
    delivery: NewWebhookDelivery,
    reply: oneshot::Sender<Result<(), String>>,
}

/// The deliveries this process stored and has not processed yet: where several nodes share the
/// database, each processes its own (see `processor`).
#[derive(Default)]
pub(super) struct Own {
    // A std Mutex: held only to copy or change the set.
    ids: Mutex<HashSet<String>>,
}

impl Own {
    /// The ids, to read their deliveries.
    pub fn ids(&self) -> Vec<String> {
        self.ids
            .lock()
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets deliveries that were processed.
    pub fn processed<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        if let Ok(mut s) = self.ids.lock() {
            for id in ids {
                s.remove(id);
            }
        }
    }

    fn stored(&self, ids: Vec<String>) {
        if let Ok(mut s) = self.ids.lock() {
            s.extend(ids);
        }
    }
}

/// The handle of the ingest task.
#[derive(Clone)]
pub(super) struct Ingest {
    tx: mpsc::Sender<Job>,
}

impl Ingest {
    /// Starts the task; `stored` is notified after each committed batch, whose ids join `own`.
    pub fn spawn(store: Arc<dyn Store>, stored: Arc<Notify>, own: Arc<Own>) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(run(store, rx, stored, own));
        Self { tx }
    }

    /// Stores one delivery; returns once it is committed.
    pub async fn store(&self, delivery: NewWebhookDelivery) -> Result<(), String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job { delivery, reply })
            .await
            .map_err(|_| "the webhook store task stopped".to_string())?;
        rx.await
            .map_err(|_| "the webhook store task dropped the delivery".to_string())?
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<Job>,
    stored: Arc<Notify>,
    own: Arc<Own>,
) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let deliveries: Vec<NewWebhookDelivery> = jobs.iter().map(|j| j.delivery.clone()).collect();
        let result = store
            .insert_webhook_deliveries(&deliveries)
            .await
            .map(|ids| own.stored(ids))
            .map_err(|e| e.to_string());
        for job in jobs {
            let _ = job.reply.send(result.clone());
        }
        if result.is_ok() {
            stored.notify_one();
        }
    }
}
