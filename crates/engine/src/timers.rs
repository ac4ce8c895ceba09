//! Durable timers: the worker that executes due steps and reply timeouts.
//!
//! **Invariant:** a due step is leased to one worker, and executing it deletes it in the same
//! transaction as its effects (`Tx::take_due_step` refuses a step leased by someone else or
//! already gone). A crash before commit leaves the row, which is executed again after its lease
//! expires; a crash after commit leaves nothing to execute. So each step fires exactly once.

use crate::executor::{self, Burst};
use crate::log::{entry, Log};
use crate::{Error, Inner};
use chrono::Duration;
use serde_json::json;
use std::sync::Arc;
use waflow_domain::step::Action;
use waflow_store::{DueStep, RunState, Writes};

/// How long a claimed due step stays leased to this worker.
const LEASE_SECONDS: i64 = 30;
/// How soon the worker looks again at a step that is due but could not be claimed.
const MIN_RETRY_MS: i64 = 50;
/// The longest the worker sleeps without looking for due steps.
const MAX_IDLE_MS: i64 = 250;

/// The timer worker's loop.
pub(crate) async fn timer_loop(inner: Arc<Inner>) {
    loop {
        let now = inner.clock.now();
        let next = match inner.store.next_due_at().await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "timer worker cannot read the next due time");
                None
            }
        };
        // Claiming takes the write connection, so it is done only when something is due.
        if next.is_some_and(|t| t <= now) {
            match run_due(&inner, false).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "timer worker failed; retrying"),
            }
        }
        let wait_ms = match next {
            // Due but not claimable (leased elsewhere, or failing): look again a little later.
            Some(t) if t <= now => MIN_RETRY_MS,
            Some(t) => (t - now).num_milliseconds().clamp(1, MAX_IDLE_MS),
            None => MAX_IDLE_MS,
        };
        let sleep = tokio::time::sleep(std::time::Duration::from_millis(wait_ms as u64));
        tokio::select! {
            _ = sleep => {}
            _ = inner.worker_wake.notified() => {}
        }
    }
}

/// Due steps that call another system (an HTTP request, an AI reply, a translation): they may
/// take seconds, so each fires in its own task and the others do not wait for it.
fn calls_out(kind: &str) -> bool {
    matches!(kind, "http" | "ai" | "translate")
}

/// Executes every step due now; returns how many were executed (or started, for steps that
/// call out: with `wait`, those are awaited too).
///
/// A step that calls out and is still in flight when its lease runs out is claimed again (which
/// renews the lease) but not fired twice.
pub(crate) async fn run_due(inner: &Arc<Inner>, wait: bool) -> Result<usize, Error> {
    let now = inner.clock.now();
    let lease_until = now + Duration::seconds(LEASE_SECONDS);
    let due = inner
        .store
        .claim_due_steps(now, &inner.node_id, lease_until, 64)
        .await?;
    let mut executed = 0;
    let mut queued = false;
    let mut spawned = Vec::new();
    for step in due {
        if calls_out(&step.kind) {
            if !inner.in_flight.start(&step.id) {
                continue;
            }
            executed += 1;
            let inner = inner.clone();
            spawned.push(tokio::spawn(async move {
                let result = fire(&inner, &step).await;
                inner.in_flight.finish(&step.id);
                match result {
                    Ok(true) => inner.sender_wake.notify_one(),
                    Ok(false) => {}
                    Err(e) => failed(&step, &e),
                }
            }));
            continue;
        }
        match fire(inner, &step).await {
            Ok(q) => {
                executed += 1;
                queued |= q;
            }
            Err(e) => failed(&step, &e),
        }
    }
    if queued {
        inner.sender_wake.notify_one();
    }
    if wait {
        for task in spawned {
            let _ = task.await;
        }
    }
    Ok(executed)
}

fn failed(step: &DueStep, e: &Error) {
    tracing::error!(run = %step.run_id, step = %step.step_id, error = %e, "due step failed; it will be retried after its lease");
}

/// The due steps being fired in their own task.
#[derive(Default)]
pub(crate) struct InFlight(std::sync::Mutex<std::collections::HashSet<String>>);

impl InFlight {
    /// Marks a due step in flight; false if it already is.
    fn start(&self, id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_string())
    }

    fn finish(&self, id: &str) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(id);
    }
}

/// Executes one due step in its own transaction; returns whether it queued a message.
async fn fire(inner: &Inner, due: &DueStep) -> Result<bool, Error> {
    let now = inner.clock.now();
    // Loaded before the transaction takes the write connection (loading may write).
    let state = inner
        .cache
        .get(inner.store.as_ref(), &due.workspace_id)
        .await?;
    // An HTTP request step makes its call before the transaction, holding only the lease.
    let call = if due.kind == "http" {
        crate::http_step::call(inner, due).await?
    } else {
        None
    };
    // So do the AI reply (its generation) and a translated text (its translation).
    let ai = if due.kind == "ai" {
        crate::ai_step::prepare(inner, due).await?
    } else {
        None
    };
    let translated = if due.kind == "translate" {
        crate::translation::prepare(inner, due).await?
    } else {
        None
    };
    let mut tx = inner.store.begin().await?;
    if !tx.take_due_step(&due.id, &inner.node_id).await? {
        return Ok(false);
    }
    let mut run = tx.run(&due.run_id).await?;
    let mut contact = tx.contact(&run.workspace_id, &run.contact_id).await?;
    let doc = inner
        .document(&run.workflow_id, run.workflow_version)
        .await?;
    let (workspace_id, number_id, contact_id) = (
        run.workspace_id.clone(),
        run.number_id.clone(),
        run.contact_id.clone(),
    );
    let log = Log {
        workspace_id: &workspace_id,
        number_id: &number_id,
        contact_id: &contact_id,
        message_id: None,
        now,
    };
    let current = run.current_step.as_deref() == Some(due.step_id.as_str());
    let live = run.state.is_live();
    let index = doc.step_index(&due.step_id);
    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    let prepared_missing = match due.kind.as_str() {
        "http" => call.is_none(),
        "ai" => ai.is_none(),
        "translate" => translated.is_none(),
        _ => false,
    };
    if !live || !current || index.is_none() || prepared_missing {
        // The run moved on (a reply came, it was ended or removed): the timer is obsolete.
        tx.commit().await?;
        return Ok(false);
    }
    if contact.excluded_from_automation {
        run.state = RunState::Ended;
        run.updated_at = now;
        let summary = format!(
            "{}: run ended because the contact is excluded from automation",
            doc.name
        );
        log.write_run(
            &mut writes,
            &run,
            entry("run", "ended", summary, json!({"step": due.step_id})),
        );
        writes.updated_runs.push(run);
        tx.apply(&writes).await?;
        tx.commit().await?;
        return Ok(false);
    }
    let burst = Burst {
        doc: &doc,
        calendar: &state.calendar,
        now,
        message_text: "",
        prepared: None,
    };
    let (exec, summary) = if let (Some(call), Some(i)) = (&call, index) {
        let (next, succeeded, detail) = crate::http_step::continue_after(&doc, i, &mut run, call);
        let edge = detail["edge"].as_str().unwrap_or("next").to_string();
        let mut exec = Default::default();
        let outcome = if next.is_some() || succeeded {
            exec = executor::advance(&mut writes, &mut run, &mut contact, &burst, next, false);
            "step"
        } else {
            run.state = RunState::Failed;
            run.updated_at = now;
            "failed"
        };
        let what = match (&call.outcome, detail.get("status")) {
            (_, Some(status)) => format!("answered {status}"),
            (waflow_outbound_http::Outcome::Refused(r), _) => format!("refused: {r}"),
            (waflow_outbound_http::Outcome::TimedOut, _) => "no answer before the timeout".into(),
            (waflow_outbound_http::Outcome::Failed(e), _) => format!("failed: {e}"),
            _ => String::new(),
        };
        let s = format!(
            "{}: {} {} {what}; {}",
            doc.name,
            call.method,
            call.url,
            if outcome == "failed" {
                format!("no {edge} edge, run failed")
            } else {
                format!("continued on {edge}; {}", crate::log::describe(&run, &exec))
            }
        );
        log.write_run(&mut writes, &run, entry("http", outcome, s.clone(), detail));
        (exec, s)
    } else if let (Some(prepared), Some(i)) = (ai, index) {
        let finished = crate::ai_step::finish(
            tx.as_mut(),
            &mut writes,
            &log,
            &mut run,
            &mut contact,
            &burst,
            i,
            prepared,
        )
        .await?;
        (finished.exec, finished.summary)
    } else if let Some(t) = &translated {
        let burst = Burst {
            prepared: Some((
                due.step_id.as_str(),
                executor::Prepared::Translation(t.text.as_deref()),
            )),
            ..burst
        };
        let exec = executor::advance(&mut writes, &mut run, &mut contact, &burst, index, true);
        let how = if t.text.is_some() {
            format!(
                "text translated ({} → {}{})",
                t.detail["from"].as_str().unwrap_or("?"),
                t.detail["to"].as_str().unwrap_or("?"),
                if t.detail["cached"] == true {
                    ", cached"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "text sent untranslated: {}",
                t.detail["why"].as_str().unwrap_or("")
            )
        };
        let s = format!("{}: {how}; {}", doc.name, crate::log::describe(&run, &exec));
        log.write_run(
            &mut writes,
            &run,
            entry("translation", "step", s.clone(), t.detail.clone()),
        );
        (exec, s)
    } else if due.kind == "timeout" {
        let next = match &index.map(|i| &doc.steps[i].action) {
            Some(Action::WaitForReply {
                timeout_next: Some(t),
                ..
            })
            | Some(Action::Question {
                timeout_next: Some(t),
                ..
            }) => doc.step_index(t),
            _ => None,
        };
        let exec = if next.is_some() {
            executor::advance(&mut writes, &mut run, &mut contact, &burst, next, false)
        } else {
            run.state = RunState::Ended;
            run.updated_at = now;
            Default::default()
        };
        let s = format!(
            "{}: no reply before the timeout of step {}; {}",
            doc.name,
            due.step_id,
            crate::log::describe(&run, &exec)
        );
        (exec, s)
    } else {
        let exec = executor::advance(&mut writes, &mut run, &mut contact, &burst, index, true);
        let s = format!(
            "{}: delayed step {} fired; {}",
            doc.name,
            due.step_id,
            crate::log::describe(&run, &exec)
        );
        (exec, s)
    };
    let outcome = if exec.error.is_some() {
        "failed"
    } else {
        "step"
    };
    let detail = json!({"workflow": doc.name, "due_at": due.due_at, "kind": due.kind, "steps": exec.steps, "state": run.state});
    log.write_run(&mut writes, &run, entry("run", outcome, summary, detail));
    writes.updated_runs.push(run);
    tx.apply(&writes).await?;
    tx.commit().await?;
    if writes.has_events() {
        inner.events_wake.notify_one();
    }
    Ok(!exec.sent.is_empty())
}
