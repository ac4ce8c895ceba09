//! The webhook processor: stored Cloud API deliveries become inbound messages (through the
//! engine, deduplicated by `wamid`) and delivery statuses on our outbound messages.
//!
//! **Invariants:** a delivery is marked processed only after everything in it was applied, or
//! refused for good with the reason stored on it; if the engine is unavailable the delivery stays
//! pending and is tried again, so nothing accepted is lost. Where several nodes share the
//! database, a node processes the deliveries it stored, and any node those another node left
//! unprocessed for [`ORPHANED_AFTER`] (it stopped).

use super::{identity, media, Shared};
use crate::cloud_api::{webhook, InboundMessage, StatusUpdate, WebhookEvent};
use chrono::DateTime;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use waflow_domain::{ContactAddress, InboundEvent, UserId};
use waflow_store::{new_id, ChannelNumber, LogEntry, StatusChange};

/// Deliveries taken per round.
const ROUND: i64 = 200;
/// Where several nodes share the database, a delivery another node stored and left unprocessed
/// this long (that node stopped) is processed by any node.
const ORPHANED_AFTER: chrono::Duration = chrono::Duration::seconds(30);

/// Starts the processor; it runs for the life of the process.
pub(super) fn spawn(shared: Arc<Shared>) {
    tokio::spawn(async move {
        loop {
            match process_pending(&shared).await {
                Ok(n) if n as i64 == ROUND => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "webhook processing failed; retrying"),
            }
            tokio::select! {
                _ = shared.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    });
}

/// Processes the pending deliveries once, together: their statuses in one transaction, their
/// messages through the engine in one batch, their completion in one transaction. Returns how
/// many were taken; an error leaves them all pending, to be tried again.
pub(super) async fn process_pending(state: &Shared) -> Result<usize, String> {
    let pending = if state.store.several_nodes() {
        let mine = state.own.ids();
        let orphaned = chrono::Utc::now() - ORPHANED_AFTER;
        state
            .store
            .pending_webhook_deliveries_among(ROUND, &mine, orphaned)
            .await
    } else {
        state.store.pending_webhook_deliveries(ROUND).await
    }
    .map_err(|e| e.to_string())?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut numbers: HashMap<String, Option<ChannelNumber>> = HashMap::new();
    let mut problems: Vec<Vec<String>> = vec![Vec::new(); pending.len()];
    let mut requests = Vec::new();
    let mut statuses: Vec<(StatusChange, StatusUpdate)> = Vec::new();
    // Messages that carry a business-scoped user id: (index in `requests`, user id).
    let mut links: Vec<(usize, UserId)> = Vec::new();
    for (k, delivery) in pending.iter().enumerate() {
        let parsed = match webhook::parse(delivery.body.as_bytes()) {
            Ok(parsed) => parsed,
            Err(e) => {
                problems[k].push(e.to_string());
                continue;
            }
        };
        let Some(number) = number_of(state, &mut numbers, &delivery.number_id).await? else {
            problems[k].push("the number was deleted".into());
            continue;
        };
        // One bad message is refused alone; its siblings go on.
        for refused in &parsed.refused {
            refuse(state, &number, &delivery.id, &refused.to_string()).await?;
            problems[k].push(refused.to_string());
        }
        for event in parsed.events {
            match event {
                WebhookEvent::Message(m) => {
                    let user_id = m.user_id.clone();
                    let wamid = m.wamid.clone();
                    let request = match identity::address_of(state, &number, &m).await? {
                        Ok(from) => inbound_request(&number, from, m),
                        Err(problem) => Err(problem),
                    };
                    match request {
                        Ok(r) => {
                            if let Some(uid) = user_id {
                                links.push((requests.len(), uid));
                            }
                            requests.push(r);
                        }
                        Err(p) => {
                            let p = format!("message {wamid}: {p}");
                            refuse(state, &number, &delivery.id, &p).await?;
                            problems[k].push(p);
                        }
                    }
                }
                WebhookEvent::Status(s) => statuses.push((
                    StatusChange {
                        number_id: number.number.id.clone(),
                        channel_message_id: s.wamid.clone(),
                        status: s.status.clone(),
                        error: s
                            .errors
                            .first()
                            .map(|e| format!("{} {}: {}", e.code, e.title, e.message)),
                        // waflow sends its message id as the callback data; anything else is
                        // someone else's and names no message of ours.
                        callback_message_id: s
                            .callback_data
                            .clone()
                            .filter(|d| d.starts_with("msg_")),
                        at: DateTime::from_timestamp(s.timestamp, 0),
                    },
                    s,
                )),
            }
        }
    }
    if !statuses.is_empty() {
        apply_statuses(state, &statuses).await?;
    }
    for request in &mut requests {
        media::download(state, request).await;
    }
    let read_receipts: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.number_id.clone(), r.channel_message_id.clone()))
        .collect();
    let senders: Vec<(String, String, ContactAddress)> = requests
        .iter()
        .map(|r| (r.workspace_id.clone(), r.number_id.clone(), r.from.clone()))
        .collect();
    let mut contacts = Vec::with_capacity(requests.len());
    for outcome in state.inbox.receive(requests).await {
        // Stored messages are deduplicated, so a retry re-applies only what is missing.
        contacts.push(outcome.map_err(|e| e.to_string())?.contact_id);
    }
    mark_read(state, &numbers, &read_receipts);
    for (i, uid) in links {
        let (workspace_id, number_id, from) = &senders[i];
        identity::link_user_id(state, workspace_id, number_id, &contacts[i], from, &uid).await?;
    }
    let done: Vec<(String, Option<String>)> = pending
        .iter()
        .zip(problems)
        .map(|(d, p)| {
            let error = (!p.is_empty()).then(|| p.join("; "));
            if let Some(e) = &error {
                tracing::warn!(delivery = %d.id, error = %e, "webhook delivery partly refused");
            }
            (d.id.clone(), error)
        })
        .collect();
    state
        .store
        .finish_webhook_deliveries(&done)
        .await
        .map_err(|e| e.to_string())?;
    state.own.processed(pending.iter().map(|d| d.id.as_str()));
    Ok(pending.len())
}

/// Logs a message (or status) refused alone, with its path and reason, so that the user sees
/// it in the log while its siblings are processed.
async fn refuse(
    state: &Shared,
    number: &ChannelNumber,
    delivery_id: &str,
    reason: &str,
) -> Result<(), String> {
    tracing::warn!(delivery = %delivery_id, %reason, "webhook message refused");
    let entry = LogEntry {
        id: new_id("log"),
        workspace_id: number.number.workspace_id.clone(),
        created_at: state.inbox.now(),
        kind: "inbound".into(),
        outcome: "refused".into(),
        summary: format!("a message of webhook delivery {delivery_id} was refused: {reason}"),
        number_id: Some(number.number.id.clone()),
        contact_id: None,
        message_id: None,
        workflow_id: None,
        run_id: None,
        detail: json!({"delivery": delivery_id, "reason": reason}),
    };
    state
        .store
        .insert_log(&entry)
        .await
        .map_err(|e| e.to_string())
}

/// Sends read receipts for stored messages on numbers with `mark_read` on. Best effort, in the
/// background: a lost receipt only leaves grey ticks.
fn mark_read(
    state: &Shared,
    numbers: &HashMap<String, Option<ChannelNumber>>,
    messages: &[(String, String)],
) {
    let wanted: Vec<(String, String)> = messages
        .iter()
        .filter(|(number_id, _)| {
            numbers
                .get(number_id)
                .and_then(Option::as_ref)
                .is_some_and(|n| n.number.settings.get("mark_read") == Some(&json!(true)))
        })
        .cloned()
        .collect();
    if wanted.is_empty() {
        return;
    }
    let channel = state.channel.clone();
    tokio::spawn(async move {
        for (number_id, wamid) in wanted {
            if let Err(e) = channel.mark_read(&number_id, &wamid).await {
                tracing::warn!(%wamid, error = %e, "read receipt not sent");
            }
        }
    });
}

/// The number a delivery arrived on, read once per round; `None` if it was deleted.
async fn number_of(
    state: &Shared,
    cache: &mut HashMap<String, Option<ChannelNumber>>,
    id: &str,
) -> Result<Option<ChannelNumber>, String> {
    if let Some(n) = cache.get(id) {
        return Ok(n.clone());
    }
    let n = match state.store.channel_number(id).await {
        Ok(n) => Some(n),
        Err(waflow_store::Error::NotFound { .. }) => None,
        Err(e) => return Err(e.to_string()),
    };
    cache.insert(id.to_string(), n.clone());
    Ok(n)
}

fn inbound_request(
    number: &ChannelNumber,
    from: ContactAddress,
    m: InboundMessage,
) -> Result<InboundEvent, String> {
    let n = &number.number;
    if n.external_id.as_deref() != Some(m.phone_number_id.as_str()) {
        return Err(format!(
            "for phone_number_id {}, not this number's; skipped",
            m.phone_number_id
        ));
    }
    Ok(InboundEvent {
        workspace_id: n.workspace_id.clone(),
        number_id: n.id.clone(),
        automation: n.automation,
        from,
        user_id: m.user_id.clone(),
        contact_name: m.profile_name.clone(),
        channel_message_id: m.wamid.clone(),
        reply_to: m.reply_to.clone(),
        notice: m.notice.clone(),
        content: m.content(),
    })
}

/// Applies statuses in one transaction, and logs what changed: a send confirmed by the
/// provider's echo of our message id (`reconciled`), and each new failure with Meta's codes. A
/// redelivered status changes nothing and logs nothing.
async fn apply_statuses(
    state: &Shared,
    statuses: &[(StatusChange, StatusUpdate)],
) -> Result<(), String> {
    let changes: Vec<StatusChange> = statuses.iter().map(|(c, _)| c.clone()).collect();
    let applied = state
        .store
        .apply_message_statuses(&changes)
        .await
        .map_err(|e| e.to_string())?;
    for ((change, s), applied) in statuses.iter().zip(applied) {
        let Some(applied) = applied else {
            continue;
        };
        let message = &applied.message;
        let entry = |outcome: &str, summary: String, detail: Value| LogEntry {
            id: new_id("log"),
            workspace_id: message.workspace_id.clone(),
            created_at: state.inbox.now(),
            kind: "send".into(),
            outcome: outcome.into(),
            summary,
            number_id: Some(change.number_id.clone()),
            contact_id: Some(message.contact_id.clone()),
            message_id: Some(message.id.clone()),
            workflow_id: None,
            run_id: None,
            detail,
        };
        if applied.reconciled {
            let summary = format!(
                "WhatsApp confirmed message {} (its send result was unknown): recorded as sent \
                 with id {}",
                message.id, s.wamid
            );
            let detail =
                json!({"wamid": s.wamid, "status": s.status, "callback_data": s.callback_data});
            insert_log(state, &entry("reconciled", summary, detail)).await?;
        }
        if applied.changed && s.status == "failed" {
            let codes: Vec<i64> = s.errors.iter().map(|e| e.code).collect();
            let summary = format!(
                "WhatsApp could not deliver message {}: {}",
                message.id,
                change.error.as_deref().unwrap_or("no reason given")
            );
            let detail = json!({"wamid": s.wamid, "errors": s.errors, "codes": codes});
            insert_log(state, &entry("failed", summary, detail)).await?;
        }
    }
    Ok(())
}

async fn insert_log(state: &Shared, entry: &LogEntry) -> Result<(), String> {
    state
        .store
        .insert_log(entry)
        .await
        .map_err(|e| e.to_string())
}
