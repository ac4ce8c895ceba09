//! Downloads through the guard ([`Fetcher`]) and answers read within a size limit
//! ([`read_body`]).
//!
//! **Invariant:** a body is read chunk by chunk and the read stops as soon as it passes the
//! limit (a declared `Content-Length` over the limit stops it before the first chunk); the
//! whole download, redirects and body included, ends at its time limit.

use crate::guard::{refusal, Guard, Refused};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The bounds of one download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes of body read; one more stops the download.
    pub max_bytes: usize,
    /// The most time the whole download takes, connection, redirects and body included.
    pub timeout: Duration,
}

/// What a download got: the final answer's status, content type and body (any status: the
/// caller decides what a non-2xx answer means).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body, at most [`Limits::max_bytes`] bytes.
    pub body: Vec<u8>,
}

/// Why a download gave no answer. URLs are named without their query string.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The guard refused the URL or a redirect hop: nothing was sent to the refused address.
    #[error("{url}: {refused}")]
    Refused {
        /// The URL asked for.
        url: String,
        /// Why.
        refused: Refused,
    },
    /// The body is longer than the limit; the download was stopped there.
    #[error("{url}: the answer is larger than {limit} bytes; the download was stopped")]
    TooLarge {
        /// The URL asked for.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// No complete answer within the time limit.
    #[error("{url}: no complete answer within {} ms", after.as_millis())]
    TimedOut {
        /// The URL asked for.
        url: String,
        /// The limit.
        after: Duration,
    },
    /// The connection or the answer failed (refused, reset, TLS, ...).
    #[error("{url}: {}", causes(.source))]
    Transport {
        /// The URL asked for.
        url: String,
        /// The client's error (without its URL).
        source: reqwest::Error,
    },
    /// The HTTP client could not be built (no TLS backend).
    #[error("the HTTP client cannot be built: {0}")]
    Client(String),
}

/// Why an answer's body was not read whole.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Longer than the limit: reading stopped there.
    #[error("the answer is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The connection failed while reading.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
}

/// Reads `response`'s body, stopping as soon as it passes `max_bytes` (at once when the declared
/// length does).
pub async fn read_body(
    response: &mut reqwest::Response,
    max_bytes: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|n| n > max_bytes as u64)
    {
        return Err(BodyError::TooLarge { limit: max_bytes });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max_bytes {
            return Err(BodyError::TooLarge { limit: max_bytes });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A guarded GET client for downloads (media links): every URL and every redirect hop through
/// the [`Guard`], up to a hop limit, bodies within [`Limits`]. Cheap to clone; the connection
/// pool is built on first use and shared.
#[derive(Debug, Clone)]
pub struct Fetcher {
    guard: Guard,
    max_redirects: usize,
    client: Arc<OnceLock<Result<reqwest::Client, String>>>,
}

/// Redirect hops a [`Fetcher`] follows by default.
pub const MAX_REDIRECTS: usize = 5;

impl Fetcher {
    /// A fetcher under `guard`, following at most `max_redirects` redirects (each checked).
    pub fn new(guard: Guard, max_redirects: usize) -> Fetcher {
        Fetcher {
            guard,
            max_redirects,
            client: Arc::default(),
        }
    }

    /// The guard every URL goes through.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    fn client(&self) -> Result<&reqwest::Client, FetchError> {
        self.client
            .get_or_init(|| {
                self.guard
                    .client_builder(self.max_redirects)
                    .user_agent(concat!("waflow/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| e.without_url().to_string())
            })
            .as_ref()
            .map_err(|e| FetchError::Client(e.clone()))
    }

    /// GETs `url` (with `bearer` as the `Authorization`, which is not sent on to another host
    /// after a redirect) within `limits`.
    pub async fn get(
        &self,
        url: &str,
        bearer: Option<&str>,
        limits: Limits,
    ) -> Result<Fetched, FetchError> {
        let shown = without_query(url).to_string();
        let parsed = self
            .guard
            .check_url(url)
            .map_err(|refused| FetchError::Refused {
                url: shown.clone(),
                refused,
            })?;
        let mut request = self.client()?.get(parsed).timeout(limits.timeout);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let transport = |source: reqwest::Error, url: &str| match refusal(&source) {
            Some(refused) => FetchError::Refused {
                url: url.to_string(),
                refused,
            },
            None if source.is_timeout() => FetchError::TimedOut {
                url: url.to_string(),
                after: limits.timeout,
            },
            None => FetchError::Transport {
                url: url.to_string(),
                source: source.without_url(),
            },
        };
        let download = async {
            let mut response = request.send().await.map_err(|e| transport(e, &shown))?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = read_body(&mut response, limits.max_bytes)
                .await
                .map_err(|e| match e {
                    BodyError::TooLarge { limit } => FetchError::TooLarge {
                        url: shown.clone(),
                        limit,
                    },
                    BodyError::Transport(source) => transport(source, &shown),
                })?;
            Ok(Fetched {
                status,
                content_type,
                body,
            })
        };
        // The client's own timeout covers the body too; this one is the guarantee.
        tokio::time::timeout(limits.timeout, download)
            .await
            .unwrap_or_else(|_| {
                Err(FetchError::TimedOut {
                    url: shown.clone(),
                    after: limits.timeout,
                })
            })
    }
}

/// `url` without its query string (which may carry a signature or a key).
pub fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(base, _)| base)
}

/// The texts of an error and its causes, each once (reqwest's own text hides the cause).
fn causes(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = next {
        let text = current.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    parts.join(": ")
}
