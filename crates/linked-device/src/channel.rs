//! The `linked_device` [`Channel`]: sends through the running session of each linked number,
//! paced by the [`Governor`].
//!
//! **Invariant:** a number that is not connected defers its messages (they stay queued in the
//! outbox and go when it reconnects); nothing is dropped for being offline. Every attempt of a
//! message carries the same WhatsApp id ([`whatsapp_id_of`]), chosen before the first one.

use crate::connection::WaConnection;
use crate::governor::{Governor, Pacing};
use crate::outbound::{chat_of, plan};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use waflow_channels::{Channel, Outgoing, Receipt, SendError};

/// A linked number the channel can send for.
#[derive(Clone)]
pub struct Line {
    pub connection: Arc<WaConnection>,
    /// When the number was linked (Unix milliseconds): its warm-up counts from there.
    pub linked_at_ms: u64,
}

/// The channel of every linked number of the process.
pub struct LinkedDeviceChannel {
    lines: RwLock<HashMap<String, Line>>,
    governor: Governor,
}

impl LinkedDeviceChannel {
    pub fn new(pacing: Pacing) -> Self {
        Self {
            lines: RwLock::new(HashMap::new()),
            governor: Governor::new(pacing),
        }
    }

    /// Sends for `number_id` through `line` from now on.
    pub fn set_line(&self, number_id: &str, line: Line) {
        if let Ok(mut lines) = self.lines.write() {
            lines.insert(number_id.to_string(), line);
        }
    }

    /// Stops sending for a number.
    pub fn remove_line(&self, number_id: &str) {
        if let Ok(mut lines) = self.lines.write() {
            lines.remove(number_id);
        }
    }

    fn line(&self, number_id: &str) -> Option<Line> {
        self.lines.read().ok()?.get(number_id).cloned()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The WhatsApp message id a waflow message is sent with: WhatsApp Web's shape ("3EB0" and 18
/// upper-case hex digits) from a hash of waflow's id, so that every attempt of one message
/// carries the same id and a receipt names the message even if the attempt's answer was lost.
pub fn whatsapp_id_of(message_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(message_id.as_bytes());
    format!("3EB0{}", hex::encode_upper(&hash[..9]))
}

#[async_trait]
impl Channel for LinkedDeviceChannel {
    fn kind(&self) -> &'static str {
        "linked_device"
    }

    fn pace(&self, number_id: &str) -> waflow_channels::Pace {
        let age_days = self
            .line(number_id)
            .map_or(0, |l| now_ms().saturating_sub(l.linked_at_ms) / 86_400_000);
        let p = self.governor.pacing();
        let gap = p.min_gap + p.jitter / 2;
        waflow_channels::Pace {
            per_second: Some(1.0 / gap.as_secs_f64().max(0.001)),
            daily: self.governor.cap(age_days),
            warning: Some(
                "a linked phone sends like a person: messages are spaced by a few seconds and \
                 capped per day while the number warms up; many messages to people who do not \
                 know the number can get it banned by WhatsApp"
                    .into(),
            ),
        }
    }

    fn sends_here(&self, number_id: &str) -> Option<bool> {
        // Only the node whose session runs can send (the session's lease picks that node).
        Some(self.line(number_id).is_some())
    }

    fn max_in_flight(&self, _number_id: &str) -> usize {
        // A person sends one message at a time; the governor spaces them.
        4
    }

    async fn admit(&self, message: &Outgoing) -> Result<(), SendError> {
        let Some(line) = self.line(&message.number_id) else {
            return Err(not_running());
        };
        self.governor
            .admit(
                &message.number_id,
                now_ms(),
                line.linked_at_ms,
                rand::random::<f64>(),
            )
            .map_err(|wait| SendError::Deferred {
                reason: "paced by the send governor".into(),
                retry_after: wait,
            })
    }

    fn chosen_id(&self, message: &Outgoing) -> Option<String> {
        Some(whatsapp_id_of(&message.message_id))
    }

    async fn send(&self, message: &Outgoing) -> Result<Receipt, SendError> {
        let Some(line) = self.line(&message.number_id) else {
            return Err(not_running());
        };
        let to = chat_of(&message.to_phone);
        let what = plan(message, &to, i64::try_from(now_ms()).unwrap_or(i64::MAX))?;
        let id = line
            .connection
            .send(what, &to, &whatsapp_id_of(&message.message_id))
            .await?;
        Ok(Receipt {
            channel_message_id: id,
        })
    }
}

fn not_running() -> SendError {
    SendError::Deferred {
        reason: "the linked number is not running (paired? reconnect it)".into(),
        retry_after: Duration::from_secs(60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attempt_of_a_message_carries_the_same_whatsapp_shaped_id() {
        let a = whatsapp_id_of("msg_0192a3b4-0000-7000-8000-000000000001");
        assert_eq!(
            a,
            whatsapp_id_of("msg_0192a3b4-0000-7000-8000-000000000001")
        );
        assert_ne!(
            a,
            whatsapp_id_of("msg_0192a3b4-0000-7000-8000-000000000002")
        );
        assert_eq!(a.len(), 22);
        assert!(a.starts_with("3EB0"));
        assert!(a[4..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
    }
}
