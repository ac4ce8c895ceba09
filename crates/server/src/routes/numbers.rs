//! `/numbers`: connected WhatsApp lines, and the sandbox number's inbound/outbox endpoints.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody, Params};
use crate::routes::page;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use waflow_domain::parse::{Obj, Path};
use waflow_domain::{MessageType, PhoneNumber};
use waflow_engine::{InboundContent, InboundEvent, IntakeOutcome};
use waflow_store::{new_id, Number, NumberPatch};

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"data": state.store.numbers(&caller.workspace_id).await?}),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Number>)> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["label", "channel", "cloud_api", "pair_phone"])?;
    let label = obj.str("label")?.trim().to_string();
    let channel = obj.opt_str("channel")?.unwrap_or("sandbox");
    match channel {
        "sandbox" if obj.has("cloud_api") => {
            return Err(ApiError::invalid(
                "cloud_api",
                "is only for numbers with \"channel\": \"cloud_api\"",
            ))
        }
        "sandbox" => {}
        "cloud_api" => {
            let number = connect_cloud_api(&state, &caller, &obj, &label).await?;
            return Ok((StatusCode::CREATED, Json(number)));
        }
        "linked_device" => {
            let number = super::linked_numbers::create(&state, &caller, &obj, &label).await?;
            return Ok((StatusCode::CREATED, Json(number)));
        }
        other => {
            return Err(ApiError::invalid(
                "channel",
                format!("{other:?} is not a channel (sandbox, cloud_api, linked_device)"),
            ))
        }
    }
    let number = state
        .store
        .insert_number(&caller.workspace_id, &label, channel, "connected")
        .await?;
    Ok((StatusCode::CREATED, Json(number)))
}

pub async fn show(
    State(state): State<AppState>,
    who: crate::roles::Signed,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<super::cloud_numbers::NumberView>> {
    let number = state.store.number(who.workspace(), &id).await?;
    Ok(Json(super::cloud_numbers::view(&state, &who, number)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Number>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["label", "automation", "marketing", "status"])?;
    // The channel sets a real number's status; the sandbox's can be set to rehearse a
    // disconnection (numbers disconnected for 7 days are removed).
    let status = match obj.opt_str("status")? {
        None => None,
        Some(s) => {
            let number = state.store.number(&caller.workspace_id, &id).await?;
            if number.channel != "sandbox" {
                return Err(ApiError::invalid(
                    "status",
                    format!("the {} channel sets this number's status", number.channel),
                ));
            }
            if !["connected", "disconnected", "logged_out"].contains(&s) {
                return Err(ApiError::invalid(
                    "status",
                    format!("{s:?} is not a status (connected, disconnected, logged_out)"),
                ));
            }
            Some(s.to_string())
        }
    };
    let patch = NumberPatch {
        label: if obj.has("label") {
            Some(obj.str("label")?.trim().to_string())
        } else {
            None
        },
        automation: obj
            .has("automation")
            .then(|| obj.bool_or("automation", true))
            .transpose()?,
        marketing: obj
            .has("marketing")
            .then(|| obj.bool_or("marketing", false))
            .transpose()?,
        status,
        status_reason: None,
        at: Some(state.engine.now()),
    };
    let updated = state
        .store
        .update_number(&caller.workspace_id, &id, &patch)
        .await?;
    state.forget_number(&id);
    Ok(Json(updated))
}

/// Stores a Cloud API number with its credentials sealed, and makes its webhook live.
async fn connect_cloud_api(
    state: &AppState,
    caller: &Caller,
    obj: &Obj<'_>,
    label: &str,
) -> ApiResult<Number> {
    let (value, path) = obj.req("cloud_api")?;
    let creds = Obj::new(value, path)?;
    creds.only(&[
        "phone_number_id",
        "waba_id",
        "access_token",
        "app_secret",
        "verify_token",
        "send_per_second",
        "per_recipient_burst",
        "per_recipient_interval_ms",
        "messaging_limit",
        "mark_read",
    ])?;
    let digits = |key: &str| -> ApiResult<String> {
        let v = creds.str(key)?.trim();
        if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::invalid(
                format!("cloud_api.{key}"),
                format!("{v:?} is not a Meta id (digits only)"),
            ));
        }
        Ok(v.to_string())
    };
    let secret = |key: &str| -> ApiResult<String> {
        let v = creds.str(key)?.trim();
        if v.is_empty() || v.len() > 4096 {
            return Err(ApiError::invalid(
                format!("cloud_api.{key}"),
                "must be 1 to 4096 characters",
            ));
        }
        Ok(v.to_string())
    };
    let phone_number_id = digits("phone_number_id")?;
    let waba_id = digits("waba_id")?;
    let secrets = waflow_channels::cloud_api::service::Secrets {
        access_token: secret("access_token")?,
        app_secret: secret("app_secret")?,
        verify_token: secret("verify_token")?,
    };
    let per_second = creds.i64_or(
        "send_per_second",
        i64::from(waflow_channels::cloud_api::channel::DEFAULT_PER_SECOND),
    )?;
    if !(1..=1000).contains(&per_second) {
        return Err(ApiError::invalid(
            "cloud_api.send_per_second",
            format!("{per_second} is not between 1 and 1000"),
        ));
    }
    let mut settings = json!({"waba_id": waba_id, "send_per_second": per_second});
    for (key, range) in [
        ("per_recipient_burst", 1..=1000),
        ("per_recipient_interval_ms", 1..=600_000),
    ] {
        if creds.has(key) {
            let v = creds.i64_or(key, 0)?;
            if !range.contains(&v) {
                return Err(ApiError::invalid(
                    format!("cloud_api.{key}"),
                    format!("{v} is not between {} and {}", range.start(), range.end()),
                ));
            }
            settings[key] = json!(v);
        }
    }
    if creds.has("mark_read") {
        settings["mark_read"] = json!(creds.bool_or("mark_read", false)?);
    }
    if let Some((v, _)) = creds.opt("messaging_limit") {
        match v {
            Value::String(s) if s == "unlimited" => {}
            Value::Number(n) if n.as_u64().is_some_and(|n| (1..=1_000_000).contains(&n)) => {}
            other => {
                return Err(ApiError::invalid(
                    "cloud_api.messaging_limit",
                    format!("{other} is not a messaging limit: a number of contacts per 24 hours (Meta's tiers: 250, 2000, 10000, 100000) or \"unlimited\""),
                ))
            }
        }
        settings["messaging_limit"] = v.clone();
    }
    let sealed = serde_json::to_string(&secrets)
        .map(|plain| state.cloud.key.seal(&plain))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let new = waflow_store::NewNumber {
        label: label.to_string(),
        channel: "cloud_api".into(),
        status: "connected".into(),
        external_id: Some(phone_number_id),
        settings,
        sealed_secrets: Some(sealed.clone()),
    };
    let number = state
        .store
        .insert_channel_number(&caller.workspace_id, &new)
        .await
        .map_err(|e| match e {
            waflow_store::Error::Conflict { message, .. } => ApiError::Conflict {
                field: Some("cloud_api.phone_number_id".into()),
                message,
            },
            other => other.into(),
        })?;
    state
        .cloud
        .register(&waflow_store::ChannelNumber {
            number: number.clone(),
            sealed_secrets: Some(sealed),
        })
        .map_err(ApiError::Internal)?;
    Ok(number)
}

/// Deletes a number; workflows scoped to it become global.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<StatusCode> {
    let number = state.number(&caller.workspace_id, &id).await?;
    if number.channel == "linked_device" {
        // Unlink from the phone first: deleting must not leave a linked device behind.
        state.linked.logout(&id).await;
    }
    state.store.delete_number(&caller.workspace_id, &id).await?;
    state.forget_number(&id);
    state.cloud.unregister(&id);
    state.engine.invalidate(&caller.workspace_id);
    Ok(StatusCode::NO_CONTENT)
}

async fn sandbox_number(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Number> {
    number_on_channel(
        state,
        caller,
        id,
        "sandbox",
        "messages can be injected only on sandbox numbers",
    )
    .await
}

/// A number of the caller's workspace that must be on `channel`; 409 otherwise, saying
/// `only_for` (what is reserved to that channel).
pub(super) async fn number_on_channel(
    state: &AppState,
    caller: &Caller,
    id: &str,
    channel: &str,
    only_for: &str,
) -> ApiResult<Number> {
    let number = state
        .number(&caller.workspace_id, id)
        .await
        .map_err(|e| match e {
            waflow_store::Error::NotFound { .. } => ApiError::not_found("number", id),
            other => other.into(),
        })?;
    if number.channel != channel {
        return Err(ApiError::Conflict {
            field: None,
            message: format!("number {id} is a {} number; {only_for}", number.channel),
        });
    }
    Ok(number)
}

/// Injects a message as if `from` had sent it to this sandbox number. Returns once the message is
/// stored and evaluated: the replies it caused are already in the outbox.
pub async fn sandbox_inbound(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<IntakeOutcome>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["from", "name", "text", "type", "message_id"])?;
    let (from_value, from_path) = obj.req("from")?;
    let from = from_value
        .as_str()
        .ok_or_else(|| from_path.error(from_value, "must be a phone number string"))?;
    let from = PhoneNumber::parse(from).map_err(|m| ApiError::invalid("from", m))?;
    let message_type = match obj.opt_str("type")? {
        None => MessageType::Text,
        Some(t) => MessageType::parse(t)
            .ok_or_else(|| ApiError::invalid("type", format!("{t:?} is not a message type")))?,
    };
    let text = obj.opt_str("text")?.unwrap_or("").to_string();
    if message_type == MessageType::Text && text.trim().is_empty() {
        return Err(ApiError::invalid("text", "is required for a text message"));
    }
    if text.chars().count() > 4096 {
        return Err(ApiError::invalid("text", "is longer than 4096 characters"));
    }
    let message_id = match obj.opt_str("message_id")? {
        Some(m) if m.trim().is_empty() || m.len() > 200 => {
            return Err(ApiError::invalid(
                "message_id",
                "must be 1 to 200 characters",
            ))
        }
        Some(m) => m.to_string(),
        None => new_id("sbx"),
    };
    let number = sandbox_number(&state, &caller, &id).await?;
    let request = InboundEvent {
        workspace_id: caller.workspace_id.clone(),
        number_id: number.id,
        automation: number.automation,
        from: from.into(),
        user_id: None,
        contact_name: obj.opt_str("name")?.unwrap_or("").trim().to_string(),
        channel_message_id: message_id,
        content: InboundContent::text(message_type, text),
        reply_to: None,
        notice: None,
    };
    Ok(Json(state.engine.inbound(request).await?))
}

/// Lists what waflow sent from this sandbox number, oldest first; `after` is the cursor.
pub async fn sandbox_outbox(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let number = sandbox_number(&state, &caller, &id).await?;
    let limit = params.limit(100, 1000)?;
    let after = params.get("after").or(params.get("cursor"));
    let messages = state
        .store
        .outbound_messages(&caller.workspace_id, &number.id, after, limit)
        .await?;
    Ok(page(messages, limit, |m| m.id.clone()))
}
