//! `/scheduled`: messages to send at a local date and time — create, list by tab and period,
//! edit or cancel while pending. The scheduler (engine) queues each when due.

use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::roles::Signed;
use crate::routes::content;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use waflow_domain::calendar::Calendar;
use waflow_domain::local_time::local_to_utc;
use waflow_domain::parse::{Obj, Path};
use waflow_domain::PhoneNumber;
use waflow_store::{
    new_id, ContactFilter, ConversationFilter, NewScheduled, Scheduled, ScheduledFilter,
    ScheduledTab,
};

const FIELDS: [&str; 7] = [
    "number_id",
    "phone",
    "at",
    "time_zone",
    "text",
    "content",
    "fallback",
];

/// `POST /scheduled`'s body, and `PATCH /scheduled/{id}`'s (where a field left out keeps its
/// value). A new message needs `number_id`, `phone`, `at` and `text` or `content`.
#[derive(ToSchema)]
pub struct ScheduledBody {
    pub number_id: Option<String>,
    /// With its country code.
    #[schema(value_type = Option<String>)]
    pub phone: Option<PhoneNumber>,
    /// The local wall time, `2026-03-30T09:00`, in `time_zone`.
    pub at: Option<String>,
    /// An IANA time zone; default: the workspace's.
    pub time_zone: Option<String>,
    /// A text message (at most 4096 characters); or give `content`.
    pub text: Option<String>,
    /// Rich content (buttons, list, media, template...), checked against WhatsApp's limits.
    pub content: Option<Value>,
    /// A template sent instead of a text message outside the 24-hour window.
    pub fallback: Option<Value>,
}

/// A scheduled message and what may go wrong at its time.
#[derive(Serialize, ToSchema)]
pub struct ScheduledView {
    #[serde(flatten)]
    pub scheduled: Scheduled,
    /// Why it will likely fail at its time (empty but for a create or an edit).
    pub warnings: Vec<String>,
}

page_of!(
    /// `GET /scheduled`: by due time.
    ScheduledPage,
    Scheduled
);

/// What a body says, merged over the current message when editing.
struct Draft {
    number_id: String,
    phone: String,
    at: String,
    time_zone: String,
    message_type: String,
    text: String,
    content: Option<Value>,
    fallback: Option<Value>,
}

impl Draft {
    fn of(s: &Scheduled) -> Self {
        Self {
            number_id: s.number_id.clone(),
            phone: s.phone.clone(),
            at: s.at.clone(),
            time_zone: s.time_zone.clone(),
            message_type: s.message_type.clone(),
            text: s.text.clone(),
            content: s.content.clone(),
            fallback: s.fallback.clone(),
        }
    }
}

/// Reads the body over `base` (a new message's defaults, or the pending one being edited);
/// every refusal names its field.
async fn read(
    state: &AppState,
    workspace_id: &str,
    body: &Value,
    base: Option<Draft>,
) -> ApiResult<(Draft, DateTime<Utc>)> {
    let obj = Obj::new(body, Path::root(""))?;
    obj.only(&FIELDS)?;
    let creating = base.is_none();
    let ws = state.store.workspace(workspace_id).await?;
    let mut d = base.unwrap_or(Draft {
        number_id: String::new(),
        phone: String::new(),
        at: String::new(),
        time_zone: ws.time_zone.clone(),
        message_type: "text".into(),
        text: String::new(),
        content: None,
        fallback: None,
    });
    let asked = ScheduledBody {
        number_id: (creating || obj.has("number_id"))
            .then(|| obj.str("number_id").map(str::to_string))
            .transpose()?,
        phone: (creating || obj.has("phone"))
            .then(|| {
                let raw = obj.str("phone")?;
                PhoneNumber::parse(raw).map_err(|m| ApiError::invalid("phone", m))
            })
            .transpose()?,
        at: (creating || obj.has("at"))
            .then(|| obj.str("at").map(str::to_string))
            .transpose()?,
        time_zone: match obj.opt("time_zone") {
            Some((v, p)) => Some(Calendar::parse_time_zone(v, &p)?.name().to_string()),
            None => None,
        },
        text: obj.opt_str("text")?.map(str::to_string),
        content: obj.opt("content").map(|(v, _)| v.clone()),
        fallback: obj.opt("fallback").map(|(v, _)| v.clone()),
    };
    if let Some(number_id) = asked.number_id {
        d.number_id = number_id;
    }
    if let Some(phone) = asked.phone {
        d.phone = phone.as_str().to_string();
    }
    if let Some(at) = asked.at {
        d.at = at;
    }
    if let Some(time_zone) = asked.time_zone {
        d.time_zone = time_zone;
    }
    match (asked.content, asked.text) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "content",
                "give either text or content, not both",
            ))
        }
        (Some(value), None) => {
            let c = content::rich(&value)?;
            d.message_type = c.kind().to_string();
            d.text = c.summary();
            d.content = Some(value);
            content::check_template(state, workspace_id, &d.number_id, &c).await?;
        }
        (None, Some(text)) => {
            if text.trim().is_empty() {
                return Err(ApiError::invalid("text", "must not be empty"));
            }
            if text.chars().count() > 4096 {
                return Err(ApiError::invalid("text", "is longer than 4096 characters"));
            }
            d.message_type = "text".into();
            d.text = text;
            d.content = None;
        }
        (None, None) if creating => {
            return Err(ApiError::invalid("text", "is required (or content)"));
        }
        (None, None) => {}
    }
    if let Some(value) = asked.fallback {
        d.fallback = if value.is_null() {
            None
        } else {
            let c = content::rich(&value).map_err(|e| content::rename(e, "content", "fallback"))?;
            if c.kind() != "template" {
                return Err(ApiError::invalid(
                    "fallback.type",
                    "a fallback must be a template (WhatsApp accepts only templates outside the 24-hour window)",
                ));
            }
            content::check_template(state, workspace_id, &d.number_id, &c)
                .await
                .map_err(|e| content::rename(e, "content", "fallback"))?;
            Some(value)
        };
    }
    if d.fallback.is_some() && d.content.is_some() {
        return Err(ApiError::invalid(
            "fallback",
            "only a text message takes a fallback template",
        ));
    }
    state
        .store
        .number(workspace_id, &d.number_id)
        .await
        .map_err(|_| {
            ApiError::invalid(
                "number_id",
                format!("{:?} is not a number of this workspace", d.number_id),
            )
        })?;
    let tz: Tz = d.time_zone.parse().map_err(|_| {
        ApiError::invalid("time_zone", format!("{:?} is not a time zone", d.time_zone))
    })?;
    let (_, due) = local_to_utc(&d.at, tz).map_err(|m| ApiError::invalid("at", m))?;
    Ok((d, due))
}

/// Why a free message on a Cloud API number will likely fail at its time (the 24-hour window).
async fn warnings(
    state: &AppState,
    workspace_id: &str,
    d: &Draft,
    due: DateTime<Utc>,
) -> ApiResult<Vec<String>> {
    let number = state.store.number(workspace_id, &d.number_id).await?;
    if d.message_type == "template" || d.fallback.is_some() {
        return Ok(Vec::new());
    }
    let Some(window) = state.engine.service_window(number.channel.as_str()) else {
        return Ok(Vec::new());
    };
    let contact = state
        .store
        .contacts(
            workspace_id,
            &ContactFilter {
                search: Some(d.phone.clone()),
                limit: 5,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .find(|c| c.phone == d.phone);
    let last = match contact {
        Some(c) => state
            .store
            .conversations(
                workspace_id,
                &ConversationFilter {
                    contact_id: Some(c.id),
                    number_id: Some(d.number_id.clone()),
                    limit: 1,
                    ..Default::default()
                },
            )
            .await?
            .into_iter()
            .next()
            .and_then(|c| c.last_message_at),
        None => None,
    };
    let hours = window.num_hours();
    let open_then = last.is_some_and(|l| due - l <= window);
    if open_then {
        return Ok(Vec::new());
    }
    let when = match last {
        Some(l) => format!("the contact last wrote at {}", l.to_rfc3339()),
        None => "the contact never wrote to this number".into(),
    };
    Ok(vec![format!(
        "outside the {hours}-hour window at its time ({when}): WhatsApp accepts only templates then, so this \
         free message will fail unless the contact writes before it or a fallback template is given"
    )])
}

fn view(scheduled: Scheduled, warnings: Vec<String>) -> Json<ScheduledView> {
    Json(ScheduledView {
        scheduled,
        warnings,
    })
}

/// `POST /scheduled`.
pub async fn create(
    State(state): State<AppState>,
    who: Signed,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<ScheduledView>)> {
    let ws = who.workspace().to_string();
    let (d, due) = read(&state, &ws, &body, None).await?;
    let now = state.engine.now();
    let warn = warnings(&state, &ws, &d, due).await?;
    let saved = state
        .store
        .insert_scheduled(&new_of(
            &ws,
            new_id("sch"),
            d,
            due,
            who.caller.agent_id.clone(),
            now,
        ))
        .await?;
    state.engine.scheduled_changed();
    Ok((StatusCode::CREATED, view(saved, warn)))
}

fn new_of(
    ws: &str,
    id: String,
    d: Draft,
    due: DateTime<Utc>,
    by: Option<String>,
    now: DateTime<Utc>,
) -> NewScheduled {
    NewScheduled {
        id,
        workspace_id: ws.to_string(),
        number_id: d.number_id,
        phone: d.phone,
        contact_id: None,
        message_type: d.message_type,
        text: d.text,
        content: d.content,
        fallback: d.fallback,
        at: d.at,
        time_zone: d.time_zone,
        due_at: due,
        created_by: by,
        now,
    }
}

/// `PATCH /scheduled/{id}`: only while pending.
pub async fn update(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<ScheduledView>> {
    let ws = who.workspace().to_string();
    let current = state.store.scheduled(&ws, &id).await?;
    if current.state != "pending" {
        return Err(ApiError::Conflict {
            field: Some("state".into()),
            message: format!(
                "scheduled message {id} is {}: only a pending message can be changed",
                current.state
            ),
        });
    }
    let (d, due) = read(&state, &ws, &body, Some(Draft::of(&current))).await?;
    let warn = warnings(&state, &ws, &d, due).await?;
    let now = state.engine.now();
    let saved = state
        .store
        .update_scheduled(&new_of(&ws, id, d, due, current.created_by, now))
        .await?;
    state.engine.scheduled_changed();
    Ok(view(saved, warn))
}

/// `POST /scheduled/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<ScheduledView>> {
    let now = state.engine.now();
    let saved = state
        .store
        .cancel_scheduled(who.workspace(), &id, now)
        .await?;
    Ok(view(saved, Vec::new()))
}

/// `GET /scheduled/{id}`.
pub async fn show(
    State(state): State<AppState>,
    who: Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<ScheduledView>> {
    Ok(view(
        state.store.scheduled(who.workspace(), &id).await?,
        Vec::new(),
    ))
}

/// `GET /scheduled?tab=&period=&from=&to=&cursor=&limit=`.
pub async fn list(
    State(state): State<AppState>,
    who: Signed,
    params: Params,
) -> ApiResult<Json<ScheduledPage>> {
    let ws = state.store.workspace(who.workspace()).await?;
    let tz: Tz = ws.time_zone.parse().unwrap_or(Tz::UTC);
    let tab = match params.get("tab").unwrap_or("all") {
        "pending" => ScheduledTab::Pending,
        "sent" => ScheduledTab::Sent,
        "failed" => ScheduledTab::Failed,
        "cancelled" => ScheduledTab::Cancelled,
        "all" => ScheduledTab::All,
        other => {
            return Err(ApiError::invalid(
                "tab",
                format!("{other:?} is not a tab: pending, sent, failed, cancelled or all"),
            ))
        }
    };
    let now = state.engine.now();
    let (from, to) = period(&params, tz, now)?;
    let after = match params.get("cursor") {
        Some(c) => Some(cursor(c)?),
        None => None,
    };
    let limit = params.limit(50, 500)?;
    let rows = state
        .store
        .scheduled_list(
            who.workspace(),
            &ScheduledFilter {
                tab,
                from,
                to,
                after,
                limit,
            },
        )
        .await?;
    Ok(ScheduledPage::new(rows, limit, |s| {
        format!("{}.{}", s.due_at.timestamp_millis(), s.id)
    }))
}

fn cursor(c: &str) -> ApiResult<(DateTime<Utc>, String)> {
    c.split_once('.')
        .and_then(|(ms, id)| {
            let ms: i64 = ms.parse().ok()?;
            Some((Utc.timestamp_millis_opt(ms).single()?, id.to_string()))
        })
        .ok_or_else(|| ApiError::invalid("cursor", format!("{c:?} is not a cursor of this list")))
}

/// Due at or after, due before.
type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The due-time range of a period: `today` (the workspace's local day), `7d`/`30d`/`90d` (that
/// many days either side of now), `custom` (`from`..=`to`, local dates).
fn period(params: &Params, tz: Tz, now: DateTime<Utc>) -> ApiResult<Range> {
    let day_start = |d: NaiveDate| -> Option<DateTime<Utc>> {
        let t = d.and_hms_opt(0, 0, 0)?;
        tz.from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let date = |name: &str| -> ApiResult<Option<NaiveDate>> {
        params
            .get(name)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                    ApiError::invalid(name, format!("{v:?} is not a date like 2026-12-31"))
                })
            })
            .transpose()
    };
    let days = |n: i64| Ok((Some(now - Duration::days(n)), Some(now + Duration::days(n))));
    match params.get("period") {
        None | Some("all") => Ok((None, None)),
        Some("today") => {
            let today = now.with_timezone(&tz).date_naive();
            Ok((day_start(today), today.succ_opt().and_then(day_start)))
        }
        Some("7d") => days(7),
        Some("30d") => days(30),
        Some("90d") => days(90),
        Some("custom") => {
            let from = date("from")?.and_then(day_start);
            let to = date("to")?.and_then(|d| d.succ_opt()).and_then(day_start);
            Ok((from, to))
        }
        Some(other) => Err(ApiError::invalid(
            "period",
            format!("{other:?} is not a period: today, 7d, 30d, 90d, custom or all"),
        )),
    }
}
