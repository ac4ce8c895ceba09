//! Signed event webhooks: a workspace that set an `events_url` (`PUT /workspace/events-webhook`)
//! gets a POST for each event (today: `number.status`), signed like the webhook step
//! (`X-Waflow-Signature: sha256=<HMAC of the body with the workspace's webhook secret>`).
//!
//! **Invariant:** events are posted by one background task, in the order they were sent, never
//! on the path that produced them; a failed post is tried three times with backoff and then
//! logged. Every post goes through the SSRF guard (`waflow_outbound_http::send`: the events URL
//! is checked, redirects are not followed, the answer is read within its limit and the 10 s
//! timeout); a refused URL is logged once, not retried.

use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use waflow_outbound_http::{Outcome, Policy, Request};
use waflow_store::Store;

/// Posts events to the workspaces' event URLs.
#[derive(Clone)]
pub struct EventHooks {
    queue: mpsc::UnboundedSender<Job>,
}

/// What the posting task is given.
enum Job {
    /// An event for a workspace.
    Event(String, Value),
    /// Answered once every job before it is done.
    Idle(tokio::sync::oneshot::Sender<()>),
}

/// The task that posts the queued events, one after the other.
struct Poster {
    store: Arc<dyn Store>,
    /// The key the workspaces' webhook secrets derive from.
    webhook_key: String,
    policy: Policy,
}

/// Attempts per event.
const ATTEMPTS: u32 = 3;

impl EventHooks {
    /// Starts the posting task.
    pub fn new(store: Arc<dyn Store>, webhook_key: String, policy: Policy) -> Self {
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        let poster = Poster {
            store,
            webhook_key,
            policy,
        };
        tokio::spawn(async move {
            while let Some(job) = jobs.recv().await {
                match job {
                    Job::Event(workspace_id, event) => poster.deliver(&workspace_id, event).await,
                    Job::Idle(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Self { queue }
    }

    /// Queues `event` for the workspace's event URL, if it has one.
    pub fn send(&self, workspace_id: &str, event: Value) {
        // The task ends only with the process.
        let _ = self.queue.send(Job::Event(workspace_id.to_string(), event));
    }

    /// Returns once every event queued before the call has been posted, refused or given up.
    pub async fn idle(&self) {
        let (done, finished) = tokio::sync::oneshot::channel();
        if self.queue.send(Job::Idle(done)).is_ok() {
            let _ = finished.await;
        }
    }
}

impl Poster {
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
