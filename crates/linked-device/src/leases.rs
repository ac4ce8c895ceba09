//! One node at a time runs a linked number's session. The node that runs it holds the lease
//! `linked:<number id>` in the shared database ([`waflow_store::Cluster`]) and renews it every
//! [`KEEP_EVERY`]; a lease not renewed lapses after [`LEASE_TTL`], and another node with the
//! session's file (a shared data directory) takes it and starts the session — within
//! `LEASE_TTL + KEEP_EVERY` (20 s) of its holder's death. A node that finds its lease taken by
//! another stops its own session, so two never talk for one number.

use crate::service::LinkedService;
use crate::status::LinkStatus;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

/// How long a lease runs unless renewed.
pub const LEASE_TTL: Duration = Duration::from_secs(15);
/// How often a node renews its leases and looks for lapsed ones.
pub const KEEP_EVERY: Duration = Duration::from_secs(5);

/// The lease that holds a number's session.
pub fn lease_name(number_id: &str) -> String {
    format!("linked:{number_id}")
}

impl LinkedService {
    /// Takes (or renews) the lease of `number_id` for this node for [`LEASE_TTL`]; whether this
    /// node holds it.
    async fn try_hold(&self, number_id: &str) -> Result<bool, waflow_store::Error> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(LEASE_TTL).unwrap_or_default();
        self.store
            .take_lease(&lease_name(number_id), &self.node, now, until)
            .await
    }

    /// [`Self::try_hold`], with a database error counted as not holding it (logged).
    pub(crate) async fn hold(&self, number_id: &str) -> bool {
        self.try_hold(number_id).await.unwrap_or_else(|e| {
            tracing::warn!(number = %number_id, error = %e, "session lease not taken");
            false
        })
    }

    /// Gives up the lease of `number_id` (after its session stopped here).
    pub(crate) async fn let_go(&self, number_id: &str) {
        if let Err(e) = self
            .store
            .release_lease(&lease_name(number_id), &self.node)
            .await
        {
            tracing::warn!(number = %number_id, error = %e, "session lease not released");
        }
    }

    /// One round: renews the leases of the sessions running here (stopping any whose lease
    /// another node has taken), then starts every stored session whose lease is free or lapsed.
    pub async fn keep(&self) {
        for number_id in self.running() {
            match self.try_hold(&number_id).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(number = %number_id, "session lease taken by another node; stopping here");
                    self.stop_here(&number_id).await;
                }
                // The database cannot say: keep running; the lease lapses if this lasts.
                Err(e) => {
                    tracing::warn!(number = %number_id, error = %e, "session lease not renewed")
                }
            }
        }
        let numbers = match self.store.channel_numbers("linked_device").await {
            Ok(numbers) => numbers,
            Err(e) => {
                tracing::warn!(error = %e, "linked numbers not read");
                return;
            }
        };
        for n in numbers {
            let n = n.number;
            if self.live(&n.id).is_some() || !self.has_session(&n.id) || !self.hold(&n.id).await {
                continue;
            }
            tracing::info!(number = %n.id, node = %self.node, "session taken over");
            if let Err(e) = self
                .run(&n, LinkStatus::from_stored(n.status.as_str()), None)
                .await
            {
                tracing::error!(number = %n.id, error = %e, "linked number not started");
                self.let_go(&n.id).await;
            }
        }
    }

    /// Runs [`LinkedService::keep`] every [`KEEP_EVERY`] until the task is aborted.
    pub fn spawn_keeper(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(KEEP_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                service.keep().await;
            }
        })
    }

    /// Stops every session running here and gives up their leases (a graceful shutdown: other
    /// nodes take them over at their next round instead of after the lease lapses).
    pub async fn release_all(&self) {
        for number_id in self.running() {
            self.stop(&number_id).await;
        }
    }
}
