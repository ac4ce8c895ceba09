//! Starting a run outside the intake — clock triggers and integration calls — in the caller's
//! transaction: the conversation ensured but not touched (a run we start is not a message from
//! the contact), the run advanced from its first step, and logged.

use crate::cache::WorkspaceState;
use crate::executor::{self, Burst, Execution, RunTarget};
use crate::log::{describe, entry, Log};
use crate::{Error, Inner};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use waflow_domain::WorkflowDocument;
use waflow_store::{Contact, ConversationKey, Tx, Workflow, Writes};

/// The workflow version a run starts on.
pub(crate) struct WorkflowRef<'a> {
    pub workspace_id: &'a str,
    pub id: &'a str,
    pub version: i64,
}

impl<'a> From<&'a Workflow> for WorkflowRef<'a> {
    fn from(wf: &'a Workflow) -> Self {
        Self {
            workspace_id: &wf.workspace_id,
            id: &wf.id,
            version: wf.version,
        }
    }
}

/// What to start, and why (for the log).
pub(crate) struct Launch<'a> {
    pub wf: WorkflowRef<'a>,
    pub doc: &'a WorkflowDocument,
    pub state: &'a WorkspaceState,
    pub number_id: &'a str,
    pub vars: Map<String, Value>,
    /// Completes "<workflow>: <why>; run started, …".
    pub why: String,
    /// Merged into the log entry's detail.
    pub extra: Value,
}

/// Starts the run in `tx`, buffering its effects in `writes`; returns the run id and what it did.
pub(crate) async fn launch(
    tx: &mut Box<dyn Tx>,
    writes: &mut Writes,
    contact: &mut Contact,
    l: Launch<'_>,
    now: DateTime<Utc>,
) -> Result<(String, Execution), Error> {
    let key = ConversationKey {
        workspace_id: l.wf.workspace_id.to_string(),
        number_id: l.number_id.to_string(),
        contact_id: contact.id.clone(),
    };
    let conversation_id = tx.ensure_conversation(&key, now).await?;
    let contact_id = contact.id.clone();
    let target = RunTarget {
        workspace_id: l.wf.workspace_id,
        workflow_id: l.wf.id,
        version: l.wf.version,
        contact_id: &contact_id,
        number_id: l.number_id,
        conversation_id: &conversation_id,
    };
    let mut run = executor::new_run(writes, &target, now);
    run.variables = Value::Object(l.vars);
    let burst = Burst {
        doc: l.doc,
        calendar: &l.state.calendar,
        now,
        message_text: "",
        prepared: None,
    };
    let exec = executor::advance(writes, &mut run, contact, &burst, Some(0), false);
    let summary = format!(
        "{}: {}; run started, {}",
        l.doc.name,
        l.why,
        describe(&run, &exec)
    );
    let mut detail = json!({"workflow": l.doc.name, "version": l.wf.version, "trigger": l.doc.trigger.kind(),
                            "steps": exec.steps, "state": run.state});
    if let (Value::Object(d), Value::Object(e)) = (&mut detail, l.extra) {
        d.extend(e);
    }
    let log = Log {
        workspace_id: l.wf.workspace_id,
        number_id: l.number_id,
        contact_id: &contact_id,
        message_id: None,
        now,
    };
    log.write_run(writes, &run, entry("run", "started", summary, detail));
    let id = run.id.clone();
    writes.new_runs.push(run);
    Ok((id, exec))
}

/// After the commit: wakes the sender and the timer worker if the run queued or scheduled work.
pub(crate) fn wake(inner: &Inner, exec: &Execution) {
    if !exec.sent.is_empty() {
        inner.sender_wake.notify_one();
    }
    if !exec.timers.is_empty() {
        inner.worker_wake.notify_one();
    }
}
