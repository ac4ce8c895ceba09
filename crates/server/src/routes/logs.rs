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
use waflow_domain::matching::{expand_skipped, SetMember};
use waflow_engine::cache::calendar_of;
use waflow_store::{LogEntry, LogFilter};

fn bad(field: &str, message: String) -> ApiError {
    ApiError::BadRequest { field: Some(field.into()), message: format!("{field}: {message}") }
}

/// Parses an RFC 3339 instant or a date (local midnight in the workspace time zone).
fn instant(field: &str, value: &str, calendar: &waflow_domain::Calendar) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(calendar.resolve_local(d.and_hms_opt(0, 0, 0).unwrap_or_default()));
    }
    Err(bad(field, format!("{value:?} is not a date (YYYY-MM-DD) or an RFC 3339 time")))
}

pub async fn list(State(state): State<AppState>, caller: Caller, params: Params) -> ApiResult<Json<Value>> {
    let limit = params.limit(50, 500)?;
    let ws = state.store.workspace(&caller.workspace_id).await?;
    let calendar = calendar_of(&ws)?;
    let now = state.engine.now();
    let start_of_today = calendar.resolve_local(calendar.local(now).date().and_hms_opt(0, 0, 0).unwrap_or_default());
    let (mut since, mut until) = (None, None);
    match params.get("period") {
        None | Some("all") => {}
        Some("today") => since = Some(start_of_today),
        Some("7d") | Some("7") => since = Some(start_of_today - Duration::days(6)),
        Some("30d") | Some("30") => since = Some(start_of_today - Duration::days(29)),
        Some("90d") | Some("90") => since = Some(start_of_today - Duration::days(89)),
        Some("custom") => {
            let from = params.get("since").ok_or_else(|| bad("since", "is required with period=custom".into()))?;
            since = Some(instant("since", from, &calendar)?);
        }
        Some(other) => return Err(bad("period", format!("{other:?} is not a period (today, 7d, 30d, 90d, custom, all)"))),
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

/// One entry; for an inbound evaluation, `evaluation.skipped` names each workflow the keyword index
/// skipped and the condition that could not hold (stored compactly as a mask over the workflow set).
pub async fn show(State(state): State<AppState>, caller: Caller, UrlPath(id): UrlPath<String>) -> ApiResult<Json<LogEntry>> {
    let mut entry = state.store.log(&caller.workspace_id, &id).await?;
    let evaluation = &entry.detail["evaluation"];
    if let (Some(set), Some(mask)) = (evaluation["workflow_set"].as_str(), evaluation["skipped_mask"].as_str()) {
        let members: Vec<SetMember> = serde_json::from_value(state.store.workflow_set(&caller.workspace_id, set).await?)
            .map_err(|e| ApiError::Internal(format!("workflow set {set}: {e}")))?;
        let skipped = expand_skipped(mask, &members);
        entry.detail["evaluation"]["skipped"] = serde_json::to_value(skipped).unwrap_or_default();
    }
    Ok(Json(entry))
}
