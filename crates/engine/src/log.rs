//! Log entries: the engine's account of why each thing happened.

use crate::executor::Execution;
use crate::Error;
use chrono::{DateTime, Utc};
use serde_json::Value;
use waflow_store::{new_id, LogEntry, Run, Tx};

/// The parts of a log entry that vary by event.
pub(crate) struct Entry {
    kind: &'static str,
    outcome: &'static str,
    summary: String,
    detail: Value,
}

/// Builds an [`Entry`].
pub(crate) fn entry(kind: &'static str, outcome: &'static str, summary: String, detail: Value) -> Entry {
    Entry { kind, outcome, summary, detail }
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

    /// Writes an entry about the message or contact; returns its id.
    pub async fn write(&self, tx: &mut Box<dyn Tx>, e: Entry) -> Result<String, Error> {
        let entry = self.build(e, None, None);
        tx.insert_log(&entry).await?;
        Ok(entry.id)
    }

    /// Writes an entry about a run; returns its id.
    pub async fn write_run(&self, tx: &mut Box<dyn Tx>, run: &Run, e: Entry) -> Result<String, Error> {
        let entry = self.build(e, Some(&run.workflow_id), Some(&run.id));
        tx.insert_log(&entry).await?;
        Ok(entry.id)
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
