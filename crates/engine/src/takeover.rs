//! Human takeover: when a person (an agent, or the business's own phone) writes in a contact's
//! conversation, the store pauses automation for that contact for the workspace's
//! `takeover_hours`. Meanwhile an inbound message starts or resumes only the workflows whose
//! document says `during_takeover: true`; the others are held back and the log says why.

use chrono::{DateTime, Utc};
use waflow_domain::matching::{Evaluation, WorkflowSet};
use waflow_domain::WorkflowDocument;

/// Removes from `eval` what may not act during a takeover — workflows to start, and resuming a
/// waiting run whose document is `waiting` — and returns how many were held back. The waiting
/// run keeps waiting.
pub(crate) fn hold(
    eval: &mut Evaluation,
    set: &WorkflowSet,
    waiting: Option<&WorkflowDocument>,
) -> usize {
    let before = eval.start.len();
    eval.start
        .retain(|&i| set.workflows[i].document.during_takeover);
    let mut held = before - eval.start.len();
    if eval.resume_waiting_run && !waiting.is_some_and(|d| d.during_takeover) {
        eval.resume_waiting_run = false;
        held += 1;
    }
    held
}

/// The log's sentence for a message that automation left to the person handling it.
pub(crate) fn summary(until: DateTime<Utc>, held: usize) -> String {
    let what = if held == 1 {
        "1 workflow would have run".to_string()
    } else {
        format!("{held} workflows would have run")
    };
    format!(
        "a person took this conversation over: automation is paused for the contact until {} ({what}); \
         resume it from the conversation",
        until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;
    use waflow_domain::matching::ActiveWorkflow;

    fn workflow(id: &str, during: bool) -> ActiveWorkflow {
        let doc = json!({"name": id, "during_takeover": during, "trigger": {"type": "message_received"},
                         "steps": [{"id": "a", "type": "send_text", "text": "hi"}]});
        ActiveWorkflow {
            id: id.into(),
            version: 1,
            document: Arc::new(WorkflowDocument::parse(&doc).unwrap()),
        }
    }

    #[test]
    fn only_workflows_that_keep_running_during_a_takeover_stay() {
        let set = WorkflowSet::new(vec![workflow("quiet", false), workflow("loud", true)]);
        let mut eval = Evaluation {
            start: vec![0, 1],
            resume_waiting_run: true,
            ..Default::default()
        };
        let quiet = set.workflows[0].document.clone();
        assert_eq!(hold(&mut eval, &set, Some(&quiet)), 2);
        assert_eq!(eval.start, vec![1]);
        assert!(!eval.resume_waiting_run);
        let mut eval = Evaluation {
            resume_waiting_run: true,
            ..Default::default()
        };
        let loud = set.workflows[1].document.clone();
        assert_eq!(hold(&mut eval, &set, Some(&loud)), 0);
        assert!(eval.resume_waiting_run);
        assert!(summary(chrono::Utc::now(), 2).contains("2 workflows would have run"));
    }
}
