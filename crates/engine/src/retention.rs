//! Retention: log entries older than the workspace's retention, and numbers disconnected for
//! more than seven days, are removed hourly (and on demand, for tests and tools).

use crate::{Engine, Error, Inner};
use std::sync::Arc;

impl Engine {
    /// Removes the numbers disconnected for more than seven days (a task does this hourly); for
    /// tests and tools. Returns their ids.
    pub async fn run_number_retention(&self) -> Result<Vec<String>, Error> {
        run_number_retention(&self.inner).await
    }

    /// Deletes log entries older than the retention (a task does this hourly); for tests and
    /// tools. Returns how many.
    pub async fn run_retention(&self) -> Result<u64, Error> {
        run_retention(&self.inner).await
    }
}

/// Deletes log entries older than the retention.
async fn run_retention(inner: &Inner) -> Result<u64, Error> {
    let before = inner.clock.now() - inner.log_retention;
    let deleted = inner.store.delete_logs_before(before).await?;
    if deleted > 0 {
        tracing::info!(deleted, %before, "old log entries deleted");
    }
    Ok(deleted)
}

/// How long a number may stay disconnected (or logged out) before it is removed.
const DISCONNECTED_NUMBER_RETENTION_DAYS: i64 = 7;

/// Removes the numbers disconnected for more than seven days; their workflows become global, as
/// when a number is deleted. Returns the removed numbers' ids.
async fn run_number_retention(inner: &Inner) -> Result<Vec<String>, Error> {
    let before = inner.clock.now() - chrono::Duration::days(DISCONNECTED_NUMBER_RETENTION_DAYS);
    let mut removed = Vec::new();
    for (workspace_id, number_id) in inner.store.numbers_disconnected_since(before).await? {
        match inner.store.delete_number(&workspace_id, &number_id).await {
            Ok(()) | Err(waflow_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        inner.cache.invalidate(&workspace_id);
        tracing::info!(number = %number_id, workspace = %workspace_id,
            "number disconnected for more than {DISCONNECTED_NUMBER_RETENTION_DAYS} days removed; its workflows are now global");
        removed.push(number_id);
    }
    Ok(removed)
}

/// Applies the retention every hour.
pub(crate) async fn retention_loop(inner: Arc<Inner>) {
    loop {
        if let Err(e) = run_retention(&inner).await {
            tracing::error!(error = %e, "log retention failed; retrying");
        }
        if let Err(e) = run_number_retention(&inner).await {
            tracing::error!(error = %e, "number retention failed; retrying");
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}
