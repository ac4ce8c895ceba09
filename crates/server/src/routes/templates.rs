//! `/workflow-templates`: the gallery — built-in templates and the workspace's own ("save as
//! template") — and creating a workflow from one.
//!
//! **Invariant:** a template becomes a workflow only through the same checks as any workflow
//! document (field paths, scope, agents, exact-phrase uniqueness).

use super::workflows::insert;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use waflow_domain::parse::{Obj, Path};
use waflow_domain::starters::{fill_agent, STARTERS};
use waflow_domain::WorkflowDocument;
use waflow_store::{Workflow, WorkflowTemplate};

const BUILTIN: &str = "builtin:";

/// Built-in templates first, then the workspace's own.
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let mut data: Vec<Value> = STARTERS
        .iter()
        .map(|s| {
            json!({"id": format!("{BUILTIN}{}", s.id), "name": s.name, "description": s.description,
                   "builtin": true, "document": (s.document)()})
        })
        .collect();
    for t in state.store.templates_of(&caller.workspace_id).await? {
        data.push(
            json!({"id": t.id, "name": t.name, "description": t.description,
                         "builtin": false, "document": t.document, "created_at": t.created_at}),
        );
    }
    Ok(Json(json!({ "data": data })))
}

/// `{"workflow_id", "name"?, "description"?}`: saves a workflow's document as a template.
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<WorkflowTemplate>)> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["workflow_id", "name", "description"])?;
    let id = obj.str("workflow_id")?;
    let wf = state
        .store
        .workflow(&caller.workspace_id, id)
        .await
        .map_err(|_| {
            ApiError::invalid(
                "workflow_id",
                format!("{id:?} is not a workflow of this workspace"),
            )
        })?;
    let name = obj.opt_str("name")?.unwrap_or(&wf.name).trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
    }
    let description = obj.opt_str("description")?.unwrap_or("").to_string();
    let template = state
        .store
        .insert_template(&caller.workspace_id, &name, &description, &wf.document)
        .await?;
    Ok((StatusCode::CREATED, Json(template)))
}

/// The document of template `id` (built-in or the workspace's own).
async fn document_of(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Value> {
    if let Some(key) = id.strip_prefix(BUILTIN) {
        return STARTERS
            .iter()
            .find(|s| s.id == key)
            .map(|s| (s.document)())
            .ok_or_else(|| ApiError::not_found("template", id));
    }
    match state.store.template_of(&caller.workspace_id, id).await {
        Ok(t) => Ok(t.document),
        Err(waflow_store::Error::NotFound { .. }) => Err(ApiError::not_found("template", id)),
        Err(e) => Err(e.into()),
    }
}

/// `{"name"?, "agent"?, "active"?}`: creates a workflow from a template (inactive unless
/// `active: true`); `agent` fills the agent a built-in template assigns to.
pub async fn use_template(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Workflow>)> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["name", "agent", "active"])?;
    let mut document = document_of(&state, &caller, &id).await?;
    let agent = obj.opt_str("agent")?;
    if fill_agent(&mut document, agent.unwrap_or_default()) && agent.is_none() {
        return Err(ApiError::invalid(
            "agent",
            "is required: this template assigns contacts to an agent; give the agent's id",
        ));
    }
    if let Some(name) = obj.opt_str("name")? {
        document["name"] = json!(name);
    }
    document["active"] = json!(obj.bool_or("active", false)?);
    let doc = WorkflowDocument::parse(&document)?;
    Ok((
        StatusCode::CREATED,
        Json(insert(&state, &caller, &doc).await?),
    ))
}

/// Deletes one of the workspace's own templates.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<StatusCode> {
    if id.starts_with(BUILTIN) {
        return Err(ApiError::Conflict {
            field: None,
            message: format!("{id} is a built-in template and cannot be deleted"),
        });
    }
    state
        .store
        .delete_template(&caller.workspace_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
