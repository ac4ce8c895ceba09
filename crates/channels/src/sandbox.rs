//! The sandbox channel: a built-in number with no credentials. Sending to it succeeds at once and
//! the message stays in waflow's store, where the sandbox outbox API lists it.

use crate::{Channel, Outgoing, Receipt, SendError};
use async_trait::async_trait;

/// Delivers nowhere; the stored outbound message is the delivery.
///
/// Guarantees: the receipt id is derived from the waflow message id, so a retried send yields the
/// same receipt and the sandbox never shows a message twice.
#[derive(Debug, Default, Clone, Copy)]
pub struct SandboxChannel;

#[async_trait]
impl Channel for SandboxChannel {
    fn kind(&self) -> &'static str {
        "sandbox"
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn max_in_flight(&self, _number_id: &str) -> usize {
        4096
    }

    async fn send(&self, message: &Outgoing) -> Result<Receipt, SendError> {
        Ok(Receipt {
            channel_message_id: format!("sandbox.{}", message.message_id),
        })
    }
}
