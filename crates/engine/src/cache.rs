//! Per-workspace state that every inbound message needs: the calendar and the indexed active
//! workflows. Rebuilt on demand after [`WorkspaceCache::invalidate`], so the hot path reads no
//! workflow rows.

use crate::Error;
use chrono_tz::Tz;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use waflow_domain::calendar::{Calendar, WeeklySchedule};
use waflow_domain::matching::{ActiveWorkflow, WorkflowSet};
use waflow_domain::parse::Path;
use waflow_domain::{MessageType, WorkflowDocument};
use waflow_store::Store;

/// What the engine knows about a workspace between changes.
pub struct WorkspaceState {
    pub calendar: Calendar,
    pub workflows: WorkflowSet,
    /// The same workflows, at the same indices, for notice messages (reactions, edits, revokes,
    /// system notices): only those whose conditions name a notice type are active in it, so a
    /// notice starts nothing else (see [`waflow_domain::MessageType::is_notice`]).
    pub notice_workflows: WorkflowSet,
    /// The id under which `workflows`' members are stored, for logs (the notice set's members
    /// are the same).
    pub set_id: String,
    /// Which messages opt a contact out of marketing, and the confirmation.
    pub opt_out: waflow_domain::campaign::OptOut,
    /// For a test of a workflow's draft: that workflow's id. Its set holds only the draft, and only
    /// a waiting run of that workflow takes the message.
    pub only_workflow: Option<String>,
}

impl WorkspaceState {
    /// The state a test-chat message of a draft is decided with: the workspace's calendar and
    /// opt-out rule, and a set holding only `document` (as `version`), active and on every
    /// number (the test chat uses the sandbox number), stored under a new set id for the log.
    pub(crate) async fn for_test(
        live: &WorkspaceState,
        store: &dyn Store,
        workspace_id: &str,
        workflow: ActiveWorkflow,
    ) -> Result<Self, Error> {
        let mut doc = (*workflow.document).clone();
        doc.active = true;
        doc.scope = waflow_domain::Scope::All;
        let only = ActiveWorkflow {
            document: Arc::new(doc),
            ..workflow
        };
        let active = vec![only];
        let notice_workflows = notice_set(&active);
        let only_workflow = Some(active[0].id.clone());
        let workflows = WorkflowSet::new(active);
        let set_id = stored_set(store, workspace_id, &workflows).await?;
        Ok(Self {
            calendar: live.calendar.clone(),
            workflows,
            notice_workflows,
            set_id,
            opt_out: live.opt_out.clone(),
            only_workflow,
        })
    }
}

/// Stores the members of `workflows` under a new id (logs name the set they were decided with).
async fn stored_set(
    store: &dyn Store,
    workspace_id: &str,
    workflows: &WorkflowSet,
) -> Result<String, Error> {
    let set_id = waflow_store::new_id("wset");
    let members = serde_json::to_value(workflows.members()).unwrap_or_default();
    store
        .insert_workflow_set(workspace_id, &set_id, &members)
        .await?;
    Ok(set_id)
}

/// The notice set of `active`: each workflow kept at its index, and those that do not ask for
/// a notice type replaced by an inactive stand-in that the matcher skips.
fn notice_set(active: &[ActiveWorkflow]) -> WorkflowSet {
    let asks = |doc: &WorkflowDocument| {
        doc.conditions.as_ref().is_some_and(|c| {
            MessageType::ALL
                .into_iter()
                .filter(MessageType::is_notice)
                .any(|t| c.names_message_type(t))
        })
    };
    let members = active
        .iter()
        .map(|wf| {
            if asks(&wf.document) {
                return wf.clone();
            }
            let doc = &wf.document;
            let stand_in = WorkflowDocument {
                schema: doc.schema,
                name: doc.name.clone(),
                description: None,
                active: false,
                priority: doc.priority,
                scope: doc.scope.clone(),
                stop_on_match: doc.stop_on_match,
                during_takeover: doc.during_takeover,
                trigger: doc.trigger.clone(),
                conditions: None,
                steps: Vec::new(),
                ui: None,
            };
            ActiveWorkflow {
                id: wf.id.clone(),
                version: wf.version,
                document: Arc::new(stand_in),
            }
        })
        .collect();
    WorkflowSet::new(members)
}

/// Builds the calendar of a stored workspace.
pub fn calendar_of(ws: &waflow_store::Workspace) -> Result<Calendar, Error> {
    let corrupt =
        |e: waflow_domain::FieldError| Error::Store(waflow_store::Error::Corrupt(e.to_string()));
    let time_zone: Tz = Calendar::parse_time_zone(
        &Value::String(ws.time_zone.clone()),
        &Path::root("time_zone"),
    )
    .map_err(corrupt)?;
    let business_hours = WeeklySchedule::parse(&ws.business_hours, &Path::root("business_hours"))
        .map_err(corrupt)?;
    let holidays =
        Calendar::parse_holidays(&ws.holidays, &Path::root("holidays")).map_err(corrupt)?;
    Ok(Calendar {
        time_zone,
        business_hours,
        holidays,
    })
}

/// A cache of [`WorkspaceState`] and of parsed workflow versions.
#[derive(Default)]
pub struct WorkspaceCache {
    // std RwLock: held only to clone an Arc, never across an await.
    states: RwLock<HashMap<String, Arc<WorkspaceState>>>,
    versions: RwLock<HashMap<(String, i64), Arc<WorkflowDocument>>>,
}

impl WorkspaceCache {
    /// The state of a workspace, loading it when missing.
    pub async fn get(
        &self,
        store: &dyn Store,
        workspace_id: &str,
    ) -> Result<Arc<WorkspaceState>, Error> {
        if let Some(state) = self
            .states
            .read()
            .ok()
            .and_then(|m| m.get(workspace_id).cloned())
        {
            return Ok(state);
        }
        let ws = store.workspace(workspace_id).await?;
        let calendar = calendar_of(&ws)?;
        let mut active = Vec::new();
        for wf in store.workflows(workspace_id).await? {
            if !wf.active {
                continue;
            }
            match WorkflowDocument::parse(&wf.document) {
                Ok(doc) => active.push(ActiveWorkflow {
                    id: wf.id,
                    version: wf.version,
                    document: Arc::new(doc),
                }),
                Err(e) => {
                    tracing::error!(workflow = %wf.id, error = %e, "stored workflow no longer parses; skipped")
                }
            }
        }
        for wf in &active {
            if let Ok(mut v) = self.versions.write() {
                v.insert((wf.id.clone(), wf.version), wf.document.clone());
            }
        }
        let notice_workflows = notice_set(&active);
        let workflows = WorkflowSet::new(active);
        let set_id = stored_set(store, workspace_id, &workflows).await?;
        let opt_out = waflow_domain::campaign::OptOut::from_settings(
            &store.opt_out_settings(workspace_id).await?,
        );
        let state = Arc::new(WorkspaceState {
            calendar,
            workflows,
            notice_workflows,
            set_id,
            opt_out,
            only_workflow: None,
        });
        if let Ok(mut m) = self.states.write() {
            m.insert(workspace_id.to_string(), state.clone());
        }
        Ok(state)
    }

    /// Forgets a workspace's state; the next message reloads it.
    pub fn invalidate(&self, workspace_id: &str) {
        if let Ok(mut m) = self.states.write() {
            m.remove(workspace_id);
        }
    }

    /// Forgets every workspace's state.
    pub fn invalidate_all(&self) {
        if let Ok(mut m) = self.states.write() {
            m.clear();
        }
    }

    /// A parsed workflow version, if cached.
    pub fn version(&self, workflow_id: &str, version: i64) -> Option<Arc<WorkflowDocument>> {
        self.versions
            .read()
            .ok()
            .and_then(|v| v.get(&(workflow_id.to_string(), version)).cloned())
    }

    /// Remembers a parsed workflow version (versions are immutable).
    pub fn remember_version(&self, workflow_id: &str, version: i64, doc: Arc<WorkflowDocument>) {
        if let Ok(mut v) = self.versions.write() {
            if v.len() > 50_000 {
                v.clear();
            }
            v.insert((workflow_id.to_string(), version), doc);
        }
    }
}
