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
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use waflow_domain::matching::Inbound;
use waflow_domain::{InboundEvent, InboundView, WorkflowDocument};
use waflow_store::{
    Contact, ContactKey, ConversationKey, NewInbound, NoticeWrite, Run, Tx, Writes,
};

/// The most messages committed in one transaction.
const MAX_BATCH: usize = 256;

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
    pub request: InboundEvent,
    pub reply: oneshot::Sender<Result<IntakeOutcome, Error>>,
    /// A test-chat message of a draft: decided with this state instead of the workspace's live
    /// workflows, in a batch of its own.
    pub test: Option<Arc<WorkspaceState>>,
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
        let tests: Vec<IntakeJob>;
        (tests, jobs) = jobs.into_iter().partition(|j| j.test.is_some());
        crate::test_chat::decide(&inner, tests).await;
        if jobs.is_empty() {
            continue;
        }
        let requests: Vec<&InboundEvent> = jobs.iter().map(|j| &j.request).collect();
        let results = match process_batch(&inner, &requests, None).await {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
            Err(batch_error) if jobs.len() > 1 => {
                // Isolate the failure: each message on its own, so one bad message fails alone.
                tracing::warn!(error = %batch_error, size = jobs.len(), "intake batch failed; retrying one by one");
                let mut results = Vec::with_capacity(jobs.len());
                for r in &requests {
                    results.push(
                        process_batch(&inner, &[r], None)
                            .await
                            .map(|mut v| v.remove(0)),
                    );
                }
                results
            }
            Err(e) => vec![Err(e)],
        };
        let queued_any = results.iter().any(|r| {
            r.as_ref()
                .is_ok_and(|o: &IntakeOutcome| !o.queued.is_empty())
        });
        for (job, result) in jobs.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
        if queued_any {
            inner.sender_wake.notify_one();
        }
        // Wake the timer worker only when a batch scheduled something: claiming takes the write
        // connection, which the next batch is waiting for.
        if inner.timers_added.swap(false, Ordering::Relaxed) {
            inner.worker_wake.notify_one();
        }
        if inner.events_added.swap(false, Ordering::Relaxed) {
            inner.events_wake.notify_one();
        }
    }
}

pub(crate) async fn process_batch(
    inner: &Inner,
    requests: &[&InboundEvent],
    test: Option<&Arc<WorkspaceState>>,
) -> Result<Vec<IntakeOutcome>, Error> {
    let now = inner.clock.now();
    // Workspace state may have to be loaded (and its workflow set stored) through the write
    // connection, so it is fetched before the transaction takes that connection.
    let mut states: HashMap<&str, Arc<WorkspaceState>> = HashMap::new();
    for r in requests {
        if let Some(state) = test {
            states.insert(&r.workspace_id, state.clone());
        } else if !states.contains_key(r.workspace_id.as_str()) {
            states.insert(
                &r.workspace_id,
                inner
                    .cache
                    .get(inner.store.as_ref(), &r.workspace_id)
                    .await?,
            );
        }
    }
    let mut tx = inner.store.begin().await?;
    let mut outcomes = Vec::with_capacity(requests.len());
    let mut start = 0;
    while start < requests.len() {
        // A sub-batch holds each contact at most once, so that every message of a contact sees the
        // effects of the one before it (they are written before the next sub-batch reads). A
        // changed-number notice ends its sub-batch: a message from the new number after it must
        // find the moved contact, not create another.
        let mut seen = HashSet::new();
        let mut end = start;
        while end < requests.len()
            && seen.insert((&requests[end].workspace_id, requests[end].from.as_str()))
        {
            end += 1;
            if matches!(
                requests[end - 1].notice,
                Some(waflow_domain::Notice::NumberChanged { .. })
            ) {
                break;
            }
        }
        outcomes
            .extend(process_sub_batch(inner, &mut tx, &states, &requests[start..end], now).await?);
        start = end;
    }
    // Delivery results waiting to be recorded, and counters every ten seconds, ride along in this
    // transaction: one commit for all.
    let deliveries = inner.pending.take();
    let counters = inner.counters.take(false);
    if !deliveries.is_empty() || !counters.is_empty() {
        let writes = Writes {
            deliveries,
            counters,
            ..Default::default()
        };
        let applied = tx.apply(&writes).await;
        let committed = match applied {
            Ok(()) => tx.commit().await,
            Err(e) => Err(e),
        };
        return match committed {
            Ok(()) => {
                inner.pending.recorded(&writes.deliveries);
                Ok(outcomes)
            }
            Err(e) => {
                inner.pending.restore(writes.deliveries);
                inner.counters.restore(writes.counters);
                Err(e.into())
            }
        };
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Stores and evaluates messages of distinct contacts with a fixed number of statements.
async fn process_sub_batch(
    inner: &Inner,
    tx: &mut Box<dyn Tx>,
    states: &HashMap<&str, Arc<WorkspaceState>>,
    reqs: &[&InboundEvent],
    now: DateTime<Utc>,
) -> Result<Vec<IntakeOutcome>, Error> {
    let keys: Vec<ContactKey> = reqs
        .iter()
        .map(|r| ContactKey {
            workspace_id: r.workspace_id.clone(),
            phone: r.from.as_str().to_string(),
            name: r.contact_name.clone(),
        })
        .collect();
    let contacts = tx.upsert_contacts(&keys, now).await?;
    let conversation_keys: Vec<ConversationKey> = reqs
        .iter()
        .zip(&contacts)
        .map(|(r, (c, _))| ConversationKey {
            workspace_id: r.workspace_id.clone(),
            number_id: r.number_id.clone(),
            contact_id: c.id.clone(),
        })
        .collect();
    let conversations = tx.touch_conversations(&conversation_keys, now).await?;
    let inbound: Vec<NewInbound> = reqs
        .iter()
        .zip(&contacts)
        .zip(&conversations)
        .map(|((r, (c, _)), conv)| NewInbound {
            workspace_id: r.workspace_id.clone(),
            conversation_id: conv.clone(),
            number_id: r.number_id.clone(),
            contact_id: c.id.clone(),
            message_type: r.content.kind.as_str().to_string(),
            text: r.content.text.clone(),
            channel_message_id: r.channel_message_id.clone(),
            payload: r.content.stored_payload(r.user_id.as_ref()),
            reply_to: r.reply_to.clone(),
            at: now,
        })
        .collect();
    let message_ids = tx.insert_inbound(&inbound).await?;
    // Notices act on what is stored only when they are new: a redelivery changes nothing.
    let mut notice_effects: Vec<Option<String>> = vec![None; reqs.len()];
    for (i, ((r, (c, _)), id)) in reqs.iter().zip(&contacts).zip(&message_ids).enumerate() {
        if let (Some(notice), Some(message_id)) = (&r.notice, id) {
            let write = NoticeWrite {
                workspace_id: r.workspace_id.clone(),
                number_id: r.number_id.clone(),
                contact_id: c.id.clone(),
                message_id: message_id.clone(),
                at: now,
                notice: notice.clone(),
            };
            notice_effects[i] = Some(tx.apply_notice(&write).await?);
        }
    }
    let live: Vec<String> = contacts
        .iter()
        .zip(&message_ids)
        .filter(|((c, _), id)| id.is_some() && !c.blocked && !c.excluded_from_automation)
        .map(|((c, _), _)| c.id.clone())
        .collect();
    let mut waiting: Vec<Run> = if live.is_empty() {
        Vec::new()
    } else {
        tx.waiting_runs(&live).await?
    };

    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    let mut outcomes = Vec::with_capacity(reqs.len());
    for ((((req, (contact, created)), conversation_id), message_id), notice_effect) in reqs
        .iter()
        .zip(contacts)
        .zip(conversations)
        .zip(message_ids)
        .zip(notice_effects)
    {
        let state = states
            .get(req.workspace_id.as_str())
            .ok_or_else(|| Error::Unavailable("workspace state missing".into()))?;
        let position = waiting.iter().position(|r| {
            r.contact_id == contact.id
                && r.number_id == req.number_id
                && state
                    .only_workflow
                    .as_ref()
                    .is_none_or(|w| *w == r.workflow_id)
        });
        let waiting_run = position.map(|i| waiting.remove(i));
        // Counted only for workspaces whose conditions look at the conversation.
        let stats = match &message_id {
            Some(id) if state.workflows.needs_conversation() => {
                Some(tx.conversation_stats(&conversation_id, id).await?)
            }
            _ => None,
        };
        let message = Received {
            stats,
            req,
            contact,
            created,
            conversation_id,
            message_id,
            waiting_run,
            notice_effect,
        };
        outcomes.push(decide(inner, &mut writes, state, message, now).await?);
    }
    if !writes.timers.is_empty() {
        inner.timers_added.store(true, Ordering::Relaxed);
    }
    if writes.has_events() {
        inner.events_added.store(true, Ordering::Relaxed);
    }
    // Counters are written at most every ten seconds (see `counters`).
    inner.counters.add(std::mem::take(&mut writes.counters));
    tx.apply(&writes).await?;
    Ok(outcomes)
}

/// An inbound message after it was stored.
struct Received<'a> {
    req: &'a InboundEvent,
    contact: Contact,
    created: bool,
    conversation_id: String,
    /// `None` when the message was a duplicate.
    message_id: Option<String>,
    waiting_run: Option<Run>,
    /// The conversation's counts, when a condition needs them.
    stats: Option<waflow_domain::ConversationStats>,
    /// What the message's notice did to stored messages or the contact, in words.
    notice_effect: Option<String>,
}

/// Decides what a stored message does (SPEC §6) and buffers the effects in `writes`.
async fn decide(
    inner: &Inner,
    writes: &mut Writes,
    state: &WorkspaceState,
    m: Received<'_>,
    now: DateTime<Utc>,
) -> Result<IntakeOutcome, Error> {
    let Received {
        req,
        mut contact,
        created,
        conversation_id,
        message_id,
        waiting_run,
        stats,
        notice_effect,
    } = m;
    let contact_id = contact.id.clone();
    let mut out = IntakeOutcome {
        message_id: message_id.clone(),
        contact_id: contact_id.clone(),
        conversation_id: conversation_id.clone(),
        duplicate: message_id.is_none(),
        outcome: String::new(),
        runs: Vec::new(),
        queued: Vec::new(),
        log_id: String::new(),
    };
    let log = Log {
        workspace_id: &req.workspace_id,
        number_id: &req.number_id,
        contact_id: &contact_id,
        message_id: message_id.as_deref(),
        now,
    };
    if message_id.is_none() {
        out.outcome = "duplicate".into();
        let summary = format!(
            "message {} was already received on this number; not processed again",
            req.channel_message_id
        );
        out.log_id = log.write(
            writes,
            entry(
                "inbound",
                "duplicate",
                summary,
                json!({"channel_message_id": req.channel_message_id}),
            ),
        );
        return Ok(out);
    }
    let mut base = json!({"text": req.content.text, "message_type": req.content.kind, "from": req.from, "contact_created": created});
    if let Some(effect) = &notice_effect {
        base["notice"] = json!(effect);
    }
    // A stop word opts the contact out of marketing whatever happens next.
    let stop_word = !req.content.kind.is_notice() && state.opt_out.matches(&req.content.text);
    if stop_word {
        writes
            .contact_opt_outs
            .insert(contact_id.clone(), contact.opted_out_at.or(Some(now)));
        base["opted_out"] = Value::Bool(true);
    }
    let skip = if contact.blocked {
        Some((
            "blocked",
            "the contact is blocked: message stored, no workflow runs, nothing is sent",
        ))
    } else if contact.excluded_from_automation {
        Some((
            "excluded",
            "the contact is excluded from automation: message stored, no workflow runs",
        ))
    } else if !req.automation {
        Some((
            "automation_off",
            "the automation module is off on this number: message stored, no workflow runs",
        ))
    } else {
        None
    };
    if let Some((outcome, summary)) = skip {
        out.outcome = outcome.into();
        out.log_id = log.write(writes, entry("inbound", outcome, summary.to_string(), base));
        return Ok(out);
    }

    let view = InboundView {
        message_type: req.content.kind,
        text: req.content.text.clone(),
    };
    let cview = contact_view(&contact);
    // A reaction, edit, revoke or system notice says nothing new: it starts only workflows that
    // ask for its type, and a run waiting for a reply keeps waiting.
    let notice = req.content.kind.is_notice();
    let set = if notice {
        &state.notice_workflows
    } else {
        &state.workflows
    };
    let mut eval = set.evaluate(&Inbound {
        number_id: &req.number_id,
        message: &view,
        contact: &cview,
        contact_is_new: created,
        has_waiting_run: waiting_run.is_some() && !notice,
        calendar: &state.calendar,
        now,
        conversation: stats.as_ref(),
    });

    // The business's own workflow for the stop word (its exact phrase) answers it; otherwise
    // the workspace's confirmation does, and nothing else runs.
    if stop_word && eval.stage != "exact_phrase" {
        crate::outreach::opt_out::confirm(
            writes,
            state,
            &mut out,
            &log,
            req,
            &contact,
            &conversation_id,
            base,
            now,
        );
        return Ok(out);
    }
    // A person took the conversation over: only workflows that keep running then may act.
    if let Some(until) = contact.automation_paused_until.filter(|u| *u > now) {
        let waiting_doc = match (&waiting_run, eval.resume_waiting_run) {
            (Some(run), true) => Some(
                inner
                    .document(&run.workflow_id, run.workflow_version)
                    .await?,
            ),
            _ => None,
        };
        let held = crate::takeover::hold(&mut eval, set, waiting_doc.as_deref());
        if held > 0 && eval.start.is_empty() && !eval.resume_waiting_run {
            out.outcome = "paused".into();
            let summary = crate::takeover::summary(until, held);
            let mut detail = base;
            detail["paused_until"] = json!(until);
            out.log_id = log.write(writes, entry("inbound", "paused", summary, detail));
            return Ok(out);
        }
    }
    let mut started_names = Vec::new();
    if eval.resume_waiting_run {
        if let Some(run) = waiting_run {
            let doc = inner
                .document(&run.workflow_id, run.workflow_version)
                .await?;
            let (run_id, queued) = resume(writes, state, &doc, run, &mut contact, req, &log, now);
            out.runs.push(run_id);
            out.queued.extend(queued);
        }
    }
    for &i in &eval.start {
        let wf = &set.workflows[i];
        started_names.push(wf.document.name.clone());
        let ctx = StartContext {
            workflow_id: &wf.id,
            version: wf.version,
            doc: &wf.document,
            conversation_id: &conversation_id,
        };
        let (run_id, queued) = start_run(writes, state, &ctx, &mut contact, req, &log, now);
        out.runs.push(run_id);
        out.queued.extend(queued);
    }

    let (outcome, summary) = if eval.resume_waiting_run {
        (
            "resumed",
            "a run waiting for this contact's reply took the message; no other workflow started"
                .to_string(),
        )
    } else if started_names.is_empty() && notice {
        let n = eval.considered.len() + eval.skipped.len();
        let effect = notice_effect.map(|e| format!("{e}; ")).unwrap_or_default();
        (
            "no_match",
            format!(
                "a {} notice: {effect}no workflow asks for it ({n} considered)",
                req.content.kind
            ),
        )
    } else if started_names.is_empty() {
        let n = eval.considered.len() + eval.skipped.len();
        ("no_match", format!("no workflow matched ({n} considered)"))
    } else {
        (
            "matched",
            format!("started {} ({})", started_names.join(", "), eval.stage),
        )
    };
    out.outcome = outcome.into();
    let mut detail = base;
    detail["evaluation"] = serde_json::to_value(&eval).unwrap_or(Value::Null);
    detail["evaluation"]["workflow_set"] = json!(state.set_id);
    if !eval.skipped.is_empty() {
        detail["evaluation"]["skipped_mask"] = json!(set.skipped_mask(&eval.skipped));
    }
    out.log_id = log.write(writes, entry("inbound", outcome, summary, detail));
    Ok(out)
}

struct StartContext<'a> {
    workflow_id: &'a str,
    version: i64,
    doc: &'a WorkflowDocument,
    conversation_id: &'a str,
}

fn start_run(
    writes: &mut Writes,
    state: &WorkspaceState,
    ctx: &StartContext<'_>,
    contact: &mut Contact,
    req: &InboundEvent,
    log: &Log<'_>,
    now: DateTime<Utc>,
) -> (String, Vec<String>) {
    let target = executor::RunTarget {
        workspace_id: &req.workspace_id,
        workflow_id: ctx.workflow_id,
        version: ctx.version,
        contact_id: &contact.id,
        number_id: &req.number_id,
        conversation_id: ctx.conversation_id,
    };
    let mut run = executor::new_run(writes, &target, now);
    let burst = Burst {
        doc: ctx.doc,
        calendar: &state.calendar,
        now,
        message_text: &req.content.text,
        prepared: None,
    };
    let exec = executor::advance(writes, &mut run, contact, &burst, Some(0), false);
    let summary = format!(
        "{}: run started, {}",
        ctx.doc.name,
        crate::log::describe(&run, &exec)
    );
    let detail = json!({"workflow": ctx.doc.name, "version": ctx.version, "trigger": ctx.doc.trigger.kind(),
                        "steps": exec.steps, "state": run.state, "next": crate::log::timers_json(&exec)});
    let outcome = if exec.error.is_some() {
        "failed"
    } else {
        "started"
    };
    log.write_run(writes, &run, entry("run", outcome, summary, detail));
    let id = run.id.clone();
    writes.new_runs.push(run);
    (id, exec.sent)
}

#[allow(clippy::too_many_arguments)]
fn resume(
    writes: &mut Writes,
    state: &WorkspaceState,
    doc: &WorkflowDocument,
    mut run: Run,
    contact: &mut Contact,
    req: &InboundEvent,
    log: &Log<'_>,
    now: DateTime<Utc>,
) -> (String, Vec<String>) {
    let index = run
        .current_step
        .as_deref()
        .and_then(|id| doc.step_index(id));
    writes.cleared_timers.push(run.id.clone());
    if let Value::Object(vars) = &mut run.variables {
        vars.insert("last_reply".into(), json!(req.content.text));
    }
    let waiting_step = run.current_step.clone().unwrap_or_default();
    executor::count(writes, &run.workflow_id, "", "replied");
    executor::count(writes, &run.workflow_id, &waiting_step, "replied");
    let burst = Burst {
        doc,
        calendar: &state.calendar,
        now,
        message_text: &req.content.text,
        prepared: None,
    };
    let next = match index {
        Some(i) => match crate::question::answer(
            writes,
            &mut run,
            contact,
            &burst,
            i,
            req.content.choice_id.as_deref(),
        ) {
            crate::question::Answer::NotAQuestion | crate::question::Answer::Valid => {
                doc.next_after(i)
            }
            crate::question::Answer::Asked(exec) => {
                let summary = format!(
                    "{}: the answer to {} was not valid; asked again",
                    doc.name, doc.steps[i].id
                );
                let detail = json!({"workflow": doc.name, "version": run.workflow_version, "reply": req.content.text, "steps": exec.steps, "state": run.state});
                log.write_run(writes, &run, entry("run", "resumed", summary, detail));
                let id = run.id.clone();
                writes.updated_runs.push(run);
                return (id, exec.sent);
            }
            crate::question::Answer::GaveUp(next) | crate::question::Answer::Route(next) => next,
        },
        None => None,
    };
    let exec = executor::advance(writes, &mut run, contact, &burst, next, false);
    let summary = format!(
        "{}: the contact replied; run resumed, {}",
        doc.name,
        crate::log::describe(&run, &exec)
    );
    let detail = json!({"workflow": doc.name, "version": run.workflow_version, "reply": req.content.text, "steps": exec.steps, "state": run.state});
    log.write_run(writes, &run, entry("run", "resumed", summary, detail));
    let id = run.id.clone();
    writes.updated_runs.push(run);
    (id, exec.sent)
}
