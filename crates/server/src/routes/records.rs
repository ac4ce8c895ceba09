//! `/lists` and `/tickets`: the lists contacts are in (adding a contact starts the list's
//! `list_added` workflows) and tickets with their status history (every change starts the
//! `ticket_status_changed` workflows).
//!
//! **Invariant:** a change and the event it causes commit together (through the engine), so no
//! workflow starts for a change that was not stored, and none is missed for one that was.

use super::contacts::tags as names;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody, Params};
use crate::roles::Signed;
use crate::routes::page;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use waflow_domain::parse::{Obj, Path};
use waflow_domain::trigger::TICKET_STATUSES;
use waflow_store::{Contact, Ticket, TicketFilter};

/// The workspace's lists with their sizes.
pub async fn lists(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let lists: Vec<Value> = state
        .store
        .lists(&caller.workspace_id)
        .await?
        .into_iter()
        .map(|(name, contacts)| json!({"name": name, "contacts": contacts}))
        .collect();
    Ok(Json(json!({ "data": lists })))
}

/// `{"add": [...], "remove": [...]}`: changes the lists of a contact.
pub async fn change_contact_lists(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Contact>> {
    super::contacts::check_visible(&state, &who, &id).await?;
    let caller = &who.caller;
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["add", "remove"])?;
    if !obj.has("add") && !obj.has("remove") {
        return Err(ApiError::invalid("add", "give add, remove or both"));
    }
    let add = if obj.has("add") {
        names(&obj, "add")?
    } else {
        Vec::new()
    };
    let remove = if obj.has("remove") {
        names(&obj, "remove")?
    } else {
        Vec::new()
    };
    let contact = state
        .engine
        .change_lists(&caller.workspace_id, &id, &add, &remove)
        .await?;
    Ok(Json(contact))
}

/// `{"contact_ids": [...]}`: adds contacts to the list `name` (all are checked first).
pub async fn add_to_list(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(name): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid(
            "name",
            format!("{name:?} is not a list name (1 to 64 characters)"),
        ));
    }
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["contact_ids"])?;
    let ids = obj.strings("contact_ids")?;
    for (i, id) in ids.iter().enumerate() {
        if state.store.contact(&caller.workspace_id, id).await.is_err() {
            return Err(ApiError::invalid(
                format!("contact_ids[{i}]"),
                format!("{id:?} is not a contact of this workspace"),
            ));
        }
    }
    let add = [name.clone()];
    for id in &ids {
        state
            .engine
            .change_lists(&caller.workspace_id, id, &add, &[])
            .await?;
    }
    Ok(Json(json!({"list": name, "added": ids.len()})))
}

fn status_of(obj: &Obj<'_>) -> Result<String, ApiError> {
    let status = obj.str("status")?;
    if TICKET_STATUSES.contains(&status) {
        Ok(status.to_string())
    } else {
        Err(ApiError::invalid(
            "status",
            format!("{status:?} is not a ticket status (open, pending, closed)"),
        ))
    }
}

/// Tickets, oldest first; `?status=`, `?contact_id=`, `?cursor=`, `?limit=`.
pub async fn tickets(
    State(state): State<AppState>,
    who: Signed,
    params: Params,
) -> ApiResult<Json<Value>> {
    let caller = &who.caller;
    let limit = params.limit(50, 500)?;
    let status = params.get("status").map(str::to_string);
    if let Some(s) = &status {
        if !TICKET_STATUSES.contains(&s.as_str()) {
            return Err(ApiError::BadRequest {
                field: Some("status".into()),
                message: format!("status: {s:?} is not a ticket status (open, pending, closed)"),
            });
        }
    }
    let filter = TicketFilter {
        contact_id: params.get("contact_id").map(str::to_string),
        status,
        after_id: params.get("cursor").map(str::to_string),
        assigned_to: who.assigned_only().map(str::to_string),
        limit,
    };
    Ok(page(
        state.store.tickets(&caller.workspace_id, &filter).await?,
        limit,
        |t| t.id.clone(),
    ))
}

/// `{"contact_id", "subject", "number_id"?}`: opens a ticket; 409 if the contact has one open.
pub async fn open_ticket(
    State(state): State<AppState>,
    who: Signed,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Ticket>)> {
    let caller = &who.caller;
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["contact_id", "subject", "number_id"])?;
    let contact_id = obj.str("contact_id")?;
    if super::contacts::check_visible(&state, &who, contact_id)
        .await
        .is_err()
    {
        return Err(ApiError::invalid(
            "contact_id",
            format!("{contact_id:?} is not a contact of this workspace"),
        ));
    }
    let subject = obj.opt_str("subject")?.unwrap_or("").trim().to_string();
    if subject.chars().count() > 200 {
        return Err(ApiError::invalid(
            "subject",
            "is longer than 200 characters",
        ));
    }
    let number_id = obj.opt_str("number_id")?.map(str::to_string);
    if let Some(n) = &number_id {
        if state.store.number(&caller.workspace_id, n).await.is_err() {
            return Err(ApiError::invalid(
                "number_id",
                format!("{n:?} is not a number of this workspace"),
            ));
        }
    }
    let Some(id) = state
        .engine
        .open_ticket(&caller.workspace_id, contact_id, number_id, &subject)
        .await?
    else {
        return Err(ApiError::Conflict {
            field: Some("contact_id".into()),
            message: format!(
                "contact {contact_id} already has an open ticket; close it or change its status"
            ),
        });
    };
    let ticket = state.store.ticket(&caller.workspace_id, &id).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// A ticket the caller may see (else 404, as if it did not exist).
async fn visible(state: &AppState, who: &Signed, id: &str) -> ApiResult<Ticket> {
    let ticket = state.store.ticket(who.workspace(), id).await?;
    who.check_contact(state, Some(&ticket.contact_id), "ticket", id)
        .await?;
    Ok(ticket)
}

/// One ticket with its status history.
pub async fn ticket(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(visible(&state, &who, &id).await?))
}

/// `{"status": "open" | "pending" | "closed"}`: changes a ticket's status.
pub async fn update_ticket(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Ticket>> {
    let caller = &who.caller;
    let ticket = visible(&state, &who, &id).await?;
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["status"])?;
    let status = status_of(&obj)?;
    state
        .engine
        .set_ticket_status(&caller.workspace_id, &ticket.contact_id, &id, &status)
        .await?;
    Ok(Json(state.store.ticket(&caller.workspace_id, &id).await?))
}
