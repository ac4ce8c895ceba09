//! `/auth/tokens`: the workspace's tokens — listed without their secrets, revoked one by one.
//! Owners (and API tokens, which act for the workspace) see and revoke every token of the
//! workspace; other agents only their own sign-ins.

use crate::error::ApiResult;
use crate::extract::{hash_token, Caller};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use waflow_store::TokenInfo;

/// A token as listed: never its secret or hash.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenItem {
    pub id: String,
    /// `dashboard` for a sign-in, or the name given to `waflow token create`.
    pub name: String,
    /// The agent who signed in with it; null for an API token.
    pub agent_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// When it was last used, to within five minutes; null: no use recorded.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Null: works until revoked.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it has expired (expired tokens are listed for 30 days).
    pub expired: bool,
    /// Whether it is the token this request was made with.
    pub current: bool,
}

/// `GET /auth/tokens`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenList {
    /// Newest first.
    pub data: Vec<TokenItem>,
}

/// The agent whose tokens the caller may see, or `None` for all of the workspace's (an owner, or
/// an API token).
async fn scope(state: &AppState, caller: &Caller) -> ApiResult<Option<String>> {
    let Some(id) = &caller.agent_id else {
        return Ok(None);
    };
    let agent = state.store.agent(&caller.workspace_id, id).await?;
    Ok((agent.role != "owner").then_some(agent.id))
}

fn item(t: TokenInfo, current_id: Option<&str>, now: DateTime<Utc>) -> TokenItem {
    TokenItem {
        current: current_id == Some(t.id.as_str()),
        expired: t.expires_at.is_some_and(|at| at <= now),
        id: t.id,
        name: t.name,
        agent_id: t.agent_id,
        created_at: t.created_at,
        last_used_at: t.last_used_at,
        expires_at: t.expires_at,
    }
}

/// The tokens the caller may see, newest first.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Json<TokenList>> {
    let agent = scope(&state, &caller).await?;
    let tokens = state
        .store
        .tokens(&caller.workspace_id, agent.as_deref())
        .await?;
    let current = match crate::extract::bearer(&headers) {
        Ok(secret) => state.store.token_grant(&hash_token(secret)).await?,
        Err(_) => None,
    };
    let current = current.map(|g| g.id);
    let now = Utc::now();
    Ok(Json(TokenList {
        data: tokens
            .into_iter()
            .map(|t| item(t, current.as_deref(), now))
            .collect(),
    }))
}

/// Revokes a token the caller may see (404 otherwise); it is refused (401) from then on.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<StatusCode> {
    let agent = scope(&state, &caller).await?;
    let hash = state
        .store
        .revoke_token(&caller.workspace_id, &id, agent.as_deref())
        .await?;
    crate::token::forget(&state, &hash);
    Ok(StatusCode::NO_CONTENT)
}
