//! The Cloud API as a [`Channel`]: each number's messages go out through the Graph API with that
//! number's credentials, no faster than its throughput cap.
//!
//! **Invariant:** a number sends at most `per_second` messages in any second (a token bucket with
//! a burst of a tenth of a second), so a burst of replies is paced rather than refused by Meta
//! with 130429. Free-form messages are only sent inside the 24-hour customer service window
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

/// The Cloud API channel: the Graph client and the numbers it sends for.
pub struct CloudApiChannel {
    graph: GraphClient,
    lines: RwLock<HashMap<String, Arc<Line>>>,
}

struct Line {
    credentials: Credentials,
    bucket: Mutex<TokenBucket>,
}

/// A token bucket: `rate` tokens per second, holding at most `burst`.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket for `per_second` (at least 1) with a burst of a tenth of a second.
    pub fn new(per_second: u32) -> Self {
        let rate = f64::from(per_second.max(1));
        let burst = (rate / 10.0).max(1.0);
        Self {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
        }
    }

    /// Takes one token, waiting until there is one.
    pub async fn take(&mut self) {
        loop {
            let now = Instant::now();
            let elapsed = now.duration_since(self.last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
            self.last = now;
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                return;
            }
            let wait = (1.0 - self.tokens) / self.rate;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }
}

impl CloudApiChannel {
    /// A channel sending through `graph`, with no numbers yet.
    pub fn new(graph: GraphClient) -> Self {
        Self {
            graph,
            lines: RwLock::new(HashMap::new()),
        }
    }

    /// Adds or replaces the credentials and cap of a waflow number.
    pub fn set_line(&self, number_id: &str, credentials: Credentials, per_second: u32) {
        let line = Arc::new(Line {
            credentials,
            bucket: Mutex::new(TokenBucket::new(per_second)),
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

    fn line(&self, number_id: &str) -> Option<Arc<Line>> {
        self.lines.read().ok()?.get(number_id).cloned()
    }

    /// The Graph client, for media and templates.
    pub fn graph(&self) -> &GraphClient {
        &self.graph
    }

    /// Downloads a received media file of a number: the media-id lookup, then the file.
    pub async fn fetch_media(
        &self,
        number_id: &str,
        media_id: &str,
    ) -> Result<(MediaInfo, Vec<u8>), GraphError> {
        let line = self.line(number_id).ok_or_else(|| no_line(number_id))?;
        let info = self.graph.media_url(&line.credentials, media_id).await?;
        let bytes = self.graph.download(&line.credentials, &info.url).await?;
        Ok((info, bytes))
    }

    /// The message templates of a number's WhatsApp Business Account.
    pub async fn templates(
        &self,
        number_id: &str,
        waba_id: &str,
    ) -> Result<Vec<Template>, GraphError> {
        let line = self.line(number_id).ok_or_else(|| no_line(number_id))?;
        self.graph
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
        self.graph
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

    async fn send(&self, message: &Outgoing) -> Result<Receipt, SendError> {
        let line = self.line(&message.number_id).ok_or_else(|| {
            SendError::Permanent(format!(
                "number {} has no Cloud API credentials in this process",
                message.number_id
            ))
        })?;
        line.bucket.lock().await.take().await;
        let to = message.to_phone.trim_start_matches('+');
        let content = match &message.content {
            None => Content::Text {
                body: message.text.clone(),
                preview_url: false,
            },
            Some(json) => serde_json::from_value::<Content>(json.clone()).map_err(|e| {
                SendError::Permanent(format!("the stored content cannot be sent: {e}"))
            })?,
        };
        let wamid = self
            .graph
            .send(&line.credentials, to, &content)
            .await
            .map_err(SendError::from)?;
        Ok(Receipt {
            channel_message_id: wamid,
        })
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
        // 5 from the burst, then 100 at 50/s: two seconds.
        let elapsed = start.elapsed().as_secs_f64();
        assert!((1.95..2.1).contains(&elapsed), "took {elapsed} s");
    }
}
