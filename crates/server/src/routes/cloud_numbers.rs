//! A Cloud API number's extras: what to paste into Meta's webhook settings, checking its
//! connection, its message templates (synced from Meta, with which are approved) and media
//! uploads.

use crate::error::{ApiError, ApiResult};
use crate::extract::Caller;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use waflow_channels::cloud_api::phone::PhoneNumberInfo;
use waflow_store::{MessageTemplate, Number};

list_of!(
    /// A Cloud API number's message templates as last synced.
    TemplateList,
    MessageTemplate
);

/// `POST /numbers/{id}/media`'s answer (201).
#[derive(Serialize, utoipa::ToSchema)]
pub struct MediaUpload {
    /// The media id to send the file by: `{"type": "media", "source": {"id": ...}}`.
    pub media_id: String,
    pub mime_type: String,
    /// Bytes.
    pub size: usize,
}

/// A number as `GET /numbers/{id}` answers it: for an admin, a Cloud API number adds what Meta's
/// webhook settings need (the callback path on this server and the verify token).
#[derive(Serialize, utoipa::ToSchema)]
pub struct NumberView {
    #[serde(flatten)]
    number: Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verify_token: Option<String>,
}

/// The number, with the webhook settings when the caller is an admin or owner.
pub(super) fn view(state: &AppState, who: &crate::roles::Signed, number: Number) -> NumberView {
    let admin = who.role != crate::roles::Role::Agent;
    let line = (admin && number.channel == "cloud_api")
        .then(|| state.cloud.service.line(&number.id))
        .flatten();
    NumberView {
        webhook_path: (admin && number.channel == "cloud_api")
            .then(|| format!("/webhooks/cloud_api/{}", number.id)),
        verify_token: line.map(|l| l.verify_token.clone()),
        number,
    }
}

/// `POST /numbers/{id}/check`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckAnswer {
    /// Whether Meta accepted the number's credentials.
    ok: bool,
    /// What happened, in words.
    message: String,
    verified_name: Option<String>,
    display_phone: Option<String>,
    quality_rating: Option<String>,
}

/// Calls the Graph API with the number's credentials and says what Meta answered (200 either
/// way: a refusal is the answer to "check the connection", not an error of this call).
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<CheckAnswer>> {
    cloud_number(&state, &caller, &id).await?;
    Ok(Json(match state.cloud.channel.check(&id).await {
        Ok(PhoneNumberInfo {
            verified_name,
            display_phone_number,
            quality_rating,
        }) => CheckAnswer {
            ok: true,
            message: format!(
                "connected: Meta knows this number as {} ({})",
                display_phone_number
                    .as_deref()
                    .unwrap_or("an unnamed number"),
                verified_name.as_deref().unwrap_or("no verified name yet")
            ),
            verified_name,
            display_phone: display_phone_number,
            quality_rating,
        },
        Err(e) => CheckAnswer {
            ok: false,
            message: format!("Meta refused the number's credentials or could not be reached: {e}"),
            verified_name: None,
            display_phone: None,
            quality_rating: None,
        },
    }))
}

async fn cloud_number(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Number> {
    let number = state.store.number(&caller.workspace_id, id).await?;
    if number.channel != "cloud_api" {
        return Err(ApiError::Conflict {
            field: None,
            message: format!(
                "number {id} is a {} number; message templates belong to Cloud API numbers",
                number.channel
            ),
        });
    }
    Ok(number)
}

/// The templates as last synced.
pub async fn templates(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<TemplateList>> {
    cloud_number(&state, &caller, &id).await?;
    let templates = state.store.templates(&caller.workspace_id, &id).await?;
    Ok(Json(TemplateList { data: templates }))
}

/// Fetches the templates from the Graph API and replaces the stored list.
pub async fn sync_templates(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<TemplateList>> {
    let number = cloud_number(&state, &caller, &id).await?;
    let waba_id = number
        .settings
        .get("waba_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let fetched = state
        .cloud
        .channel
        .templates(&id, waba_id)
        .await
        .map_err(|e| {
            ApiError::Unavailable(format!("the Graph API refused the template list: {e}"))
        })?;
    let now = state.engine.now();
    let templates: Vec<MessageTemplate> = fetched
        .into_iter()
        .map(|t| MessageTemplate {
            approved: t.status == "APPROVED",
            name: t.name,
            language: t.language,
            category: t.category,
            status: t.status,
            components: t.components,
            synced_at: now,
        })
        .collect();
    state
        .store
        .replace_templates(&caller.workspace_id, &id, &templates)
        .await?;
    Ok(Json(TemplateList { data: templates }))
}

/// Uploads a file to the Graph API for a Cloud API number; answers the media id to send it by
/// (`{"type": "media", "source": {"id": ...}}`). The body is the file; its `Content-Type` is the
/// file's type; `?filename=` names a document.
pub async fn upload_media(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    params: crate::extract::Params,
    headers: axum::http::HeaderMap,
    body: bytes::Bytes,
) -> ApiResult<(axum::http::StatusCode, Json<MediaUpload>)> {
    cloud_number(&state, &caller, &id).await?;
    let mime = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if mime.is_empty() || !mime.contains('/') {
        return Err(ApiError::invalid(
            "content-type",
            "give the file's type, e.g. image/jpeg",
        ));
    }
    if body.is_empty() {
        return Err(ApiError::invalid("body", "the file is empty"));
    }
    let filename = params.get("filename").unwrap_or("upload").to_string();
    let media_id = state
        .cloud
        .channel
        .upload_media(&id, body.to_vec(), &mime, &filename)
        .await
        .map_err(|e| ApiError::Unavailable(format!("the Graph API refused the upload: {e}")))?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(MediaUpload {
            media_id,
            mime_type: mime,
            size: body.len(),
        }),
    ))
}
