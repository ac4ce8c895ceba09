//! `/conversations`: threads between a number and a contact, their messages, and sending as an
//! agent or API client.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody, Params};
use crate::routes::page;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use waflow_domain::parse::{Obj, Path};
use waflow_store::{new_id, Conversation, NewOutbound};

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Value>> {
    let limit = params.limit(50, 500)?;
    let items = state
        .store
        .conversations(&caller.workspace_id, params.get("cursor"), limit)
        .await?;
    Ok(page(items, limit, |c| c.id.clone()))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(
        state.store.conversation(&caller.workspace_id, &id).await?,
    ))
}

/// Messages oldest first; `cursor` is the last message id already seen.
pub async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    state.store.conversation(&caller.workspace_id, &id).await?;
    let limit = params.limit(100, 1000)?;
    let items = state
        .store
        .messages(&caller.workspace_id, &id, params.get("cursor"), limit)
        .await?;
    Ok(page(items, limit, |m| m.id.clone()))
}

/// Sends a text into the conversation (`{"text": ..., "agent_id": optional}`).
pub async fn send(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["text", "agent_id"])?;
    let text = obj.str("text")?;
    if text.chars().count() > 4096 {
        return Err(ApiError::invalid("text", "is longer than 4096 characters"));
    }
    let agent = obj.opt_str("agent_id")?;
    if let Some(a) = agent {
        if state.store.agent(&caller.workspace_id, a).await.is_err() {
            return Err(ApiError::invalid(
                "agent_id",
                format!("{a:?} is not an agent of this workspace"),
            ));
        }
    }
    let conversation = state.store.conversation(&caller.workspace_id, &id).await?;
    let contact = state
        .store
        .contact(&caller.workspace_id, &conversation.contact_id)
        .await?;
    if contact.blocked {
        return Err(ApiError::Conflict {
            field: None,
            message: format!(
                "contact {} is blocked; nothing is sent to blocked contacts",
                contact.phone
            ),
        });
    }
    let message_id = state
        .engine
        .queue_outbound(NewOutbound {
            id: new_id("msg"),
            workspace_id: caller.workspace_id.clone(),
            conversation_id: conversation.id,
            number_id: conversation.number_id,
            contact_id: conversation.contact_id,
            text: text.to_string(),
            sender_kind: if agent.is_some() { "agent" } else { "api" },
            sender_ref: agent.map(str::to_string),
            at: state.engine.now(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"message_id": message_id, "status": "queued"})),
    ))
}
