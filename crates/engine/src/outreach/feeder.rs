//! The campaign feeder: moves each sending campaign's recipients into the outbox, a window at a
//! time, so that the outbox never holds more than [`WINDOW`] of one campaign's messages and a
//! pause or a cancel has little to take back. The numbers' governors (in the channels) pace
//! what the sender takes from the outbox.
//!
//! **Invariant:** a recipient is messaged once. Its message is queued (or its run started) in
//! the transaction that moves it from `pending` ([`waflow_store::Tx::settle_recipients`]), and
//! that transaction first reads the campaign's state: a campaign paused or cancelled meanwhile
//! gets nothing more.

use crate::launch::{self, Launch};
use crate::{Error, Inner};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use waflow_domain::campaign::CampaignContent;
use waflow_store::{
    new_id, ActiveCampaign, ConversationKey, LogEntry, NewOutbound, PendingRecipient,
    RecipientOutcome, Writes,
};

/// The most messages of one campaign waiting in the outbox.
pub(crate) const WINDOW: i64 = 1000;
/// How often the feeder looks when nothing wakes it.
const TICK: Duration = Duration::from_millis(200);

/// The feeder's loop, until the engine stops.
pub(crate) async fn feeder_loop(inner: Arc<Inner>) {
    let mut stop = inner.stop.subscribe();
    loop {
        if *stop.borrow() {
            break;
        }
        let fed = match feed_all(&inner).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "feeding campaigns failed; retrying");
                0
            }
        };
        if fed > 0 {
            inner.sender_wake.notify_one();
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = inner.campaigns_wake.notified() => {}
            _ = stop.changed() => {}
        }
    }
}

/// One round over the active campaigns; how many recipients were served.
pub(crate) async fn feed_all(inner: &Inner) -> Result<usize, Error> {
    let now = inner.clock.now();
    let mut fed = 0;
    for campaign in inner.store.active_campaigns(now).await? {
        let backlog = inner.store.campaign_backlog(&campaign.id).await?;
        let room = WINDOW - backlog;
        if room <= 0 {
            continue;
        }
        let pending = inner.store.pending_recipients(&campaign.id, room).await?;
        if pending.is_empty() {
            if backlog == 0 && inner.store.complete_campaign(&campaign.id, now).await? {
                tracing::info!(campaign = %campaign.id, "campaign completed");
            }
            continue;
        }
        fed += feed(inner, &campaign, pending, now).await?;
    }
    Ok(fed)
}

/// Why a recipient gets nothing, when it is so.
fn refusal(
    inner: &Inner,
    r: &PendingRecipient,
    channel: Option<&str>,
    content: &CampaignContent,
    now: DateTime<Utc>,
) -> Option<String> {
    let Some(contact) = &r.contact else {
        return Some("the contact was deleted".into());
    };
    let Some(kind) = channel else {
        return Some("the number was deleted".into());
    };
    if contact.blocked {
        return Some("blocked: nothing is sent to blocked contacts".into());
    }
    if contact.excluded_from_automation {
        return Some("excluded: the contact is excluded from automation".into());
    }
    if r.opted_out {
        return Some("opted out: the contact opted out of marketing".into());
    }
    if content.is_free_form() {
        let window = inner.channels.get(kind).and_then(|c| c.service_window());
        if let Some(window) = window.and_then(|w| chrono::Duration::from_std(w).ok()) {
            let open = r.last_inbound_at.is_some_and(|last| now - last <= window);
            if !open {
                return Some(format!(
                    "outside the {}-hour customer service window: a free message goes only to contacts \
                     who wrote in the last {} hours; use a template to reach the others",
                    window.num_hours(),
                    window.num_hours()
                ));
            }
        }
    }
    None
}

/// Serves `pending` recipients of `campaign` in one transaction.
async fn feed(
    inner: &Inner,
    campaign: &ActiveCampaign,
    pending: Vec<PendingRecipient>,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let content = CampaignContent::parse(&campaign.content).map_err(|e| {
        waflow_store::Error::Corrupt(format!("campaign {}: {}", campaign.id, e.message))
    })?;
    let channels: HashMap<String, waflow_store::ChannelKind> = inner
        .store
        .numbers(&campaign.workspace_id)
        .await?
        .into_iter()
        .map(|n| (n.id, n.channel))
        .collect();
    let workflow = match &content {
        CampaignContent::Workflow(id) => {
            let wf = inner.store.workflow(&campaign.workspace_id, id).await?;
            let doc = inner.document(&wf.id, wf.version).await?;
            let state = inner
                .cache
                .get(inner.store.as_ref(), &campaign.workspace_id)
                .await?;
            Some((wf, doc, state))
        }
        _ => None,
    };
    let served = pending.len();
    let mut tx = inner.store.begin().await?;
    if tx.campaign_state(&campaign.id).await?.as_deref() != Some("sending") {
        return Ok(0);
    }
    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    let mut outcomes = Vec::with_capacity(served);
    let mut skipped = 0usize;
    for r in pending {
        let channel = channels.get(&r.number_id).map(|k| k.as_str());
        if let Some(reason) = refusal(inner, &r, channel, &content, now) {
            skipped += 1;
            outcomes.push(RecipientOutcome::Skipped { seq: r.seq, reason });
            continue;
        }
        let Some(mut contact) = r.contact else {
            continue;
        };
        if let Some((wf, doc, state)) = &workflow {
            let (run_id, exec) = launch::launch(
                &mut tx,
                &mut writes,
                &mut contact,
                Launch {
                    wf: wf.into(),
                    doc,
                    state,
                    number_id: &r.number_id,
                    vars: Default::default(),
                    why: format!("started by campaign {}", campaign.id),
                    extra: json!({"campaign_id": campaign.id}),
                },
                now,
            )
            .await?;
            if !exec.timers.is_empty() {
                inner.worker_wake.notify_one();
            }
            outcomes.push(RecipientOutcome::Started { seq: r.seq, run_id });
            continue;
        }
        let view = crate::executor::contact_view(&contact).template_value();
        let rendered = match content.render_for(&view) {
            Ok(Some(rendered)) => rendered,
            Ok(None) => continue,
            Err(e) => {
                skipped += 1;
                outcomes.push(RecipientOutcome::Skipped {
                    seq: r.seq,
                    reason: format!("the message could not be written for this contact: {e}"),
                });
                continue;
            }
        };
        let conversation_id = tx
            .ensure_conversation(
                &ConversationKey {
                    workspace_id: campaign.workspace_id.clone(),
                    number_id: r.number_id.clone(),
                    contact_id: contact.id.clone(),
                },
                now,
            )
            .await?;
        let message_id = new_id("msg");
        writes.outbound.push(NewOutbound {
            id: message_id.clone(),
            workspace_id: campaign.workspace_id.clone(),
            conversation_id,
            number_id: r.number_id.clone(),
            contact_id: contact.id.clone(),
            message_type: if rendered.payload.is_some() {
                "template".into()
            } else {
                "text".into()
            },
            text: rendered.text,
            payload: rendered.payload,
            sender_kind: "campaign",
            sender_ref: Some(campaign.id.clone()),
            at: now,
        });
        outcomes.push(RecipientOutcome::Queued {
            seq: r.seq,
            message_id,
        });
    }
    if skipped > 0 {
        writes.logs.push(LogEntry {
            id: new_id("log"),
            workspace_id: campaign.workspace_id.clone(),
            created_at: now,
            kind: "campaign".into(),
            outcome: "skipped".into(),
            summary: format!(
                "campaign {}: {skipped} recipients skipped (see each recipient's reason)",
                campaign.id
            ),
            number_id: None,
            contact_id: None,
            message_id: None,
            workflow_id: None,
            run_id: None,
            detail: json!({"campaign_id": campaign.id, "skipped": skipped}),
        });
    }
    tx.apply(&writes).await?;
    tx.settle_recipients(&campaign.id, &outcomes, now).await?;
    tx.commit().await?;
    Ok(served)
}
