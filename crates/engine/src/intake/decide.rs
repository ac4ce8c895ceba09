//! The decision on one stored inbound message (SPEC §6): which runs it starts or resumes, or
//! why it starts none, and its log entry; the effects are buffered in [`Writes`].

use super::IntakeOutcome;
use crate::cache::WorkspaceState;
use crate::executor::{self, contact_view, Burst};
use crate::log::{entry, Log};
use crate::{Error, Inner};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use waflow_domain::matching::Inbound;
use waflow_domain::{InboundEvent, InboundView, WorkflowDocument};
use waflow_store::{Contact, Run, Writes};

/// An inbound message after it was stored.
pub(super) struct Received<'a> {
    pub req: &'a InboundEvent,
    pub contact: Contact,
    pub created: bool,
    pub conversation_id: String,
    /// `None` when the message was a duplicate.
    pub message_id: Option<String>,
    pub waiting_run: Option<Run>,
    /// The conversation's counts, when a condition needs them.
    pub stats: Option<waflow_domain::ConversationStats>,
    /// What the message's notice did to stored messages or the contact, in words.
    pub notice_effect: Option<String>,
}

/// Decides what a stored message does (SPEC §6) and buffers the effects in `writes`.
pub(super) async fn decide(
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
