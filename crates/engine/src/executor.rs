//! Step execution: moves a run forward from one step, inside the caller's transaction.
//!
//! Execution does no I/O: everything a step does (contact changes, outbound messages for the
//! outbox, the run's next timer) is buffered in the caller's [`Writes`].
//!
//! **Invariant:** the caller writes those effects in the same transaction that consumes the event
//! that caused them (an inbound message or a due timer), so they commit together or not at all,
//! and a step is never executed twice.

use crate::compose::{self, failure, queue, say, send_content};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use waflow_domain::calendar::Calendar;
use waflow_domain::step::Action;
use waflow_domain::template::OutputLimit;
use waflow_domain::{ContactView, WorkflowDocument};
use waflow_store::{new_id, Contact, NewTimer, Run, RunState, Writes};

/// The most steps one event may execute in a row; protects against `next` loops.
const MAX_STEPS_PER_EVENT: usize = 100;
/// The most history entries kept on a run.
const MAX_HISTORY: usize = 500;

/// What one burst of execution did.
#[derive(Default)]
pub(crate) struct Execution {
    /// One JSON entry per executed step, as logged.
    pub steps: Vec<Value>,
    /// Ids of the outbound messages queued.
    pub sent: Vec<String>,
    /// Timers scheduled (also added to the writes).
    pub timers: Vec<NewTimer>,
    pub error: Option<String>,
}

/// The inputs of one burst.
pub(crate) struct Burst<'a> {
    pub doc: &'a WorkflowDocument,
    pub calendar: &'a Calendar,
    pub now: DateTime<Utc>,
    /// The text of the message that caused this burst, for `{{message.text}}`.
    pub message_text: &'a str,
    /// What the timer worker prepared outside the transaction for one step (by id): that step
    /// uses it instead of scheduling the work.
    pub prepared: Option<(&'a str, Prepared<'a>)>,
}

/// Work done for a step outside the transaction.
#[derive(Clone, Copy)]
pub(crate) enum Prepared<'a> {
    /// A `send_text` with `translate`: the translated text (`None`: send the original).
    Translation(Option<&'a str>),
    /// An `ai_reply`: the generated reply, checked and ready to send.
    AiReply(&'a str),
}

impl Burst<'_> {
    /// What was prepared for the step `id`, if anything.
    fn prepared_for(&self, id: &str) -> Option<Prepared<'_>> {
        self.prepared
            .filter(|(step, _)| *step == id)
            .map(|(_, p)| p)
    }
}

/// Where a new run lives: its workspace, workflow version, contact, number and conversation.
pub(crate) struct RunTarget<'a> {
    pub workspace_id: &'a str,
    pub workflow_id: &'a str,
    pub version: i64,
    pub contact_id: &'a str,
    pub number_id: &'a str,
    pub conversation_id: &'a str,
}

/// A fresh run, not yet started.
/// A new run of a workflow; counts it as entered.
pub(crate) fn new_run(writes: &mut Writes, t: &RunTarget<'_>, now: DateTime<Utc>) -> Run {
    count(writes, t.workflow_id, "", "entered");
    Run {
        id: new_id("run"),
        workspace_id: t.workspace_id.to_string(),
        workflow_id: t.workflow_id.to_string(),
        workflow_version: t.version,
        contact_id: t.contact_id.to_string(),
        number_id: t.number_id.to_string(),
        conversation_id: t.conversation_id.to_string(),
        state: RunState::Active,
        current_step: None,
        variables: json!({}),
        history: json!([]),
        created_at: now,
        updated_at: now,
    }
}

pub(crate) fn contact_view(c: &Contact) -> ContactView {
    ContactView {
        phone: c.phone.clone(),
        name: c.name.clone(),
        tags: c.tags.clone(),
        lists: c.lists.clone(),
        assigned_agent_id: c.assigned_agent_id.clone(),
        fields: c.fields.clone(),
    }
}

/// Adds a name (a tag, a list) unless present, comparing case-insensitively; whether it was
/// added.
pub(crate) fn add_name(names: &mut Vec<String>, name: &str) -> bool {
    if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return false;
    }
    names.push(name.to_string());
    true
}

/// Removes a name (a tag, a list), comparing case-insensitively; whether it was there.
pub(crate) fn remove_name(names: &mut Vec<String>, name: &str) -> bool {
    let before = names.len();
    names.retain(|n| !n.eq_ignore_ascii_case(name));
    names.len() != before
}

/// The event of a contact added to a list.
pub(crate) fn list_added(
    workspace_id: &str,
    contact_id: &str,
    number_id: Option<&str>,
    list: &str,
) -> waflow_store::NewEvent {
    waflow_store::NewEvent {
        workspace_id: workspace_id.to_string(),
        kind: "list_added".into(),
        contact_id: contact_id.to_string(),
        number_id: number_id.map(str::to_string),
        detail: json!({ "list": list }),
    }
}

/// Ends a burst on a failed step: the entry notes the error, the run fails.
fn fail(run: &mut Run, mut exec: Execution, mut entry: Value, error: String) -> Execution {
    entry["result"] = json!("failed");
    entry["error"] = json!(error);
    record(run, &mut exec, entry);
    run.state = RunState::Failed;
    exec.error = Some(error);
    exec
}

fn record(run: &mut Run, exec: &mut Execution, entry: Value) {
    if let Value::Array(h) = &mut run.history {
        if h.len() >= MAX_HISTORY {
            h.remove(0);
        }
        h.push(entry.clone());
    }
    exec.steps.push(entry);
}

/// Adds one to a counter of a workflow (`step` empty) or of one of its steps.
pub(crate) fn count(writes: &mut Writes, workflow_id: &str, step: &str, counter: &'static str) {
    *writes
        .counters
        .entry((workflow_id.to_string(), step.to_string(), counter))
        .or_insert(0) += 1;
}

/// Runs steps starting at `start` (see [`advance_steps`]) and counts what happened: each step
/// entered, each message sent, each failure, a completion. (A run entering the workflow is
/// counted by [`new_run`].)
pub(crate) fn advance(
    writes: &mut Writes,
    run: &mut Run,
    contact: &mut Contact,
    burst: &Burst<'_>,
    start: Option<usize>,
    delay_elapsed: bool,
) -> Execution {
    let state_before = run.state;
    let exec = advance_steps(writes, run, contact, burst, start, delay_elapsed);
    let wf = run.workflow_id.clone();
    for entry in &exec.steps {
        let step = entry["step"].as_str().unwrap_or_default();
        count(writes, &wf, step, "entered");
        match entry["result"].as_str() {
            Some("queued") => {
                count(writes, &wf, step, "sent");
                count(writes, &wf, "", "sent");
            }
            Some("failed") => count(writes, &wf, step, "failed"),
            _ => {}
        }
    }
    if run.state != state_before {
        match run.state {
            RunState::Completed => count(writes, &wf, "", "completed"),
            RunState::Failed => count(writes, &wf, "", "failed"),
            _ => {}
        }
    }
    exec
}

/// Runs steps starting at `start`. When `delay_elapsed` is true the first step's `when` has
/// already passed (it fired from a timer); every later step's `when` is honoured by scheduling a
/// timer and stopping. Leaves `run.state` and `run.current_step` describing where the run is.
fn advance_steps(
    writes: &mut Writes,
    run: &mut Run,
    contact: &mut Contact,
    burst: &Burst<'_>,
    start: Option<usize>,
    delay_elapsed: bool,
) -> Execution {
    let mut exec = Execution::default();
    let mut index = start;
    let mut elapsed = delay_elapsed;
    let mut executed = 0usize;
    run.updated_at = burst.now;
    while let Some(i) = index {
        let step = &burst.doc.steps[i];
        run.current_step = Some(step.id.clone());
        if !elapsed && !step.when.is_immediate() {
            let due_at = step.when.due_at(burst.now, burst.calendar);
            schedule(writes, &mut exec, run, &step.id, "step", due_at);
            run.state = RunState::Active;
            return exec;
        }
        elapsed = false;
        executed += 1;
        if executed > MAX_STEPS_PER_EVENT {
            let error = format!("more than {MAX_STEPS_PER_EVENT} steps in a row: the workflow loops through step {}", step.id);
            record(
                run,
                &mut exec,
                json!({"step": step.id, "type": step.kind(), "at": burst.now, "result": "failed", "error": error}),
            );
            run.state = RunState::Failed;
            exec.error = Some(error);
            return exec;
        }
        let mut entry = json!({"step": step.id, "type": step.kind(), "at": burst.now});
        match &step.action {
            Action::SendText {
                text,
                template_fallback,
                translate,
            } => {
                let translated = match burst.prepared_for(&step.id) {
                    Some(Prepared::Translation(t)) => t,
                    _ if *translate => {
                        // Detecting and translating needs the store and the provider: the timer
                        // worker does it and continues the run here.
                        entry["result"] = json!("translating into the contact's language");
                        schedule(writes, &mut exec, run, &step.id, "translate", burst.now);
                        record(run, &mut exec, entry);
                        run.state = RunState::Active;
                        return exec;
                    }
                    _ => None,
                };
                // A translation whose placeholders no longer render falls back to the original.
                let text = match translated {
                    Some(t)
                        if compose::render(t, contact, run, burst, OutputLimit::MESSAGE_TEXT)
                            .is_ok() =>
                    {
                        t
                    }
                    _ => text.as_str(),
                };
                if let Err(error) = say(
                    writes,
                    &mut exec,
                    run,
                    contact,
                    burst,
                    text,
                    template_fallback.as_ref(),
                    &mut entry,
                ) {
                    record(run, &mut exec, entry);
                    run.state = RunState::Failed;
                    exec.error = Some(error);
                    return exec;
                }
            }
            Action::Question { text, timeout, .. } => {
                if let Err(error) = say(
                    writes, &mut exec, run, contact, burst, text, None, &mut entry,
                ) {
                    record(run, &mut exec, entry);
                    run.state = RunState::Failed;
                    exec.error = Some(error);
                    return exec;
                }
                entry["waiting"] = json!("for the answer");
                if let Some(t) = timeout {
                    let due_at = t.due_at(burst.now, burst.calendar);
                    entry["timeout_at"] = json!(due_at);
                    schedule(writes, &mut exec, run, &step.id, "timeout", due_at);
                }
                record(run, &mut exec, entry);
                run.state = RunState::Waiting;
                return exec;
            }
            Action::Branch {
                conditions,
                then,
                otherwise,
            } => {
                let view = waflow_domain::InboundView {
                    message_type: waflow_domain::MessageType::Text,
                    text: burst.message_text.to_string(),
                };
                let cview = contact_view(contact);
                let ctx = waflow_domain::condition::EvalContext {
                    message: Some(&view),
                    contact: &cview,
                    calendar: burst.calendar,
                    now: burst.now,
                    vars: Some(&run.variables),
                    number_id: Some(&run.number_id),
                    conversation: None,
                };
                let mut checks = Vec::new();
                let held = conditions.evaluate(
                    &ctx,
                    &waflow_domain::parse::Path::root("conditions"),
                    &mut checks,
                );
                entry["held"] = json!(held);
                entry["checks"] = json!(checks);
                let target = if held {
                    then.as_deref()
                } else {
                    otherwise.as_deref()
                };
                entry["result"] = json!(format!(
                    "conditions {}; continuing at {}",
                    if held { "held" } else { "did not hold" },
                    target.unwrap_or(if held { "the next step" } else { "the end" })
                ));
                record(run, &mut exec, entry);
                index = match (held, target) {
                    (_, Some(id)) => burst.doc.step_index(id),
                    (true, None) => burst.doc.next_after(i),
                    (false, None) => None,
                };
                continue;
            }
            Action::SetField {
                field,
                value: Some(value),
                ..
            } => match compose::render(value, contact, run, burst, OutputLimit::STORED_TEXT) {
                Ok(v) => {
                    contact.fields.insert(field.clone(), json!(v));
                    writes
                        .contact_fields
                        .insert(contact.id.clone(), contact.fields.clone());
                    entry["result"] = json!(format!("field {field} set to {v:?}"));
                }
                Err(e) => return fail(run, exec, entry, failure(&step.id, None, &e)),
            },
            Action::SetField { field, .. } => {
                entry["result"] =
                    json!(format!("waiting for the next message, to store in {field}"));
                record(run, &mut exec, entry);
                run.state = RunState::Waiting;
                return exec;
            }
            Action::Send { content } | Action::Menu { content, .. } => {
                if let Err(error) =
                    send_content(writes, &mut exec, run, contact, burst, content, &mut entry)
                {
                    record(run, &mut exec, entry);
                    run.state = RunState::Failed;
                    exec.error = Some(error);
                    return exec;
                }
                if matches!(step.action, Action::Menu { .. }) {
                    entry["waiting"] = json!("for a choice");
                    record(run, &mut exec, entry);
                    run.state = RunState::Waiting;
                    return exec;
                }
            }
            Action::NotifyAgent { agent, text } => {
                let rendered = match compose::render_or_raw(
                    text,
                    contact,
                    run,
                    burst,
                    OutputLimit::STORED_TEXT,
                ) {
                    Ok(rendered) => rendered,
                    Err(e) => return fail(run, exec, entry, failure(&step.id, None, &e)),
                };
                let to = agent.clone().or_else(|| contact.assigned_agent_id.clone());
                writes.notifications.push(waflow_store::Notification {
                    id: new_id("ntf"),
                    workspace_id: run.workspace_id.clone(),
                    agent_id: to.clone(),
                    contact_id: contact.id.clone(),
                    run_id: Some(run.id.clone()),
                    text: rendered,
                    created_at: burst.now,
                    read_at: None,
                });
                entry["result"] = json!(match to {
                    Some(a) => format!("agent {a} notified"),
                    None => "all agents notified".to_string(),
                });
            }
            Action::Block | Action::Unblock => {
                let blocked = matches!(step.action, Action::Block);
                contact.blocked = blocked;
                writes.contact_blocked.insert(contact.id.clone(), blocked);
                entry["result"] = json!(if blocked {
                    "contact blocked"
                } else {
                    "contact unblocked"
                });
            }
            Action::EndOtherRuns => {
                writes
                    .end_other_runs
                    .push((contact.id.clone(), run.id.clone()));
                entry["result"] = json!("the contact's other runs end");
            }
            Action::GoTo { target } => {
                entry["result"] = json!(format!("going to {target}"));
                record(run, &mut exec, entry);
                index = burst.doc.step_index(target);
                continue;
            }
            Action::AddTag { tag } => {
                if add_name(&mut contact.tags, tag) {
                    writes
                        .contact_tags
                        .insert(contact.id.clone(), contact.tags.clone());
                }
                entry["result"] = json!(format!("tag {tag:?} added"));
            }
            Action::RemoveTag { tag } => {
                if remove_name(&mut contact.tags, tag) {
                    writes
                        .contact_tags
                        .insert(contact.id.clone(), contact.tags.clone());
                }
                entry["result"] = json!(format!("tag {tag:?} removed"));
            }
            Action::AddToList { list } => {
                if add_name(&mut contact.lists, list) {
                    writes
                        .contact_lists
                        .insert(contact.id.clone(), contact.lists.clone());
                    let mut event =
                        list_added(&run.workspace_id, &contact.id, Some(&run.number_id), list);
                    event.detail["by_run"] = json!(run.id);
                    writes.events.push(event);
                    entry["result"] = json!(format!("added to list {list:?}"));
                } else {
                    entry["result"] = json!(format!("already in list {list:?}"));
                }
            }
            Action::RemoveFromList { list } => {
                if remove_name(&mut contact.lists, list) {
                    writes
                        .contact_lists
                        .insert(contact.id.clone(), contact.lists.clone());
                }
                entry["result"] = json!(format!("removed from list {list:?}"));
            }
            Action::OpenTicket { subject } => {
                let subject = match compose::render_or_raw(
                    subject,
                    contact,
                    run,
                    burst,
                    OutputLimit::STORED_TEXT,
                ) {
                    Ok(subject) => subject,
                    Err(e) => return fail(run, exec, entry, failure(&step.id, None, &e)),
                };
                entry["result"] = json!(format!(
                    "ticket {subject:?} opened (unless one is open already)"
                ));
                writes.tickets.push(waflow_store::TicketChange::Open {
                    id: new_id("tk"),
                    workspace_id: run.workspace_id.clone(),
                    contact_id: contact.id.clone(),
                    number_id: Some(run.number_id.clone()),
                    subject,
                    by: waflow_store::ChangedBy {
                        kind: "run",
                        reference: Some(run.id.clone()),
                    },
                });
            }
            Action::CloseTicket => {
                writes.tickets.push(waflow_store::TicketChange::Status {
                    workspace_id: run.workspace_id.clone(),
                    contact_id: contact.id.clone(),
                    ticket_id: None,
                    status: "closed".into(),
                    by: waflow_store::ChangedBy {
                        kind: "run",
                        reference: Some(run.id.clone()),
                    },
                });
                entry["result"] = json!("the contact's open tickets closed");
            }
            Action::AssignAgent { agent } => {
                contact.assigned_agent_id = agent.clone();
                writes
                    .contact_agents
                    .insert(contact.id.clone(), agent.clone());
                entry["result"] = json!(match agent {
                    Some(a) => format!("assigned to agent {a}"),
                    None => "unassigned".to_string(),
                });
            }
            Action::HttpRequest { method, url, .. } => {
                // The call happens outside any transaction: the timer worker makes it and
                // continues the run from its answer.
                entry["result"] = json!(format!("calling {method} {url}"));
                schedule(writes, &mut exec, run, &step.id, "http", burst.now);
                record(run, &mut exec, entry);
                run.state = RunState::Active;
                return exec;
            }
            Action::AiReply(ai) => match burst.prepared_for(&step.id) {
                Some(Prepared::AiReply(text)) => {
                    if contact.blocked {
                        entry["result"] = json!("skipped: the contact is blocked");
                    } else {
                        queue(
                            writes,
                            &mut exec,
                            run,
                            burst,
                            "text",
                            text.to_string(),
                            None,
                            &mut entry,
                        );
                        entry["text"] = json!(text);
                    }
                }
                _ => {
                    // Generation happens outside any transaction, after the contact pauses.
                    let due_at = burst.now + chrono::Duration::milliseconds(ai.debounce_ms as i64);
                    entry["result"] = json!(format!(
                        "AI reply once the contact pauses for {} ms",
                        ai.debounce_ms
                    ));
                    schedule(writes, &mut exec, run, &step.id, "ai", due_at);
                    record(run, &mut exec, entry);
                    run.state = RunState::Active;
                    return exec;
                }
            },
            Action::End => {
                entry["result"] = json!("run ended");
                record(run, &mut exec, entry);
                run.state = RunState::Ended;
                return exec;
            }
            Action::WaitForReply { timeout, .. } => {
                entry["result"] = json!("waiting for the contact's reply");
                if let Some(t) = timeout {
                    let due_at = t.due_at(burst.now, burst.calendar);
                    entry["timeout_at"] = json!(due_at);
                    schedule(writes, &mut exec, run, &step.id, "timeout", due_at);
                }
                record(run, &mut exec, entry);
                run.state = RunState::Waiting;
                return exec;
            }
        }
        record(run, &mut exec, entry);
        index = burst.doc.next_after(i);
    }
    run.state = RunState::Completed;
    run.current_step = None;
    exec
}

pub(crate) fn schedule(
    writes: &mut Writes,
    exec: &mut Execution,
    run: &Run,
    step_id: &str,
    kind: &str,
    due_at: DateTime<Utc>,
) {
    let timer = NewTimer {
        run_id: run.id.clone(),
        workspace_id: run.workspace_id.clone(),
        step_id: step_id.to_string(),
        kind: kind.to_string(),
        due_at,
    };
    writes.timers.push(timer.clone());
    exec.timers.push(timer);
}

/// The options of a buttons or list content: (id, title), in order.
pub(crate) fn menu_options(content: &Value) -> Vec<(String, String)> {
    let pair = |o: &Value| {
        Some((
            o.get("id")?.as_str()?.to_string(),
            o.get("title")?.as_str()?.to_string(),
        ))
    };
    match content["type"].as_str() {
        Some("buttons") => content["buttons"]
            .as_array()
            .map(|b| b.iter().filter_map(pair).collect())
            .unwrap_or_default(),
        Some("list") => content["sections"]
            .as_array()
            .map(|sections| {
                sections
                    .iter()
                    .filter_map(|s| s["rows"].as_array())
                    .flatten()
                    .filter_map(pair)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
