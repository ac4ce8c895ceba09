//! Workflows started by events — a contact added to a list (`list_added`), a ticket's status
//! changed (`ticket_status_changed`) — and the API's changes that cause them.
//!
//! **Invariant:** an event is written in the transaction of the change that caused it, and
//! deleted in the transaction that starts its runs, so each event starts its workflows once,
//! even across a crash (a run's own list and ticket changes emit events the same way).

use crate::cache::WorkspaceState;
use crate::executor::{add_name, contact_view, list_added, remove_name};
use crate::launch::{launch, wake, Launch, WorkflowRef};
use crate::log::{entry, Log};
use crate::{Error, Inner};
use serde_json::{json, Map, Value};
use waflow_domain::condition::EvalContext;
use waflow_domain::parse::Path;
use waflow_domain::trigger::Trigger;
use waflow_store::{ChangedBy, Contact, Event, NewEvent, TicketChange, Writes};

/// Events handled per pass.
const BATCH: i64 = 100;

/// Whether a workflow's trigger takes this event, and the run variables it gets.
fn takes(trigger: &Trigger, event: &NewEvent) -> Option<Map<String, Value>> {
    let d = &event.detail;
    let mut vars = Map::new();
    match (trigger, event.kind.as_str()) {
        (Trigger::ListAdded { list }, "list_added")
            if d["list"]
                .as_str()
                .is_some_and(|l| l.eq_ignore_ascii_case(list)) =>
        {
            vars.insert("list".into(), d["list"].clone());
        }
        (Trigger::TicketStatusChanged { status }, "ticket_status_changed")
            if status
                .as_deref()
                .is_none_or(|s| d["status"].as_str() == Some(s)) =>
        {
            vars.insert("ticket_id".into(), d["ticket_id"].clone());
            vars.insert("ticket_status".into(), d["status"].clone());
            vars.insert("ticket_subject".into(), d["subject"].clone());
        }
        _ => return None,
    }
    Some(vars)
}

/// Handles the pending events; returns how many runs started.
pub(crate) async fn run(inner: &Inner) -> Result<usize, Error> {
    let mut started = 0;
    loop {
        let events = inner.store.pending_events(BATCH).await?;
        if events.is_empty() {
            return Ok(started);
        }
        for event in events {
            started += handle(inner, &event).await?;
        }
    }
}

/// Starts the workflows one event triggers, and consumes the event, in one transaction.
async fn handle(inner: &Inner, event: &Event) -> Result<usize, Error> {
    let e = &event.event;
    let now = inner.clock.now();
    let state = inner
        .cache
        .get(inner.store.as_ref(), &e.workspace_id)
        .await?;
    // The workflows the event starts, with their variables; found without I/O.
    let matching: Vec<_> = state
        .workflows
        .workflows
        .iter()
        .filter(|wf| wf.document.active)
        .filter_map(|wf| takes(&wf.document.trigger, e).map(|vars| (wf, vars)))
        .filter(
            |(wf, _)| match (wf.document.scope.number_id(), &e.number_id) {
                (Some(scoped), Some(n)) => scoped == n,
                _ => true,
            },
        )
        .collect();
    // An unscoped workflow runs on the event's number, else the contact's latest, else the
    // workspace's first; read only when needed.
    let fallback_number = match &e.number_id {
        Some(n) => Some(n.clone()),
        None if matching
            .iter()
            .any(|(wf, _)| wf.document.scope.number_id().is_none()) =>
        {
            match inner.store.latest_number_of_contact(&e.contact_id).await? {
                Some(n) => Some(n),
                None => inner.first_number(&e.workspace_id).await?,
            }
        }
        None => None,
    };
    let mut tx = inner.store.begin().await?;
    if !tx.take_event(event.seq).await? {
        return Ok(0);
    }
    let mut contact = match tx.contact(&e.workspace_id, &e.contact_id).await {
        Ok(c) => c,
        // The contact was deleted since: nothing to start.
        Err(waflow_store::Error::NotFound { .. }) => {
            tx.commit().await?;
            return Ok(0);
        }
        Err(other) => return Err(other.into()),
    };
    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    let mut execs = Vec::new();
    if !(contact.blocked || contact.excluded_from_automation) {
        for (wf, vars) in matching {
            let doc = &wf.document;
            let number_id = match (doc.scope.number_id(), &fallback_number) {
                (Some(scoped), _) => scoped.to_string(),
                (None, Some(n)) => n.clone(),
                (None, None) => continue,
            };
            if !conditions_hold(&mut writes, &state, wf, &contact, &number_id, e, now) {
                continue;
            }
            let why = describe(e);
            let (_, exec) = launch(
                &mut tx,
                &mut writes,
                &mut contact,
                Launch {
                    wf: WorkflowRef {
                        workspace_id: &e.workspace_id,
                        id: &wf.id,
                        version: wf.version,
                    },
                    doc,
                    state: &state,
                    number_id: &number_id,
                    vars,
                    why,
                    extra: json!({"event": e.kind, "event_detail": e.detail}),
                },
                now,
            )
            .await?;
            execs.push(exec);
        }
    }
    tx.apply(&writes).await?;
    tx.commit().await?;
    for exec in &execs {
        wake(inner, exec);
    }
    if writes.has_events() {
        inner.events_wake.notify_one();
    }
    Ok(execs.len())
}

fn describe(e: &NewEvent) -> String {
    match e.kind.as_str() {
        "list_added" => format!("added to list {}", e.detail["list"]),
        _ => format!(
            "ticket {} is now {}",
            e.detail["ticket_id"].as_str().unwrap_or("?"),
            e.detail["status"].as_str().unwrap_or("?")
        ),
    }
}

/// Evaluates the workflow's conditions (there is no message); a failure is logged.
fn conditions_hold(
    writes: &mut Writes,
    state: &WorkspaceState,
    wf: &waflow_domain::matching::ActiveWorkflow,
    contact: &Contact,
    number_id: &str,
    e: &NewEvent,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    let Some(cond) = &wf.document.conditions else {
        return true;
    };
    let view = contact_view(contact);
    let ctx = EvalContext {
        message: None,
        contact: &view,
        calendar: &state.calendar,
        now,
        vars: None,
        number_id: Some(number_id),
        conversation: None,
    };
    let mut checks = Vec::new();
    if cond.evaluate(&ctx, &Path::root("conditions"), &mut checks) {
        return true;
    }
    let first = waflow_domain::condition::explain(&mut checks, cond, "");
    let log = Log {
        workspace_id: &e.workspace_id,
        number_id,
        contact_id: &contact.id,
        message_id: None,
        now,
    };
    log.write(
        writes,
        entry(
            "run",
            "not_started",
            format!(
                "{}: {}, but its conditions did not hold: {}",
                wf.document.name,
                describe(e),
                first.unwrap_or_default()
            ),
            json!({"workflow": wf.document.name, "workflow_id": wf.id, "checks": checks, "event": e.kind}),
        ),
    );
    false
}

/// Handles events as they are written (woken), and every second.
pub(crate) async fn event_loop(inner: std::sync::Arc<Inner>) {
    loop {
        if let Err(e) = run(&inner).await {
            tracing::error!(error = %e, "automation events failed; retrying");
        }
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            inner.events_wake.notified(),
        )
        .await;
    }
}

/// Adds a contact to lists and removes it from others (one transaction; an event for each list
/// it was not in); returns the contact as it is now.
pub(crate) async fn change_lists(
    inner: &Inner,
    workspace_id: &str,
    contact_id: &str,
    add: &[String],
    remove: &[String],
) -> Result<Contact, Error> {
    let now = inner.clock.now();
    let mut tx = inner.store.begin().await?;
    let mut contact = tx.contact(workspace_id, contact_id).await?;
    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    for list in remove {
        remove_name(&mut contact.lists, list);
    }
    for list in add {
        if add_name(&mut contact.lists, list) {
            writes
                .events
                .push(list_added(workspace_id, contact_id, None, list));
        }
    }
    writes
        .contact_lists
        .insert(contact.id.clone(), contact.lists.clone());
    tx.apply(&writes).await?;
    tx.commit().await?;
    if !writes.events.is_empty() {
        inner.events_wake.notify_one();
    }
    Ok(contact)
}

/// Opens a ticket on a contact (through the API) unless one is open, checked in the same
/// transaction; its id, or `None` when the contact has an open ticket.
pub(crate) async fn open_ticket(
    inner: &Inner,
    workspace_id: &str,
    contact_id: &str,
    number_id: Option<String>,
    subject: &str,
) -> Result<Option<String>, Error> {
    let mut tx = inner.store.begin().await?;
    if !tx.open_tickets(contact_id).await?.is_empty() {
        return Ok(None);
    }
    let id = waflow_store::new_id("tk");
    let change = TicketChange::Open {
        id: id.clone(),
        workspace_id: workspace_id.into(),
        contact_id: contact_id.into(),
        number_id,
        subject: subject.into(),
        by: by_api(),
    };
    apply_ticket(inner, tx, change).await?;
    Ok(Some(id))
}

/// Applies one ticket change made through the API in `tx` and wakes the event worker.
pub(crate) async fn apply_ticket(
    inner: &Inner,
    mut tx: Box<dyn waflow_store::Tx>,
    change: TicketChange,
) -> Result<(), Error> {
    let now = inner.clock.now();
    tx.apply(&Writes {
        at: Some(now),
        tickets: vec![change],
        ..Default::default()
    })
    .await?;
    tx.commit().await?;
    inner.events_wake.notify_one();
    Ok(())
}

/// Who changed a ticket through the API.
pub(crate) fn by_api() -> ChangedBy {
    ChangedBy {
        kind: "api",
        reference: None,
    }
}
