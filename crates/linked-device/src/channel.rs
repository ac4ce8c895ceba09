//! The `linked_device` [`Channel`]: sends through the running session of each linked number,
//! paced by the [`Governor`].
//!
//! **Invariant:** a number that is not connected defers its messages (they stay queued in the
//! outbox and go when it reconnects); nothing is dropped for being offline.

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

#[async_trait]
impl Channel for LinkedDeviceChannel {
    fn kind(&self) -> &'static str {
        "linked_device"
    }

    async fn send(&self, message: &Outgoing) -> Result<Receipt, SendError> {
        let Some(line) = self.line(&message.number_id) else {
            return Err(SendError::Deferred {
                reason: "the linked number is not running (paired? reconnect it)".into(),
                retry_after: Duration::from_secs(60),
            });
        };
        let to = chat_of(&message.to_phone);
        let now = now_ms();
        let what = plan(message, &to, i64::try_from(now).unwrap_or(i64::MAX))?;
        self.governor
            .admit(
                &message.number_id,
                now,
                line.linked_at_ms,
                rand::random::<f64>(),
            )
            .map_err(|wait| SendError::Deferred {
                reason: "paced by the send governor".into(),
                retry_after: wait,
            })?;
        let id = line.connection.send(what, &to).await?;
        Ok(Receipt {
            channel_message_id: id,
        })
    }
}
