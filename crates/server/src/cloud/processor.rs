//! The webhook processor: stored Cloud API deliveries become inbound messages (through the
//! engine, deduplicated by `wamid`) and delivery statuses on our outbound messages.
//!
//! **Invariant:** a delivery is marked processed only after everything in it was applied, or
//! refused for good with the reason stored on it; if the engine is unavailable the delivery stays
//! pending and is tried again, so nothing accepted is lost.

use super::identity;
use crate::AppState;
use chrono::DateTime;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use waflow_channels::cloud_api::{webhook, InboundMessage, StatusUpdate, WebhookEvent};
use waflow_domain::{ContactAddress, UserId};
use waflow_engine::InboundRequest;
use waflow_store::{new_id, ChannelNumber, LogEntry, StatusChange};

/// Deliveries taken per round.
const ROUND: i64 = 200;

/// Starts the processor; it runs for the life of the process.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            match process_pending(&state).await {
                Ok(n) if n as i64 == ROUND => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "webhook processing failed; retrying"),
            }
            tokio::select! {
                _ = state.cloud.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    });
}

/// Processes the pending deliveries once, together: their statuses in one transaction, their
/// messages through the engine in one batch, their completion in one transaction. Returns how
/// many were taken; an error leaves them all pending, to be tried again.
pub async fn process_pending(state: &AppState) -> Result<usize, String> {
    let pending = state
        .store
        .pending_webhook_deliveries(ROUND)
        .await
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
        download_media(state, request).await;
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
    for outcome in state.engine.inbound_many(requests).await {
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
    Ok(pending.len())
}

/// Logs a message (or status) refused alone, with its path and reason, so that the user sees
/// it in the log while its siblings are processed.
async fn refuse(
    state: &AppState,
    number: &ChannelNumber,
    delivery_id: &str,
    reason: &str,
) -> Result<(), String> {
    tracing::warn!(delivery = %delivery_id, %reason, "webhook message refused");
    let entry = LogEntry {
        id: new_id("log"),
        workspace_id: number.number.workspace_id.clone(),
        created_at: state.engine.now(),
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

/// Downloads a received media file into the data directory and notes where it is (or why it
/// could not be fetched) in the message's payload. A file already there is not fetched again.
async fn download_media(state: &AppState, request: &mut InboundRequest) {
    let Some(payload) = request.payload.as_mut().and_then(Value::as_object_mut) else {
        return;
    };
    let Some(media_id) = payload
        .get("media_id")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    // Meta's media ids are digits; anything else is not used as a file name.
    if media_id.is_empty() || !media_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        payload.insert(
            "media_error".into(),
            json!("the media id is not a plain id"),
        );
        return;
    }
    let dir = state.cloud.media_dir.join(&request.number_id);
    let path = dir.join(&media_id);
    let relative = format!("media/{}/{media_id}", request.number_id);
    if let Ok(meta) = tokio::fs::metadata(&path).await {
        payload.insert("file".into(), json!({"path": relative, "size": meta.len()}));
        return;
    }
    let fetched = state
        .cloud
        .channel
        .fetch_media(&request.number_id, &media_id)
        .await;
    match fetched {
        Ok((info, bytes)) => {
            let tmp = dir.join(format!("{media_id}.part"));
            let written = async {
                tokio::fs::create_dir_all(&dir).await?;
                tokio::fs::write(&tmp, &bytes).await?;
                tokio::fs::rename(&tmp, &path).await
            }
            .await;
            match written {
                Ok(()) => {
                    payload.insert(
                        "file".into(),
                        json!({"path": relative, "size": bytes.len(),
                               "mime_type": info.mime_type, "sha256": info.sha256}),
                    );
                }
                Err(e) => {
                    tracing::error!(error = %e, path = %path.display(), "cannot store media");
                    payload.insert(
                        "media_error".into(),
                        json!(format!("cannot store the file: {e}")),
                    );
                }
            }
        }
        Err(e) => {
            tracing::warn!(media = %media_id, error = %e, "media download failed");
            payload.insert("media_error".into(), json!(e.to_string()));
        }
    }
}

/// Sends read receipts for stored messages on numbers with `mark_read` on. Best effort, in the
/// background: a lost receipt only leaves grey ticks.
fn mark_read(
    state: &AppState,
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
    let channel = state.cloud.channel.clone();
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
    state: &AppState,
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
) -> Result<InboundRequest, String> {
    let n = &number.number;
    if n.external_id.as_deref() != Some(m.phone_number_id.as_str()) {
        return Err(format!(
            "for phone_number_id {}, not this number's; skipped",
            m.phone_number_id
        ));
    }
    let mut payload = m.payload;
    if let (Some(user_id), Value::Object(map)) = (&m.user_id, &mut payload) {
        map.insert("user_id".into(), json!(user_id));
    }
    Ok(InboundRequest {
        workspace_id: n.workspace_id.clone(),
        number_id: n.id.clone(),
        automation: n.automation,
        from,
        contact_name: m.profile_name,
        channel_message_id: m.wamid,
        message_type: m.message_type,
        text: m.text,
        payload: Some(payload),
        reply_to: m.reply_to,
        notice: m.notice,
    })
}

/// Applies statuses in one transaction, and logs what changed: a send confirmed by the
/// provider's echo of our message id (`reconciled`), and each new failure with Meta's codes. A
/// redelivered status changes nothing and logs nothing.
async fn apply_statuses(
    state: &AppState,
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
            created_at: state.engine.now(),
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

async fn insert_log(state: &AppState, entry: &LogEntry) -> Result<(), String> {
    state
        .store
        .insert_log(entry)
        .await
        .map_err(|e| e.to_string())
}
