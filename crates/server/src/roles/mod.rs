//! Roles as data, checked in one place: [`table::TABLE`] says who may call every route, and
//! [`enforce`] — one layer in front of every route — applies it before any handler runs.
//!
//! Roles rank owner > admin > agent. Owners manage agents, numbers, credentials, AI settings,
//! secrets and workspace settings; admins manage workflows and contacts (and everything agents
//! can); agents see and act only on the contacts assigned to them. API tokens from
//! `waflow token create` act as owners (whoever runs the CLI owns the installation).
//!
//! **Invariant:** a route without a row in the table is refused to everyone (deny by default).
//! **Invariant:** a handler of a non-public route finds the caller's [`Signed`] in the request;
//! [`Signed::assigned_only`] is the one place that says whether the caller is limited to the
//! contacts assigned to them, and a resource of another contact answers 404 as if it did not exist.

pub mod table;

use crate::error::{ApiError, ApiResult};
use crate::extract::Caller;
use crate::AppState;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
pub use table::{markdown, rule, Rule, TABLE};

/// A signed-in caller's role; the order is the rank (`Agent < Admin < Owner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Agent,
    Admin,
    Owner,
}

impl Role {
    /// The role stored as `owner`, `admin` or `agent`; anything else ranks lowest (`agent`).
    pub fn parse(stored: &str) -> Role {
        match stored {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            _ => Role::Agent,
        }
    }

    /// The role's name as stored.
    pub fn name(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, no token: the route answers for itself (its own secret, a signature, or nothing
    /// to hide).
    Public,
    /// Any signed-in caller; nothing in it belongs to one contact.
    Signed,
    /// Any signed-in caller, but an agent sees and acts only on the contacts assigned to them:
    /// another contact's resource answers 404, lists leave them out.
    Assigned,
    /// Admins and owners.
    Admin,
    /// Owners only.
    Owner,
}

impl Access {
    /// The lowest role that passes; `None` for a public route.
    pub fn min_role(self) -> Option<Role> {
        match self {
            Access::Public => None,
            Access::Signed | Access::Assigned => Some(Role::Agent),
            Access::Admin => Some(Role::Admin),
            Access::Owner => Some(Role::Owner),
        }
    }

    /// Who may call it, in words (the README's column).
    pub fn describe(self) -> &'static str {
        match self {
            Access::Public => "anyone (no token)",
            Access::Signed => "agent, admin, owner",
            Access::Assigned => "agent (only contacts assigned to them), admin, owner",
            Access::Admin => "admin, owner",
            Access::Owner => "owner",
        }
    }
}

/// The authenticated caller of a non-public route with their role, put into the request by
/// [`enforce`]. As an extractor it fails (500, logged) only if the layer did not run, which the
/// router rules out.
#[derive(Debug, Clone)]
pub struct Signed {
    pub caller: Caller,
    /// The signed-in agent's role; `Owner` for an API token.
    pub role: Role,
}

impl Signed {
    /// The caller's workspace.
    pub fn workspace(&self) -> &str {
        &self.caller.workspace_id
    }

    /// For an agent with the role `agent`: their id — they see only the contacts assigned to
    /// them. `None`: the caller sees the whole workspace.
    pub fn assigned_only(&self) -> Option<&str> {
        match self.role {
            Role::Agent => self.caller.agent_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the caller may see a contact assigned to `assigned_agent_id`.
    pub fn sees(&self, assigned_agent_id: Option<&str>) -> bool {
        match self.assigned_only() {
            None => true,
            Some(me) => assigned_agent_id == Some(me),
        }
    }

    /// `Ok` if the caller may see what belongs to `contact_id` (`None`: to no contact); else the
    /// 404 of `what` `id`, saying nothing of it.
    pub async fn check_contact(
        &self,
        state: &AppState,
        contact_id: Option<&str>,
        what: &str,
        id: &str,
    ) -> ApiResult<()> {
        let Some(me) = self.assigned_only() else {
            return Ok(());
        };
        let visible = match contact_id {
            None => false,
            Some(c) => match state.store.contact(self.workspace(), c).await {
                Ok(contact) => contact.assigned_agent_id.as_deref() == Some(me),
                Err(waflow_store::Error::NotFound { .. }) => false,
                Err(e) => return Err(e.into()),
            },
        };
        if visible {
            Ok(())
        } else {
            Err(ApiError::not_found(what, id))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Signed>().cloned().ok_or_else(|| {
            ApiError::Internal(format!(
                "{} {}: the role layer did not run before this handler",
                parts.method,
                parts.uri.path()
            ))
        })
    }
}

/// The role of an authenticated caller: the signed-in agent's, `Owner` for an API token. An
/// agent deleted since signing in is 401.
pub async fn role_of(state: &AppState, caller: &Caller) -> ApiResult<Role> {
    let Some(agent_id) = &caller.agent_id else {
        return Ok(Role::Owner);
    };
    match state.store.agent(&caller.workspace_id, agent_id).await {
        Ok(agent) => Ok(Role::parse(&agent.role)),
        Err(waflow_store::Error::NotFound { .. }) => Err(ApiError::Unauthorized(
            "the agent this token was issued to no longer exists; sign in again".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The layer: looks the matched route up in [`TABLE`]; answers 405 for a method the table has
/// no row for on a path it knows, refuses a route without a row (403),
/// lets a public one through, authenticates the caller of any other (401), refuses a role below
/// the row's (403 naming the role needed), and hands the handler a [`Signed`].
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| request.uri().path().to_string());
    let Some(rule) = rule(&method, &path) else {
        if TABLE.iter().any(|r| r.path == path) {
            // The route exists, not with this method: the router's 405, which this layer wraps.
            return ApiError::MethodNotAllowed.into_response();
        }
        tracing::error!(%method, %path, "route without a row in the role table refused");
        return ApiError::Forbidden(format!(
            "{method} {path} has no row in the role table (crates/server/src/roles/table.rs); refused to everyone until it has one"
        ))
        .into_response();
    };
    let Some(needed) = rule.access.min_role() else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let signed = match authenticate(&state, &mut parts).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if signed.role < needed {
        return ApiError::Forbidden(format!(
            "{method} {path} needs the role {} or higher; you are signed in as {}",
            needed.name(),
            signed.role.name()
        ))
        .into_response();
    }
    parts.extensions.insert(signed);
    next.run(Request::from_parts(parts, body)).await
}

async fn authenticate(state: &AppState, parts: &mut Parts) -> ApiResult<Signed> {
    let caller = Caller::from_request_parts(parts, state).await?;
    let role = role_of(state, &caller).await?;
    Ok(Signed { caller, role })
}
