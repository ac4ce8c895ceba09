//! Log entries: the engine's account of why each thing happened.

use crate::executor::Execution;
use chrono::{DateTime, Utc};
use serde_json::Value;
use waflow_store::{new_id, LogEntry, Run, Writes};

/// The parts of a log entry that vary by event.
pub(crate) struct Entry {
    kind: &'static str,
    outcome: &'static str,
    summary: String,
    detail: Value,
}

/// Builds an [`Entry`].
pub(crate) fn entry(
    kind: &'static str,
    outcome: &'static str,
    summary: String,
    detail: Value,
) -> Entry {
    Entry {
        kind,
        outcome,
        summary,
        detail,
    }
}

/// The context shared by the log entries of one event.
pub(crate) struct Log<'a> {
    pub workspace_id: &'a str,
    pub number_id: &'a str,
    pub contact_id: &'a str,
    pub message_id: Option<&'a str>,
    pub now: DateTime<Utc>,
}

impl Log<'_> {
    fn build(&self, e: Entry, workflow_id: Option<&str>, run_id: Option<&str>) -> LogEntry {
        LogEntry {
            id: new_id("log"),
            workspace_id: self.workspace_id.to_string(),
            created_at: self.now,
            kind: e.kind.to_string(),
            outcome: e.outcome.to_string(),
            summary: e.summary,
            number_id: Some(self.number_id.to_string()),
            contact_id: Some(self.contact_id.to_string()),
            message_id: self.message_id.map(str::to_string),
            workflow_id: workflow_id.map(str::to_string),
            run_id: run_id.map(str::to_string),
            detail: e.detail,
        }
    }

    /// Adds an entry about the message or contact to `writes`; returns its id.
    pub fn write(&self, writes: &mut Writes, e: Entry) -> String {
        let entry = self.build(e, None, None);
        let id = entry.id.clone();
        writes.logs.push(entry);
        id
    }

    /// Adds an entry about a run to `writes`; returns its id.
    pub fn write_run(&self, writes: &mut Writes, run: &Run, e: Entry) -> String {
        let entry = self.build(e, Some(&run.workflow_id), Some(&run.id));
        let id = entry.id.clone();
        writes.logs.push(entry);
        id
    }
}

/// A short account of an execution: "2 steps, 1 message queued; now waiting for a reply".
pub(crate) fn describe(run: &Run, exec: &Execution) -> String {
    let mut parts = vec![format!("{} step(s) executed", exec.steps.len())];
    if !exec.sent.is_empty() {
        parts.push(format!("{} message(s) queued", exec.sent.len()));
    }
    let state = match run.state.as_str() {
        "waiting" => "now waiting for a reply".to_string(),
        "completed" => "run completed".to_string(),
        "ended" => "run ended".to_string(),
        "failed" => format!("run failed: {}", exec.error.clone().unwrap_or_default()),
        _ => match exec.timers.first() {
            Some(t) => format!("next step {} due at {}", t.step_id, t.due_at.to_rfc3339()),
            None => "active".to_string(),
        },
    };
    parts.push(state);
    parts.join(", ")
}

/// The timers of an execution, for log details.
pub(crate) fn timers_json(exec: &Execution) -> Value {
    Value::Array(
        exec.timers
            .iter()
            .map(|t| serde_json::json!({"step": t.step_id, "kind": t.kind, "due_at": t.due_at}))
            .collect(),
    )
}
