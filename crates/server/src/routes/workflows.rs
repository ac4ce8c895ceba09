//! `/workflows`: create (JSON or YAML), read (JSON or YAML), replace, delete, activate/deactivate,
//! priority, and bulk operations.
//!
//! **Invariant:** every write validates the whole document first (its field paths name the error)
//! and then the workspace rules: a scope names one of its numbers, an `assign_agent` step names
//! one of its agents, and an active exact phrase starts one workflow per overlapping scope. Writes
//! are serialized by a lock so two requests cannot both pass the phrase check.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, DocumentBody, JsonBody, Params};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::OnceLock;
use tokio::sync::Mutex;
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_domain::step::Action;
use waflow_domain::WorkflowDocument;
use waflow_store::{Workflow, WorkflowWrite};

list_of!(
    /// `GET /workflows`: by priority.
    WorkflowList,
    Workflow
);

/// `PUT /workflows/{id}/priority`'s body.
#[derive(ToSchema)]
pub struct Priority {
    /// Lower runs first.
    pub priority: i64,
}

/// `POST /workflows/bulk`'s body.
#[derive(ToSchema)]
pub struct Bulk {
    /// `activate`, `deactivate` or `delete`.
    pub action: String,
    /// Workflows of the workspace; every one is checked before any changes.
    pub ids: Vec<String>,
}

/// `POST /workflows/bulk`'s answer.
#[derive(Serialize, ToSchema)]
pub struct BulkDone {
    pub action: String,
    /// How many workflows changed.
    pub changed: u64,
}

/// Serializes workflow writes within this process.
pub(super) fn write_lock() -> &'static Mutex<()> {
    static LOCK: OnceLock<Mutex<()>> = OnceLock::new();
    LOCK.get_or_init(|| Mutex::new(()))
}

/// Checks the workspace rules for a parsed document and returns what to store.
/// Checks the rich content of `send` and `menu` steps against WhatsApp's limits, and that a
/// menu routes only its own options.
pub(super) fn check_contents(doc: &WorkflowDocument) -> Result<(), ApiError> {
    use waflow_channels::cloud_api::content::Content;
    use waflow_domain::step::Action;
    for (i, step) in doc.steps.iter().enumerate() {
        let (content, routes) = match &step.action {
            Action::Send { content } => (content, None),
            Action::Menu {
                content, routes, ..
            } => (content, Some(routes)),
            _ => continue,
        };
        let at = format!("steps[{i}].content");
        let parsed: Content = serde_json::from_value(content.clone())
            .map_err(|e| ApiError::invalid(at.clone(), format!("is not a message content: {e}")))?;
        parsed
            .validate()
            .map_err(|e| ApiError::invalid(format!("{at}.{}", e.field), e.message))?;
        if let Some(routes) = routes {
            let ids: Vec<String> = waflow_engine::menu_option_ids(content);
            for key in routes.keys() {
                if !ids.contains(key) {
                    return Err(ApiError::invalid(
                        format!("steps[{i}].routes.{key}"),
                        format!("{key:?} is not an option of this menu ({ids:?})"),
                    ));
                }
            }
        }
    }
    Ok(())
}

pub(crate) async fn checked(
    store: &dyn waflow_store::Store,
    ws: &str,
    doc: &WorkflowDocument,
    except_id: Option<&str>,
) -> Result<WorkflowWrite, ApiError> {
    check_contents(doc)?;
    if let Some(number) = doc.scope.number_id() {
        if store.number(ws, number).await.is_err() {
            return Err(ApiError::invalid(
                "scope.number",
                format!("{number:?} is not a number of this workspace"),
            ));
        }
    }
    for (i, step) in doc.steps.iter().enumerate() {
        if let Action::AssignAgent { agent: Some(agent) } = &step.action {
            if store.agent(ws, agent).await.is_err() {
                return Err(ApiError::invalid(
                    format!("steps[{i}].agent"),
                    format!("{agent:?} is not an agent of this workspace"),
                ));
            }
        }
    }
    let phrase_key = doc.trigger.phrase_key();
    if let (true, Some(key)) = (doc.active, &phrase_key) {
        for other in store
            .active_workflows_with_phrase(ws, key, except_id)
            .await?
        {
            let other_scope = match &other.scope_number_id {
                Some(n) => waflow_domain::Scope::Number(n.clone()),
                None => waflow_domain::Scope::All,
            };
            if other_scope.overlaps(&doc.scope) {
                return Err(ApiError::Conflict {
                    field: Some("trigger.phrase".into()),
                    message: format!("trigger.phrase: {key:?} already starts the active workflow {:?} ({}); one phrase starts one workflow", other.name, other.id),
                });
            }
        }
    }
    Ok(WorkflowWrite {
        name: doc.name.clone(),
        active: doc.active,
        priority: doc.priority,
        trigger_type: doc.trigger.kind().to_string(),
        phrase_key,
        scope_number_id: doc.scope.number_id().map(str::to_string),
        document: doc.to_value(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<WorkflowList>> {
    let active = params.bool("active")?;
    let search = params.get("search").map(str::to_lowercase);
    let trigger = params.get("trigger");
    let items: Vec<Workflow> = state
        .store
        .workflows(&caller.workspace_id)
        .await?
        .into_iter()
        .filter(|w| active.is_none_or(|a| w.active == a))
        .filter(|w| {
            search
                .as_ref()
                .is_none_or(|s| w.name.to_lowercase().contains(s.as_str()))
        })
        .filter(|w| trigger.is_none_or(|t| w.trigger_type == t))
        .collect();
    Ok(Json(WorkflowList { data: items }))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    DocumentBody(body): DocumentBody,
) -> ApiResult<(StatusCode, Json<Workflow>)> {
    let doc = WorkflowDocument::parse(&body)?;
    Ok((
        StatusCode::CREATED,
        Json(insert(&state, &caller, &doc).await?),
    ))
}

/// Checks a new workflow's document against the workspace rules and stores it.
pub(super) async fn insert(
    state: &AppState,
    caller: &Caller,
    doc: &WorkflowDocument,
) -> ApiResult<Workflow> {
    let _guard = write_lock().lock().await;
    let write = checked(state.store.as_ref(), &caller.workspace_id, doc, None).await?;
    let created = state
        .store
        .insert_workflow(&caller.workspace_id, &write)
        .await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(created)
}

/// The workflow; with `?format=yaml` its document as YAML (`format=json`: the document alone).
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    params: Params,
) -> ApiResult<Response> {
    let wf = state.store.workflow(&caller.workspace_id, &id).await?;
    match params.get("format") {
        None => Ok(Json(wf).into_response()),
        Some("json") => Ok(Json(wf.document).into_response()),
        Some("yaml") => {
            let doc = WorkflowDocument::parse(&wf.document)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(([(header::CONTENT_TYPE, "application/yaml")], doc.to_yaml()).into_response())
        }
        Some(other) => Err(ApiError::BadRequest {
            field: Some("format".into()),
            message: format!("format: {other:?} is not json or yaml"),
        }),
    }
}

/// Replaces the document; the workflow gets a new version.
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    DocumentBody(body): DocumentBody,
) -> ApiResult<Json<Workflow>> {
    let doc = WorkflowDocument::parse(&body)?;
    let _guard = write_lock().lock().await;
    state.store.workflow(&caller.workspace_id, &id).await?;
    let write = checked(state.store.as_ref(), &caller.workspace_id, &doc, Some(&id)).await?;
    let updated = state
        .store
        .update_workflow(&caller.workspace_id, &id, &write)
        .await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(Json(updated))
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<StatusCode> {
    let _guard = write_lock().lock().await;
    if state
        .store
        .delete_workflows(&caller.workspace_id, std::slice::from_ref(&id))
        .await?
        == 0
    {
        return Err(ApiError::not_found("workflow", &id));
    }
    state.engine.invalidate(&caller.workspace_id);
    Ok(StatusCode::NO_CONTENT)
}

/// Rewrites one top-level field of a stored document and saves it as a new version.
async fn rewrite(
    state: &AppState,
    caller: &Caller,
    id: &str,
    key: &str,
    value: Value,
) -> Result<Workflow, ApiError> {
    let wf = state.store.workflow(&caller.workspace_id, id).await?;
    let mut document = wf.document.clone();
    document[key] = value;
    let doc = WorkflowDocument::parse(&document)?;
    let write = checked(state.store.as_ref(), &caller.workspace_id, &doc, Some(id)).await?;
    let updated = state
        .store
        .update_workflow(&caller.workspace_id, id, &write)
        .await?;
    // A pending draft gets the same change, so that publishing it later does not undo it.
    if let Some(mut draft) = state.store.workflow_draft(&caller.workspace_id, id).await? {
        draft[key] = document[key].clone();
        state
            .store
            .set_workflow_draft(&caller.workspace_id, id, Some(&draft))
            .await?;
    }
    Ok(updated)
}

pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Workflow>> {
    let _guard = write_lock().lock().await;
    let wf = rewrite(&state, &caller, &id, "active", json!(true)).await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(Json(wf))
}

pub async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Workflow>> {
    let _guard = write_lock().lock().await;
    let wf = rewrite(&state, &caller, &id, "active", json!(false)).await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(Json(wf))
}

/// Sets the priority (`{"priority": n}`; lower runs first).
pub async fn set_priority(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Workflow>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["priority"])?;
    obj.req("priority")?;
    let asked = Priority {
        priority: obj.i64_or("priority", 0)?,
    };
    let _guard = write_lock().lock().await;
    let wf = rewrite(&state, &caller, &id, "priority", json!(asked.priority)).await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(Json(wf))
}

/// `{"action": "activate" | "deactivate" | "delete", "ids": [...]}`. Every id is checked before
/// anything changes; for activation, every document is validated first, so either all change or none.
pub async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<BulkDone>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["action", "ids"])?;
    let action = obj.str("action")?;
    if !["activate", "deactivate", "delete"].contains(&action) {
        return Err(ApiError::invalid(
            "action",
            format!("{action:?} is not a bulk action (activate, deactivate, delete)"),
        ));
    }
    let Bulk { action, ids } = Bulk {
        action: action.to_string(),
        ids: obj.strings("ids")?,
    };
    let action = action.as_str();
    let _guard = write_lock().lock().await;
    let mut found = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match state.store.workflow(&caller.workspace_id, id).await {
            Ok(wf) => found.push(wf),
            Err(waflow_store::Error::NotFound { .. }) => {
                return Err(ApiError::invalid(
                    format!("ids[{i}]"),
                    format!("{id:?} is not a workflow of this workspace"),
                ))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let changed = if action == "delete" {
        state
            .store
            .delete_workflows(&caller.workspace_id, &ids)
            .await?
    } else {
        let active = action == "activate";
        let mut writes = Vec::new();
        let mut phrases: Vec<(String, waflow_domain::Scope, String)> = Vec::new();
        for (i, wf) in found.iter().enumerate() {
            let mut document = wf.document.clone();
            document["active"] = json!(active);
            let doc = WorkflowDocument::parse(&document)?;
            let write = checked(
                state.store.as_ref(),
                &caller.workspace_id,
                &doc,
                Some(&wf.id),
            )
            .await
            .map_err(|e| match e {
                ApiError::Conflict { message, .. } => ApiError::Conflict {
                    field: Some(format!("ids[{i}]")),
                    message,
                },
                other => other,
            })?;
            if let (true, Some(key)) = (active, &write.phrase_key) {
                if let Some((_, _, first)) = phrases
                    .iter()
                    .find(|(k, s, _)| k == key && s.overlaps(&doc.scope))
                {
                    return Err(ApiError::Conflict {
                        field: Some(format!("ids[{i}]")),
                        message: format!("{key:?} would start both {first} and {}; one phrase starts one workflow", wf.id),
                    });
                }
                phrases.push((key.clone(), doc.scope.clone(), wf.id.clone()));
            }
            writes.push((wf.id.clone(), write));
        }
        for (id, write) in &writes {
            state
                .store
                .update_workflow(&caller.workspace_id, id, write)
                .await?;
        }
        writes.len() as u64
    };
    state.engine.invalidate(&caller.workspace_id);
    Ok(Json(BulkDone {
        action: action.to_string(),
        changed,
    }))
}
