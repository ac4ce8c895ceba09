//! The opt-out's answer in the intake: a stop word that no workflow of the business answers
//! queues the workspace's confirmation and ends the message's processing (the stop word itself
//! and the contact's `opted_out_at` are decided in `intake::decide`, with `domain::campaign::OptOut`).

use crate::cache::WorkspaceState;
use crate::intake::IntakeOutcome;
use crate::log::{entry, Log};
use chrono::{DateTime, Utc};
use serde_json::Value;
use waflow_domain::InboundEvent;
use waflow_store::Writes;

/// A stop word no workflow of the business answers by its exact phrase: the workspace's
/// confirmation is queued (unless blocked or worded empty), and no workflow runs for this message
/// (the opt-out itself is already in `writes`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn confirm(
    writes: &mut Writes,
    state: &WorkspaceState,
    out: &mut IntakeOutcome,
    log: &Log<'_>,
    req: &InboundEvent,
    contact: &waflow_store::Contact,
    conversation_id: &str,
    detail: Value,
    now: DateTime<Utc>,
) {
    let reply = &state.opt_out.reply;
    let mut summary = format!(
        "\"{}\" is a stop word: the contact is opted out of marketing (campaigns skip them; \
         conversations and workflows go on); no workflow runs for this message",
        req.content.text.trim()
    );
    if !reply.is_empty() && !contact.blocked {
        let id = waflow_store::new_id("msg");
        writes.outbound.push(waflow_store::NewOutbound {
            id: id.clone(),
            workspace_id: req.workspace_id.clone(),
            conversation_id: conversation_id.to_string(),
            number_id: req.number_id.clone(),
            contact_id: contact.id.clone(),
            message_type: "text".into(),
            text: reply.clone(),
            payload: None,
            sender_kind: "system",
            sender_ref: Some("opt_out".into()),
            at: now,
        });
        out.queued.push(id);
        summary.push_str("; the confirmation is queued");
    }
    out.outcome = "opted_out".into();
    out.log_id = log.write(writes, entry("inbound", "opted_out", summary, detail));
}
