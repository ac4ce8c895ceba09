//! Upload limits: how large a CSV or knowledge file may be, how many rows a CSV (or a contact
//! import) and how many knowledge items a workspace may hold. Each is a named setting of `waflow serve`, and every
//! refusal names the limit, its value and the flag that changes it.
//!
//! **Invariant:** an upload is read within its byte limit — refused from its `Content-Length`
//! before any of it is read, or as soon as the bytes read pass the limit — so a request never
//! makes the server hold more than the limit.

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// The upload limits of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// The largest CSV (or JSON list of contacts) that starts an outbound workflow
    /// (`--max-csv-bytes`).
    pub csv_bytes: usize,
    /// The most contacts one start of an outbound workflow takes (`--max-csv-rows`).
    pub csv_rows: usize,
    /// The largest knowledge file (`--max-knowledge-bytes`).
    pub knowledge_bytes: usize,
    /// The most knowledge items a workspace holds, all files together
    /// (`--max-knowledge-items`).
    pub knowledge_items: usize,
    /// The most data rows one contact import takes (`--max-import-rows`); its bytes are
    /// limited by `csv_bytes`.
    pub import_rows: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            csv_bytes: 10 * 1024 * 1024,
            csv_rows: 10_000,
            knowledge_bytes: 20 * 1024 * 1024,
            knowledge_items: 50_000,
            import_rows: 1_000_000,
        }
    }
}

/// A byte limit and how to name it in a refusal.
#[derive(Debug, Clone, Copy)]
pub struct ByteLimit {
    /// What is limited, e.g. `the CSV`.
    pub what: &'static str,
    pub bytes: usize,
    /// The `waflow serve` flag that sets it.
    pub flag: &'static str,
}

impl ByteLimit {
    /// The 413 naming the limit: the size found, or that the body passed it.
    pub(crate) fn refusal(&self, found: Option<u64>) -> ApiError {
        let size = match found {
            Some(n) => format!("is {n} bytes"),
            None => "passed it before it ended".to_string(),
        };
        ApiError::TooLarge(format!(
            "{} may be at most {} bytes ({}; {} changes it) and {size}",
            self.what,
            self.bytes,
            megabytes(self.bytes),
            self.flag
        ))
    }
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Reads a request body within `limit`: 413 naming the limit when its `Content-Length` says it
/// is larger (nothing read), or as soon as more than the limit has arrived.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: ByteLimit,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.bytes as u64) {
        return Err(limit.refusal(declared));
    }
    match Limited::new(body, limit.bytes).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(limit.refusal(None)),
        // The client went away or sent a broken body.
        Err(e) => Err(ApiError::BadRequest {
            field: None,
            message: format!("the body could not be read: {e}"),
        }),
    }
}
