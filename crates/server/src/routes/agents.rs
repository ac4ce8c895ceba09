//! `/agents`: the workspace's dashboard users (name, email, role).

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::roles::Signed;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_store::{Agent, Notification};

list_of!(
    /// `GET /agents`: the workspace's agents.
    AgentList,
    Agent
);

list_of!(
    /// `GET /notifications`: newest first.
    NotificationList,
    Notification
);

/// `POST /agents`'s body.
#[derive(ToSchema)]
pub struct NewAgent {
    pub name: String,
    /// Case does not matter.
    pub email: String,
    /// `owner`, `admin` or `agent` (the default).
    pub role: Option<String>,
    /// At least 8 characters; without one, the agent cannot sign in yet.
    pub password: Option<String>,
}

impl NewAgent {
    fn read(body: &Value) -> ApiResult<Self> {
        let obj = Obj::new(body, Path::root(""))?;
        obj.only(&["name", "email", "role", "password"])?;
        let name = obj.str("name")?.trim().to_string();
        let email = email(&obj)?;
        let role = role(&obj)?;
        let password = obj.opt_str("password")?.map(str::to_string);
        if let Some(p) = &password {
            crate::auth::check_password("password", p)?;
        }
        Ok(Self {
            name,
            email,
            role,
            password,
        })
    }
}

/// `PATCH /agents/{id}`'s body: a field left out keeps its value.
#[derive(ToSchema)]
pub struct AgentChanges {
    pub name: Option<String>,
    /// `owner`, `admin` or `agent`.
    pub role: Option<String>,
}

impl AgentChanges {
    fn read(body: &Value) -> ApiResult<Self> {
        let obj = Obj::new(body, Path::root(""))?;
        obj.only(&["name", "role"])?;
        let name = if obj.has("name") {
            Some(obj.str("name")?.trim().to_string())
        } else {
            None
        };
        Ok(Self {
            name,
            role: role(&obj)?,
        })
    }
}

const ROLES: [&str; 3] = ["owner", "admin", "agent"];

fn role(obj: &Obj<'_>) -> Result<Option<String>, ApiError> {
    match obj.opt("role") {
        None => Ok(None),
        Some((v, p)) => match v.as_str() {
            Some(r) if ROLES.contains(&r) => Ok(Some(r.to_string())),
            _ => Err(p.error(v, "is not a role (owner, admin, agent)").into()),
        },
    }
}

fn email(obj: &Obj<'_>) -> Result<String, ApiError> {
    let e = obj.str("email")?.trim().to_lowercase();
    let valid = e.split_once('@').is_some_and(|(a, d)| {
        !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
    }) && !e.contains(char::is_whitespace);
    if valid {
        Ok(e)
    } else {
        Err(ApiError::invalid(
            "email",
            format!("{e:?} is not an email address"),
        ))
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<AgentList>> {
    Ok(Json(AgentList {
        data: state.store.agents(&caller.workspace_id).await?,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Agent>)> {
    let new = NewAgent::read(&body)?;
    let role = new.role.unwrap_or_else(|| "agent".into());
    let agent = state
        .store
        .insert_agent(&caller.workspace_id, &new.name, &new.email, &role)
        .await?;
    if let Some(p) = &new.password {
        state
            .store
            .set_agent_password(
                &caller.workspace_id,
                &agent.id,
                &state.sign_in.passwords.hash(p).await?,
            )
            .await?;
    }
    Ok((StatusCode::CREATED, Json(agent)))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Agent>> {
    Ok(Json(state.store.agent(&caller.workspace_id, &id).await?))
}

/// Changes an agent's name or role. Nobody changes their own role (403); the store refuses to
/// demote the workspace's last owner (409).
pub async fn update(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Agent>> {
    let caller = &who.caller;
    let AgentChanges { name, role } = AgentChanges::read(&body)?;
    if let (Some(new), Some(me)) = (&role, &caller.agent_id) {
        if *me == id && new != who.role.name() {
            return Err(ApiError::Forbidden(format!(
                "role: nobody changes their own role (you are {}); another owner can",
                who.role.name()
            )));
        }
    }
    Ok(Json(
        state
            .store
            .update_agent(&caller.workspace_id, &id, name.as_deref(), role.as_deref())
            .await?,
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<StatusCode> {
    state.store.delete_agent(&caller.workspace_id, &id).await?;
    // The store deleted the agent's tokens with it; the cache must not keep them working.
    crate::token::forget_agent(&state, &id);
    Ok(StatusCode::NO_CONTENT)
}

/// Notifications for agents, newest first; `?agent_id=` keeps one agent's (and those for all).
/// An agent gets theirs (and those for all) about the contacts assigned to them.
pub async fn notifications(
    State(state): State<AppState>,
    who: Signed,
    params: crate::extract::Params,
) -> ApiResult<Json<NotificationList>> {
    let limit = params.limit(50, 500)?;
    let assigned = who.assigned_only();
    let agent = assigned.or(params.get("agent_id"));
    let items = state
        .store
        .notifications(who.workspace(), agent, assigned, limit)
        .await?;
    Ok(Json(NotificationList { data: items }))
}

/// Marks a notification read.
pub async fn read_notification(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<axum::http::StatusCode> {
    state
        .store
        .read_notification(who.workspace(), &id, who.assigned_only())
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
