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
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_domain::trigger::TICKET_STATUSES;
use waflow_store::{Contact, Ticket, TicketFilter};

/// A contact list and how many contacts are in it.
#[derive(Serialize, ToSchema)]
pub struct ListSize {
    pub name: String,
    pub contacts: i64,
}

list_of!(
    /// `GET /lists`: the workspace's lists with their sizes.
    ListSizes,
    ListSize
);

page_of!(
    /// `GET /tickets`: oldest first.
    TicketPage,
    Ticket
);

/// `POST /contacts/{id}/lists`'s body: lists to add the contact to and to remove it from
/// (at least one of the two).
#[derive(ToSchema)]
pub struct ListChanges {
    pub add: Option<Vec<String>>,
    pub remove: Option<Vec<String>>,
}

/// `POST /lists/{name}/contacts`'s body.
#[derive(ToSchema)]
pub struct NewListMembers {
    /// Contacts of the workspace; all are checked before any is added.
    pub contact_ids: Vec<String>,
}

/// `POST /lists/{name}/contacts`'s answer.
#[derive(Serialize, ToSchema)]
pub struct ListAdded {
    pub list: String,
    /// How many contacts were added.
    pub added: usize,
}

/// `POST /tickets`'s body.
#[derive(ToSchema)]
pub struct NewTicket {
    pub contact_id: String,
    /// At most 200 characters.
    pub subject: Option<String>,
    /// The number the ticket is about.
    pub number_id: Option<String>,
}

/// `PATCH /tickets/{id}`'s body.
#[derive(ToSchema)]
pub struct TicketChange {
    /// `open`, `pending` or `closed`.
    pub status: String,
}

/// The workspace's lists with their sizes.
pub async fn lists(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<ListSizes>> {
    let data = state
        .store
        .lists(&caller.workspace_id)
        .await?
        .into_iter()
        .map(|(name, contacts)| ListSize { name, contacts })
        .collect();
    Ok(Json(ListSizes { data }))
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
    let changes = ListChanges {
        add: obj.has("add").then(|| names(&obj, "add")).transpose()?,
        remove: obj
            .has("remove")
            .then(|| names(&obj, "remove"))
            .transpose()?,
    };
    let contact = state
        .engine
        .change_lists(
            &caller.workspace_id,
            &id,
            &changes.add.unwrap_or_default(),
            &changes.remove.unwrap_or_default(),
        )
        .await?;
    Ok(Json(contact))
}

/// `{"contact_ids": [...]}`: adds contacts to the list `name` (all are checked first).
pub async fn add_to_list(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(name): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<ListAdded>> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid(
            "name",
            format!("{name:?} is not a list name (1 to 64 characters)"),
        ));
    }
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["contact_ids"])?;
    let ids = NewListMembers {
        contact_ids: obj.strings("contact_ids")?,
    }
    .contact_ids;
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
    Ok(Json(ListAdded {
        list: name,
        added: ids.len(),
    }))
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
) -> ApiResult<Json<TicketPage>> {
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
    Ok(TicketPage::new(
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
    let new = NewTicket {
        contact_id: contact_id.to_string(),
        subject: Some(subject),
        number_id: obj.opt_str("number_id")?.map(str::to_string),
    };
    if let Some(n) = &new.number_id {
        if state.store.number(&caller.workspace_id, n).await.is_err() {
            return Err(ApiError::invalid(
                "number_id",
                format!("{n:?} is not a number of this workspace"),
            ));
        }
    }
    let Some(id) = state
        .engine
        .open_ticket(
            &caller.workspace_id,
            &new.contact_id,
            new.number_id.clone(),
            new.subject.as_deref().unwrap_or_default(),
        )
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
    let change = TicketChange {
        status: status_of(&obj)?,
    };
    state
        .engine
        .set_ticket_status(
            &caller.workspace_id,
            &ticket.contact_id,
            &id,
            &change.status,
        )
        .await?;
    Ok(Json(state.store.ticket(&caller.workspace_id, &id).await?))
}
