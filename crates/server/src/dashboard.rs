//! The dashboard: the web app built into `web/dist` and embedded in the binary, served at `/`
//! with `index.html` for client-side routes.
//!
//! **Invariant:** paths under `/api/`, `/hooks/` and `/webhooks/` never reach the dashboard; an
//! unknown one is the API's JSON 404.

use crate::error::ApiError;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

/// Serves a dashboard file, or `index.html` for a client route.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path();
    if ["/api/", "/hooks/", "/webhooks/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        return ApiError::NotFound("no such endpoint; see /api/v1/openapi.json".into())
            .into_response();
    }
    let file = path.trim_start_matches('/');
    if let Some(asset) = Assets::get(file).filter(|_| !file.is_empty()) {
        let cache = if file.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (header::CONTENT_TYPE, asset.metadata.mimetype().to_string()),
                (header::CACHE_CONTROL, cache.to_string()),
            ],
            asset.data,
        )
            .into_response();
    }
    if file.starts_with("assets/") {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    match Assets::get("index.html") {
        Some(index) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            index.data,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "this waflow was built without its dashboard (web/dist was missing); the API is at /api/v1",
        )
            .into_response(),
    }
}
