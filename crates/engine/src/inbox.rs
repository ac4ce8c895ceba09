//! The engine as every channel's [`Inbox`]: received messages go through the intake.

use crate::Engine;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use waflow_channels::{Inbox, InboxError, Received};
use waflow_domain::{InboundEvent, SentElsewhere};

#[async_trait]
impl Inbox for Engine {
    async fn receive(&self, events: Vec<InboundEvent>) -> Vec<Result<Received, InboxError>> {
        self.inbound_many(events)
            .await
            .into_iter()
            .map(|outcome| {
                outcome
                    .map(|o| Received {
                        contact_id: o.contact_id,
                    })
                    .map_err(|e| InboxError(e.to_string()))
            })
            .collect()
    }

    async fn sent_elsewhere(&self, sent: SentElsewhere) -> Result<(), InboxError> {
        self.record_sent_elsewhere(sent)
            .await
            .map_err(|e| InboxError(e.to_string()))
    }

    fn now(&self) -> DateTime<Utc> {
        Engine::now(self)
    }
}
