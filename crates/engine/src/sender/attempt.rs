//! One outbound message through its channel: the service-window check (with a template
//! fallback), the governor, the journaled attempt, the provider call, and the result.

use crate::Inner;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::sync::Arc;
use waflow_channels::{Channel, Outgoing, SendError};
use waflow_store::{new_id, Attempt, Delivery, LogEntry, OutboxItem};

/// After this many attempts a temporarily failing message is marked failed.
const MAX_ATTEMPTS: i64 = 10;

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

/// What goes to the channel, and the template sent instead of a text outside the window.
fn outgoing(
    channel: &dyn Channel,
    item: &OutboxItem,
    now: DateTime<Utc>,
) -> Result<(Outgoing, Option<(String, String)>), SendError> {
    // A text may carry a template to send instead outside the service window.
    let fallback = item
        .payload
        .as_ref()
        .and_then(|p| p.get("fallback"))
        .cloned();
    let content = item.payload.clone().filter(|_| fallback.is_none());
    let is_template = content
        .as_ref()
        .is_some_and(|c| c.get("type").and_then(Value::as_str) == Some("template"));
    let mut out = Outgoing {
        message_id: item.message_id.clone(),
        number_id: item.number_id.clone(),
        to_phone: item.to_phone.clone(),
        text: item.text.clone(),
        content,
    };
    // Templates are what WhatsApp accepts outside the window.
    let closed = if is_template {
        None
    } else {
        window_closed(channel.service_window(), item, now)
    };
    match (closed, fallback) {
        (None, _) => Ok((out, None)),
        (Some(reason), None) => Err(SendError::Permanent(reason)),
        (Some(reason), Some(template)) => {
            let name = template["name"].as_str().unwrap_or_default().to_string();
            out.content = Some(template);
            Ok((out, Some((reason, name))))
        }
    }
}

/// Sends `item`; `None` when it was not attempted (the engine is stopping, or the journal could
/// not record the attempt): it stays queued and nothing reached the provider.
pub(crate) async fn attempt(
    inner: &Arc<Inner>,
    channel: &Arc<dyn Channel>,
    item: &OutboxItem,
) -> Option<Delivery> {
    let now = inner.clock.now();
    let (out, fallback) = match outgoing(channel.as_ref(), item, now) {
        Ok(prepared) => prepared,
        Err(e) => return Some(settle(inner, item, Err(e), now).await),
    };
    let mut stop = inner.stop.subscribe();
    let admitted = tokio::select! {
        admitted = channel.admit(&out) => admitted,
        _ = stop.wait_for(|stopping| *stopping) => return None,
    };
    if let Err(e) = admitted {
        return Some(settle(inner, item, Err(e), now).await);
    }
    if *inner.stop.borrow() {
        return None;
    }
    if !channel.idempotent() {
        let attempt = Attempt {
            message_id: item.message_id.clone(),
            chosen_id: channel.chosen_id(&out),
        };
        if !inner.journal.begin(attempt).await {
            return None;
        }
    }
    let result = channel.send(&out).await;
    if let (Ok(_), Some((reason, name))) = (&result, &fallback) {
        let summary = format!(
            "message {} to {}: {reason}; sent the template {name} instead",
            item.message_id, item.to_phone
        );
        log(
            inner,
            item,
            "template_fallback",
            summary,
            json!({"template": name}),
        )
        .await;
    }
    Some(settle(inner, item, result, now).await)
}

/// The result of an attempt, logged when it is final and not a success.
async fn settle(
    inner: &Inner,
    item: &OutboxItem,
    result: Result<waflow_channels::Receipt, SendError>,
    now: DateTime<Utc>,
) -> Delivery {
    let message_id = item.message_id.clone();
    match result {
        Ok(receipt) => Delivery::Sent {
            message_id,
            channel_message_id: receipt.channel_message_id,
            at: inner.clock.now(),
        },
        Err(SendError::Deferred {
            reason,
            retry_after,
        }) => Delivery::Deferred {
            message_id,
            reason,
            next_attempt_at: now
                + Duration::from_std(retry_after).unwrap_or_else(|_| Duration::seconds(1)),
        },
        Err(SendError::Retryable(error)) if item.attempts + 1 < MAX_ATTEMPTS => {
            let backoff = Duration::seconds(2i64.pow(item.attempts.clamp(0, 9) as u32));
            Delivery::Retry {
                message_id,
                error,
                next_attempt_at: now + backoff,
            }
        }
        Err(SendError::Uncertain(e)) => {
            let reason = format!(
                "no answer from the provider ({e}): WhatsApp may or may not have received it; \
                 it is not sent again automatically — it is marked sent if WhatsApp reports it, \
                 or it can be resent"
            );
            let summary = format!("message {} to {}: {reason}", item.message_id, item.to_phone);
            log(inner, item, "uncertain", summary, json!({"error": e})).await;
            Delivery::Uncertain { message_id, reason }
        }
        Err(e) => {
            let summary = format!(
                "message {} to {} failed: {e}",
                item.message_id, item.to_phone
            );
            let detail = json!({"error": e.to_string(), "attempts": item.attempts + 1});
            log(inner, item, "failed", summary, detail).await;
            Delivery::Failed {
                message_id,
                error: e.to_string(),
            }
        }
    }
}

/// A `send` log entry about `item`; a failure to write it is logged, not fatal.
async fn log(inner: &Inner, item: &OutboxItem, outcome: &str, summary: String, detail: Value) {
    let entry = LogEntry {
        id: new_id("log"),
        workspace_id: item.workspace_id.clone(),
        created_at: inner.clock.now(),
        kind: "send".into(),
        outcome: outcome.into(),
        summary,
        number_id: Some(item.number_id.clone()),
        contact_id: None,
        message_id: Some(item.message_id.clone()),
        workflow_id: None,
        run_id: None,
        detail,
    };
    if let Err(e) = inner.store.insert_log(&entry).await {
        tracing::error!(error = %e, "writing a send log entry failed");
    }
}
