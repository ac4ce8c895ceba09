//! Request extractors that fail with [`ApiError`]s: the caller's workspace from the bearer token,
//! request bodies as JSON (or YAML where allowed), and query strings.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The workspace of the authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub workspace_id: String,
    /// The agent the token was issued to at sign-in; `None` for API tokens.
    pub agent_id: Option<String>,
}

/// The stored form of a token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        crate::token::resolve(&state, bearer(&parts.headers)?).await
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("missing Authorization header; send \"Authorization: Bearer <token>\" (create one with `waflow token create`)".into()))?;
    header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be \"Bearer <token>\"".into())
        })
}

/// A JSON request body, parsed to a value (fields are then read with path-tracking parsers).
pub struct JsonBody(pub Value);

/// A workflow document body: JSON, or YAML with a YAML content type.
pub struct DocumentBody(pub Value);

/// The OpenAPI document describes a workflow document loosely, as an object: its many step and
/// trigger shapes are validated by `waflow_domain::WorkflowDocument::parse`, whose errors name
/// the field, and documented in docs/, not spelled out as a schema.
impl utoipa::PartialSchema for DocumentBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .description(Some(
                "A workflow document (JSON, or YAML with a YAML Content-Type): name, trigger, \
                 conditions, steps... Validated as a whole; an error names the field by its path.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for DocumentBody {
    fn name() -> std::borrow::Cow<'static, str> {
        "WorkflowDocument".into()
    }
}

async fn read_body<S: Send + Sync>(
    req: Request,
    state: &S,
    yaml_allowed: bool,
) -> Result<Value, ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let is_yaml = content_type.contains("yaml");
    if is_yaml && !yaml_allowed {
        return Err(ApiError::UnsupportedMedia(
            "this endpoint reads JSON only (Content-Type: application/json)".into(),
        ));
    }
    if !content_type.is_empty() && !is_yaml && !content_type.contains("json") {
        return Err(ApiError::UnsupportedMedia(format!(
            "Content-Type {content_type:?} is not supported; send application/json"
        )));
    }
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge("the request body is larger than 2 MiB".into())
            } else {
                ApiError::BadRequest {
                    field: None,
                    message: format!("cannot read the request body: {e}"),
                }
            }
        })?;
    if bytes.is_empty() {
        return Err(ApiError::BadRequest {
            field: None,
            message: "the request body is empty; a JSON object is expected".into(),
        });
    }
    if is_yaml {
        serde_yaml::from_slice(&bytes).map_err(|e| ApiError::BadRequest {
            field: None,
            message: format!("the body is not valid YAML: {e}"),
        })
    } else {
        serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest {
            field: None,
            message: format!("the body is not valid JSON: {e}"),
        })
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_body(req, state, false).await.map(JsonBody)
    }
}

impl<S: Send + Sync> FromRequest<S> for DocumentBody {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_body(req, state, true).await.map(DocumentBody)
    }
}

/// Query-string parameters, read by name with errors that name the parameter.
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|q| Params(q.0))
            .map_err(|e| ApiError::BadRequest {
                field: None,
                message: format!("the query string cannot be read: {e}"),
            })
    }
}

impl Params {
    /// An optional string parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// `limit`, between 1 and `max`, default `default`.
    pub fn limit(&self, default: i64, max: i64) -> Result<i64, ApiError> {
        match self.get("limit") {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::BadRequest {
                    field: Some("limit".into()),
                    message: format!("limit: {v:?} is not a number between 1 and {max}"),
                }),
            },
        }
    }

    /// A boolean parameter.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(v) => Err(ApiError::BadRequest {
                field: Some(name.into()),
                message: format!("{name}: {v:?} is not true or false"),
            }),
        }
    }
}
