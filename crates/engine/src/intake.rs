//! Intake: stores an inbound message and decides, in the same transaction, what it starts.
//!
//! **Invariant:** an inbound message is acknowledged only after the transaction that stores it,
//! its evaluation log, the runs it starts and their first outbound messages has committed. A
//! message id already stored for the number is answered as a duplicate and changes nothing.
//!
//! Messages are processed by a single intake task in batches (one transaction and one fsync per
//! batch); within a batch they are processed in arrival order, so one conversation is never
//! processed by two workers at once.

use crate::cache::WorkspaceState;
use crate::executor::{self, contact_view, Burst};
use crate::log::{entry, Log};
use crate::{Error, Inner};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use waflow_domain::matching::{Consideration, Inbound};
use waflow_domain::{InboundView, MessageType, PhoneNumber, WorkflowDocument};
use waflow_store::{new_id, run_state, Contact, NewInbound, Run, Tx};

/// The most messages committed in one transaction.
const MAX_BATCH: usize = 256;

/// An inbound message as a channel delivers it, already parsed.
#[derive(Debug, Clone)]
pub struct InboundRequest {
    pub workspace_id: String,
    pub number_id: String,
    /// Whether the number's `automation` module is on.
    pub automation: bool,
    pub from: PhoneNumber,
    pub contact_name: String,
    /// The provider's message id: the deduplication key.
    pub channel_message_id: String,
    pub message_type: MessageType,
    pub text: String,
}

/// What happened to an inbound message.
#[derive(Debug, Clone, Serialize)]
pub struct IntakeOutcome {
    /// The stored message; `None` for a duplicate.
    pub message_id: Option<String>,
    pub contact_id: String,
    pub conversation_id: String,
    pub duplicate: bool,
    /// `matched`, `no_match`, `resumed`, `duplicate`, `excluded`, `blocked` or `automation_off`.
    pub outcome: String,
    /// Runs started or resumed.
    pub runs: Vec<String>,
    /// Outbound messages queued in the outbox by this message.
    pub queued: Vec<String>,
    /// The log entry that explains the decision.
    pub log_id: String,
}

pub(crate) struct IntakeJob {
    pub request: InboundRequest,
    pub reply: oneshot::Sender<Result<IntakeOutcome, Error>>,
}

/// The intake task: takes jobs in batches and commits each batch once.
pub(crate) async fn intake_loop(inner: Arc<Inner>, mut rx: mpsc::Receiver<IntakeJob>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let requests: Vec<&InboundRequest> = jobs.iter().map(|j| &j.request).collect();
        let results = match process_batch(&inner, &requests).await {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
            Err(batch_error) if jobs.len() > 1 => {
                // Isolate the failure: each message on its own, so one bad message fails alone.
                tracing::warn!(error = %batch_error, size = jobs.len(), "intake batch failed; retrying one by one");
                let mut results = Vec::with_capacity(jobs.len());
                for r in &requests {
                    results.push(process_batch(&inner, &[r]).await.map(|mut v| v.remove(0)));
                }
                results
            }
            Err(e) => vec![Err(e)],
        };
        let queued_any = results.iter().any(|r| r.as_ref().is_ok_and(|o: &IntakeOutcome| !o.queued.is_empty()));
        for (job, result) in jobs.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
        if queued_any {
            inner.sender_wake.notify_one();
        }
        inner.worker_wake.notify_one();
    }
}

async fn process_batch(inner: &Inner, requests: &[&InboundRequest]) -> Result<Vec<IntakeOutcome>, Error> {
    let now = inner.clock.now();
    let mut tx = inner.store.begin().await?;
    let mut outcomes = Vec::with_capacity(requests.len());
    for request in requests {
        let state = inner.cache.get(inner.store.as_ref(), &request.workspace_id).await?;
        outcomes.push(process_one(inner, &mut tx, &state, request, now).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn process_one(
    inner: &Inner,
    tx: &mut Box<dyn Tx>,
    state: &WorkspaceState,
    req: &InboundRequest,
    now: DateTime<Utc>,
) -> Result<IntakeOutcome, Error> {
    let ws = req.workspace_id.as_str();
    let (mut contact, created) = tx.upsert_contact(ws, req.from.as_str(), &req.contact_name, now).await?;
    let conversation_id = tx.touch_conversation(ws, &req.number_id, &contact.id, now).await?;
    let message = NewInbound {
        workspace_id: ws.to_string(),
        conversation_id: conversation_id.clone(),
        number_id: req.number_id.clone(),
        contact_id: contact.id.clone(),
        message_type: req.message_type.as_str().to_string(),
        text: req.text.clone(),
        channel_message_id: req.channel_message_id.clone(),
        at: now,
    };
    let mut out = IntakeOutcome {
        message_id: None,
        contact_id: contact.id.clone(),
        conversation_id: conversation_id.clone(),
        duplicate: false,
        outcome: String::new(),
        runs: Vec::new(),
        queued: Vec::new(),
        log_id: String::new(),
    };
    let contact_id = contact.id.clone();
    let mut log = Log { workspace_id: ws, number_id: &req.number_id, contact_id: &contact_id, message_id: None, now };
    let Some(message_id) = tx.insert_inbound(&message).await? else {
        out.duplicate = true;
        out.outcome = "duplicate".into();
        let summary = format!("message {} was already received on this number; not processed again", req.channel_message_id);
        out.log_id = log.write(tx, entry("inbound", "duplicate", summary, json!({"channel_message_id": req.channel_message_id}))).await?;
        return Ok(out);
    };
    out.message_id = Some(message_id.clone());
    log.message_id = Some(&message_id);
    let base = json!({"text": req.text, "message_type": req.message_type, "from": req.from, "contact_created": created});

    let skip = if contact.blocked {
        Some(("blocked", "the contact is blocked: message stored, no workflow runs, nothing is sent"))
    } else if contact.excluded_from_automation {
        Some(("excluded", "the contact is excluded from automation: message stored, no workflow runs"))
    } else if !req.automation {
        Some(("automation_off", "the automation module is off on this number: message stored, no workflow runs"))
    } else {
        None
    };
    if let Some((outcome, summary)) = skip {
        out.outcome = outcome.into();
        out.log_id = log.write(tx, entry("inbound", outcome, summary.to_string(), base)).await?;
        return Ok(out);
    }

    let waiting = tx.waiting_run(&contact.id, &req.number_id).await?;
    let view = InboundView { message_type: req.message_type, text: req.text.clone() };
    let cview = contact_view(&contact);
    let eval = state.workflows.evaluate(&Inbound {
        number_id: &req.number_id,
        message: &view,
        contact: &cview,
        contact_is_new: created,
        has_waiting_run: waiting.is_some(),
        calendar: &state.calendar,
        now,
    });

    let mut started_names = Vec::new();
    if eval.resume_waiting_run {
        if let Some(run) = waiting {
            let (run_id, queued) = resume(inner, tx, state, run, &mut contact, req, &log, now).await?;
            out.runs.push(run_id);
            out.queued.extend(queued);
        }
    }
    for (&i, consideration) in eval.start.iter().zip(eval.considered.iter().filter(|c| c.matched)) {
        let wf = &state.workflows.workflows[i];
        started_names.push(wf.document.name.clone());
        let ctx = StartContext { workflow_id: &wf.id, version: wf.version, doc: &wf.document, consideration, conversation_id: &conversation_id };
        let (run_id, queued) = start_run(tx, state, &ctx, &mut contact, req, &log, now).await?;
        out.runs.push(run_id);
        out.queued.extend(queued);
    }

    let (outcome, summary) = if eval.resume_waiting_run {
        ("resumed", "a run waiting for this contact's reply took the message; no other workflow started".to_string())
    } else if started_names.is_empty() {
        let n = eval.considered.len() + eval.skipped.len();
        ("no_match", format!("no workflow matched ({n} considered)"))
    } else {
        ("matched", format!("started {} ({})", started_names.join(", "), eval.stage))
    };
    out.outcome = outcome.into();
    let mut detail = base;
    detail["evaluation"] = serde_json::to_value(&eval).unwrap_or(Value::Null);
    out.log_id = log.write(tx, entry("inbound", outcome, summary, detail)).await?;
    Ok(out)
}

struct StartContext<'a> {
    workflow_id: &'a str,
    version: i64,
    doc: &'a WorkflowDocument,
    consideration: &'a Consideration,
    conversation_id: &'a str,
}

async fn start_run(
    tx: &mut Box<dyn Tx>,
    state: &WorkspaceState,
    ctx: &StartContext<'_>,
    contact: &mut Contact,
    req: &InboundRequest,
    log: &Log<'_>,
    now: DateTime<Utc>,
) -> Result<(String, Vec<String>), Error> {
    let mut run = Run {
        id: new_id("run"),
        workspace_id: req.workspace_id.clone(),
        workflow_id: ctx.workflow_id.to_string(),
        workflow_version: ctx.version,
        contact_id: contact.id.clone(),
        number_id: req.number_id.clone(),
        conversation_id: ctx.conversation_id.to_string(),
        state: run_state::ACTIVE.into(),
        current_step: None,
        variables: json!({}),
        history: json!([]),
        created_at: now,
        updated_at: now,
    };
    let burst = Burst { doc: ctx.doc, calendar: &state.calendar, now, message_text: &req.text };
    let exec = executor::advance(tx, &mut run, contact, &burst, Some(0), false).await?;
    tx.insert_run(&run).await?;
    executor::write_timers(tx, &run.id, &exec).await?;
    let summary = format!("{}: run started ({}), {}", ctx.doc.name, ctx.consideration.reason, crate::log::describe(&run, &exec));
    let detail = json!({"workflow": ctx.doc.name, "version": ctx.version, "conditions": ctx.consideration.checks,
                        "steps": exec.steps, "state": run.state, "next": exec.timers.iter().map(|t| json!({"step": t.step_id, "kind": t.kind, "due_at": t.due_at})).collect::<Vec<_>>()});
    let outcome = if exec.error.is_some() { "failed" } else { "started" };
    log.write_run(tx, &run, entry("run", outcome, summary, detail)).await?;
    Ok((run.id, exec.sent))
}

#[allow(clippy::too_many_arguments)]
async fn resume(
    inner: &Inner,
    tx: &mut Box<dyn Tx>,
    state: &WorkspaceState,
    mut run: Run,
    contact: &mut Contact,
    req: &InboundRequest,
    log: &Log<'_>,
    now: DateTime<Utc>,
) -> Result<(String, Vec<String>), Error> {
    let doc = inner.document(tx, &run.workflow_id, run.workflow_version).await?;
    let index = run.current_step.as_deref().and_then(|id| doc.step_index(id));
    tx.delete_due_steps(&run.id).await?;
    if let Value::Object(vars) = &mut run.variables {
        vars.insert("last_reply".into(), json!(req.text));
    }
    let next = index.and_then(|i| doc.next_after(i));
    let burst = Burst { doc: &doc, calendar: &state.calendar, now, message_text: &req.text };
    let exec = executor::advance(tx, &mut run, contact, &burst, next, false).await?;
    tx.update_run(&run).await?;
    executor::write_timers(tx, &run.id, &exec).await?;
    let summary = format!("{}: the contact replied; run resumed, {}", doc.name, crate::log::describe(&run, &exec));
    let detail = json!({"workflow": doc.name, "version": run.workflow_version, "reply": req.text, "steps": exec.steps, "state": run.state});
    log.write_run(tx, &run, entry("run", "resumed", summary, detail)).await?;
    Ok((run.id, exec.sent))
}
