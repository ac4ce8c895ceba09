//! The dashboard's first hour: creating the first owner from the browser (`/setup`, only while the
//! server has none), the checklist that ticks itself (`/onboarding`), and the home page's
//! figures (`/stats`).

use crate::auth::{check_password, create_owner, LoginAnswer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody, Params};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use waflow_domain::parse::{Obj, Path};
use waflow_store::{ActivityBucket, Onboarding};

/// The workspace the first owner gets (as `waflow agents create-owner` without `--workspace`).
const FIRST_WORKSPACE: &str = "default";

/// Two first-owner requests at once: the second finds the first's owner.
static SETUP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `GET /setup`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SetupState {
    /// True only while no workspace has an owner: the dashboard then asks for the first one.
    pub needs_owner: bool,
}

/// Whether the server still waits for its first owner.
pub async fn state(State(state): State<AppState>) -> ApiResult<Json<SetupState>> {
    Ok(Json(SetupState {
        needs_owner: !state.store.has_owner().await?,
    }))
}

/// `POST /setup`'s body.
#[derive(utoipa::ToSchema)]
pub struct SetupRequest {
    /// The owner's email (case does not matter).
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    pub name: String,
}

impl SetupRequest {
    /// Reads the body; each error names its field.
    fn read(body: &serde_json::Value) -> ApiResult<Self> {
        let obj = Obj::new(body, Path::root(""))?;
        obj.only(&["email", "password", "name"])?;
        let request = Self {
            email: obj.str("email")?.trim().to_string(),
            password: obj.str("password")?.to_string(),
            name: obj.str("name")?.trim().to_string(),
        };
        if request.name.is_empty() || request.name.chars().count() > 200 {
            return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
        }
        check_password("password", &request.password)?;
        Ok(request)
    }
}

/// `{"email", "password", "name"}` → 201 and a sign-in (as `POST /auth/login` answers) for the
/// first owner; 409 once any owner exists, so the page cannot be used to take a server over.
pub async fn create(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<LoginAnswer>)> {
    let request = SetupRequest::read(&body)?;
    let _one_at_a_time = SETUP.lock().await;
    if state.store.has_owner().await? {
        return Err(ApiError::Conflict {
            field: None,
            message: "this server already has an owner: sign in instead".into(),
        });
    }
    let agent = create_owner(
        state.store.as_ref(),
        FIRST_WORKSPACE,
        &request.name,
        &request.email,
        &request.password,
    )
    .await?;
    let answer = crate::auth::signed_in(&state, agent).await?;
    tracing::info!(agent = %answer.agent.id, "first owner created from the dashboard");
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The first-hour checklist: connect a number, create a flow, try it, publish it.
pub async fn onboarding(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Onboarding>> {
    Ok(Json(state.store.onboarding(&caller.workspace_id).await?))
}

/// One local day of the home page's charts.
#[derive(Serialize, Default, utoipa::ToSchema)]
pub struct Day {
    /// `YYYY-MM-DD` in the workspace's time zone.
    pub date: String,
    pub messages_in: i64,
    pub messages_out: i64,
    /// Runs started (test runs excluded).
    pub runs: i64,
    /// Runs that failed.
    pub failures: i64,
    pub ai_credits: i64,
}

/// One workflow's figures over the period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkflowFigures {
    pub workflow_id: String,
    pub name: String,
    pub runs: i64,
    /// Messages its runs sent.
    pub replies: i64,
}

/// One number's health.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NumberHealth {
    pub id: String,
    pub label: String,
    pub channel: waflow_store::ChannelKind,
    pub status: waflow_store::NumberStatus,
    pub status_reason: Option<String>,
}

/// `GET /stats`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// Every day of the period, oldest first, zeros included.
    pub days: Vec<Day>,
    pub workflows: Vec<WorkflowFigures>,
    pub numbers: Vec<NumberHealth>,
}

/// The periods the home page offers, in days.
const PERIODS: [u32; 3] = [7, 30, 90];

/// `?days=7|30|90` (default 7): the workspace's activity per local day, per workflow, and its
/// numbers' health.
pub async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<Stats>> {
    let days = match params.get("days") {
        None => 7,
        Some(d) => d
            .parse::<u32>()
            .ok()
            .filter(|d| PERIODS.contains(d))
            .ok_or_else(|| ApiError::invalid("days", format!("{d:?} is not one of 7, 30, 90")))?,
    };
    let ws = state.store.workspace(&caller.workspace_id).await?;
    let tz: Tz = ws.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let first = today
        .checked_sub_days(Days::new(u64::from(days - 1)))
        .unwrap_or(today);
    let activity = state
        .store
        .activity(&caller.workspace_id, local_midnight(tz, first))
        .await?;
    let names: BTreeMap<String, String> = state
        .store
        .workflows(&caller.workspace_id)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let workflows = activity
        .workflows
        .into_iter()
        .map(|w| WorkflowFigures {
            name: names.get(&w.workflow_id).cloned().unwrap_or_default(),
            workflow_id: w.workflow_id,
            runs: w.runs,
            replies: w.replies,
        })
        .collect();
    let numbers = state
        .store
        .numbers(&caller.workspace_id)
        .await?
        .into_iter()
        .map(|n| NumberHealth {
            id: n.id,
            label: n.label,
            channel: n.channel,
            status: n.status,
            status_reason: n.status_reason,
        })
        .collect();
    Ok(Json(Stats {
        days: by_local_day(&activity.buckets, tz, first, today),
        workflows,
        numbers,
    }))
}

/// The first instant of `day` in `tz` (a day starting in a DST gap starts when the gap ends).
fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..4)
        .find_map(|h| {
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// Sums quarter-hour buckets into the local days `first..=last` (every day listed).
fn by_local_day(buckets: &[ActivityBucket], tz: Tz, first: NaiveDate, last: NaiveDate) -> Vec<Day> {
    let mut days: BTreeMap<NaiveDate, Day> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| {
            let day = Day {
                date: d.format("%Y-%m-%d").to_string(),
                ..Default::default()
            };
            (d, day)
        })
        .collect();
    for b in buckets {
        let Some(at) = DateTime::<Utc>::from_timestamp_millis(b.quarter * 900_000) else {
            continue;
        };
        if let Some(day) = days.get_mut(&at.with_timezone(&tz).date_naive()) {
            day.messages_in += b.messages_in;
            day.messages_out += b.messages_out;
            day.runs += b.runs;
            day.failures += b.failures;
            day.ai_credits += b.ai_credits;
        }
    }
    days.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_hours_fall_into_the_local_day_they_belong_to() {
        let tz: Tz = "Europe/Rome".parse().unwrap();
        let first = NaiveDate::from_ymd_opt(2026, 3, 28).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap();
        // 2026-03-28 23:30Z is 00:30 on the 29th in Rome (UTC+1); 2026-03-29 22:15Z is 00:15 on
        // the 30th (UTC+2 after the change).
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis() / 900_000;
        let buckets = vec![
            ActivityBucket {
                quarter: at("2026-03-28T23:30:00Z"),
                messages_in: 2,
                ..Default::default()
            },
            ActivityBucket {
                quarter: at("2026-03-29T22:15:00Z"),
                runs: 1,
                failures: 1,
                ..Default::default()
            },
        ];
        let days = by_local_day(&buckets, tz, first, last);
        assert_eq!(days.len(), 3);
        assert_eq!(days[0].messages_in, 0);
        assert_eq!(
            (days[1].date.as_str(), days[1].messages_in),
            ("2026-03-29", 2)
        );
        assert_eq!((days[2].runs, days[2].failures), (1, 1));
        assert_eq!(
            local_midnight(tz, first).to_rfc3339(),
            "2026-03-27T23:00:00+00:00"
        );
    }
}
