//! `/webhooks/cloud_api/{number_id}`: Meta's verification handshake (GET) and signed deliveries
//! (POST).
//!
//! **Invariant:** a POST whose `X-Hub-Signature-256` does not match the raw body under the
//! number's app secret is refused with 401 before the body is parsed, and leaves no trace; an
//! accepted body is stored before the 200 is sent, and processed afterwards.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use std::collections::HashMap;
use waflow_channels::cloud_api::service::AcceptError;
use waflow_channels::cloud_api::signature;

fn unknown_number(id: &str) -> ApiError {
    ApiError::NotFound(format!("no Cloud API number {id:?} on this server"))
}

/// The handshake: `hub.mode=subscribe` with the number's verify token answers the challenge.
pub async fn verify(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<String, ApiError> {
    let line = state
        .cloud
        .service
        .line(&id)
        .ok_or_else(|| unknown_number(&id))?;
    let mode = query.get("hub.mode").map(String::as_str);
    let token = query.get("hub.verify_token").map(String::as_str);
    match (mode, token, query.get("hub.challenge")) {
        (Some("subscribe"), Some(token), Some(challenge))
            if crate::secrets::same(token, &line.verify_token) =>
        {
            Ok(challenge.clone())
        }
        (Some("subscribe"), Some(_), Some(_)) => Err(ApiError::Forbidden(
            "hub.verify_token does not match this number's verify token".into(),
        )),
        _ => Err(ApiError::Forbidden(
            "expected hub.mode=subscribe, hub.verify_token and hub.challenge".into(),
        )),
    }
}

/// A delivery: checked, stored, acknowledged; processed in the background.
pub async fn receive(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let line = state
        .cloud
        .service
        .line(&id)
        .ok_or_else(|| unknown_number(&id))?;
    let header = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    signature::verify(line.app_secret.as_bytes(), &body, header).map_err(|e| {
        tracing::warn!(number = %id, error = %e, "webhook delivery refused");
        ApiError::Unauthorized(format!("X-Hub-Signature-256: {e}"))
    })?;
    state
        .cloud
        .service
        .accept(&id, &body)
        .await
        .map_err(|e| match e {
            AcceptError::UnknownNumber(_) => unknown_number(&id),
            AcceptError::NotUtf8 => ApiError::BadRequest {
                field: None,
                message: e.to_string(),
            },
            AcceptError::Unavailable(m) => ApiError::Unavailable(m),
        })?;
    Ok(StatusCode::OK)
}
