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
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_domain::{PhoneNumber, WorkflowDocument};
use waflow_engine::IntegrationStart;
use waflow_store::Workflow;

/// `GET` and `PUT /workflows/{id}/draft`'s answer.
#[derive(Serialize, ToSchema)]
pub struct Draft {
    /// The draft document; null when there is none.
    #[schema(value_type = Option<BTreeMap<String, Value>>)]
    pub draft: Option<Value>,
}

/// `POST /workflows/{id}/test`'s body.
#[derive(ToSchema)]
pub struct TestRun {
    /// The contact's phone number, with its country code.
    #[schema(value_type = String)]
    pub from: PhoneNumber,
    /// The contact's name.
    pub name: Option<String>,
    /// Variables the run starts with.
    pub vars: Option<Map<String, Value>>,
    /// A sandbox number (default: the workspace's first).
    pub number_id: Option<String>,
    /// The test chat's message: decided for the draft as live would (trigger, conditions, a
    /// waiting test run resumed); without it the draft starts whatever its trigger.
    pub text: Option<String>,
    /// The message's type (default `text`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

pub use super::draft_test::TestAnswer;

/// One version of a workflow.
#[derive(Serialize, ToSchema)]
pub struct VersionInfo {
    pub version: i64,
    pub created_at: DateTime<Utc>,
    /// Whether it is the live version.
    pub current: bool,
}

list_of!(
    /// `GET /workflows/{id}/versions`: oldest first.
    VersionList,
    VersionInfo
);

/// `GET /workflows/{id}/versions/{version}`'s answer.
#[derive(Serialize, ToSchema)]
pub struct VersionDocument {
    /// As asked: a number or `draft`.
    pub version: String,
    #[schema(value_type = BTreeMap<String, Value>)]
    pub document: Value,
}

/// A path where two documents differ.
#[derive(Serialize, ToSchema)]
pub struct DiffChange {
    /// E.g. `steps[2].text`.
    pub path: String,
    /// Null when the path is new.
    pub before: Value,
    /// Null when the path is gone.
    pub after: Value,
}

/// `GET /workflows/{id}/diff`'s answer.
#[derive(Serialize, ToSchema)]
pub struct Diff {
    pub from: String,
    pub to: String,
    pub changes: Vec<DiffChange>,
}

/// How many runs entered, completed or failed a workflow or a step, and messages sent and replied.
#[derive(Serialize, ToSchema, Default)]
pub struct CounterSet {
    pub entered: i64,
    pub completed: i64,
    pub failed: i64,
    pub sent: i64,
    pub replied: i64,
}

/// `GET /workflows/{id}/counters`'s answer.
#[derive(Serialize, ToSchema)]
pub struct Counters {
    pub workflow: CounterSet,
    /// By step id.
    pub steps: BTreeMap<String, CounterSet>,
}

/// The draft, or null.
pub async fn draft(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Draft>> {
    let draft = state
        .store
        .workflow_draft(&caller.workspace_id, &id)
        .await?;
    Ok(Json(Draft { draft }))
}

/// Saves the draft after validating it; the live version is untouched.
pub async fn save_draft(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    DocumentBody(body): DocumentBody,
) -> ApiResult<Json<Draft>> {
    let doc = WorkflowDocument::parse(&body)?;
    check_contents(&doc)?;
    state
        .store
        .set_workflow_draft(&caller.workspace_id, &id, Some(&body))
        .await?;
    Ok(Json(Draft { draft: Some(body) }))
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
) -> ApiResult<(StatusCode, Json<TestAnswer>)> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["from", "name", "vars", "number_id", "text", "type"])?;
    let from = obj.str("from")?;
    let asked = TestRun {
        from: PhoneNumber::parse(from).map_err(|m| ApiError::invalid("from", m))?,
        vars: match obj.opt("vars") {
            None => None,
            Some((Value::Object(m), _)) => Some(m.clone()),
            Some((v, p)) => return Err(p.error(v, "must be an object").into()),
        },
        number_id: obj.opt_str("number_id")?.map(str::to_string),
        name: obj.opt_str("name")?.map(str::to_string),
        text: obj.opt_str("text")?.map(str::to_string),
        kind: obj.opt_str("type")?.map(str::to_string),
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
    let number = match asked.number_id.as_deref() {
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
    if asked.text.is_some() || asked.kind.is_some() {
        let message = super::draft_test::TestMessage::read(&asked, number)?;
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
                phone: asked.from,
                name: asked.name.unwrap_or_default(),
                fields: Map::new(),
                vars: asked.vars.unwrap_or_default(),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TestAnswer {
            run_id: outcome.run_id,
            queued: outcome.queued,
            ..TestAnswer::new("started", version, number.id.clone(), outcome.contact_id)
        }),
    ))
}

/// The versions, oldest first.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<VersionList>> {
    let wf = state.store.workflow(&caller.workspace_id, &id).await?;
    let versions = state
        .store
        .workflow_versions(&caller.workspace_id, &id)
        .await?;
    let data = versions
        .into_iter()
        .map(|(version, created_at)| VersionInfo {
            version,
            created_at,
            current: version == wf.version,
        })
        .collect();
    Ok(Json(VersionList { data }))
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
) -> ApiResult<Json<VersionDocument>> {
    let document = version_document(&state, &caller, &id, &version).await?;
    Ok(Json(VersionDocument { version, document }))
}

/// What changed between two versions (`?from=1&to=2`; `to` may be `draft`): each changed path
/// with its value before and after.
pub async fn diff(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    params: Params,
) -> ApiResult<Json<Diff>> {
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
    Ok(Json(Diff {
        from: from.to_string(),
        to: to.to_string(),
        changes,
    }))
}

/// The paths where two JSON documents differ (objects by key, arrays by index).
fn json_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<DiffChange>) {
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
        _ if a != b => out.push(DiffChange {
            path: path.to_string(),
            before: a.clone(),
            after: b.clone(),
        }),
        _ => {}
    }
}

/// The workflow's counters — entered, completed, failed, sent, replied — for the workflow and
/// for each step.
pub async fn counters(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Counters>> {
    state.store.workflow(&caller.workspace_id, &id).await?;
    state.engine.flush_counters().await?;
    let rows = state
        .store
        .workflow_counters(&caller.workspace_id, &id)
        .await?;
    let mut counters = Counters {
        workflow: CounterSet::default(),
        steps: BTreeMap::new(),
    };
    for (step, counter, value) in rows {
        let target = if step.is_empty() {
            &mut counters.workflow
        } else {
            counters.steps.entry(step).or_default()
        };
        match counter.as_str() {
            "entered" => target.entered = value,
            "completed" => target.completed = value,
            "failed" => target.failed = value,
            "sent" => target.sent = value,
            "replied" => target.replied = value,
            _ => {}
        }
    }
    Ok(Json(counters))
}
