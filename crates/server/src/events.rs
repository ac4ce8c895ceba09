//! Signed event webhooks: a workspace that set an `events_url` (`PUT /workspace/events-webhook`)
//! gets a POST for each event (today: `number.status`), signed like the webhook step
//! (`X-Waflow-Signature: sha256=<HMAC of the body with the workspace's webhook secret>`).
//!
//! **Invariant:** an event is posted from its own task, never on the path that produced it; a
//! failed post is tried three times with backoff and then logged, never blocking the sender.

use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use waflow_outbound_http::{Outcome, Policy, Request};
use waflow_store::Store;

/// Posts events to the workspaces' event URLs.
#[derive(Clone)]
pub struct EventHooks {
    store: Arc<dyn Store>,
    /// The key the workspaces' webhook secrets derive from.
    webhook_key: String,
    policy: Policy,
}

/// Attempts per event.
const ATTEMPTS: u32 = 3;

impl EventHooks {
    pub fn new(store: Arc<dyn Store>, webhook_key: String, policy: Policy) -> Self {
        Self {
            store,
            webhook_key,
            policy,
        }
    }

    /// Posts `event` to the workspace's event URL, if it has one, in the background.
    pub fn send(&self, workspace_id: &str, event: Value) {
        let hooks = self.clone();
        let workspace_id = workspace_id.to_string();
        tokio::spawn(async move { hooks.deliver(&workspace_id, event).await });
    }

    async fn deliver(&self, workspace_id: &str, event: Value) {
        let url = match self.store.workspace(workspace_id).await {
            Ok(w) => match w.events_url {
                Some(url) => url,
                None => return,
            },
            Err(e) => {
                tracing::error!(error = %e, "event webhook: workspace not read");
                return;
            }
        };
        let body = event.to_string();
        let secret = waflow_outbound_http::webhook_secret(&self.webhook_key, workspace_id);
        let request = Request {
            method: "POST".into(),
            url: url.clone(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (
                    waflow_outbound_http::SIGNATURE_HEADER.into(),
                    waflow_outbound_http::sign(&secret, body.as_bytes()),
                ),
            ],
            body: Some(body),
            timeout: Duration::from_secs(10),
        };
        for attempt in 1..=ATTEMPTS {
            let problem = match waflow_outbound_http::send(&request, self.policy).await {
                Outcome::Answered { status, .. } if (200..300).contains(&status) => return,
                Outcome::Answered { status, .. } => format!("HTTP {status}"),
                Outcome::TimedOut => "timed out".into(),
                Outcome::Failed(e) => e,
                Outcome::Refused(r) => {
                    tracing::error!(%url, reason = %r, "event webhook refused by the address guard");
                    return;
                }
            };
            tracing::warn!(%url, attempt, %problem, "event webhook not accepted");
            tokio::time::sleep(Duration::from_secs(u64::from(attempt) * 2)).await;
        }
    }
}
