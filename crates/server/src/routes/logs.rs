//! `/logs`: why things happened, newest first, filtered by period, workflow, contact, number and
//! outcome, paginated by cursor.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Params};
use crate::routes::page;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;
use waflow_domain::condition::{self, Check};
use waflow_domain::matching::{expand_skipped, SetMember};
use waflow_domain::WorkflowDocument;
use waflow_engine::cache::calendar_of;
use waflow_store::{LogEntry, LogFilter};

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

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
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
        before_id: params.get("cursor").map(str::to_string),
        limit,
    };
    let entries = state.store.logs(&caller.workspace_id, &filter).await?;
    Ok(page(entries, limit, |e| e.id.clone()))
}

/// One entry with its reasoning spelled out. For an inbound evaluation: each considered
/// workflow's checks get their description (and text checks the message text) and a `reason`;
/// `skipped` names each workflow the keyword index skipped and the condition that could not hold.
/// Both are derived from immutable data: the workflow versions and the stored workflow set.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<LogEntry>> {
    let mut entry = state.store.log(&caller.workspace_id, &id).await?;
    if entry.kind == "inbound" {
        explain(&state, &caller.workspace_id, &mut entry.detail).await?;
    }
    Ok(Json(entry))
}

async fn explain(state: &AppState, workspace_id: &str, detail: &mut Value) -> ApiResult<()> {
    let text = detail["text"].as_str().unwrap_or("").to_string();
    let evaluation = &mut detail["evaluation"];
    if let Some(considered) = evaluation
        .get_mut("considered")
        .and_then(Value::as_array_mut)
    {
        for item in considered.iter_mut() {
            let (Some(workflow_id), Some(version)) =
                (item["workflow_id"].as_str(), item["version"].as_i64())
            else {
                continue;
            };
            let document = state.store.workflow_version(workflow_id, version).await?;
            let tree = WorkflowDocument::parse(&document)
                .ok()
                .and_then(|d| d.conditions);
            let mut checks: Vec<Check> =
                serde_json::from_value(item["checks"].clone()).unwrap_or_default();
            let reason = match &tree {
                None => "no conditions".to_string(),
                Some(tree) => match condition::explain(&mut checks, tree, &text) {
                    Some(failed) if item["matched"] == false => {
                        format!("first failing condition: {failed}")
                    }
                    _ => "conditions held".to_string(),
                },
            };
            item["checks"] = serde_json::to_value(checks).unwrap_or_default();
            item["reason"] = Value::String(reason);
        }
    }
    if let (Some(set), Some(mask)) = (
        evaluation["workflow_set"].as_str(),
        evaluation["skipped_mask"].as_str(),
    ) {
        let members: Vec<SetMember> =
            serde_json::from_value(state.store.workflow_set(workspace_id, set).await?)
                .map_err(|e| ApiError::Internal(format!("workflow set {set}: {e}")))?;
        evaluation["skipped"] =
            serde_json::to_value(expand_skipped(mask, &members)).unwrap_or_default();
    }
    Ok(())
}
