//! `GET/PUT /workspace`: the caller's workspace settings (time zone, business hours, holidays,
//! whether agents may assign unassigned contacts to themselves, how long a takeover pauses
//! automation).

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use waflow_domain::calendar::{Calendar, WeeklySchedule};
use waflow_domain::parse::{Obj, Path};
use waflow_store::{Workspace, WorkspaceSettings};

/// The workspace's settings, as `GET` and `PUT /workspace` answer them.
#[derive(Serialize, ToSchema)]
pub struct WorkspaceView {
    pub id: String,
    pub name: String,
    /// An IANA time zone, e.g. `Europe/Rome`.
    pub time_zone: String,
    /// Opening hours by weekday: `{"mon": ["09:00-13:00", "15:00-19:00"], ...}`.
    #[schema(value_type = std::collections::BTreeMap<String, Vec<String>>)]
    pub business_hours: Value,
    /// Closed days: `2026-12-08` (one date) or `12-25` (every year).
    #[schema(value_type = Vec<String>)]
    pub holidays: Value,
    /// Whether agents may assign unassigned contacts to themselves.
    pub agents_may_self_assign: bool,
    /// How long automation pauses for a contact after a person writes in their conversation, in
    /// hours (0: never).
    pub takeover_hours: i64,
    pub created_at: DateTime<Utc>,
}

fn view(ws: &Workspace) -> Json<WorkspaceView> {
    Json(WorkspaceView {
        id: ws.id.clone(),
        name: ws.name.clone(),
        time_zone: ws.time_zone.clone(),
        business_hours: ws.business_hours.clone(),
        holidays: ws.holidays.clone(),
        agents_may_self_assign: ws.agents_may_self_assign,
        takeover_hours: ws.takeover_hours,
        created_at: ws.created_at,
    })
}

pub async fn show(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<WorkspaceView>> {
    Ok(view(&state.store.workspace(&caller.workspace_id).await?))
}

/// `PUT /workspace`'s body: a field left out keeps its value; each is validated (and normalized)
/// before any is written.
#[derive(ToSchema)]
pub struct WorkspaceChanges {
    /// An IANA time zone, e.g. `Europe/Rome`.
    pub time_zone: Option<String>,
    /// Opening hours by weekday: `{"mon": ["09:00-13:00", "15:00-19:00"], ...}`.
    #[schema(value_type = Option<std::collections::BTreeMap<String, Vec<String>>>)]
    pub business_hours: Option<Value>,
    /// Closed days: `2026-12-08` (one date) or `12-25` (every year).
    #[schema(value_type = Option<Vec<String>>)]
    pub holidays: Option<Value>,
    pub agents_may_self_assign: Option<bool>,
    /// 0 to 720 hours.
    pub takeover_hours: Option<i64>,
}

impl WorkspaceChanges {
    /// Reads the body; each error names its field.
    fn read(body: &Value) -> ApiResult<Self> {
        let obj = Obj::new(body, Path::root(""))?;
        obj.only(&[
            "time_zone",
            "business_hours",
            "holidays",
            "agents_may_self_assign",
            "takeover_hours",
        ])?;
        let time_zone = match obj.opt("time_zone") {
            Some((v, p)) => Some(Calendar::parse_time_zone(v, &p)?.name().to_string()),
            None => None,
        };
        let business_hours = match obj.opt("business_hours") {
            Some((v, p)) => Some(WeeklySchedule::parse(v, &p)?.to_json()),
            None => None,
        };
        let holidays = match obj.opt("holidays") {
            Some((v, p)) => {
                let parsed = Calendar::parse_holidays(v, &p)?;
                let calendar = Calendar {
                    holidays: parsed,
                    ..Default::default()
                };
                Some(calendar.holidays_json())
            }
            None => None,
        };
        let agents_may_self_assign = if obj.has("agents_may_self_assign") {
            Some(obj.bool_or("agents_may_self_assign", false)?)
        } else {
            None
        };
        let takeover_hours = if obj.has("takeover_hours") {
            Some(takeover_hours(&obj)?)
        } else {
            None
        };
        Ok(Self {
            time_zone,
            business_hours,
            holidays,
            agents_may_self_assign,
            takeover_hours,
        })
    }
}

/// Validates every field before writing any, so a bad holiday leaves the time zone untouched.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<WorkspaceView>> {
    let current = state.store.workspace(&caller.workspace_id).await?;
    let changes = WorkspaceChanges::read(&body)?;
    let settings = WorkspaceSettings {
        time_zone: changes.time_zone.unwrap_or(current.time_zone),
        business_hours: changes.business_hours.unwrap_or(current.business_hours),
        holidays: changes.holidays.unwrap_or(current.holidays),
        agents_may_self_assign: changes
            .agents_may_self_assign
            .unwrap_or(current.agents_may_self_assign),
        takeover_hours: changes.takeover_hours.unwrap_or(current.takeover_hours),
    };
    let ws = state
        .store
        .update_workspace_settings(&caller.workspace_id, &settings)
        .await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(view(&ws))
}

/// The opt-out rule as the API shows it: the stop words and the confirmation reply.
#[derive(Serialize, ToSchema)]
pub struct OptOutView {
    /// A message that is one of these words (case, accents and punctuation aside) opts the
    /// contact out of marketing.
    pub words: Vec<String>,
    /// The confirmation sent back; empty: none.
    pub reply: String,
}

fn opt_out_view(settings: &Value) -> Json<OptOutView> {
    let rule = waflow_domain::campaign::OptOut::from_settings(settings);
    Json(OptOutView {
        words: rule.words,
        reply: rule.reply,
    })
}

/// `PUT /workspace/opt-out`'s body: either field may be left out (kept).
#[derive(ToSchema)]
pub struct OptOutChanges {
    /// 1 to 50 stop words, each 1 to 40 characters.
    pub words: Option<Vec<String>>,
    /// At most 1024 characters; empty: no confirmation.
    pub reply: Option<String>,
}

/// `GET /workspace/opt-out`: the stop words (the defaults until set) and the confirmation.
pub async fn opt_out(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<OptOutView>> {
    Ok(opt_out_view(
        &state.store.opt_out_settings(&caller.workspace_id).await?,
    ))
}

/// `PUT /workspace/opt-out` `{"words": [...], "reply": "..."}`: either may be left out (kept).
pub async fn set_opt_out(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<OptOutView>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["words", "reply"])?;
    let current = waflow_domain::campaign::OptOut::from_settings(
        &state.store.opt_out_settings(&caller.workspace_id).await?,
    );
    let changes = OptOutChanges::read(&obj)?;
    let words = changes.words.unwrap_or(current.words);
    let reply = changes.reply.unwrap_or(current.reply);
    let settings = json!({"words": words, "reply": reply});
    state
        .store
        .set_opt_out_settings(&caller.workspace_id, &settings)
        .await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(opt_out_view(&settings))
}

impl OptOutChanges {
    /// Reads the body's fields (`reply: null` reads as an empty reply).
    fn read(obj: &Obj<'_>) -> ApiResult<Self> {
        let words = if obj.has("words") {
            let words = obj.strings("words")?;
            if words.len() > 50 {
                return Err(crate::error::ApiError::invalid(
                    "words",
                    format!("has {} stop words; at most 50", words.len()),
                ));
            }
            for (i, w) in words.iter().enumerate() {
                let key = waflow_domain::campaign::stop_key(w);
                if key.is_empty() || w.chars().count() > 40 {
                    return Err(crate::error::ApiError::invalid(
                        format!("words[{i}]"),
                        format!(
                            "{w:?} is not a stop word (1 to 40 characters, not only punctuation)"
                        ),
                    ));
                }
            }
            Some(words)
        } else {
            None
        };
        let reply = match obj.opt_str("reply")? {
            Some(r) if r.chars().count() > 1024 => {
                return Err(crate::error::ApiError::invalid(
                    "reply",
                    "is longer than 1024 characters",
                ))
            }
            Some(r) => Some(r.to_string()),
            None if obj.has("reply") => Some(String::new()),
            None => None,
        };
        Ok(Self { words, reply })
    }
}

/// The longest takeover pause, in hours (30 days).
const MAX_TAKEOVER_HOURS: i64 = 720;

/// `takeover_hours`: 0 (a person writing never pauses automation) to [`MAX_TAKEOVER_HOURS`].
fn takeover_hours(obj: &Obj<'_>) -> ApiResult<i64> {
    let hours = obj.i64_or("takeover_hours", 0)?;
    if !(0..=MAX_TAKEOVER_HOURS).contains(&hours) {
        return Err(ApiError::invalid(
            "takeover_hours",
            format!("{hours} is not between 0 and {MAX_TAKEOVER_HOURS} (takeover_hours_limit)"),
        ));
    }
    Ok(hours)
}
