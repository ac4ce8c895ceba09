//! `/numbers`: connected WhatsApp lines, and the sandbox number's inbound/outbox endpoints.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody, Params};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_domain::{MessageType, PhoneNumber};
use waflow_engine::{InboundContent, InboundEvent, IntakeOutcome};
use waflow_store::{new_id, Number, NumberPatch};

list_of!(
    /// `GET /numbers`: the workspace's numbers.
    NumberList,
    Number
);

page_of!(
    /// `GET /numbers/{id}/sandbox/outbox`: what waflow sent from a sandbox number, oldest first.
    OutboxPage,
    waflow_store::Message
);

/// `POST /numbers`'s body.
#[derive(ToSchema)]
pub struct NewNumberBody {
    pub label: String,
    /// `sandbox` (the default), `cloud_api` or `linked_device`.
    pub channel: Option<String>,
    /// A `cloud_api` number's credentials and sending limits (required for that channel).
    pub cloud_api: Option<CloudApiCredentials>,
    /// A `linked_device` number: pair by a code typed on this phone (with its country code)
    /// instead of scanning a QR code.
    pub pair_phone: Option<String>,
}

/// A Cloud API number's credentials (sealed, never returned) and sending limits.
#[derive(ToSchema)]
pub struct CloudApiCredentials {
    /// Meta's phone number id (digits).
    pub phone_number_id: String,
    /// The WhatsApp Business Account id (digits).
    pub waba_id: String,
    pub access_token: String,
    pub app_secret: String,
    /// The token Meta's webhook verification must present.
    pub verify_token: String,
    /// Messages per second, 1 to 1000.
    pub send_per_second: Option<i64>,
    /// Messages to one recipient in a burst, 1 to 1000.
    pub per_recipient_burst: Option<i64>,
    /// Milliseconds between messages to one recipient after a burst, 1 to 600000.
    pub per_recipient_interval_ms: Option<i64>,
    /// Contacts per 24 hours (Meta's tiers: 250, 2000, 10000, 100000) or `"unlimited"`.
    pub messaging_limit: Option<Value>,
    /// Whether inbound messages are marked read.
    pub mark_read: Option<bool>,
}

impl NewNumberBody {
    /// Reads the body; only the fields of its channel are read (and checked).
    fn read(body: &Value) -> ApiResult<Self> {
        let obj = Obj::new(body, Path::root(""))?;
        obj.only(&["label", "channel", "cloud_api", "pair_phone"])?;
        let label = obj.str("label")?.trim().to_string();
        let channel = obj.opt_str("channel")?.map(str::to_string);
        let (mut cloud_api, mut pair_phone) = (None, None);
        match channel.as_deref().unwrap_or("sandbox") {
            "sandbox" if obj.has("cloud_api") => {
                return Err(ApiError::invalid(
                    "cloud_api",
                    "is only for numbers with \"channel\": \"cloud_api\"",
                ))
            }
            "sandbox" => {}
            "cloud_api" => cloud_api = Some(CloudApiCredentials::read(&obj)?),
            "linked_device" => pair_phone = super::linked_numbers::pair_phone(&obj)?,
            other => {
                return Err(ApiError::invalid(
                    "channel",
                    format!("{other:?} is not a channel (sandbox, cloud_api, linked_device)"),
                ))
            }
        }
        Ok(Self {
            label,
            channel,
            cloud_api,
            pair_phone,
        })
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<NumberList>> {
    Ok(Json(NumberList {
        data: state.store.numbers(&caller.workspace_id).await?,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Number>)> {
    let new = NewNumberBody::read(&body)?;
    let label = &new.label;
    let number = if let Some(creds) = &new.cloud_api {
        connect_cloud_api(&state, &caller, creds, label).await?
    } else if new.channel.as_deref() == Some("linked_device") {
        super::linked_numbers::create(&state, &caller, new.pair_phone, label).await?
    } else {
        state
            .store
            .insert_number(&caller.workspace_id, label, "sandbox", "connected")
            .await?
    };
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

/// `PATCH /numbers/{id}`'s body: a field left out keeps its value.
#[derive(ToSchema)]
pub struct NumberChanges {
    pub label: Option<String>,
    /// Whether workflows answer on this number.
    pub automation: Option<bool>,
    /// Whether campaigns may send from it.
    pub marketing: Option<bool>,
    /// A sandbox number only, to rehearse a disconnection: `connected`, `disconnected` or
    /// `logged_out`.
    pub status: Option<String>,
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
    let status: Option<String> = match obj.opt_str("status")? {
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
    let changes = NumberChanges {
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
    };
    let patch = NumberPatch {
        label: changes.label,
        automation: changes.automation,
        marketing: changes.marketing,
        status: changes.status,
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

impl CloudApiCredentials {
    /// Reads `cloud_api`; each error names its field (`cloud_api.waba_id`).
    fn read(obj: &Obj<'_>) -> ApiResult<Self> {
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
        let access_token = secret("access_token")?;
        let app_secret = secret("app_secret")?;
        let verify_token = secret("verify_token")?;
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
        let mut limits = [None, None];
        for (slot, (key, range)) in limits.iter_mut().zip([
            ("per_recipient_burst", 1..=1000),
            ("per_recipient_interval_ms", 1..=600_000),
        ]) {
            if creds.has(key) {
                let v = creds.i64_or(key, 0)?;
                if !range.contains(&v) {
                    return Err(ApiError::invalid(
                        format!("cloud_api.{key}"),
                        format!("{v} is not between {} and {}", range.start(), range.end()),
                    ));
                }
                *slot = Some(v);
            }
        }
        let mark_read = if creds.has("mark_read") {
            Some(creds.bool_or("mark_read", false)?)
        } else {
            None
        };
        let messaging_limit = match creds.opt("messaging_limit") {
            None => None,
            Some((v, _)) => match v {
                Value::String(s) if s == "unlimited" => Some(v.clone()),
                Value::Number(n) if n.as_u64().is_some_and(|n| (1..=1_000_000).contains(&n)) => {
                    Some(v.clone())
                }
                other => {
                    return Err(ApiError::invalid(
                        "cloud_api.messaging_limit",
                        format!("{other} is not a messaging limit: a number of contacts per 24 hours (Meta's tiers: 250, 2000, 10000, 100000) or \"unlimited\""),
                    ))
                }
            },
        };
        let [per_recipient_burst, per_recipient_interval_ms] = limits;
        Ok(Self {
            phone_number_id,
            waba_id,
            access_token,
            app_secret,
            verify_token,
            send_per_second: Some(per_second),
            per_recipient_burst,
            per_recipient_interval_ms,
            messaging_limit,
            mark_read,
        })
    }
}

/// Stores a Cloud API number with its credentials sealed, and makes its webhook live.
async fn connect_cloud_api(
    state: &AppState,
    caller: &Caller,
    creds: &CloudApiCredentials,
    label: &str,
) -> ApiResult<Number> {
    let secrets = waflow_channels::cloud_api::service::Secrets {
        access_token: creds.access_token.clone(),
        app_secret: creds.app_secret.clone(),
        verify_token: creds.verify_token.clone(),
    };
    let mut settings = json!({"waba_id": creds.waba_id, "send_per_second": creds.send_per_second});
    let limits = [
        ("per_recipient_burst", creds.per_recipient_burst),
        ("per_recipient_interval_ms", creds.per_recipient_interval_ms),
    ];
    for (key, value) in limits {
        if let Some(v) = value {
            settings[key] = json!(v);
        }
    }
    if let Some(mark_read) = creds.mark_read {
        settings["mark_read"] = json!(mark_read);
    }
    if let Some(limit) = &creds.messaging_limit {
        settings["messaging_limit"] = limit.clone();
    }
    let sealed = serde_json::to_string(&secrets)
        .map(|plain| state.cloud.key.seal(&plain))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let new = waflow_store::NewNumber {
        label: label.to_string(),
        channel: "cloud_api".into(),
        status: "connected".into(),
        external_id: Some(creds.phone_number_id.clone()),
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
    // Every other node makes it live too (its sender may be the one that sends for it).
    state.forget_number(&number.id);
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

/// `POST /numbers/{id}/sandbox/inbound`'s body: a message as if `from` had sent it.
#[derive(ToSchema)]
pub struct SandboxInbound {
    /// The contact's phone number, with its country code.
    #[schema(value_type = String)]
    pub from: PhoneNumber,
    /// The contact's name, as WhatsApp would give it.
    pub name: Option<String>,
    /// Required for a text message; at most 4096 characters.
    pub text: Option<String>,
    /// The message type (`text` by default; `image`, `audio`, `location`, ...).
    #[schema(value_type = Option<String>, required = false)]
    pub r#type: MessageType,
    /// The channel's id of the message (1 to 200 characters); the same id twice is a duplicate.
    pub message_id: Option<String>,
}

/// What became of an injected message (`POST /numbers/{id}/sandbox/inbound`).
#[derive(Serialize, ToSchema)]
pub struct InboundAnswer {
    /// The stored message; null for a duplicate.
    pub message_id: Option<String>,
    pub contact_id: String,
    pub conversation_id: String,
    pub duplicate: bool,
    /// `matched`, `no_match`, `resumed`, `duplicate`, `excluded`, `blocked` or `automation_off`.
    pub outcome: String,
    /// Runs started or resumed.
    pub runs: Vec<String>,
    /// Outbound messages queued by this message.
    pub queued: Vec<String>,
    /// The log entry that explains the decision.
    pub log_id: String,
}

impl From<IntakeOutcome> for InboundAnswer {
    fn from(o: IntakeOutcome) -> Self {
        Self {
            message_id: o.message_id,
            contact_id: o.contact_id,
            conversation_id: o.conversation_id,
            duplicate: o.duplicate,
            outcome: o.outcome,
            runs: o.runs,
            queued: o.queued,
            log_id: o.log_id,
        }
    }
}

impl SandboxInbound {
    fn read(body: &Value) -> ApiResult<Self> {
        let obj = Obj::new(body, Path::root(""))?;
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
            Some(m) => Some(m.to_string()),
            None => None,
        };
        Ok(Self {
            from,
            name: obj.opt_str("name")?.map(|n| n.trim().to_string()),
            text: Some(text),
            r#type: message_type,
            message_id,
        })
    }
}

/// Injects a message as if `from` had sent it to this sandbox number. Returns once the message is
/// stored and evaluated: the replies it caused are already in the outbox.
pub async fn sandbox_inbound(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<InboundAnswer>> {
    let inbound = SandboxInbound::read(&body)?;
    let number = sandbox_number(&state, &caller, &id).await?;
    let request = InboundEvent {
        workspace_id: caller.workspace_id.clone(),
        number_id: number.id,
        automation: number.automation,
        from: inbound.from.into(),
        user_id: None,
        contact_name: inbound.name.unwrap_or_default(),
        channel_message_id: inbound.message_id.unwrap_or_else(|| new_id("sbx")),
        content: InboundContent::text(inbound.r#type, inbound.text.unwrap_or_default()),
        reply_to: None,
        notice: None,
    };
    Ok(Json(state.engine.inbound(request).await?.into()))
}

/// Lists what waflow sent from this sandbox number, oldest first; `after` is the cursor.
pub async fn sandbox_outbox(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    params: Params,
) -> ApiResult<Json<OutboxPage>> {
    let number = sandbox_number(&state, &caller, &id).await?;
    let limit = params.limit(100, 1000)?;
    let after = params.get("after").or(params.get("cursor"));
    let messages = state
        .store
        .outbound_messages(&caller.workspace_id, &number.id, after, limit)
        .await?;
    Ok(OutboxPage::new(messages, limit, |m| m.id.clone()))
}
