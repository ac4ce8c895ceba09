//! Outbound HTTP behind one SSRF guard: workflow steps (HTTP request, signed webhook), the AI
//! provider, media downloads of every channel and the events webhook all go through [`Guard`].
//!
//! **Invariant:** a request reaches only an address that passed the guard. A host written as an
//! address is checked before the request; a name is resolved once, by the guarded client's own
//! resolver, and every address it resolves to is checked (loopback, private, link-local,
//! unique-local, carrier-grade NAT, unspecified, multicast, broadcast, reserved and documentation
//! ranges, and IPv6 forms carrying any of them — see [`forbidden_kind`] — are refused unless the
//! operator allows private addresses with `--allow-private-http`); the connection is made to a
//! checked address — no second lookup that DNS rebinding could change. A redirect is either
//! not followed ([`send`]) or checked hop by hop up to a limit ([`Fetcher`]). Answers are read
//! within a size limit, chunk by chunk, and within a time limit.

mod address;
mod fetch;
pub mod forms;
mod guard;

pub use address::{forbidden_kind, is_local_name};
pub use fetch::{
    read_body, without_query, BodyError, FetchError, Fetched, Fetcher, Limits, MAX_REDIRECTS,
};
pub use guard::{refusal, Guard, Refused, ALLOW_HINT};

use std::net::SocketAddr;
use std::time::Duration;

/// Where outbound requests may go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Allow loopback, private and link-local addresses (for a gateway on the same network, a
    /// local AI model, and for tests). Off by default: `--allow-private-http` turns it on.
    pub allow_private: bool,
}

/// Parses `url` and resolves its host to addresses the policy allows (see [`Guard::vet`]).
pub async fn vet(url: &str, policy: Policy) -> Result<(reqwest::Url, SocketAddr), Refused> {
    Guard::new(policy).vet(url).await
}

/// A request a step (or the events webhook) makes.
#[derive(Debug, Clone)]
pub struct Request {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// Where to; checked by the guard before anything is sent.
    pub url: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// A JSON body, sent with `content-type: application/json`.
    pub body: Option<String>,
    /// The bound on the whole exchange, answer included.
    pub timeout: Duration,
}

/// What came of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An answer (any status). The body is cut at [`MAX_BODY_BYTES`].
    Answered {
        /// The HTTP status (a redirect's too: redirects are not followed).
        status: u16,
        /// The body as text, cut at [`MAX_BODY_BYTES`].
        body: String,
        /// The body as JSON, if it is JSON.
        json: Option<serde_json::Value>,
    },
    /// No answer within the timeout.
    TimedOut,
    /// The request failed (connection refused, TLS, ...).
    Failed(String),
    /// The guard refused the address; nothing was sent.
    Refused(Refused),
}

/// The most of an answer kept.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Makes `request` under `policy`; a redirect is answered as it is, not followed.
pub async fn send(request: &Request, policy: Policy) -> Outcome {
    send_guarded(request, &Guard::new(policy)).await
}

/// Makes `request` through `guard`; a redirect is answered as it is, not followed. The answer
/// is read until [`MAX_BODY_BYTES`] and cut there; the timeout covers the whole exchange.
pub async fn send_guarded(request: &Request, guard: &Guard) -> Outcome {
    let url = match guard.check_url(&request.url) {
        Ok(url) => url,
        Err(r) => return Outcome::Refused(r),
    };
    let client = match guard.client_builder(0).timeout(request.timeout).build() {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(e.without_url().to_string()),
    };
    let method = match reqwest::Method::from_bytes(request.method.as_bytes()) {
        Ok(m) => m,
        Err(_) => return Outcome::Failed(format!("{:?} is not an HTTP method", request.method)),
    };
    let mut builder = client.request(method, url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder
            .header("content-type", "application/json")
            .body(body.clone());
    }
    let failed = |e: reqwest::Error| match refusal(&e) {
        Some(r) => Outcome::Refused(r),
        None if e.is_timeout() => Outcome::TimedOut,
        None => Outcome::Failed(e.without_url().to_string()),
    };
    let exchange = async {
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(e) => return failed(e),
        };
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_BODY_BYTES {
                        bytes.truncate(MAX_BODY_BYTES);
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return failed(e),
            }
        }
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&body).ok();
        Outcome::Answered { status, body, json }
    };
    tokio::time::timeout(request.timeout, exchange)
        .await
        .unwrap_or(Outcome::TimedOut)
}

/// The header that carries a signed webhook's signature.
pub const SIGNATURE_HEADER: &str = "X-Waflow-Signature";

/// HMAC-SHA256 of `data` under `key`, hex.
pub fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// A workspace's webhook secret, derived from the server's webhook key: receivers verify
/// signatures with it.
pub fn webhook_secret(webhook_key: &str, workspace_id: &str) -> String {
    hmac_hex(webhook_key.as_bytes(), workspace_id.as_bytes())
}

/// The signature header value of a webhook body: `sha256=<HMAC-SHA256(secret, body) in hex>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(secret.as_bytes(), body))
}
