//! The scheduler: a pending scheduled message becomes a queued outbound message when due.
//!
//! **Invariant:** fires once. The row is claimed (`pending` → `queued`, with its message id) in
//! the transaction that queues the message; a crash before the commit leaves it pending (fired
//! at the next start), after it the message is the sender's, with its own exactly-once rules.
//! The loop sleeps until the next due time (at most [`MAX_SLEEP`]) and is woken when a message
//! is scheduled or changed, so a message goes within milliseconds of its time.

use crate::{Error, Inner};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use waflow_store::{new_id, ContactKey, ConversationKey, LogEntry, NewOutbound, Scheduled, Writes};

/// Due messages queued per transaction.
const BATCH: i64 = 500;
/// The longest the scheduler sleeps without looking (a clock change, another node's rows).
const MAX_SLEEP: Duration = Duration::from_secs(1);

/// The scheduler's loop, until the engine stops.
pub(crate) async fn scheduler_loop(inner: Arc<Inner>) {
    let mut stop = inner.stop.subscribe();
    loop {
        if *stop.borrow() {
            break;
        }
        let fired = match fire_due(&inner).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "firing scheduled messages failed; retrying in 1 s");
                tokio::select! {
                    _ = tokio::time::sleep(MAX_SLEEP) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
        };
        if fired as i64 == BATCH {
            continue;
        }
        let wait = match inner.store.next_scheduled_at().await {
            Ok(Some(next)) => (next - inner.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_SLEEP),
            _ => MAX_SLEEP,
        };
        if wait.is_zero() {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = inner.scheduled_wake.notified() => {}
            _ = stop.changed() => {}
        }
    }
}

/// Queues the messages due now (one batch, one transaction); how many were due.
pub(crate) async fn fire_due(inner: &Inner) -> Result<usize, Error> {
    let now = inner.clock.now();
    let due = inner.store.due_scheduled(now, BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let numbers = number_map(inner, &due).await?;
    let keys: Vec<ContactKey> = due
        .iter()
        .map(|s| ContactKey {
            workspace_id: s.workspace_id.clone(),
            phone: s.phone.clone(),
            name: String::new(),
        })
        .collect();
    let mut tx = inner.store.begin().await?;
    let contacts = tx.upsert_contacts(&keys, now).await?;
    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    for (s, (contact, _)) in due.iter().zip(contacts) {
        let refusal = if !numbers.contains_key(&(s.workspace_id.clone(), s.number_id.clone())) {
            Some("the number was deleted before the message was due".to_string())
        } else if contact.blocked {
            Some(format!(
                "contact {} is blocked; nothing is sent to blocked contacts",
                contact.phone
            ))
        } else {
            None
        };
        if let Some(reason) = refusal {
            tx.fail_scheduled(&s.id, &reason, now).await?;
            writes
                .logs
                .push(log(s, &contact.id, None, "failed", reason, now));
            continue;
        }
        let conversation_id = tx
            .ensure_conversation(
                &ConversationKey {
                    workspace_id: s.workspace_id.clone(),
                    number_id: s.number_id.clone(),
                    contact_id: contact.id.clone(),
                },
                now,
            )
            .await?;
        let message_id = new_id("msg");
        if !tx
            .claim_scheduled(&s.id, &contact.id, &message_id, now)
            .await?
        {
            continue;
        }
        let payload = match (&s.content, &s.fallback) {
            (Some(content), _) => Some(content.clone()),
            (None, Some(fallback)) => Some(json!({ "fallback": fallback })),
            (None, None) => None,
        };
        writes.outbound.push(NewOutbound {
            id: message_id.clone(),
            workspace_id: s.workspace_id.clone(),
            conversation_id,
            number_id: s.number_id.clone(),
            contact_id: contact.id.clone(),
            message_type: s.message_type.clone(),
            text: s.text.clone(),
            payload,
            sender_kind: "scheduled",
            sender_ref: Some(s.id.clone()),
            at: now,
        });
        let late = (now - s.due_at).num_milliseconds().max(0);
        let summary = format!(
            "scheduled message {} for {} {} queued as message {message_id} ({late} ms after its time)",
            s.id, s.at, s.time_zone
        );
        writes.logs.push(log(
            s,
            &contact.id,
            Some(&message_id),
            "queued",
            summary,
            now,
        ));
    }
    tx.apply(&writes).await?;
    tx.commit().await?;
    inner.sender_wake.notify_one();
    Ok(due.len())
}

/// The (workspace, number) pairs that still exist among the due messages' numbers.
async fn number_map(
    inner: &Inner,
    due: &[Scheduled],
) -> Result<HashMap<(String, String), ()>, Error> {
    let mut out = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for s in due {
        if seen.insert(s.workspace_id.clone()) {
            for n in inner.store.numbers(&s.workspace_id).await? {
                out.insert((s.workspace_id.clone(), n.id), ());
            }
        }
    }
    Ok(out)
}

fn log(
    s: &Scheduled,
    contact_id: &str,
    message_id: Option<&str>,
    outcome: &str,
    summary: String,
    now: DateTime<Utc>,
) -> LogEntry {
    LogEntry {
        id: new_id("log"),
        workspace_id: s.workspace_id.clone(),
        created_at: now,
        kind: "scheduled".into(),
        outcome: outcome.into(),
        summary,
        number_id: Some(s.number_id.clone()),
        contact_id: Some(contact_id.to_string()),
        message_id: message_id.map(str::to_string),
        workflow_id: None,
        run_id: None,
        detail: json!({"scheduled_id": s.id, "due_at": s.due_at, "at": s.at, "time_zone": s.time_zone}),
    }
}
