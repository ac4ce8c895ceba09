//! A workflow's versions: the draft (edited freely, validated, not live), publishing it as the
//! next immutable version, the version list, one version's document, and a diff between two.
//!
//! **Invariant:** a draft never runs; publishing validates it exactly as a replacement would
//! (field paths, exact-phrase uniqueness, content limits), and runs already started keep the
//! version they started on.

use super::workflows::{check_contents, checked, write_lock};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, DocumentBody, JsonBody, Params};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};
use waflow_domain::parse::{Obj, Path};
use waflow_domain::{PhoneNumber, WorkflowDocument};
use waflow_engine::IntegrationStart;
use waflow_store::Workflow;

/// The draft, or null.
pub async fn draft(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Value>> {
    let draft = state
        .store
        .workflow_draft(&caller.workspace_id, &id)
        .await?;
    Ok(Json(json!({ "draft": draft })))
}

/// Saves the draft after validating it; the live version is untouched.
pub async fn save_draft(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    DocumentBody(body): DocumentBody,
) -> ApiResult<Json<Value>> {
    let doc = WorkflowDocument::parse(&body)?;
    check_contents(&doc)?;
    state
        .store
        .set_workflow_draft(&caller.workspace_id, &id, Some(&body))
        .await?;
    Ok(Json(json!({ "draft": body })))
}

/// Discards the draft.
pub async fn discard_draft(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<StatusCode> {
    state
        .store
        .set_workflow_draft(&caller.workspace_id, &id, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes the draft as the next version.
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Workflow>> {
    let _guard = write_lock().lock().await;
    let Some(body) = state
        .store
        .workflow_draft(&caller.workspace_id, &id)
        .await?
    else {
        return Err(ApiError::Conflict {
            field: None,
            message: format!(
                "workflow {id} has no draft to publish; save one with PUT /workflows/{id}/draft"
            ),
        });
    };
    let doc = WorkflowDocument::parse(&body)?;
    let write = checked(state.store.as_ref(), &caller.workspace_id, &doc, Some(&id)).await?;
    let updated = state
        .store
        .update_workflow(&caller.workspace_id, &id, &write)
        .await?;
    state
        .store
        .set_workflow_draft(&caller.workspace_id, &id, None)
        .await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(Json(updated))
}

/// `{"from", "name"?, "vars"?, "number_id"?}`: a test run — the draft (or, without one, the
/// current version) runs for the contact `from` on the sandbox number, whatever its trigger;
/// the contact's replies in the sandbox reach it like any run's. With `text` (and `type`): the
/// test chat's message, decided as live would decide it (see [`super::draft_test`]).
pub async fn test_run(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["from", "name", "vars", "number_id", "text", "type"])?;
    let from = obj.str("from")?;
    let phone = PhoneNumber::parse(from).map_err(|m| ApiError::invalid("from", m))?;
    let vars = match obj.opt("vars") {
        None => Map::new(),
        Some((Value::Object(m), _)) => m.clone(),
        Some((v, p)) => return Err(p.error(v, "must be an object").into()),
    };
    let wf = state.store.workflow(&caller.workspace_id, &id).await?;
    let document = state
        .store
        .workflow_draft(&caller.workspace_id, &id)
        .await?
        .unwrap_or_else(|| wf.document.clone());
    let doc = WorkflowDocument::parse(&document)?;
    check_contents(&doc)?;
    let numbers = state.store.numbers(&caller.workspace_id).await?;
    let number = match obj.opt_str("number_id")? {
        Some(n) => numbers.iter().find(|x| x.id == n).ok_or_else(|| {
            ApiError::invalid(
                "number_id",
                format!("{n:?} is not a number of this workspace"),
            )
        })?,
        None => numbers
            .iter()
            .find(|x| x.channel == "sandbox")
            .ok_or_else(|| ApiError::invalid("number_id", "the workspace has no sandbox number"))?,
    };
    if number.channel != "sandbox" {
        return Err(ApiError::invalid(
            "number_id",
            format!(
                "{} is a {} number; test runs use the sandbox",
                number.id, number.channel
            ),
        ));
    }
    if obj.has("text") || obj.has("type") {
        let message = super::draft_test::TestMessage::read(&obj, phone, number)?;
        return super::draft_test::try_message(&state, &caller, &wf, doc, message).await;
    }
    let version = state
        .store
        .insert_test_version(&caller.workspace_id, &id, &doc.to_value())
        .await?;
    let outcome = state
        .engine
        .start_test(
            &wf,
            version,
            &number.id,
            IntegrationStart {
                phone,
                name: obj.opt_str("name")?.unwrap_or("").to_string(),
                fields: Map::new(),
                vars,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"test_version": version, "number_id": number.id, "contact_id": outcome.contact_id,
                    "run_id": outcome.run_id, "queued": outcome.queued}),
        ),
    ))
}

/// The versions, oldest first.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Value>> {
    let wf = state.store.workflow(&caller.workspace_id, &id).await?;
    let versions = state
        .store
        .workflow_versions(&caller.workspace_id, &id)
        .await?;
    let data: Vec<Value> = versions
        .into_iter()
        .map(|(v, at)| json!({"version": v, "created_at": at, "current": v == wf.version}))
        .collect();
    Ok(Json(json!({ "data": data })))
}

async fn version_document(
    state: &AppState,
    caller: &Caller,
    id: &str,
    which: &str,
) -> ApiResult<Value> {
    state.store.workflow(&caller.workspace_id, id).await?;
    if which == "draft" {
        return state
            .store
            .workflow_draft(&caller.workspace_id, id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("workflow {id} has no draft")));
    }
    // Versions below 1 are the hidden snapshots of test runs.
    let version: i64 = which.parse().ok().filter(|v| *v >= 1).ok_or_else(|| {
        ApiError::invalid(
            "version",
            format!("{which:?} is not a version number or \"draft\""),
        )
    })?;
    state
        .store
        .workflow_version(id, version)
        .await
        .map_err(|_| ApiError::NotFound(format!("workflow {id} has no version {version}")))
}

/// One version's document.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath((id, version)): UrlPath<(String, String)>,
) -> ApiResult<Json<Value>> {
    let document = version_document(&state, &caller, &id, &version).await?;
    Ok(Json(json!({"version": version, "document": document})))
}

/// What changed between two versions (`?from=1&to=2`; `to` may be `draft`): each changed path
/// with its value before and after.
pub async fn diff(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let from = params
        .get("from")
        .ok_or_else(|| ApiError::invalid("from", "is required: a version number"))?;
    let to = params
        .get("to")
        .ok_or_else(|| ApiError::invalid("to", "is required: a version number or \"draft\""))?;
    let before = version_document(&state, &caller, &id, from).await?;
    let after = version_document(&state, &caller, &id, to).await?;
    let mut changes = Vec::new();
    json_diff("", &before, &after, &mut changes);
    Ok(Json(json!({"from": from, "to": to, "changes": changes})))
}

/// The paths where two JSON documents differ (objects by key, arrays by index).
fn json_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<Value>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                json_diff(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                json_diff(
                    &format!("{path}[{i}]"),
                    x.get(i).unwrap_or(&Value::Null),
                    y.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a != b => out.push(json!({"path": path, "before": a, "after": b})),
        _ => {}
    }
}

/// The workflow's counters — entered, completed, failed, sent, replied — for the workflow and
/// for each step.
pub async fn counters(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Value>> {
    state.store.workflow(&caller.workspace_id, &id).await?;
    state.engine.flush_counters().await?;
    let rows = state
        .store
        .workflow_counters(&caller.workspace_id, &id)
        .await?;
    let zero = || json!({"entered": 0, "completed": 0, "failed": 0, "sent": 0, "replied": 0});
    let mut workflow = zero();
    let mut steps = serde_json::Map::new();
    for (step, counter, value) in rows {
        let target = if step.is_empty() {
            &mut workflow
        } else {
            steps.entry(step).or_insert_with(zero)
        };
        target[counter.as_str()] = json!(value);
    }
    Ok(Json(json!({"workflow": workflow, "steps": steps})))
}
