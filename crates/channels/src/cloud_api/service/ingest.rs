//! Group commit for webhook deliveries: every delivery is stored before it is acknowledged, and
//! deliveries arriving together share one transaction (one fsync) instead of one each.
//!
//! **Invariant:** [`Ingest::store`] returns `Ok` only after the delivery's transaction committed.

use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Notify};
use waflow_store::{NewWebhookDelivery, Store};

/// The most deliveries stored in one transaction.
const MAX_BATCH: usize = 256;

struct Job {
    delivery: NewWebhookDelivery,
    reply: oneshot::Sender<Result<(), String>>,
}

/// The handle of the ingest task.
#[derive(Clone)]
pub(super) struct Ingest {
    tx: mpsc::Sender<Job>,
}

impl Ingest {
    /// Starts the task; `stored` is notified after each committed batch.
    pub fn spawn(store: Arc<dyn Store>, stored: Arc<Notify>) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(run(store, rx, stored));
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

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>, stored: Arc<Notify>) {
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
            .map(|_| ())
            .map_err(|e| e.to_string());
        for job in jobs {
            let _ = job.reply.send(result.clone());
        }
        if result.is_ok() {
            stored.notify_one();
        }
    }
}
