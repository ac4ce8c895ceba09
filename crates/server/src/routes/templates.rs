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
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_domain::starters::{fill_agent, STARTERS};
use waflow_domain::WorkflowDocument;
use waflow_store::{Workflow, WorkflowTemplate};

const BUILTIN: &str = "builtin:";

/// A template of the gallery: built in, or one of the workspace's own.
#[derive(Serialize, ToSchema)]
pub struct GalleryTemplate {
    /// `builtin:<key>` for a built-in template.
    pub id: String,
    pub name: String,
    pub description: String,
    pub builtin: bool,
    /// The workflow document the template creates (free-form JSON, validated as a workflow when
    /// used).
    #[schema(value_type = std::collections::BTreeMap<String, Value>)]
    pub document: Value,
    /// When the workspace saved it (absent for built-in templates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

list_of!(
    /// `GET /workflow-templates`: built-in templates first, then the workspace's own.
    Gallery,
    GalleryTemplate
);

/// `POST /workflow-templates`'s body.
#[derive(ToSchema)]
pub struct SaveTemplate {
    /// The workflow whose document becomes a template.
    pub workflow_id: String,
    /// 1 to 200 characters; default: the workflow's name.
    pub name: Option<String>,
    pub description: Option<String>,
}

/// `POST /workflow-templates/{id}/use`'s body.
#[derive(ToSchema)]
pub struct UseTemplate {
    /// The new workflow's name (default: the template's).
    pub name: Option<String>,
    /// The agent a template that assigns contacts assigns them to (required by such templates).
    pub agent: Option<String>,
    /// Default false.
    pub active: Option<bool>,
}

/// Built-in templates first, then the workspace's own.
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Gallery>> {
    let mut data: Vec<GalleryTemplate> = STARTERS
        .iter()
        .map(|s| GalleryTemplate {
            id: format!("{BUILTIN}{}", s.id),
            name: s.name.to_string(),
            description: s.description.to_string(),
            builtin: true,
            document: (s.document)(),
            created_at: None,
        })
        .collect();
    for t in state.store.templates_of(&caller.workspace_id).await? {
        data.push(GalleryTemplate {
            id: t.id,
            name: t.name,
            description: t.description,
            builtin: false,
            document: t.document,
            created_at: Some(t.created_at),
        });
    }
    Ok(Json(Gallery { data }))
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
    let asked = SaveTemplate {
        workflow_id: id.to_string(),
        name: obj.opt_str("name")?.map(str::to_string),
        description: obj.opt_str("description")?.map(str::to_string),
    };
    let wf = state
        .store
        .workflow(&caller.workspace_id, &asked.workflow_id)
        .await
        .map_err(|_| {
            ApiError::invalid(
                "workflow_id",
                format!("{id:?} is not a workflow of this workspace"),
            )
        })?;
    let name = asked.name.as_deref().unwrap_or(&wf.name).trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
    }
    let description = asked.description.unwrap_or_default();
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
    let asked = UseTemplate {
        agent: obj.opt_str("agent")?.map(str::to_string),
        name: obj.opt_str("name")?.map(str::to_string),
        active: Some(obj.bool_or("active", false)?),
    };
    if fill_agent(&mut document, asked.agent.as_deref().unwrap_or_default())
        && asked.agent.is_none()
    {
        return Err(ApiError::invalid(
            "agent",
            "is required: this template assigns contacts to an agent; give the agent's id",
        ));
    }
    if let Some(name) = &asked.name {
        document["name"] = json!(name);
    }
    document["active"] = json!(asked.active);
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
