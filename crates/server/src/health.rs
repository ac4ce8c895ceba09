//! `/readyz`: whether a load balancer should send this node traffic. `/healthz` says the
//! process answers; `/readyz` also asks the database (bounded by [`READY_TIMEOUT`]) and turns
//! to 503 as soon as the node starts shutting down, so a balancer drains it before it stops.

use crate::shutdown::Draining;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use waflow_store::prelude::*;

/// The longest `/readyz` waits for the database before answering 503.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The `/readyz` route, with what it checks.
pub fn routes(store: Arc<dyn Store>, draining: Draining) -> Router {
    Router::new()
        .route("/readyz", get(ready))
        .with_state((store, draining))
}

async fn ready(State((store, draining)): State<(Arc<dyn Store>, Draining)>) -> Response {
    let unavailable = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "reason": reason})),
        )
            .into_response()
    };
    if draining.is_draining() {
        return unavailable("shutting down".into());
    }
    match tokio::time::timeout(READY_TIMEOUT, store.workspaces()).await {
        Ok(Ok(_)) => Json(json!({"status": "ready"})).into_response(),
        Ok(Err(e)) => unavailable(format!("database: {e}")),
        Err(_) => unavailable(format!(
            "database: no answer within {} ms",
            READY_TIMEOUT.as_millis()
        )),
    }
}
