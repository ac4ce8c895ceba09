//! `/contacts`: CRUD, tags, exclusion and blocking; and the runs of a contact.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody, Params};
use crate::roles::Signed;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_domain::PhoneNumber;
use waflow_store::{Contact, ContactFilter, ContactPatch, Run};

page_of!(
    /// `GET /contacts`: oldest first.
    ContactPage,
    Contact
);

list_of!(
    /// `GET /contacts/{id}/runs`.
    RunList,
    Run
);

/// `POST /contacts`'s body: the phone, the contact's fields and the number its
/// `contact_created` workflows start on.
#[derive(ToSchema)]
pub struct NewContact {
    /// With its country code.
    #[schema(value_type = String)]
    pub phone: PhoneNumber,
    #[serde(flatten)]
    pub contact: ContactPatch,
    /// Default: the workspace's first number.
    pub number_id: Option<String>,
}

/// `POST /contacts`'s answer (201): the contact, and the runs it started.
#[derive(Serialize, ToSchema)]
pub struct CreatedContact {
    #[serde(flatten)]
    pub contact: Contact,
    /// Runs of `contact_created` workflows.
    pub runs_started: Vec<String>,
}

/// `DELETE /contacts/{id}/runs`'s answer.
#[derive(Serialize, ToSchema)]
pub struct EndedRuns {
    /// The runs that ended.
    pub ended: Vec<String>,
}

pub(super) fn tags(obj: &Obj<'_>, key: &str) -> Result<Vec<String>, ApiError> {
    let (v, p) = obj.req(key)?;
    let list = v
        .as_array()
        .ok_or_else(|| p.error(v, "must be a list of tags"))?;
    let mut out: Vec<String> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        match item.as_str().map(str::trim) {
            Some(t) if !t.is_empty() && t.chars().count() <= 64 => {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
                    out.push(t.to_string());
                }
            }
            _ => {
                return Err(p
                    .index(i)
                    .error(item, "is not a tag (1 to 64 characters)")
                    .into())
            }
        }
    }
    Ok(out)
}

async fn patch_from(
    state: &AppState,
    caller: &Caller,
    obj: &Obj<'_>,
) -> Result<ContactPatch, ApiError> {
    let mut patch = ContactPatch::default();
    if obj.has("name") {
        patch.name = Some(obj.opt_str("name")?.unwrap_or("").trim().to_string());
    }
    if obj.has("tags") {
        patch.tags = Some(tags(obj, "tags")?);
    }
    if let Some((v, p)) = obj.opt("fields") {
        let fields: &Map<String, Value> = v
            .as_object()
            .ok_or_else(|| p.error(v, "must be an object of field name -> value"))?;
        for (k, val) in fields {
            if val.is_object() || val.is_array() {
                return Err(p
                    .key(k)
                    .error(val, "must be text, a number, a boolean or null")
                    .into());
            }
        }
        patch.fields = Some(fields.clone());
    }
    if obj.contains("assigned_agent_id") {
        let agent = obj.opt_str("assigned_agent_id")?.map(str::to_string);
        if let Some(a) = &agent {
            if state.store.agent(&caller.workspace_id, a).await.is_err() {
                return Err(ApiError::invalid(
                    "assigned_agent_id",
                    format!("{a:?} is not an agent of this workspace"),
                ));
            }
        }
        patch.assigned_agent_id = Some(agent);
    }
    if obj.has("blocked") {
        patch.blocked = Some(obj.bool_or("blocked", false)?);
    }
    if obj.has("excluded_from_automation") {
        patch.excluded_from_automation = Some(obj.bool_or("excluded_from_automation", false)?);
    }
    if obj.has("opted_out") {
        patch.opted_out = Some(obj.bool_or("opted_out", false)?);
    }
    Ok(patch)
}

const FIELDS: [&str; 9] = [
    "phone",
    "name",
    "tags",
    "fields",
    "assigned_agent_id",
    "blocked",
    "excluded_from_automation",
    "opted_out",
    "number_id",
];

/// Contacts, oldest first (`tag`, `list`, `search`, `cursor`); an agent's are those assigned to
/// them.
pub async fn list(
    State(state): State<AppState>,
    who: Signed,
    params: Params,
) -> ApiResult<Json<ContactPage>> {
    let limit = params.limit(50, 500)?;
    let filter = ContactFilter {
        tag: params.get("tag").map(str::to_string),
        list: params.get("list").map(str::to_string),
        search: params.get("search").map(str::to_string),
        after_id: params.get("cursor").map(str::to_string),
        assigned_to: who.assigned_only().map(str::to_string),
        limit,
    };
    Ok(ContactPage::new(
        state.store.contacts(who.workspace(), &filter).await?,
        limit,
        |c| c.id.clone(),
    ))
}

/// Creates a contact; `contact_created` workflows start on `number_id` (default: the first number).
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<CreatedContact>)> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&FIELDS)?;
    let new = NewContact {
        phone: PhoneNumber::parse(obj.str("phone")?).map_err(|m| ApiError::invalid("phone", m))?,
        contact: patch_from(&state, &caller, &obj).await?,
        number_id: obj.opt_str("number_id")?.map(str::to_string),
    };
    let number_id = match &new.number_id {
        Some(n) => {
            state
                .store
                .number(&caller.workspace_id, n)
                .await
                .map_err(|_| {
                    ApiError::invalid(
                        "number_id",
                        format!("{n:?} is not a number of this workspace"),
                    )
                })?
                .id
        }
        None => state
            .store
            .numbers(&caller.workspace_id)
            .await?
            .into_iter()
            .next()
            .map(|n| n.id)
            .unwrap_or_default(),
    };
    let name = new.contact.name.clone().unwrap_or_default();
    let contact = state
        .store
        .insert_contact(
            &caller.workspace_id,
            new.phone.as_str(),
            &name,
            &new.contact,
        )
        .await?;
    let runs_started = if number_id.is_empty() {
        Vec::new()
    } else {
        state
            .engine
            .contact_created(&caller.workspace_id, &contact.id, &number_id)
            .await?
    };
    Ok((
        StatusCode::CREATED,
        Json(CreatedContact {
            contact,
            runs_started,
        }),
    ))
}

/// The contact, if the caller may see it (else 404, as if it did not exist).
async fn visible(state: &AppState, who: &Signed, id: &str) -> ApiResult<Contact> {
    let contact = state.store.contact(who.workspace(), id).await?;
    if who.sees(contact.assigned_agent_id.as_deref()) {
        Ok(contact)
    } else {
        Err(ApiError::not_found("contact", id))
    }
}

/// One contact (404 for an agent's colleague's).
pub async fn show(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(visible(&state, &who, &id).await?))
}

/// Changes a contact; what an agent may change is [`agent_may_change`]'s to say.
pub async fn update(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Contact>> {
    let caller = &who.caller;
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&FIELDS[1..8])?;
    let contact = state.store.contact(&caller.workspace_id, &id).await?;
    let mine = who.sees(contact.assigned_agent_id.as_deref());
    if !mine {
        let takeable =
            contact.assigned_agent_id.is_none() && self_assign_allowed(&state, &who).await?;
        if !takeable {
            return Err(ApiError::not_found("contact", &id));
        }
    }
    let patch = patch_from(&state, caller, &obj).await?;
    if let Some(me) = who.assigned_only() {
        agent_may_change(me, mine, &patch, &id)?;
    }
    Ok(Json(
        state
            .store
            .update_contact(&caller.workspace_id, &id, &patch)
            .await?,
    ))
}

/// Whether the workspace lets agents assign unassigned contacts to themselves.
async fn self_assign_allowed(state: &AppState, who: &Signed) -> ApiResult<bool> {
    Ok(state
        .store
        .workspace(who.workspace())
        .await?
        .agents_may_self_assign)
}

/// What agent `me` may change: on a contact assigned to them (`mine`) anything but whom it is
/// assigned to; on an unassigned one (when the workspace allows it) only taking it,
/// `{"assigned_agent_id": <themselves>}` alone — anything else of it answers 404.
fn agent_may_change(me: &str, mine: bool, patch: &ContactPatch, id: &str) -> ApiResult<()> {
    let takes = patch
        .assigned_agent_id
        .as_ref()
        .map(|a| a.as_deref() == Some(me));
    if mine {
        return match takes {
            Some(false) => Err(ApiError::Forbidden(
                "assigned_agent_id: an agent cannot give their contacts to someone else or unassign them; an admin can".into(),
            )),
            _ => Ok(()),
        };
    }
    let only_takes = takes == Some(true)
        && patch.name.is_none()
        && patch.tags.is_none()
        && patch.fields.is_none()
        && patch.blocked.is_none()
        && patch.excluded_from_automation.is_none();
    if only_takes {
        Ok(())
    } else {
        Err(ApiError::not_found("contact", id))
    }
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_contact(&caller.workspace_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /contacts/{id}/tags`'s body.
#[derive(ToSchema)]
pub struct NewTags {
    /// Tags to add, 1 to 64 characters each.
    pub tags: Vec<String>,
}

/// Adds tags (`{"tags": [...]}`) to a contact, keeping the ones it has.
pub async fn add_tags(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Contact>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["tags"])?;
    let new = NewTags {
        tags: tags(&obj, "tags")?,
    };
    edit_tags(&state, &who, &id, |tags| {
        for t in new.tags {
            if !tags.iter().any(|o| o.eq_ignore_ascii_case(&t)) {
                tags.push(t);
            }
        }
    })
    .await
}

pub async fn remove_tag(
    State(state): State<AppState>,
    who: Signed,
    UrlPath((id, tag)): UrlPath<(String, String)>,
) -> ApiResult<Json<Contact>> {
    edit_tags(&state, &who, &id, |tags| {
        tags.retain(|t| !t.eq_ignore_ascii_case(&tag))
    })
    .await
}

/// Reads a contact's tags, edits them and writes them back.
async fn edit_tags(
    state: &AppState,
    who: &Signed,
    id: &str,
    edit: impl FnOnce(&mut Vec<String>),
) -> ApiResult<Json<Contact>> {
    let caller = &who.caller;
    let mut contact = visible(state, who, id).await?;
    edit(&mut contact.tags);
    let patch = ContactPatch {
        tags: Some(contact.tags),
        ..Default::default()
    };
    Ok(Json(
        state
            .store
            .update_contact(&caller.workspace_id, id, &patch)
            .await?,
    ))
}

/// The runs of a contact the caller may see.
pub async fn runs(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<RunList>> {
    let caller = &who.caller;
    visible(&state, &who, &id).await?;
    Ok(Json(RunList {
        data: state
            .store
            .runs_of_contact(&caller.workspace_id, &id)
            .await?,
    }))
}

/// Removes the contact from every run it is in (active or waiting): they end, their timers go.
pub async fn remove_from_runs(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<EndedRuns>> {
    let caller = &who.caller;
    visible(&state, &who, &id).await?;
    let ended = state
        .store
        .end_contact_runs(
            &caller.workspace_id,
            &id,
            "the contact was removed from all runs",
        )
        .await?;
    Ok(Json(EndedRuns { ended }))
}

/// A run: state, current step, variables and history (404 for a run of a contact the caller may
/// not see).
pub async fn run(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Run>> {
    let run = state.store.run(who.workspace(), &id).await?;
    who.check_contact(&state, Some(&run.contact_id), "run", &id)
        .await?;
    Ok(Json(run))
}

/// `Ok` if the caller may see contact `id` (else its 404): for routes about one contact.
pub(super) async fn check_visible(state: &AppState, who: &Signed, id: &str) -> ApiResult<()> {
    visible(state, who, id).await.map(|_| ())
}
