//! The outbox sender: delivers queued outbound messages through their number's channel.
//!
//! **Invariant:** a message leaves the outbox (status `queued` → `sent`/`failed`) only after its
//! channel answered; a crash in between sends it again on restart, and channels dedupe by waflow's
//! message id where the provider allows (the sandbox always does). Messages to blocked contacts are
//! never queued in the first place.

use crate::{Error, Inner};
use chrono::Duration;
use serde_json::json;
use std::sync::Arc;
use waflow_channels::{Outgoing, SendError};
use waflow_store::{new_id, Delivery, LogEntry};

/// How long the sender waits after a wake-up before delivering, to batch deliveries.
const COALESCE_MS: u64 = 25;

/// After this many attempts a temporarily failing message is marked failed.
const MAX_ATTEMPTS: i64 = 10;

/// The sender's loop.
pub(crate) async fn sender_loop(inner: Arc<Inner>) {
    loop {
        match deliver(&inner).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "outbox sender failed; retrying"),
        }
        let sleep = tokio::time::sleep(std::time::Duration::from_millis(500));
        tokio::select! {
            _ = sleep => {}
            _ = inner.sender_wake.notified() => {
                // Let a few intake batches accumulate: one delivery transaction for many messages
                // keeps the write connection free for intake under load.
                tokio::time::sleep(std::time::Duration::from_millis(COALESCE_MS)).await;
            }
        }
    }
}

/// Delivers one batch from the outbox; returns how many messages were handled.
pub(crate) async fn deliver(inner: &Inner) -> Result<usize, Error> {
    let now = inner.clock.now();
    let items = inner.store.outbox(now, 1000).await?;
    if items.is_empty() {
        return Ok(0);
    }
    let mut results = Vec::with_capacity(items.len());
    for item in &items {
        let outgoing = Outgoing {
            message_id: item.message_id.clone(),
            number_id: item.number_id.clone(),
            to_phone: item.to_phone.clone(),
            text: item.text.clone(),
        };
        let result = match inner.channels.get(&item.channel) {
            None => Err(SendError::Permanent(format!(
                "this waflow has no channel of kind {:?}",
                item.channel
            ))),
            Some(channel) => channel.send(&outgoing).await,
        };
        let delivery = match result {
            Ok(receipt) => Delivery::Sent {
                message_id: item.message_id.clone(),
                channel_message_id: receipt.channel_message_id,
                at: inner.clock.now(),
            },
            Err(SendError::Retryable(e)) if item.attempts + 1 < MAX_ATTEMPTS => {
                let backoff = Duration::seconds(2i64.pow(item.attempts.clamp(0, 9) as u32));
                Delivery::Retry {
                    message_id: item.message_id.clone(),
                    error: e,
                    next_attempt_at: now + backoff,
                }
            }
            Err(e) => {
                let failure = LogEntry {
                    id: new_id("log"),
                    workspace_id: item.workspace_id.clone(),
                    created_at: now,
                    kind: "send".into(),
                    outcome: "failed".into(),
                    summary: format!(
                        "message {} to {} failed: {e}",
                        item.message_id, item.to_phone
                    ),
                    number_id: Some(item.number_id.clone()),
                    contact_id: None,
                    message_id: Some(item.message_id.clone()),
                    workflow_id: None,
                    run_id: None,
                    detail: json!({"error": e.to_string(), "attempts": item.attempts + 1}),
                };
                inner.store.insert_log(&failure).await?;
                Delivery::Failed {
                    message_id: item.message_id.clone(),
                    error: e.to_string(),
                }
            }
        };
        results.push(delivery);
    }
    inner.store.record_deliveries(&results).await?;
    Ok(items.len())
}
