//! The builder's test chat: a message typed there is decided for the workflow's draft with the
//! same intake as a live message, but with a [`WorkspaceState`] holding only the draft, in a
//! batch of its own, so no live workflow sees it (see [`crate::cache::WorkspaceState::for_test`]).

use crate::cache::WorkspaceState;
use crate::intake::{process_synced, IntakeJob, IntakeOutcome};
use crate::{Engine, Error, Inner};
use std::sync::Arc;
use tokio::sync::oneshot;
use waflow_domain::matching::ActiveWorkflow;
use waflow_domain::{InboundEvent, WorkflowDocument};

impl Engine {
    /// A test-chat message for a workflow's draft (stored as test `version`): decided exactly as
    /// live would decide it — stored, the contact's waiting run of this workflow resumed, else the
    /// draft's trigger and conditions evaluated (the log explains which failed) — except that no
    /// other workflow sees it.
    pub async fn test_inbound(
        &self,
        workflow_id: &str,
        version: i64,
        document: WorkflowDocument,
        request: InboundEvent,
    ) -> Result<IntakeOutcome, Error> {
        if self.is_stopping() {
            return Err(Error::Unavailable("waflow is shutting down".into()));
        }
        let store = self.inner.store.as_ref();
        let live = self.inner.cache.get(store, &request.workspace_id).await?;
        let workflow = ActiveWorkflow {
            id: workflow_id.to_string(),
            version,
            document: Arc::new(document),
        };
        let state = WorkspaceState::for_test(&live, store, &request.workspace_id, workflow).await?;
        let (reply, rx) = oneshot::channel();
        self.inner
            .intake
            .send(IntakeJob {
                request,
                reply,
                test: Some(Arc::new(state)),
            })
            .await
            .map_err(|_| Error::Unavailable("intake task stopped".into()))?;
        rx.await
            .unwrap_or_else(|_| Err(Error::Unavailable("intake task dropped the message".into())))
    }
}

/// Decides test-chat jobs, each alone with its own state, and answers each.
pub(crate) async fn decide(inner: &Inner, tests: Vec<IntakeJob>) {
    for job in tests {
        let result = process_synced(inner, &job.request, job.test.as_ref()).await;
        let queued = result.as_ref().is_ok_and(|o| !o.queued.is_empty());
        let _ = job.reply.send(result);
        if queued {
            inner.sender_wake.notify_one();
        }
    }
}
