//! What the fakes share: a real HTTP server on a free port of `127.0.0.1` whose one handler
//! sees every request, the scripted state it locks, and the JSON answer helper.

use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A fake's state, shared by its handle and its request handler.
pub(crate) struct Shared<T> {
    pub base_url: String,
    // A std mutex: it is never held across an await.
    inner: Mutex<T>,
}

impl<T> Shared<T> {
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The server task; aborted when the fake is dropped.
pub(crate) struct Serving(JoinHandle<()>);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves `handler` for every path on a free port; the base URL is `http://127.0.0.1:PORT`
/// followed by `path`.
pub(crate) async fn serve<T, H, X>(
    path: &str,
    handler: H,
) -> std::io::Result<(Arc<Shared<T>>, Serving)>
where
    T: Default + Send + 'static,
    H: Handler<X, Arc<Shared<T>>>,
    X: 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shared = Arc::new(Shared {
        base_url: format!("http://{address}{path}"),
        inner: Mutex::new(T::default()),
    });
    let app = Router::new()
        .fallback(handler)
        .with_state(Arc::clone(&shared));
    let task = tokio::spawn(async move {
        // The server only ends with an I/O error or when the task is aborted on drop.
        let _ = axum::serve(listener, app).await;
    });
    Ok((shared, Serving(task)))
}

/// A JSON answer with this status (500 for an invalid one).
pub(crate) fn answer(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}
