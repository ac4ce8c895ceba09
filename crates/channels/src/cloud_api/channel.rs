//! The Cloud API as a [`Channel`]: each number's messages go out through the Graph API with that
//! number's credentials, no faster than its throughput cap.
//!
//! **Invariant:** a number sends at most `per_second` messages in any one-second window (a token
//! bucket without burst at 95 % of the cap, taken in [`Channel::admit`]), so a burst of replies is paced
//! rather than refused by Meta with 130429. Between the admission and the provider call the
//! sender journals the attempt, and journal commits release many attempts at once: a second
//! bucket at the same rate, taken in [`Channel::send`] right before the call, spaces them again. Each send carries waflow's message id as
//! `biz_opaque_callback_data`, which Meta echoes in the message's status webhooks. Free-form messages are only sent inside the 24-hour customer service window
//! ([`Channel::service_window`]); the sender enforces it before calling [`Channel::send`].

use super::content::Content;
use super::graph::{Credentials, GraphClient, GraphError, MediaInfo, Template};
use crate::{Channel, Outgoing, Receipt, SendError};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Meta's default throughput for a Cloud API number, in messages per second.
pub const DEFAULT_PER_SECOND: u32 = 80;

/// How fast and how widely a number may send (Meta's rules, from the number's settings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Messages per second for the number (the throughput cap).
    pub per_second: u32,
    /// Messages to one recipient that may go out back to back...
    pub per_recipient_burst: u32,
    /// ...and then one per this interval (Meta's pair rate: about one every 6 s).
    pub per_recipient_interval: Duration,
    /// Unique recipients of business-initiated (template) messages per rolling 24 hours: the
    /// messaging-limit tier (250, 2,000, 10,000, 100,000); `None` when unlimited.
    pub daily_unique: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_second: DEFAULT_PER_SECOND,
            per_recipient_burst: 20,
            per_recipient_interval: Duration::from_secs(6),
            daily_unique: Some(250),
        }
    }
}

/// The Cloud API channel: the Graph client and the numbers it sends for.
pub struct CloudApiChannel {
    /// Built on first use: a process without Cloud API numbers never loads the TLS stack.
    graph: std::sync::OnceLock<Result<GraphClient, GraphError>>,
    graph_url: String,
    graph_version: String,
    /// Where received media may be downloaded from, besides the Graph API's own origin.
    media_policy: waflow_outbound_http::Policy,
    lines: RwLock<HashMap<String, Arc<Line>>>,
}

pub(super) struct Line {
    pub(super) credentials: Credentials,
    limits: Limits,
    bucket: Mutex<TokenBucket>,
    /// The same pace again right before the Graph call (see the module's invariant).
    gate: Mutex<TokenBucket>,
    /// Per-recipient pacing (std mutexes: held only to look at a map).
    recipients: std::sync::Mutex<HashMap<String, TokenBucket>>,
    /// Recipients of business-initiated messages in the last 24 hours, with when each began.
    initiated: std::sync::Mutex<HashMap<String, Instant>>,
}

const DAY: Duration = Duration::from_secs(24 * 3600);

impl Line {
    /// Whether `to` may get a message now; if not, how long until it may.
    fn pace_recipient(&self, to: &str) -> Result<(), Duration> {
        let Ok(mut map) = self.recipients.lock() else {
            return Ok(());
        };
        let interval = self.limits.per_recipient_interval.as_secs_f64().max(0.001);
        map.entry(to.to_string())
            .or_insert_with(|| {
                TokenBucket::with_rate(1.0 / interval, f64::from(self.limits.per_recipient_burst))
            })
            .try_take()
    }

    /// Whether a business-initiated message to `to` fits the daily tier; if not, how long until
    /// the oldest recipient leaves the rolling 24 hours.
    fn admit_initiated(&self, to: &str) -> Result<(), Duration> {
        let Some(limit) = self.limits.daily_unique else {
            return Ok(());
        };
        let Ok(mut map) = self.initiated.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        map.retain(|_, at| now.duration_since(*at) < DAY);
        if map.contains_key(to) || map.len() < limit as usize {
            map.entry(to.to_string()).or_insert(now);
            return Ok(());
        }
        let oldest = map.values().min().copied().unwrap_or(now);
        Err(DAY.saturating_sub(now.duration_since(oldest)))
    }
}

/// The share of a number's cap its sends are paced at (see [`TokenBucket::new`]).
pub const CAP_MARGIN: f64 = 0.95;
/// How late a timer may wake without the number losing that time from its rate (tokio's timers
/// have a millisecond's resolution and round up).
pub const WAKE_TOLERANCE: Duration = Duration::from_millis(2);

/// A token bucket: `rate` tokens per second, holding at most `burst`.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A bucket that keeps a number under its cap of `per_second` (at least 1) in *every*
    /// one-second window, as Meta counts: no burst beyond the time a timer may wake late
    /// ([`WAKE_TOLERANCE`], so a late wake-up is not lost from the rate), and a rate
    /// [`CAP_MARGIN`] under the cap, so that the jitter of the network between two sends cannot
    /// bring them closer than the cap allows when they reach Meta.
    pub fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second.max(1)) * CAP_MARGIN;
        Self::with_rate(rate, 1.0 + rate * WAKE_TOLERANCE.as_secs_f64())
    }

    /// A full bucket of `burst` (at least 1) tokens refilled at `rate` per second.
    pub fn with_rate(rate: f64, burst: f64) -> Self {
        let burst = burst.max(1.0);
        Self {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
    }

    /// Takes one token if there is one; otherwise says how long until there is.
    pub fn try_take(&mut self) -> Result<(), Duration> {
        self.refill();
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
    }

    /// Takes one token, waiting until there is one.
    pub async fn take(&mut self) {
        while let Err(wait) = self.try_take() {
            tokio::time::sleep(wait).await;
        }
    }
}

impl CloudApiChannel {
    /// A channel sending through the Graph API at `base_url` / `version`, with no numbers yet.
    pub fn new(base_url: &str, version: &str) -> Self {
        Self {
            graph: std::sync::OnceLock::new(),
            graph_url: base_url.to_string(),
            graph_version: version.to_string(),
            media_policy: Default::default(),
            lines: RwLock::new(HashMap::new()),
        }
    }

    /// The same channel, downloading received media under the operator's SSRF `policy` (see
    /// [`GraphClient::with_media_policy`]).
    pub fn with_media_policy(mut self, policy: waflow_outbound_http::Policy) -> Self {
        self.media_policy = policy;
        self
    }

    /// Adds or replaces the credentials and limits of a waflow number.
    pub fn set_line(&self, number_id: &str, credentials: Credentials, limits: Limits) {
        // Unchanged, the line keeps its governor's state: a fresh bucket beside the old one
        // would let the number send above its cap for a moment.
        if self
            .line(number_id)
            .is_some_and(|l| l.credentials == credentials && l.limits == limits)
        {
            return;
        }
        let line = Arc::new(Line {
            credentials,
            limits,
            bucket: Mutex::new(TokenBucket::new(limits.per_second)),
            gate: Mutex::new(TokenBucket::new(limits.per_second)),
            recipients: std::sync::Mutex::new(HashMap::new()),
            initiated: std::sync::Mutex::new(HashMap::new()),
        });
        if let Ok(mut lines) = self.lines.write() {
            lines.insert(number_id.to_string(), line);
        }
    }

    /// Forgets a number (deleted or disconnected).
    pub fn remove_line(&self, number_id: &str) {
        if let Ok(mut lines) = self.lines.write() {
            lines.remove(number_id);
        }
    }

    pub(super) fn line(&self, number_id: &str) -> Option<Arc<Line>> {
        self.lines.read().ok()?.get(number_id).cloned()
    }

    /// The Graph client, built on first use.
    pub fn graph(&self) -> Result<&GraphClient, GraphError> {
        self.graph
            .get_or_init(|| {
                GraphClient::new(self.graph_url.clone(), self.graph_version.clone())
                    .map(|graph| graph.with_media_policy(self.media_policy))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Downloads a received media file of a number: the media-id lookup, then the file.
    pub async fn fetch_media(
        &self,
        number_id: &str,
        media_id: &str,
    ) -> Result<(MediaInfo, Vec<u8>), GraphError> {
        let line = self.line(number_id).ok_or_else(|| no_line(number_id))?;
        let info = self.graph()?.media_url(&line.credentials, media_id).await?;
        let bytes = self.graph()?.download(&line.credentials, &info.url).await?;
        Ok((info, bytes))
    }

    /// Marks a received message (and the ones before it) as read: the contact sees blue ticks.
    pub async fn mark_read(&self, number_id: &str, wamid: &str) -> Result<(), GraphError> {
        let line = self.line(number_id).ok_or_else(|| no_line(number_id))?;
        self.graph()?.mark_read(&line.credentials, wamid).await
    }

    /// The message templates of a number's WhatsApp Business Account.
    pub async fn templates(
        &self,
        number_id: &str,
        waba_id: &str,
    ) -> Result<Vec<Template>, GraphError> {
        let line = self.line(number_id).ok_or_else(|| no_line(number_id))?;
        self.graph()?
            .templates(waba_id, &line.credentials.access_token)
            .await
    }

    /// Uploads a file for a number; returns the media id to send it by.
    pub async fn upload_media(
        &self,
        number_id: &str,
        bytes: Vec<u8>,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, GraphError> {
        let line = self.line(number_id).ok_or_else(|| no_line(number_id))?;
        self.graph()?
            .upload_media(&line.credentials, bytes, mime_type, filename)
            .await
    }
}

fn no_line(number_id: &str) -> GraphError {
    GraphError::local(
        super::graph::ErrorKind::Permanent,
        "no_credentials",
        format!("number {number_id} has no Cloud API credentials in this process"),
    )
}

#[async_trait]
impl Channel for CloudApiChannel {
    fn kind(&self) -> &'static str {
        "cloud_api"
    }

    fn service_window(&self) -> Option<Duration> {
        Some(Duration::from_secs(24 * 3600))
    }

    fn max_in_flight(&self, number_id: &str) -> usize {
        // Enough conversations in flight to keep the cap busy through two seconds of provider
        // latency, within bounds.
        self.line(number_id).map_or(16, |line| {
            (2 * line.limits.per_second as usize).clamp(16, 512)
        })
    }

    fn pace(&self, number_id: &str) -> crate::Pace {
        let limits = self.line(number_id).map(|l| l.limits).unwrap_or_default();
        crate::Pace {
            per_second: Some(f64::from(limits.per_second.max(1)) * CAP_MARGIN),
            daily: limits.daily_unique,
            warning: limits.daily_unique.map(|n| {
                format!(
                    "this number's messaging-limit tier lets it start conversations with {n} new \
                     people per 24 hours; the others wait for the next day"
                )
            }),
        }
    }

    async fn admit(&self, message: &Outgoing) -> Result<(), SendError> {
        let line = self.sending_line(&message.number_id)?;
        let to = recipient(message);
        let content = content_of(message)?;
        if let Err(retry_after) = line.pace_recipient(to) {
            return Err(SendError::Deferred {
                reason: format!(
                    "paced: more than {} messages in a row to {to}; next in {} ms",
                    line.limits.per_recipient_burst,
                    retry_after.as_millis()
                ),
                retry_after,
            });
        }
        if matches!(content, Content::Template { .. }) {
            if let Err(retry_after) = line.admit_initiated(to) {
                return Err(SendError::Deferred {
                    reason: format!(
                        "queued: the number's messaging limit of {} contacts per 24 hours is reached; \
                         a slot frees in {} min",
                        line.limits.daily_unique.unwrap_or(0),
                        retry_after.as_secs() / 60 + 1
                    ),
                    retry_after,
                });
            }
        }
        line.bucket.lock().await.take().await;
        Ok(())
    }

    async fn send(&self, message: &Outgoing) -> Result<Receipt, SendError> {
        let line = self.sending_line(&message.number_id)?;
        let content = content_of(message)?;
        line.gate.lock().await.take().await;
        let wamid = self
            .graph()
            .map_err(SendError::from)?
            .send_tagged(
                &line.credentials,
                recipient(message),
                &content,
                Some(&message.message_id),
            )
            .await
            .map_err(SendError::from)?;
        Ok(Receipt {
            channel_message_id: wamid,
        })
    }
}

impl CloudApiChannel {
    fn sending_line(&self, number_id: &str) -> Result<Arc<Line>, SendError> {
        self.line(number_id).ok_or_else(|| {
            SendError::Permanent(format!(
                "number {number_id} has no Cloud API credentials in this process"
            ))
        })
    }
}

/// The recipient as the Graph API takes it: the phone number's digits.
fn recipient(message: &Outgoing) -> &str {
    message.to_phone.trim_start_matches('+')
}

/// What to send: the stored content, or the text.
fn content_of(message: &Outgoing) -> Result<Content, SendError> {
    match &message.content {
        None => Ok(Content::Text {
            body: message.text.clone(),
            preview_url: false,
        }),
        Some(json) => serde_json::from_value::<Content>(json.clone())
            .map_err(|e| SendError::Permanent(format!("the stored content cannot be sent: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bucket_paces_a_burst_to_its_rate() {
        let mut bucket = TokenBucket::new(50);
        let start = Instant::now();
        for _ in 0..105 {
            bucket.take().await;
        }
        // One at once, then 104 at 47.5/s (the cap less the margin): 2.19 seconds; waits
        // rounded up to the timer's millisecond are made up within the wake tolerance.
        let elapsed = start.elapsed().as_secs_f64();
        assert!((2.17..2.21).contains(&elapsed), "took {elapsed} s");
    }
}
