//! Graceful shutdown: on SIGTERM or SIGINT the server stops taking work (every request but a
//! read answers 503 with `Retry-After`, so Meta redelivers its webhooks later), the engine
//! finishes or records the sends in flight and writes its counters, then HTTP stops.
//!
//! **Invariant:** nothing accepted is lost: a webhook answered 200 was stored before the
//! answer, and one answered 503 is Meta's to redeliver.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Seconds a refused caller is told to wait before trying again.
pub const RETRY_AFTER_SECS: u64 = 10;

/// Set once the server is shutting down.
#[derive(Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    /// From now on, writes are refused with 503.
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the server is shutting down.
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The layer: while draining, anything but `GET`/`HEAD` answers 503 with `Retry-After`.
pub async fn refuse_while_draining(
    State(draining): State<Draining>,
    request: Request,
    next: Next,
) -> Response {
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    if draining.is_draining() && !read {
        let mut refused = ApiError::Unavailable(format!(
            "waflow is shutting down; try again in {RETRY_AFTER_SECS} s"
        ))
        .into_response();
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        return refused;
    }
    next.run(request).await
}
