//! The webhook processor: stored Cloud API deliveries become inbound messages (through the
//! engine, deduplicated by `wamid`) and delivery statuses on our outbound messages.
//!
//! **Invariant:** a delivery is marked processed only after everything in it was applied, or
//! refused for good with the reason stored on it; if the engine is unavailable the delivery stays
//! pending and is tried again, so nothing accepted is lost.

use crate::AppState;
use serde_json::{json, Value};
use std::time::Duration;
use waflow_channels::cloud_api::{webhook, InboundMessage, StatusUpdate, WebhookEvent};
use waflow_domain::PhoneNumber;
use waflow_engine::InboundRequest;
use waflow_store::{new_id, ChannelNumber, LogEntry, WebhookDelivery};

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

/// Processes the pending deliveries once; returns how many were taken.
pub async fn process_pending(state: &AppState) -> Result<usize, waflow_store::Error> {
    let pending = state.store.pending_webhook_deliveries(ROUND).await?;
    for delivery in &pending {
        match process(state, delivery).await {
            Outcome::Done(problems) => {
                let error = (!problems.is_empty()).then(|| problems.join("; "));
                if let Some(e) = &error {
                    tracing::warn!(delivery = %delivery.id, error = %e, "webhook delivery partly refused");
                }
                state
                    .store
                    .finish_webhook_delivery(&delivery.id, error.as_deref())
                    .await?;
            }
            Outcome::Retry(reason) => {
                tracing::warn!(delivery = %delivery.id, %reason, "webhook delivery will be retried");
                return Ok(0);
            }
        }
    }
    Ok(pending.len())
}

enum Outcome {
    /// Applied; with what was refused for good, if anything.
    Done(Vec<String>),
    /// Not applied now; try again.
    Retry(String),
}

async fn process(state: &AppState, delivery: &WebhookDelivery) -> Outcome {
    let events = match webhook::parse(delivery.body.as_bytes()) {
        Ok(events) => events,
        Err(e) => return Outcome::Done(vec![e.to_string()]),
    };
    let number = match state.store.channel_number(&delivery.number_id).await {
        Ok(n) => n,
        Err(waflow_store::Error::NotFound { .. }) => {
            return Outcome::Done(vec!["the number was deleted".into()])
        }
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let mut problems = Vec::new();
    let mut requests = Vec::new();
    for event in events {
        match event {
            WebhookEvent::Message(m) => match inbound_request(&number, m) {
                Ok(r) => requests.push(r),
                Err(p) => problems.push(p),
            },
            WebhookEvent::Status(s) => {
                if let Err(e) = apply_status(state, &number, &s).await {
                    return Outcome::Retry(e.to_string());
                }
            }
        }
    }
    for outcome in state.engine.inbound_many(requests).await {
        if let Err(e) = outcome {
            // Stored messages are deduplicated, so a retry re-applies only what is missing.
            return Outcome::Retry(e.to_string());
        }
    }
    Outcome::Done(problems)
}

fn inbound_request(number: &ChannelNumber, m: InboundMessage) -> Result<InboundRequest, String> {
    let n = &number.number;
    if n.external_id.as_deref() != Some(m.phone_number_id.as_str()) {
        return Err(format!(
            "message {} is for phone_number_id {}, not this number's; skipped",
            m.wamid, m.phone_number_id
        ));
    }
    let from = match &m.from {
        Some(digits) => {
            PhoneNumber::parse(digits).map_err(|e| format!("message {}: from: {e}", m.wamid))?
        }
        None => {
            return Err(format!(
                "message {} comes from business-scoped user id {} without a phone number; \
                 such contacts are not supported yet",
                m.wamid,
                m.user_id.as_deref().unwrap_or("?")
            ))
        }
    };
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
    })
}

async fn apply_status(
    state: &AppState,
    number: &ChannelNumber,
    s: &StatusUpdate,
) -> Result<(), waflow_store::Error> {
    let error = s
        .errors
        .first()
        .map(|e| format!("{} {}: {}", e.code, e.title, e.message));
    let message = state
        .store
        .apply_message_status(&number.number.id, &s.wamid, &s.status, error.as_deref())
        .await?;
    if let (Some(message), "failed") = (message, s.status.as_str()) {
        let codes: Vec<i64> = s.errors.iter().map(|e| e.code).collect();
        let entry = LogEntry {
            id: new_id("log"),
            workspace_id: message.workspace_id.clone(),
            created_at: state.engine.now(),
            kind: "send".into(),
            outcome: "failed".into(),
            summary: format!(
                "WhatsApp could not deliver message {}: {}",
                message.id,
                error.as_deref().unwrap_or("no reason given")
            ),
            number_id: Some(number.number.id.clone()),
            contact_id: Some(message.contact_id.clone()),
            message_id: Some(message.id.clone()),
            workflow_id: None,
            run_id: None,
            detail: json!({"wamid": s.wamid, "errors": s.errors, "codes": codes}),
        };
        state.store.insert_log(&entry).await?;
    }
    Ok(())
}
