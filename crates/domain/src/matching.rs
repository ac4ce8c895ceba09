//! Matching an inbound message against a workspace's active workflows, in the order of SPEC §6.
//!
//! [`WorkflowSet`] is built once per change of the workspace's workflows and then answers every
//! inbound message without scanning workflows that cannot match: exact phrases are a hash lookup and
//! the keywords that a workflow's conditions require are one Aho-Corasick pass over the text.
//!
//! **Invariant:** the order is (1) a waiting run takes the message unless it is an exact phrase,
//! (2) an exact phrase starts its one workflow and ends the evaluation, (3) the other workflows in
//! ascending `priority` (then creation order), stopping after a match with `stop_on_match`,
//! (4) only when nothing matched, `holiday` workflows and, if none of those started,
//! `outside_business_hours` workflows.

use crate::calendar::Calendar;
use crate::condition::{Check, Condition, EvalContext};
use crate::contact::ContactView;
use crate::document::WorkflowDocument;
use crate::message::InboundView;
use crate::parse::Path;
use crate::trigger::Trigger;
use aho_corasick::AhoCorasick;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// One active, published workflow version as the matcher sees it.
#[derive(Debug, Clone)]
pub struct ActiveWorkflow {
    pub id: String,
    pub version: i64,
    pub document: Arc<WorkflowDocument>,
}

/// What the matcher decided about one workflow.
#[derive(Debug, Clone)]
pub struct Consideration {
    /// The workflow's index in the [`WorkflowSet`] (and in its stored members).
    pub index: usize,
    pub matched: bool,
    /// The evaluated leaves; the last failing one is the first condition that failed.
    pub checks: Vec<Check>,
}

/// The stored form is compact, because one is written for every workflow evaluated for every
/// message: `{"w": member index, "m": matched, "c": [[path, held], [path, held, value], ...]}`.
/// [`Consideration::from_stored`] reads it back; the workflow's id, version and name come from the
/// stored workflow set, and descriptions from [`crate::condition::explain`].
impl Serialize for Consideration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let checks: Vec<serde_json::Value> = self
            .checks
            .iter()
            .map(|c| {
                if c.actual.is_null() {
                    serde_json::json!([c.path, c.held])
                } else {
                    serde_json::json!([c.path, c.held, c.actual])
                }
            })
            .collect();
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("w", &self.index)?;
        map.serialize_entry("m", &self.matched)?;
        map.serialize_entry("c", &checks)?;
        map.end()
    }
}

impl Consideration {
    /// Reads the stored form back.
    pub fn from_stored(value: &serde_json::Value) -> Option<Self> {
        let index = value["w"].as_u64()? as usize;
        let matched = value["m"].as_bool()?;
        let checks = value["c"]
            .as_array()?
            .iter()
            .filter_map(|c| {
                Some(Check {
                    path: c.get(0)?.as_str()?.to_string(),
                    held: c.get(1)?.as_bool()?,
                    actual: c.get(2).cloned().unwrap_or(serde_json::Value::Null),
                    condition: None,
                })
            })
            .collect();
        Some(Self {
            index,
            matched,
            checks,
        })
    }
}

/// A workflow skipped by the keyword index: none of the keywords its conditions require appear.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub workflow_id: String,
    /// The version the matcher held (its conditions are those of that version).
    pub version: i64,
    /// The condition that cannot hold, e.g. `conditions.all[0]`.
    pub path: String,
}

impl Skipped {
    /// The condition that could not hold as a check like an evaluated workflow's (not held,
    /// described, compared with the message text), and that condition in words with its value;
    /// `tree` is the conditions of the skipped version. Done when a log is read, so that the
    /// intake only sets a bit per skipped workflow.
    pub fn explain(&self, tree: &Condition, text: &str) -> (Vec<Check>, Option<String>) {
        let mut checks = vec![Check {
            path: self.path.clone(),
            held: false,
            actual: serde_json::Value::Null,
            condition: None,
        }];
        let failed = crate::condition::explain(&mut checks, tree, text);
        (checks, failed)
    }

    /// Whether the skipped condition is the first one evaluation would have checked (the root
    /// or the first of a root `all`); otherwise the conditions before it were not evaluated.
    pub fn is_first_condition(&self) -> bool {
        self.path == "conditions" || self.path == "conditions.all[0]"
    }
}

/// One member of a stored workflow set (see [`WorkflowSet::members`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SetMember {
    pub workflow_id: String,
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub keyword_path: Option<String>,
}

/// Names the workflows in a skipped mask (see [`WorkflowSet::skipped_mask`]).
pub fn expand_skipped(mask: &str, members: &[SetMember]) -> Vec<Skipped> {
    let bytes: Vec<u8> = (0..mask.len() / 2)
        .filter_map(|i| u8::from_str_radix(mask.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    members
        .iter()
        .enumerate()
        .filter(|(i, _)| bytes.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0))
        .map(|(_, m)| Skipped {
            workflow_id: m.workflow_id.clone(),
            version: m.version,
            path: m.keyword_path.clone().unwrap_or_default(),
        })
        .collect()
}

/// The decision for one inbound message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    /// The waiting run takes the message (step 1).
    pub resume_waiting_run: bool,
    /// Workflows to start, in order (indices into [`WorkflowSet::workflows`]).
    #[serde(skip)]
    pub start: Vec<usize>,
    /// Every workflow that was evaluated, in order.
    pub considered: Vec<Consideration>,
    /// Workflows skipped without evaluation because a required keyword is absent (indices into
    /// [`WorkflowSet::workflows`]); logged compactly with [`WorkflowSet::skipped_mask`].
    #[serde(skip)]
    pub skipped: Vec<usize>,
    /// Which stage decided: "waiting_run", "exact_phrase", "priority", "holiday",
    /// "outside_business_hours" or "none".
    pub stage: &'static str,
}

/// The inputs of one evaluation.
pub struct Inbound<'a> {
    pub number_id: &'a str,
    pub message: &'a InboundView,
    pub contact: &'a ContactView,
    /// The contact did not exist before this message.
    pub contact_is_new: bool,
    /// A run of this contact is waiting for a reply.
    pub has_waiting_run: bool,
    pub calendar: &'a Calendar,
    pub now: DateTime<Utc>,
    /// The conversation's counts and times; given when [`WorkflowSet::needs_conversation`].
    pub conversation: Option<&'a crate::ConversationStats>,
}

/// A workspace's active workflows, indexed for matching.
#[derive(Debug, Default)]
pub struct WorkflowSet {
    pub workflows: Vec<ActiveWorkflow>,
    by_phrase: HashMap<String, Vec<usize>>,
    /// Message-driven workflows (message_received, contact_created) in evaluation order.
    ordered: Vec<usize>,
    holiday: Vec<usize>,
    outside_hours: Vec<usize>,
    keywords: Option<AhoCorasick>,
    /// For each keyword pattern, the workflow it belongs to.
    keyword_owner: Vec<usize>,
    /// For each workflow, the path of its required-keyword condition (if indexed).
    indexed_path: HashMap<usize, String>,
    /// Some message-driven workflow has a condition on the conversation's counts or times.
    needs_conversation: bool,
}

impl WorkflowSet {
    /// Indexes the given workflows. Inactive documents are ignored.
    pub fn new(workflows: Vec<ActiveWorkflow>) -> Self {
        let mut set = WorkflowSet {
            workflows,
            ..Default::default()
        };
        let mut order: Vec<usize> = (0..set.workflows.len())
            .filter(|&i| set.workflows[i].document.active)
            .collect();
        order.sort_by_key(|&i| set.workflows[i].document.priority);
        let mut patterns: Vec<String> = Vec::new();
        for i in order {
            let doc = &set.workflows[i].document;
            match &doc.trigger {
                Trigger::ExactPhrase { .. } => {
                    let key = doc.trigger.phrase_key().unwrap_or_default();
                    set.by_phrase.entry(key).or_default().push(i);
                }
                Trigger::MessageReceived | Trigger::ContactCreated => {
                    set.ordered.push(i);
                    if let Some((path, words)) =
                        doc.conditions.as_ref().and_then(|c| c.required_keywords())
                    {
                        for w in words {
                            patterns.push(w);
                            set.keyword_owner.push(i);
                        }
                        set.indexed_path.insert(i, path);
                    }
                }
                Trigger::Holiday => set.holiday.push(i),
                // Started by the clock, calls and events, not by messages.
                Trigger::Date { .. }
                | Trigger::ConversationIdle { .. }
                | Trigger::Integration { .. }
                | Trigger::Outbound
                | Trigger::ListAdded { .. }
                | Trigger::TicketStatusChanged { .. } => continue,
                Trigger::OutsideBusinessHours => set.outside_hours.push(i),
            }
            set.needs_conversation |= doc
                .conditions
                .as_ref()
                .is_some_and(|c| c.needs_conversation());
        }
        if !patterns.is_empty() {
            set.keywords = AhoCorasick::new(&patterns).ok();
            if set.keywords.is_none() {
                // Without the automaton every workflow is simply evaluated.
                set.indexed_path.clear();
            }
        }
        set
    }

    /// Whether [`Inbound::conversation`] should be given: some workflow's conditions look at
    /// the conversation's counts or times.
    pub fn needs_conversation(&self) -> bool {
        self.needs_conversation
    }

    fn consider(&self, i: usize, input: &Inbound) -> Consideration {
        let wf = &self.workflows[i];
        let doc = &wf.document;
        let mut checks = Vec::new();
        let matched = match &doc.conditions {
            None => true,
            Some(cond) => {
                let ctx = EvalContext {
                    message: Some(input.message),
                    contact: input.contact,
                    calendar: input.calendar,
                    now: input.now,
                    vars: None,
                    number_id: Some(input.number_id),
                    conversation: input.conversation,
                };
                cond.evaluate(&ctx, &Path::root("conditions"), &mut checks)
            }
        };
        Consideration {
            index: i,
            matched,
            checks,
        }
    }

    /// Decides what an inbound message starts, following SPEC §6 (see the module invariant).
    pub fn evaluate(&self, input: &Inbound) -> Evaluation {
        let mut eval = Evaluation {
            stage: "none",
            ..Default::default()
        };
        let in_scope = |i: &usize| self.workflows[*i].document.scope.includes(input.number_id);

        let phrase = InboundView::phrase_key(&input.message.text);
        if let Some(candidates) = self.by_phrase.get(&phrase) {
            for &i in candidates.iter().filter(|i| in_scope(i)) {
                let c = self.consider(i, input);
                let matched = c.matched;
                eval.considered.push(c);
                if matched {
                    eval.start.push(i);
                    eval.stage = "exact_phrase";
                    return eval;
                }
            }
        }
        if input.has_waiting_run {
            eval.resume_waiting_run = true;
            eval.stage = "waiting_run";
            return eval;
        }

        let present = self.keywords_present(&input.message.text);
        for &i in self.ordered.iter().filter(|i| in_scope(i)) {
            let doc = &self.workflows[i].document;
            if doc.trigger == Trigger::ContactCreated && !input.contact_is_new {
                continue;
            }
            if self.indexed_path.contains_key(&i) && !present.get(i).copied().unwrap_or(false) {
                eval.skipped.push(i);
                continue;
            }
            let c = self.consider(i, input);
            let matched = c.matched;
            eval.considered.push(c);
            if matched {
                eval.start.push(i);
                eval.stage = "priority";
                if doc.stop_on_match {
                    break;
                }
            }
        }
        if !eval.start.is_empty() {
            return eval;
        }

        if input.calendar.is_holiday(input.now) {
            self.fallback(&self.holiday, "holiday", input, &mut eval);
        }
        if eval.start.is_empty() && !input.calendar.is_open(input.now) {
            self.fallback(
                &self.outside_hours,
                "outside_business_hours",
                input,
                &mut eval,
            );
        }
        eval
    }

    fn fallback(
        &self,
        list: &[usize],
        stage: &'static str,
        input: &Inbound,
        eval: &mut Evaluation,
    ) {
        for &i in list
            .iter()
            .filter(|&&i| self.workflows[i].document.scope.includes(input.number_id))
        {
            let c = self.consider(i, input);
            let matched = c.matched;
            eval.considered.push(c);
            if matched {
                eval.start.push(i);
                eval.stage = stage;
                if self.workflows[i].document.stop_on_match {
                    break;
                }
            }
        }
    }

    /// For each workflow index, whether one of its required keywords occurs in `text`.
    fn keywords_present(&self, text: &str) -> Vec<bool> {
        let mut present = vec![false; self.workflows.len()];
        if let Some(ac) = &self.keywords {
            let folded = text.to_lowercase();
            for m in ac.find_overlapping_iter(&folded) {
                present[self.keyword_owner[m.pattern().as_usize()]] = true;
            }
        }
        present
    }

    /// What the set holds, in index order: each workflow, its version and the path of its
    /// keyword-indexed condition. Stored once per set so that logs can name skipped workflows
    /// from a compact mask.
    pub fn members(&self) -> Vec<SetMember> {
        self.workflows
            .iter()
            .enumerate()
            .map(|(i, w)| SetMember {
                workflow_id: w.id.clone(),
                version: w.version,
                keyword_path: self.indexed_path.get(&i).cloned(),
            })
            .collect()
    }

    /// A compact form of `indices`: a hex bitmap over the set's members (bit i = member i).
    pub fn skipped_mask(&self, indices: &[usize]) -> String {
        let mut bytes = vec![0u8; self.workflows.len().div_ceil(8)];
        for &i in indices {
            bytes[i / 8] |= 1 << (i % 8);
        }
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Workflows started by a contact being created outside any message (e.g. through the API).
    pub fn contact_created(&self, input: &Inbound) -> Evaluation {
        let mut eval = Evaluation {
            stage: "none",
            ..Default::default()
        };
        for &i in self.ordered.iter() {
            let doc = &self.workflows[i].document;
            if doc.trigger != Trigger::ContactCreated || !doc.scope.includes(input.number_id) {
                continue;
            }
            let c = self.consider(i, input);
            let matched = c.matched;
            eval.considered.push(c);
            if matched {
                eval.start.push(i);
                eval.stage = "priority";
                if doc.stop_on_match {
                    break;
                }
            }
        }
        eval
    }
}

#[cfg(test)]
mod tests;
