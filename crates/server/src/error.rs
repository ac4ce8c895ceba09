//! The API's one error type, and its mapping to HTTP status codes.
//!
//! Every error leaves as `{"error": {"code", "message", "field"}}` (a 429 adds `limit` and
//! `retry_after`, and the `Retry-After` header). Store and internal faults
//! become a logged 500 whose body says nothing about internals.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use waflow_domain::FieldError;

/// An API error; each variant documents its status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, bad query string).
    #[error("{message}")]
    BadRequest {
        field: Option<String>,
        message: String,
    },
    /// 401: no token, or an unknown one.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the caller is known but not allowed (a webhook verification with the wrong token).
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource in this workspace.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with stored state (a duplicate phrase, email or phone).
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// 413: the body is too large.
    #[error("{0}")]
    TooLarge(String),
    /// 415: a body in a format this endpoint does not read.
    #[error("{0}")]
    UnsupportedMedia(String),
    /// 422: the request was read but a field is invalid.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// 429: too many attempts; answered with `Retry-After: <retry_after>` and the `limit` reached
    /// named in the body.
    #[error("{message}")]
    TooManyRequests {
        limit: &'static str,
        retry_after: u64,
        message: String,
    },
    /// 503: the engine is not accepting work.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a fault on our side; logged, not described.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A 404 naming what was not found.
    pub fn not_found(what: &str, id: &str) -> Self {
        ApiError::NotFound(format!("{what} {id:?} not found in this workspace"))
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<&str>) {
        match self {
            ApiError::BadRequest { field, .. } => {
                (StatusCode::BAD_REQUEST, "bad_request", field.as_deref())
            }
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None)
            }
            ApiError::Conflict { field, .. } => {
                (StatusCode::CONFLICT, "conflict", field.as_deref())
            }
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", None),
            ApiError::UnsupportedMedia(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
            ),
            ApiError::Invalid { field, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some(field.as_str()).filter(|f| !f.is_empty()),
            ),
            ApiError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", None)
            }
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.parts();
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                "an internal error occurred; see the server log".to_string()
            }
            ApiError::Invalid { field, message } if !field.is_empty() => {
                format!("{field}: {message}")
            }
            // An error about the whole body: "the body [] must be an object".
            ApiError::Invalid { message, .. } => format!("the body {message}"),
            other => other.to_string(),
        };
        let mut error = json!({"code": code, "message": message, "field": field});
        if let ApiError::TooManyRequests {
            limit, retry_after, ..
        } = &self
        {
            error["limit"] = json!(limit);
            error["retry_after"] = json!(retry_after);
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if let ApiError::TooManyRequests { retry_after, .. } = &self {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        response
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Invalid {
            field: e.path,
            message: e.message,
        }
    }
}

impl From<waflow_store::Error> for ApiError {
    fn from(e: waflow_store::Error) -> Self {
        match e {
            waflow_store::Error::NotFound { what } => {
                ApiError::NotFound(format!("{what} not found in this workspace"))
            }
            waflow_store::Error::Conflict { field, message } => ApiError::Conflict {
                field: (!field.is_empty()).then_some(field),
                message,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<waflow_engine::Error> for ApiError {
    fn from(e: waflow_engine::Error) -> Self {
        match e {
            waflow_engine::Error::Store(s) => s.into(),
            waflow_engine::Error::Unavailable(m) => ApiError::Unavailable(m),
        }
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
