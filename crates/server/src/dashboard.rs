//! The dashboard: the web app built into `web/dist` and embedded in the binary, served at `/`
//! with `index.html` for client-side routes. Text files are embedded with their precompressed
//! copies (`.br`, `.gz`, written by `web/scripts/compress.mjs`); the one the browser accepts is
//! sent (brotli before gzip), with `Vary: Accept-Encoding`.
//!
//! **Invariant:** paths under `/api/`, `/hooks/` and `/webhooks/` never reach the dashboard; an
//! unknown one is the API's JSON 404.

use crate::error::ApiError;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

/// Whether `Accept-Encoding` accepts `coding` (named, or `*`, without `q=0`).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
        })
}

/// The file `name` as the browser accepts it: its brotli or gzip copy when there is one and
/// the browser takes it, else itself; the `Content-Encoding` to send with it.
fn pick(
    name: &str,
    headers: &HeaderMap,
) -> Option<(rust_embed::EmbeddedFile, Option<&'static str>)> {
    for (coding, suffix) in [("br", "br"), ("gzip", "gz")] {
        if accepts(headers, coding) {
            if let Some(file) = Assets::get(&format!("{name}.{suffix}")) {
                return Some((file, Some(coding)));
            }
        }
    }
    Assets::get(name).map(|f| (f, None))
}

/// A file's answer: its type (the original's), caching, and its encoding when compressed.
fn answer(
    name: &str,
    file: rust_embed::EmbeddedFile,
    coding: Option<&'static str>,
    cache: &str,
) -> Response {
    // The type is the original file's, whichever copy is sent.
    let mime = Assets::get(name)
        .map(|f| f.metadata.mimetype().to_string())
        .unwrap_or_else(|| "application/octet-stream".into());
    let mime = if mime == "text/html" {
        "text/html; charset=utf-8".to_string()
    } else {
        mime
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::VARY, "Accept-Encoding".to_string()),
        ],
        file.data,
    )
        .into_response();
    if let Some(coding) = coding {
        response.headers_mut().insert(
            header::CONTENT_ENCODING,
            axum::http::HeaderValue::from_static(coding),
        );
    }
    response
}

/// Serves a dashboard file, or `index.html` for a client route.
pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if ["/api/", "/hooks/", "/webhooks/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        return ApiError::NotFound("no such endpoint; see /api/v1/openapi.json".into())
            .into_response();
    }
    let file = path.trim_start_matches('/');
    if !file.is_empty() && Assets::get(file).is_some() {
        let cache = if file.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        if let Some((asset, coding)) = pick(file, &headers) {
            return answer(file, asset, coding, cache);
        }
    }
    if file.starts_with("assets/") {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    match pick("index.html", &headers) {
        Some((index, coding)) => answer("index.html", index, coding, "no-cache"),
        None => (
            StatusCode::NOT_FOUND,
            "this waflow was built without its dashboard (web/dist was missing); the API is at /api/v1",
        )
            .into_response(),
    }
}
