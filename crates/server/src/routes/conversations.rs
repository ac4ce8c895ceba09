//! `/conversations`: threads between a number and a contact, their messages, and sending as an
//! agent or API client.

use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::roles::Signed;
use crate::routes::content;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_store::{new_id, Conversation, ConversationFilter, Message, NewOutbound};

page_of!(
    /// `GET /conversations`: most recent first.
    ConversationPage,
    Conversation
);

page_of!(
    /// A page of messages, oldest first.
    MessagePage,
    Message
);

/// `POST /conversations/{id}/messages`' body: `text` or `content`.
#[derive(ToSchema)]
pub struct SendMessage {
    /// At most 4096 characters.
    pub text: Option<String>,
    /// Rich content (buttons, list, media, template, reaction), checked against WhatsApp's limits.
    pub content: Option<Value>,
    /// Send as this agent (an agent sends as themselves only); default: the agent signed in.
    pub agent_id: Option<String>,
}

impl SendMessage {
    /// Reads the body: exactly one of `text` (non-empty, at most 4096 characters) and `content`
    /// (checked later against WhatsApp's limits and the number's templates); errors name the field.
    fn read(body: &Value) -> ApiResult<Self> {
        let obj = Obj::new(body, Path::root(""))?;
        obj.only(&["text", "content", "agent_id"])?;
        let content = obj.opt("content").map(|(v, _)| v.clone());
        if content.is_some() && obj.has("text") {
            return Err(ApiError::invalid(
                "content",
                "give either text or content, not both",
            ));
        }
        let text = match content {
            Some(_) => None,
            None => Some(obj.str("text")?.to_string()),
        };
        if text.as_ref().is_some_and(|t| t.chars().count() > 4096) {
            return Err(ApiError::invalid("text", "is longer than 4096 characters"));
        }
        Ok(Self {
            text,
            content,
            agent_id: obj.opt_str("agent_id")?.map(str::to_string),
        })
    }
}

/// `POST /conversations/{id}/messages`' answer (201).
#[derive(Serialize, ToSchema)]
pub struct Queued {
    pub message_id: String,
    /// `queued`.
    pub status: waflow_store::MessageStatus,
}

/// Conversations, most recent first; an agent's are those of the contacts assigned to them.
pub async fn list(
    State(state): State<AppState>,
    who: Signed,
    params: Params,
) -> ApiResult<Json<ConversationPage>> {
    let limit = params.limit(50, 500)?;
    let filter = ConversationFilter {
        before_id: params.get("cursor").map(str::to_string),
        contact_id: params.get("contact_id").map(str::to_string),
        number_id: params.get("number_id").map(str::to_string),
        search: params.get("q").map(str::to_string),
        assigned_to: who.assigned_only().map(str::to_string),
        limit,
    };
    let items = state.store.conversations(who.workspace(), &filter).await?;
    Ok(ConversationPage::new(items, limit, |c| c.id.clone()))
}

/// The conversation, if the caller may see it (else 404, as if it did not exist).
async fn visible(state: &AppState, who: &Signed, id: &str) -> ApiResult<Conversation> {
    let conversation = state.store.conversation(who.workspace(), id).await?;
    if who.sees(conversation.assigned_agent_id.as_deref()) {
        Ok(conversation)
    } else {
        Err(ApiError::not_found("conversation", id))
    }
}

/// One conversation (404 for an agent's colleague's).
pub async fn show(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(visible(&state, &who, &id).await?))
}

/// Messages oldest first; `cursor` is the last message id already seen.
pub async fn messages(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    params: Params,
) -> ApiResult<Json<MessagePage>> {
    let caller = &who.caller;
    visible(&state, &who, &id).await?;
    let limit = params.limit(100, 1000)?;
    let items = state
        .store
        .messages(&caller.workspace_id, &id, params.get("cursor"), limit)
        .await?;
    Ok(MessagePage::new(items, limit, |m| m.id.clone()))
}

/// The states an outbound message can be listed by.
const OUTBOUND_STATUSES: &[&str] = &[
    "queued",
    "sending",
    "sent",
    "delivered",
    "read",
    "failed",
    "uncertain",
];

/// Outbound messages in one state (`?status=`, required), oldest first: e.g. the `uncertain`
/// ones, each with the reason in `error`, to resend or leave.
pub async fn outbound(
    State(state): State<AppState>,
    who: Signed,
    params: Params,
) -> ApiResult<Json<MessagePage>> {
    let caller = &who.caller;
    let status = params
        .get("status")
        .ok_or_else(|| ApiError::invalid("status", "is required (e.g. status=uncertain)"))?;
    if !OUTBOUND_STATUSES.contains(&status) {
        return Err(ApiError::invalid(
            "status",
            format!(
                "{status:?} is not a message state; use one of {}",
                OUTBOUND_STATUSES.join(", ")
            ),
        ));
    }
    let limit = params.limit(100, 1000)?;
    let items = state
        .store
        .outbound_in_status(
            &caller.workspace_id,
            status,
            who.assigned_only(),
            params.get("cursor"),
            limit,
        )
        .await?;
    Ok(MessagePage::new(items, limit, |m| m.id.clone()))
}

/// Sends an `uncertain` (or `failed`) outbound message of the conversation again: the user
/// decided, after reading why its delivery is unknown, that it should go (WhatsApp may then
/// show it twice). 409 naming `status` for a message in any other state.
pub async fn resend(
    State(state): State<AppState>,
    who: Signed,
    UrlPath((id, message_id)): UrlPath<(String, String)>,
) -> ApiResult<Json<Message>> {
    let caller = &who.caller;
    visible(&state, &who, &id).await?;
    let message = state
        .store
        .message(&caller.workspace_id, &message_id)
        .await?;
    if message.conversation_id != id {
        return Err(waflow_store::Error::NotFound { what: "message" }.into());
    }
    Ok(Json(
        state
            .engine
            .resend(&caller.workspace_id, &message_id)
            .await?,
    ))
}

/// Sends a text into the conversation (`{"text": ..., "agent_id": optional}`); an agent sends
/// as themselves only.
pub async fn send(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Queued>)> {
    let caller = &who.caller;
    let asked = SendMessage::read(&body)?;
    let conversation = visible(&state, &who, &id).await?;
    let (message_type, text, payload) = match (&asked.content, asked.text) {
        (Some(value), _) => {
            let content = content::rich(value)?;
            content::check_template(
                &state,
                &caller.workspace_id,
                &conversation.number_id,
                &content,
            )
            .await?;
            (
                content.kind().to_string(),
                content.summary(),
                Some(value.clone()),
            )
        }
        (None, text) => ("text".to_string(), text.unwrap_or_default(), None),
    };
    // The sender is the agent named, else the agent signed in (an API token sends as `api`).
    let agent = asked.agent_id.as_deref().or(caller.agent_id.as_deref());
    if let (Some(me), Some(a)) = (who.assigned_only(), agent) {
        if a != me {
            return Err(ApiError::Forbidden(format!(
                "agent_id: {a:?} is not you; an agent sends as themselves"
            )));
        }
    }
    if let Some(a) = agent {
        if state.store.agent(&caller.workspace_id, a).await.is_err() {
            return Err(ApiError::invalid(
                "agent_id",
                format!("{a:?} is not an agent of this workspace"),
            ));
        }
    }
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
            message_type,
            text,
            payload,
            sender_kind: if agent.is_some() { "agent" } else { "api" },
            sender_ref: agent.map(str::to_string),
            at: state.engine.now(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Queued {
            message_id,
            status: waflow_store::MessageStatus::Queued,
        }),
    ))
}

/// Marks the conversation read up to its latest message: its `unread` count becomes 0.
pub async fn read(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<StatusCode> {
    let conversation = visible(&state, &who, &id).await?;
    state
        .store
        .mark_conversation_read(who.workspace(), &conversation.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a takeover: automation runs again for the conversation's contact from now on. Answers
/// the conversation as it is now.
pub async fn resume_automation(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Conversation>> {
    let conversation = visible(&state, &who, &id).await?;
    state
        .store
        .resume_automation(who.workspace(), &conversation.contact_id)
        .await?;
    Ok(Json(state.store.conversation(who.workspace(), &id).await?))
}
