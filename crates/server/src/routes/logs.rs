//! `/logs`: why things happened, newest first, filtered by period, workflow, contact, number and
//! outcome, paginated by cursor.

use crate::error::{ApiError, ApiResult};
use crate::extract::Params;
use crate::roles::Signed;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use serde_json::Value;
use std::collections::HashMap;
use waflow_domain::condition;
use waflow_domain::matching::{expand_skipped, Consideration, SetMember, Skipped};
use waflow_domain::WorkflowDocument;
use waflow_engine::cache::calendar_of;
use waflow_store::{LogEntry, LogFilter};

page_of!(
    /// `GET /logs`: newest first.
    LogPage,
    LogEntry
);

fn bad(field: &str, message: String) -> ApiError {
    ApiError::BadRequest {
        field: Some(field.into()),
        message: format!("{field}: {message}"),
    }
}

/// Parses an RFC 3339 instant or a date (local midnight in the workspace time zone).
fn instant(
    field: &str,
    value: &str,
    calendar: &waflow_domain::Calendar,
) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(calendar.resolve_local(d.and_hms_opt(0, 0, 0).unwrap_or_default()));
    }
    Err(bad(
        field,
        format!("{value:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"),
    ))
}

/// Log entries, newest first, as the query says; an agent's are those about the contacts
/// assigned to them.
pub async fn list(
    State(state): State<AppState>,
    who: Signed,
    params: Params,
) -> ApiResult<Json<LogPage>> {
    let caller = &who.caller;
    let limit = params.limit(50, 500)?;
    let ws = state.store.workspace(&caller.workspace_id).await?;
    let calendar = calendar_of(&ws)?;
    let now = state.engine.now();
    let start_of_today = calendar.resolve_local(
        calendar
            .local(now)
            .date()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default(),
    );
    let (mut since, mut until) = (None, None);
    match params.get("period") {
        None | Some("all") => {}
        Some("today") => since = Some(start_of_today),
        Some("7d") | Some("7") => since = Some(start_of_today - Duration::days(6)),
        Some("30d") | Some("30") => since = Some(start_of_today - Duration::days(29)),
        Some("90d") | Some("90") => since = Some(start_of_today - Duration::days(89)),
        Some("custom") => {
            let from = params
                .get("since")
                .ok_or_else(|| bad("since", "is required with period=custom".into()))?;
            since = Some(instant("since", from, &calendar)?);
        }
        Some(other) => {
            return Err(bad(
                "period",
                format!("{other:?} is not a period (today, 7d, 30d, 90d, custom, all)"),
            ))
        }
    }
    if let Some(v) = params.get("since") {
        since = Some(instant("since", v, &calendar)?);
    }
    if let Some(v) = params.get("until") {
        until = Some(instant("until", v, &calendar)?);
    }
    let filter = LogFilter {
        since,
        until,
        workflow_id: params.get("workflow_id").map(str::to_string),
        contact_id: params.get("contact_id").map(str::to_string),
        number_id: params.get("number_id").map(str::to_string),
        outcome: params.get("outcome").map(str::to_string),
        kind: params.get("kind").map(str::to_string),
        before_id: params.get("cursor").map(str::to_string),
        assigned_to: who.assigned_only().map(str::to_string),
        limit,
    };
    let mut entries = state.store.logs(&caller.workspace_id, &filter).await?;
    let mut explainer = Explainer::new(&state, &caller.workspace_id);
    for entry in entries.iter_mut() {
        explainer.explain(entry).await?;
    }
    Ok(LogPage::new(entries, limit, |e| e.id.clone()))
}

/// One entry with its reasoning spelled out (see [`Explainer`]).
pub async fn show(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<LogEntry>> {
    let mut entry = state.store.log(who.workspace(), &id).await?;
    who.check_contact(&state, entry.contact_id.as_deref(), "log entry", &id)
        .await?;
    Explainer::new(&state, who.workspace())
        .explain(&mut entry)
        .await?;
    Ok(Json(entry))
}

/// Spells out an inbound evaluation, which is stored compactly: each considered workflow gets its
/// id, name and version (from the stored workflow set), its checks their descriptions (and text
/// checks the message text), and a `reason`; `skipped` gives each workflow the keyword index skipped
/// the same (the condition that could not hold, compared with the message text) and its `path`. All of it is derived from immutable data: the workflow
/// versions and the workflow set the matcher used. Caches both for one request.
pub(crate) struct Explainer<'a> {
    state: &'a AppState,
    workspace_id: &'a str,
    sets: HashMap<String, Vec<SetMember>>,
    documents: HashMap<(String, i64), Option<WorkflowDocument>>,
}

impl<'a> Explainer<'a> {
    pub(crate) fn new(state: &'a AppState, workspace_id: &'a str) -> Self {
        Self {
            state,
            workspace_id,
            sets: HashMap::new(),
            documents: HashMap::new(),
        }
    }

    async fn members(&mut self, set: &str) -> ApiResult<&Vec<SetMember>> {
        if !self.sets.contains_key(set) {
            let value = self
                .state
                .store
                .workflow_set(self.workspace_id, set)
                .await?;
            let members = serde_json::from_value(value)
                .map_err(|e| ApiError::Internal(format!("workflow set {set}: {e}")))?;
            self.sets.insert(set.to_string(), members);
        }
        Ok(&self.sets[set])
    }

    async fn document(
        &mut self,
        workflow_id: &str,
        version: i64,
    ) -> ApiResult<Option<&WorkflowDocument>> {
        let key = (workflow_id.to_string(), version);
        if !self.documents.contains_key(&key) {
            let doc = match self
                .state
                .store
                .workflow_version(workflow_id, version)
                .await
            {
                Ok(value) => WorkflowDocument::parse(&value).ok(),
                // The workflow was deleted since: its versions went with it.
                Err(waflow_store::Error::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            self.documents.insert(key.clone(), doc);
        }
        Ok(self.documents[&key].as_ref())
    }

    /// Expands an entry in place; entries other than inbound evaluations are left as they are.
    pub(crate) async fn explain(&mut self, entry: &mut LogEntry) -> ApiResult<()> {
        if entry.kind != "inbound" {
            return Ok(());
        }
        let text = entry.detail["text"].as_str().unwrap_or("").to_string();
        let Some(set) = entry.detail["evaluation"]["workflow_set"]
            .as_str()
            .map(str::to_string)
        else {
            return Ok(());
        };
        let members = self.members(&set).await?.clone();
        let stored = entry.detail["evaluation"]["considered"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut considered = Vec::with_capacity(stored.len());
        for item in &stored {
            let Some(mut c) = Consideration::from_stored(item) else {
                continue;
            };
            let Some(member) = members.get(c.index) else {
                continue;
            };
            let doc = self.document(&member.workflow_id, member.version).await?;
            let name = doc.map(|d| d.name.clone());
            let reason = match doc.and_then(|d| d.conditions.as_ref()) {
                None if doc.is_some() => "no conditions".to_string(),
                None => "the workflow has since been deleted".to_string(),
                Some(tree) => match condition::explain(&mut c.checks, tree, &text) {
                    Some(failed) if !c.matched => format!("first failing condition: {failed}"),
                    _ => "conditions held".to_string(),
                },
            };
            considered.push(json!({"workflow_id": member.workflow_id, "workflow_name": name, "version": member.version,
                                   "matched": c.matched, "checks": c.checks, "reason": reason}));
        }
        let mut skipped = Vec::new();
        if let Some(mask) = entry.detail["evaluation"]["skipped_mask"].as_str() {
            for item in expand_skipped(mask, &members) {
                skipped.push(self.explain_skipped(item, &text).await?);
            }
        }
        let evaluation = &mut entry.detail["evaluation"];
        evaluation["considered"] = Value::Array(considered);
        if evaluation["skipped_mask"].is_string() {
            evaluation["skipped"] = Value::Array(skipped);
        }
        Ok(())
    }

    /// A workflow the keyword index skipped, in the shape of a considered one (name, version,
    /// `matched: false`, its failing condition as a check compared with the message text, a
    /// `reason`), plus the `path` of that condition.
    async fn explain_skipped(&mut self, item: Skipped, text: &str) -> ApiResult<Value> {
        let doc = self.document(&item.workflow_id, item.version).await?;
        let name = doc.map(|d| d.name.clone());
        let (checks, reason) = match doc.and_then(|d| d.conditions.as_ref()) {
            None => (
                Vec::new(),
                "the workflow has since been deleted".to_string(),
            ),
            Some(tree) => {
                let (checks, failed) = item.explain(tree, text);
                let failed = failed.unwrap_or_else(|| item.path.clone());
                let reason = if item.is_first_condition() {
                    format!(
                        "none of its keywords is in the message; first failing condition: {failed}"
                    )
                } else {
                    format!("none of its keywords is in the message; failing condition: {failed} (the conditions before it were not evaluated)")
                };
                (checks, reason)
            }
        };
        Ok(
            json!({"workflow_id": item.workflow_id, "workflow_name": name, "version": item.version,
                  "path": item.path, "matched": false, "checks": checks, "reason": reason}),
        )
    }
}
