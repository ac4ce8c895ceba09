//! The sending side of the [`Engine`] handle: graceful shutdown, resending a message on
//! request, and delivering the outbox on demand (tests and tools).

use crate::{Engine, Error};

/// What [`Engine::shutdown`] left undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Conversations whose send had not finished by the deadline (their messages will be
    /// `uncertain` at the next start if the provider call had begun).
    pub unfinished_sends: usize,
}

impl Engine {
    /// Stops the engine gracefully: no new intake and no new send from now on; sends in flight
    /// finish (or, past `timeout`, are left `sending`, to be found `uncertain` at the next
    /// start); their results and the pending counters are committed, and the numbers' send
    /// leases given up.
    pub async fn shutdown(&self, timeout: std::time::Duration) -> ShutdownReport {
        let deadline = tokio::time::Instant::now() + timeout;
        self.inner.stop.send_replace(true);
        let unfinished = super::drain(&self.inner, deadline).await;
        // Another node takes this node's numbers at once, unless a send may still be running
        // here (then the leases lapse by themselves).
        if unfinished == 0 {
            self.inner.send_leases.release_all(&self.inner).await;
        }
        if let Err(e) = self.flush_counters().await {
            tracing::error!(error = %e, "writing the last counters failed");
        }
        ShutdownReport {
            unfinished_sends: unfinished,
        }
    }

    /// Whether [`Self::shutdown`] was called.
    pub fn is_stopping(&self) -> bool {
        *self.inner.stop.borrow()
    }

    /// Delivers one batch from the outbox (the sender does this continuously); for tests and tools.
    pub async fn deliver_outbox(&self) -> Result<usize, Error> {
        let n = super::deliver(&self.inner).await?;
        super::flush(&self.inner).await?;
        Ok(n)
    }

    /// Queues an `uncertain` or `failed` outbound message again, at once (the user chose to).
    pub async fn resend(
        &self,
        workspace_id: &str,
        message_id: &str,
    ) -> Result<waflow_store::Message, Error> {
        let message = self
            .inner
            .store
            .resend(workspace_id, message_id, self.inner.clock.now())
            .await?;
        self.inner.sender_wake.notify_one();
        Ok(message)
    }
}
