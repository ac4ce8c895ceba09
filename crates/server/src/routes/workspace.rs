//! `GET/PUT /workspace`: the caller's workspace settings (time zone, business hours, holidays,
//! whether agents may assign unassigned contacts to themselves, how long a takeover pauses
//! automation).

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use waflow_domain::calendar::{Calendar, WeeklySchedule};
use waflow_domain::parse::{Obj, Path};
use waflow_store::{Workspace, WorkspaceSettings};

fn view(ws: &Workspace) -> Json<Value> {
    Json(
        json!({"id": ws.id, "name": ws.name, "time_zone": ws.time_zone, "business_hours": ws.business_hours,
                "holidays": ws.holidays, "agents_may_self_assign": ws.agents_may_self_assign,
                "takeover_hours": ws.takeover_hours,
                "created_at": ws.created_at}),
    )
}

pub async fn show(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    Ok(view(&state.store.workspace(&caller.workspace_id).await?))
}

/// Validates every field before writing any, so a bad holiday leaves the time zone untouched.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let current = state.store.workspace(&caller.workspace_id).await?;
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&[
        "time_zone",
        "business_hours",
        "holidays",
        "agents_may_self_assign",
        "takeover_hours",
    ])?;
    let time_zone = match obj.opt("time_zone") {
        Some((v, p)) => Calendar::parse_time_zone(v, &p)?.name().to_string(),
        None => current.time_zone.clone(),
    };
    let business_hours = match obj.opt("business_hours") {
        Some((v, p)) => WeeklySchedule::parse(v, &p)?.to_json(),
        None => current.business_hours.clone(),
    };
    let holidays = match obj.opt("holidays") {
        Some((v, p)) => {
            let parsed = Calendar::parse_holidays(v, &p)?;
            Calendar {
                holidays: parsed,
                ..Default::default()
            }
            .holidays_json()
        }
        None => current.holidays.clone(),
    };
    let settings = WorkspaceSettings {
        time_zone,
        business_hours,
        holidays,
        agents_may_self_assign: obj
            .bool_or("agents_may_self_assign", current.agents_may_self_assign)?,
        takeover_hours: takeover_hours(&obj, current.takeover_hours)?,
    };
    let ws = state
        .store
        .update_workspace_settings(&caller.workspace_id, &settings)
        .await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(view(&ws))
}

/// The opt-out rule as the API shows it: the stop words and the confirmation reply.
fn opt_out_view(settings: &Value) -> Json<Value> {
    let rule = waflow_domain::campaign::OptOut::from_settings(settings);
    Json(json!({"words": rule.words, "reply": rule.reply}))
}

/// `GET /workspace/opt-out`: the stop words (the defaults until set) and the confirmation.
pub async fn opt_out(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    Ok(opt_out_view(
        &state.store.opt_out_settings(&caller.workspace_id).await?,
    ))
}

/// `PUT /workspace/opt-out` `{"words": [...], "reply": "..."}`: either may be left out (kept).
pub async fn set_opt_out(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["words", "reply"])?;
    let current = waflow_domain::campaign::OptOut::from_settings(
        &state.store.opt_out_settings(&caller.workspace_id).await?,
    );
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
                    format!("{w:?} is not a stop word (1 to 40 characters, not only punctuation)"),
                ));
            }
        }
        words
    } else {
        current.words
    };
    let reply = match obj.opt_str("reply")? {
        Some(r) if r.chars().count() > 1024 => {
            return Err(crate::error::ApiError::invalid(
                "reply",
                "is longer than 1024 characters",
            ))
        }
        Some(r) => r.to_string(),
        None if obj.has("reply") => String::new(),
        None => current.reply,
    };
    let settings = json!({"words": words, "reply": reply});
    state
        .store
        .set_opt_out_settings(&caller.workspace_id, &settings)
        .await?;
    state.engine.invalidate(&caller.workspace_id);
    Ok(opt_out_view(&settings))
}

/// The longest takeover pause, in hours (30 days).
const MAX_TAKEOVER_HOURS: i64 = 720;

/// `takeover_hours`: 0 (a person writing never pauses automation) to [`MAX_TAKEOVER_HOURS`].
fn takeover_hours(obj: &Obj<'_>, current: i64) -> ApiResult<i64> {
    let hours = obj.i64_or("takeover_hours", current)?;
    if !(0..=MAX_TAKEOVER_HOURS).contains(&hours) {
        return Err(ApiError::invalid(
            "takeover_hours",
            format!("{hours} is not between 0 and {MAX_TAKEOVER_HOURS} (takeover_hours_limit)"),
        ));
    }
    Ok(hours)
}
