//! The outbox sender: delivers queued outbound messages through their number's channel.
//!
//! **Invariant:** a message leaves the outbox (status `queued` → `sent`/`failed`) only after its
//! channel answered; a crash in between sends it again on restart, and channels dedupe by waflow's
//! message id where the provider allows (the sandbox always does). Messages to blocked contacts are
//! never queued in the first place.
//!
//! Results are not written in a transaction of their own when the engine is busy: they wait in
//! [`PendingDeliveries`] and the intake records them in its next transaction (one commit for
//! both). When the intake is idle, the sender records them itself after [`COALESCE_MS`]. A message
//! whose result is pending is "in flight" and is not taken from the outbox again.

use crate::{Error, Inner};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use waflow_channels::{Outgoing, SendError};
use waflow_store::{new_id, Delivery, LogEntry, OutboxItem};

/// How long the sender waits between rounds, so that the intake can record its results and the
/// next round sends many messages at once.
const COALESCE_MS: u64 = 25;

/// Delivery results not yet committed, and the messages they are about.
#[derive(Default)]
pub(crate) struct PendingDeliveries {
    // A std Mutex: held only to move vectors in and out, never across an await.
    inner: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    results: Vec<Delivery>,
    in_flight: HashSet<String>,
}

fn message_id(d: &Delivery) -> &str {
    match d {
        Delivery::Sent { message_id, .. }
        | Delivery::Retry { message_id, .. }
        | Delivery::Deferred { message_id, .. }
        | Delivery::Failed { message_id, .. } => message_id,
    }
}

impl PendingDeliveries {
    fn add(&self, results: Vec<Delivery>) {
        if let Ok(mut p) = self.inner.lock() {
            for r in &results {
                p.in_flight.insert(message_id(r).to_string());
            }
            p.results.extend(results);
        }
    }

    /// The messages in flight now. Taken before reading the outbox: a message recorded after this
    /// snapshot was committed before the outbox read began, so the read no longer returns it.
    fn in_flight(&self) -> HashSet<String> {
        self.inner
            .lock()
            .map(|p| p.in_flight.clone())
            .unwrap_or_default()
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

/// After this many attempts a temporarily failing message is marked failed.
const MAX_ATTEMPTS: i64 = 10;

/// The sender's loop.
pub(crate) async fn sender_loop(inner: Arc<Inner>) {
    let coalesce = std::time::Duration::from_millis(COALESCE_MS);
    loop {
        let sent = match deliver(&inner).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "outbox sender failed; retrying");
                0
            }
        };
        if sent > 0 {
            tokio::time::sleep(coalesce).await;
        } else {
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                // Woken from idle: send at once (a reply waits for no batch).
                _ = inner.sender_wake.notified() => {}
            }
        }
        // Whatever the intake did not take in the meantime, record here.
        if let Err(e) = flush(&inner).await {
            tracing::error!(error = %e, "recording deliveries failed; retrying");
        }
    }
}

/// Why a free-form message may not be sent now, if the channel has a service window (the Cloud
/// API's 24 hours after the contact's last message) and it is closed.
fn window_closed(
    window: Option<std::time::Duration>,
    item: &OutboxItem,
    now: DateTime<Utc>,
) -> Option<String> {
    let window = Duration::from_std(window?).ok()?;
    let hours = window.num_hours();
    match item.last_inbound_at {
        Some(last) if now - last <= window => None,
        Some(last) => Some(format!(
            "outside the {hours}-hour customer service window: the contact last wrote at {}; \
             WhatsApp accepts only template messages until they write again",
            last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )),
        None => Some(format!(
            "outside the {hours}-hour customer service window: the contact never wrote to this \
             number; WhatsApp accepts only template messages"
        )),
    }
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

/// Delivers one batch from the outbox; returns how many messages were handled.
pub(crate) async fn deliver(inner: &Inner) -> Result<usize, Error> {
    let now = inner.clock.now();
    let in_flight = inner.pending.in_flight();
    let mut items = inner.store.outbox(now, 1000).await?;
    items.retain(|item| !in_flight.contains(&item.message_id));
    if items.is_empty() {
        return Ok(0);
    }
    let mut results = Vec::with_capacity(items.len());
    for item in &items {
        // A text may carry a template to send instead outside the service window.
        let fallback = item
            .payload
            .as_ref()
            .and_then(|p| p.get("fallback"))
            .cloned();
        let content = item.payload.clone().filter(|_| fallback.is_none());
        let is_template = content
            .as_ref()
            .is_some_and(|c| c.get("type").and_then(|t| t.as_str()) == Some("template"));
        let mut outgoing = Outgoing {
            message_id: item.message_id.clone(),
            number_id: item.number_id.clone(),
            to_phone: item.to_phone.clone(),
            text: item.text.clone(),
            content,
        };
        let result = match inner.channels.get(&item.channel) {
            None => Err(SendError::Permanent(format!(
                "this waflow has no channel of kind {:?}",
                item.channel
            ))),
            // Templates are what WhatsApp accepts outside the window.
            Some(channel) if is_template => channel.send(&outgoing).await,
            Some(channel) => match window_closed(channel.service_window(), item, now) {
                None => channel.send(&outgoing).await,
                Some(reason) => match fallback {
                    None => Err(SendError::Permanent(reason)),
                    Some(template) => {
                        let name = template["name"].as_str().unwrap_or_default().to_string();
                        outgoing.content = Some(template);
                        let sent = channel.send(&outgoing).await;
                        if sent.is_ok() {
                            inner
                                .store
                                .insert_log(&LogEntry {
                                    id: new_id("log"),
                                    workspace_id: item.workspace_id.clone(),
                                    created_at: now,
                                    kind: "send".into(),
                                    outcome: "template_fallback".into(),
                                    summary: format!(
                                        "message {} to {}: {reason}; sent the template {name} instead",
                                        item.message_id, item.to_phone
                                    ),
                                    number_id: Some(item.number_id.clone()),
                                    contact_id: None,
                                    message_id: Some(item.message_id.clone()),
                                    workflow_id: None,
                                    run_id: None,
                                    detail: json!({"template": name}),
                                })
                                .await?;
                        }
                        sent
                    }
                },
            },
        };
        let delivery = match result {
            Ok(receipt) => Delivery::Sent {
                message_id: item.message_id.clone(),
                channel_message_id: receipt.channel_message_id,
                at: inner.clock.now(),
            },
            Err(SendError::Deferred {
                reason,
                retry_after,
            }) => Delivery::Deferred {
                message_id: item.message_id.clone(),
                reason,
                next_attempt_at: now
                    + Duration::from_std(retry_after).unwrap_or_else(|_| Duration::seconds(1)),
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
    inner.pending.add(results);
    Ok(items.len())
}
