//! `/campaigns`: a message (or a workflow) to an audience — preview with the live count, create,
//! pause, resume, cancel, per-recipient status and a CSV export.

use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::roles::Signed;
use crate::routes::content;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use waflow_domain::campaign::CampaignContent;
use waflow_domain::parse::{Obj, Path};
use waflow_engine::{CampaignPlan, Preview};
use waflow_store::{
    new_id, Audience, AudienceQuery, Campaign, CampaignAction, Contact, NewCampaign, Recipient,
};

/// `POST /campaigns`' body (and `POST /campaigns/preview`'s, where `name` may be left out).
#[derive(ToSchema)]
pub struct CampaignBody {
    /// 1 to 200 characters.
    pub name: Option<String>,
    pub audience: AudienceBody,
    /// Numbers to send from, each with its marketing module on.
    pub number_ids: Vec<String>,
    /// What to send: `{"template": {...}}`, `{"text": "..."}` or `{"workflow_id": "..."}`
    /// (described loosely here; checked by `waflow_domain::campaign::CampaignContent`).
    pub content: Value,
    /// RFC 3339; default: now.
    pub start_at: Option<String>,
}

/// Who a campaign goes to: exactly one of `list`, `tag`, `field` or `all`, and optionally the
/// contacts with `exclude_tag` left out.
#[derive(Serialize, ToSchema)]
pub struct AudienceBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldEquals>,
    /// Must be true when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_tag: Option<String>,
}

/// The contacts whose custom field `name` equals `equals`.
#[derive(Serialize, ToSchema)]
pub struct FieldEquals {
    /// Letters, digits, `_`, `-` and spaces.
    pub name: String,
    /// A text, a number or true/false.
    pub equals: Value,
}

/// `POST /campaigns/preview`'s answer.
#[derive(Serialize, ToSchema)]
pub struct CampaignPreview {
    /// Contacts the audience matches.
    pub audience: i64,
    /// Those left once blocked, excluded and opted-out contacts are skipped.
    pub sendable: i64,
    pub skipped: SkippedCount,
    /// How long sending takes at the numbers' paces.
    pub expected_seconds: i64,
    pub warnings: Vec<String>,
    /// The message as the first sendable recipient gets it; null when nobody is sendable.
    pub sample: Option<PreviewSample>,
}

/// Contacts of the audience that are skipped, by why.
#[derive(Serialize, ToSchema)]
pub struct SkippedCount {
    pub blocked: i64,
    pub excluded: i64,
    pub opted_out: i64,
}

/// The first recipient and their message.
#[derive(Serialize, ToSchema)]
pub struct PreviewSample {
    pub contact: Contact,
    /// The message's text; null: nothing to show (a workflow campaign).
    pub text: Option<String>,
    /// The rendered content (a template's parameters), if any.
    pub content: Option<Value>,
}

/// `POST /campaigns`' answer (201): the campaign, and what may go wrong while it sends.
#[derive(Serialize, ToSchema)]
pub struct CreatedCampaign {
    #[serde(flatten)]
    pub campaign: Campaign,
    pub warnings: Vec<String>,
}

page_of!(
    /// `GET /campaigns`: newest first.
    CampaignPage,
    Campaign
);

page_of!(
    /// `GET /campaigns/{id}/recipients`: in sending order.
    RecipientPage,
    Recipient
);

/// A field name a filter may use: letters, digits, `_`, `-`, spaces.
fn field_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
}

/// Reads `{"list": …}`, `{"tag": …}`, `{"field": {"name", "equals"}}` or `{"all": true}`, with an
/// optional `exclude_tag`.
fn audience(value: &Value) -> ApiResult<(AudienceQuery, AudienceBody)> {
    let obj = Obj::new(value, Path::root("audience"))?;
    obj.only(&["list", "tag", "field", "all", "exclude_tag"])?;
    let given: Vec<&str> = ["list", "tag", "field", "all"]
        .into_iter()
        .filter(|k| obj.has(k))
        .collect();
    if given.len() != 1 {
        return Err(ApiError::invalid(
            "audience",
            "needs exactly one of list, tag, field or all",
        ));
    }
    let mut body = AudienceBody {
        list: None,
        tag: None,
        field: None,
        all: None,
        exclude_tag: None,
    };
    let audience = match given[0] {
        "list" => {
            let list = obj.str("list")?.to_string();
            body.list = Some(list.clone());
            Audience::List(list)
        }
        "tag" => {
            let tag = obj.str("tag")?.to_string();
            body.tag = Some(tag.clone());
            Audience::Tag(tag)
        }
        "field" => {
            let (v, p) = obj.req("field")?;
            let f = Obj::new(v, p)?;
            f.only(&["name", "equals"])?;
            let name = f.str("name")?;
            if !field_name_ok(name) {
                return Err(ApiError::invalid(
                    "audience.field.name",
                    format!("{name:?} is not a field name (letters, digits, _, - and spaces)"),
                ));
            }
            let (equals, _) = f.req("equals")?;
            if equals.is_object() || equals.is_array() || equals.is_null() {
                return Err(ApiError::invalid(
                    "audience.field.equals",
                    "must be a text, a number or true/false",
                ));
            }
            body.field = Some(FieldEquals {
                name: name.to_string(),
                equals: equals.clone(),
            });
            Audience::Field {
                name: name.to_string(),
                equals: equals.clone(),
            }
        }
        _ => {
            if !obj.bool_or("all", false)? {
                return Err(ApiError::invalid("audience.all", "must be true"));
            }
            body.all = Some(true);
            Audience::All
        }
    };
    body.exclude_tag = obj.opt_str("exclude_tag")?.map(str::to_string);
    let query = AudienceQuery {
        audience,
        exclude_tag: body.exclude_tag.clone(),
    };
    Ok((query, body))
}

/// A plan read from a body: audience, numbers (each with its marketing module on), content.
async fn plan(
    state: &AppState,
    workspace_id: &str,
    obj: &Obj<'_>,
) -> ApiResult<(CampaignPlan, AudienceBody)> {
    let (a, _) = obj.req("audience")?;
    let (query, audience) = audience(a)?;
    let ids = obj.strings("number_ids")?;
    if ids.is_empty() {
        return Err(ApiError::invalid(
            "number_ids",
            "needs at least one number to send from",
        ));
    }
    let mut numbers = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("number_ids[{i}]");
        let n = state.store.number(workspace_id, id).await.map_err(|_| {
            ApiError::invalid(&field, format!("{id:?} is not a number of this workspace"))
        })?;
        if !n.marketing {
            return Err(ApiError::invalid(
                &field,
                format!(
                    "number {:?} ({id}) has its marketing module off; turn it on (PATCH /numbers/{id} {{\"marketing\": true}}) to send campaigns from it",
                    n.label
                ),
            ));
        }
        if numbers.iter().any(|(known, _)| known == id) {
            return Err(ApiError::invalid(&field, format!("{id:?} is given twice")));
        }
        numbers.push((n.id, n.channel));
    }
    let (c, _) = obj.req("content")?;
    let content = CampaignContent::parse(c).map_err(|e| ApiError::invalid(e.field, e.message))?;
    match &content {
        CampaignContent::Template(t) => {
            let checked =
                content::rich(t).map_err(|e| content::rename(e, "content", "content.template"))?;
            for (id, _) in &numbers {
                content::check_template(state, workspace_id, id, &checked)
                    .await
                    .map_err(|e| content::rename(e, "content", "content.template"))?;
            }
        }
        CampaignContent::Workflow(id) => {
            state.store.workflow(workspace_id, id).await.map_err(|_| {
                ApiError::invalid(
                    "content.workflow_id",
                    format!("{id:?} is not a workflow of this workspace"),
                )
            })?;
        }
        CampaignContent::Text(_) => {}
    }
    let plan = CampaignPlan {
        workspace_id: workspace_id.to_string(),
        query,
        numbers,
        content,
    };
    Ok((plan, audience))
}

fn preview_answer(p: Preview) -> CampaignPreview {
    let sample = p.sample.map(|(contact, rendered)| PreviewSample {
        contact,
        text: rendered.as_ref().map(|r| r.text.clone()),
        content: rendered.and_then(|r| r.payload),
    });
    CampaignPreview {
        audience: p.count.matched,
        sendable: p.sendable,
        skipped: SkippedCount {
            blocked: p.count.blocked,
            excluded: p.count.excluded,
            opted_out: p.count.opted_out,
        },
        expected_seconds: p.expected_seconds,
        warnings: p.warnings,
        sample,
    }
}

fn preview_error(e: waflow_engine::Error) -> ApiError {
    match e {
        waflow_engine::Error::Unavailable(m) => ApiError::invalid("content", m),
        other => other.into(),
    }
}

/// `POST /campaigns/preview`: the live count, the duration and the first recipient's message.
pub async fn preview(
    State(state): State<AppState>,
    who: Signed,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<CampaignPreview>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["name", "audience", "number_ids", "content", "start_at"])?;
    let (plan, _) = plan(&state, who.workspace(), &obj).await?;
    let p = state
        .engine
        .preview_campaign(&plan)
        .await
        .map_err(preview_error)?;
    Ok(Json(preview_answer(p)))
}

/// `POST /campaigns`: recipients prepared at once; sent now or at `start_at`.
pub async fn create(
    State(state): State<AppState>,
    who: Signed,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<CreatedCampaign>)> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["name", "audience", "number_ids", "content", "start_at"])?;
    let name = obj.str("name")?.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
    }
    let (plan, audience) = plan(&state, who.workspace(), &obj).await?;
    let asked = CampaignBody {
        name: Some(name),
        audience,
        number_ids: plan.numbers.iter().map(|(id, _)| id.clone()).collect(),
        content: obj.req("content")?.0.clone(),
        start_at: obj.opt_str("start_at")?.map(str::to_string),
    };
    let now = state.engine.now();
    let start_at = match &asked.start_at {
        None => now,
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::invalid(
                    "start_at",
                    format!("{s:?} is not a time like 2026-12-24T09:00:00+01:00"),
                )
            })?,
    };
    let preview = state
        .engine
        .preview_campaign(&plan)
        .await
        .map_err(preview_error)?;
    let new = NewCampaign {
        id: new_id("cmp"),
        workspace_id: who.workspace().to_string(),
        name: asked.name.unwrap_or_default(),
        number_ids: asked.number_ids,
        audience: serde_json::to_value(&asked.audience).unwrap_or(Value::Null),
        query: plan.query,
        content: asked.content,
        start_at,
        expected_seconds: preview.expected_seconds,
        now,
    };
    let campaign = state.engine.create_campaign(&new).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedCampaign {
            campaign,
            warnings: preview.warnings,
        }),
    ))
}

/// `GET /campaigns`: newest first.
pub async fn list(
    State(state): State<AppState>,
    who: Signed,
    params: Params,
) -> ApiResult<Json<CampaignPage>> {
    let limit = params.limit(20, 100)?;
    let rows = state
        .store
        .campaigns(who.workspace(), params.get("cursor"), limit)
        .await?;
    Ok(CampaignPage::new(rows, limit, |c| c.id.clone()))
}

/// `GET /campaigns/{id}`.
pub async fn show(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Campaign>> {
    Ok(Json(state.store.campaign(who.workspace(), &id).await?))
}

async fn act(
    state: &AppState,
    who: &Signed,
    id: &str,
    action: CampaignAction,
) -> ApiResult<Json<Campaign>> {
    let c = state
        .engine
        .campaign_action(who.workspace(), id, action)
        .await?;
    Ok(Json(c))
}

/// `POST /campaigns/{id}/pause`: queued messages are held, nothing more is queued.
pub async fn pause(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Campaign>> {
    act(&state, &who, &id, CampaignAction::Pause).await
}

/// `POST /campaigns/{id}/resume`.
pub async fn resume(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Campaign>> {
    act(&state, &who, &id, CampaignAction::Resume).await
}

/// `POST /campaigns/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Campaign>> {
    act(&state, &who, &id, CampaignAction::Cancel).await
}

const STATUSES: [&str; 12] = [
    "pending",
    "queued",
    "sent",
    "delivered",
    "read",
    "replied",
    "failed",
    "uncertain",
    "skipped",
    "cancelled",
    "started",
    "all",
];

/// `GET /campaigns/{id}/recipients?status=&cursor=&limit=`.
pub async fn recipients(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    params: Params,
) -> ApiResult<Json<RecipientPage>> {
    state.store.campaign(who.workspace(), &id).await?;
    let status = match params.get("status") {
        None | Some("all") => None,
        Some(s) if STATUSES.contains(&s) => Some(s),
        Some(s) => {
            return Err(ApiError::invalid(
                "status",
                format!("{s:?} is not a recipient status: {}", STATUSES.join(", ")),
            ))
        }
    };
    let after = match params.get("cursor") {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::invalid("cursor", format!("{c:?} is not a cursor of this list"))
        })?),
    };
    let limit = params.limit(100, 1000)?;
    let rows = state
        .store
        .recipients(who.workspace(), &id, status, after, limit)
        .await?;
    Ok(RecipientPage::new(rows, limit, |r| r.seq.to_string()))
}

/// `GET /campaigns/{id}/export`: every recipient as CSV.
pub async fn export(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<impl IntoResponse> {
    state.store.campaign(who.workspace(), &id).await?;
    let mut out = format!("{}\n", waflow_store::Recipient::CSV_HEADER);
    let mut after = None;
    loop {
        let rows = state
            .store
            .recipients(who.workspace(), &id, None, after, 5000)
            .await?;
        for r in &rows {
            out.push_str(&r.csv_line());
            out.push('\n');
        }
        match rows.last() {
            Some(last) if rows.len() == 5000 => after = Some(last.seq),
            _ => break,
        }
    }
    let disposition = format!("attachment; filename=\"campaign-{id}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    ))
}
