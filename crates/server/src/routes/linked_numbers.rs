//! Linked-device numbers over the API: pairing (QR code as text and SVG, or a phone-number code),
//! the live stream of a number's events (server-sent events), reconnecting (a new QR), and the
//! workspace's event webhook.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::linked::Pairing;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::Stream;
use serde::Serialize;
use serde_json::{json, Value};
use std::convert::Infallible;
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_linked_device::status::LinkStatus;
use waflow_store::Number;

/// Creates a linked-device number and starts pairing it (`pair_phone`: by a code typed on that
/// phone instead of a QR scan).
pub(crate) async fn create(
    state: &AppState,
    caller: &Caller,
    pair_phone: Option<String>,
    label: &str,
) -> ApiResult<Number> {
    let number = state
        .store
        .insert_number(&caller.workspace_id, label, "linked_device", "pairing")
        .await?;
    state
        .linked
        .start(&number, LinkStatus::Pairing, pair_phone)
        .await
        .map_err(|e| ApiError::Conflict {
            field: None,
            message: format!("the session could not start: {e}"),
        })?;
    Ok(number)
}

pub(super) fn pair_phone(obj: &Obj<'_>) -> ApiResult<Option<String>> {
    let Some(phone) = obj.opt_str("pair_phone")? else {
        return Ok(None);
    };
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 7 || digits.len() > 15 {
        return Err(ApiError::invalid(
            "pair_phone",
            format!("{phone:?} is not a phone number with its country code"),
        ));
    }
    Ok(Some(digits))
}

async fn linked_number(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Number> {
    super::numbers::number_on_channel(
        state,
        caller,
        id,
        "linked_device",
        "pairing is for linked_device numbers",
    )
    .await
}

/// `GET /numbers/{id}/session`'s answer.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub number_id: String,
    /// Whether the session runs on this server.
    pub running: bool,
    /// Whether it is linked to a phone.
    pub paired: bool,
    /// The phone it is linked to.
    pub phone: Option<String>,
    /// The number's status.
    pub status: waflow_store::NumberStatus,
    /// Why it has that status.
    pub reason: Option<String>,
}

/// `POST /numbers/{id}/reconnect`'s answer (202): pairing starts again.
#[derive(Serialize, ToSchema)]
pub struct Reconnecting {
    /// `pairing`.
    pub status: String,
    pub number_id: String,
}

/// `PUT /workspace/events-webhook`'s body and answer.
#[derive(Serialize, ToSchema)]
pub struct EventsWebhook {
    /// An http(s) URL; null: no event webhooks.
    pub url: Option<String>,
}

/// `GET /numbers/{id}/qr`: the QR code (or pairing code) to show while pairing.
pub async fn qr(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Pairing>> {
    let number = linked_number(&state, &caller, &id).await?;
    let pairing = state
        .linked
        .live(&id)
        .and_then(|l| l.pairing.read().ok().and_then(|p| p.clone()));
    match pairing.and_then(|p| serde_json::from_value::<Pairing>(p).ok()) {
        Some(p) => Ok(Json(p)),
        None => Err(ApiError::NotFound(format!(
            "QR code: number {id} is {} ({}); no pairing in progress \
             (POST /numbers/{id}/reconnect starts one)",
            number.status,
            number.status_reason.as_deref().unwrap_or("no reason given")
        ))),
    }
}

/// `GET /numbers/{id}/session`: whether the session runs and the phone it is linked to.
pub async fn session(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<SessionView>> {
    let number = linked_number(&state, &caller, &id).await?;
    let (running, phone) = state.linked.session(&id).await;
    Ok(Json(SessionView {
        number_id: number.id,
        running,
        paired: phone.is_some(),
        phone,
        status: number.status,
        reason: number.status_reason,
    }))
}

/// `GET /numbers/{id}/events`: the number's status changes and QR codes as server-sent events.
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let number = linked_number(&state, &caller, &id).await?;
    let live = state.linked.live(&id);
    let pairing = live
        .as_ref()
        .and_then(|l| l.pairing.read().ok().and_then(|p| p.clone()));
    // First what holds now, then every change.
    let mut first = vec![
        json!({"event": "number.status", "number": {"id": number.id},
        "status": number.status, "reason": number.status_reason}),
    ];
    if let Some(p) = pairing {
        first.push(json!({"event": "number.qr", "number_id": number.id, "pairing": p}));
    }
    let receiver = live.map(|l| l.events.subscribe());
    let stream = futures_util::stream::unfold(
        (first.into_iter(), receiver),
        |(mut first, mut receiver)| async move {
            if let Some(e) = first.next() {
                return Some((sse(&e), (first, receiver)));
            }
            loop {
                let rx = receiver.as_mut()?;
                match rx.recv().await {
                    Ok(e) => return Some((sse(&e), (first, receiver))),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn sse(e: &Value) -> Result<Event, Infallible> {
    let name = e["event"].as_str().unwrap_or("message").to_string();
    Ok(Event::default().event(name).data(e.to_string()))
}

/// `POST /numbers/{id}/reconnect`: forget the session and pair again (a new QR code).
pub async fn reconnect(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<(StatusCode, Json<Reconnecting>)> {
    let number = linked_number(&state, &caller, &id).await?;
    state
        .linked
        .repair(&number)
        .await
        .map_err(|e| ApiError::Conflict {
            field: None,
            message: format!("the session could not start: {e}"),
        })?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Reconnecting {
            status: "pairing".into(),
            number_id: id,
        }),
    ))
}

/// `PUT /workspace/events-webhook {url}`: where signed event webhooks go (`null`: nowhere).
pub async fn set_events_webhook(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<EventsWebhook>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["url"])?;
    let asked = EventsWebhook {
        url: obj.opt_str("url")?.map(str::to_string),
    };
    let url = asked.url.as_deref();
    if let Some(u) = url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(ApiError::invalid(
                "url",
                format!("{u:?} is not an http(s) URL"),
            ));
        }
        crate::outbound::check_url("url", u, state.engine.http_policy()).await?;
    }
    let w = state
        .store
        .set_events_url(&caller.workspace_id, url)
        .await?;
    Ok(Json(EventsWebhook { url: w.events_url }))
}
