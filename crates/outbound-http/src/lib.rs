//! Outbound HTTP for workflow steps (the HTTP request step, signed webhooks), behind an SSRF
//! guard.
//!
//! **Invariant:** a request reaches only an address that passed the guard. The host is resolved
//! once, every address it resolves to is checked (loopback, private, link-local, unique-local,
//! carrier-grade NAT, unspecified, multicast and broadcast are refused unless the operator allows
//! private addresses), and the connection is made to a checked address — no second lookup that
//! DNS rebinding could change. Redirects are not followed: a redirect to an internal address
//! would bypass the check.

use reqwest::Url;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Where outbound requests may go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Allow loopback, private and link-local addresses (for a gateway on the same network, and
    /// for tests). Off by default.
    pub allow_private: bool,
}

/// Why a request was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0:?} is not a valid URL")]
    BadUrl(String),
    #[error("only http and https URLs are allowed, not {0:?}")]
    Scheme(String),
    #[error("{host} resolves to {addr}, a {kind} address; outbound requests to it are refused (the operator can allow private addresses)")]
    Forbidden {
        host: String,
        addr: IpAddr,
        kind: &'static str,
    },
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
}

/// What kind of forbidden address `ip` is, if it is one.
pub fn forbidden_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if v4.is_unspecified() || o[0] == 0 {
                Some("unspecified")
            } else if v4.is_broadcast() || v4.is_multicast() {
                Some("broadcast or multicast")
            } else if o[0] == 100 && (64..128).contains(&o[1]) {
                Some("carrier-grade NAT")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_kind(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if first & 0xfe00 == 0xfc00 {
                Some("unique-local (private)")
            } else if v6.is_multicast() {
                Some("multicast")
            } else {
                None
            }
        }
    }
}

/// Parses `url` and resolves its host to an address the policy allows.
pub async fn vet(url: &str, policy: Policy) -> Result<(Url, SocketAddr), Refused> {
    let parsed = Url::parse(url).map_err(|_| Refused::BadUrl(url.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refused::Scheme(parsed.scheme().to_string()));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| Refused::BadUrl(url.to_string()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| Refused::Resolve {
                host: host.clone(),
                reason: e.to_string(),
            })?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(Refused::Resolve {
            host,
            reason: "no addresses".into(),
        });
    }
    if !policy.allow_private {
        for a in &addrs {
            if let Some(kind) = forbidden_kind(a.ip()) {
                return Err(Refused::Forbidden {
                    host,
                    addr: a.ip(),
                    kind,
                });
            }
        }
    }
    Ok((parsed, addrs[0]))
}

/// A request a step makes.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub timeout: Duration,
}

/// What came of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An answer (any status). The body is cut at [`MAX_BODY_BYTES`].
    Answered {
        status: u16,
        body: String,
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

/// Makes `request` under `policy`.
pub async fn send(request: &Request, policy: Policy) -> Outcome {
    let (url, addr) = match vet(&request.url, policy).await {
        Ok(v) => v,
        Err(r) => return Outcome::Refused(r),
    };
    let host = url.host_str().unwrap_or_default().to_string();
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .timeout(request.timeout)
        .build()
    {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(e.to_string()),
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
    match builder.send().await {
        Err(e) if e.is_timeout() => Outcome::TimedOut,
        Err(e) => Outcome::Failed(e.without_url().to_string()),
        Ok(mut response) => {
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
                    Err(e) if e.is_timeout() => return Outcome::TimedOut,
                    Err(e) => return Outcome::Failed(e.without_url().to_string()),
                }
            }
            let body = String::from_utf8_lossy(&bytes).into_owned();
            let json = serde_json::from_str(&body).ok();
            Outcome::Answered { status, body, json }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_addresses_are_refused_by_default() {
        for url in [
            "http://127.0.0.1/x",
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/",
            "http://192.168.1.10/",
            "http://172.16.0.1/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://localhost:9/",
        ] {
            match vet(url, Policy::default()).await {
                Err(Refused::Forbidden { .. }) => {}
                other => panic!("{url}: {other:?}"),
            }
        }
        assert!(matches!(
            vet("ftp://example.com/", Policy::default()).await,
            Err(Refused::Scheme(_))
        ));
        assert!(matches!(
            vet("not a url", Policy::default()).await,
            Err(Refused::BadUrl(_))
        ));
    }

    #[tokio::test]
    async fn public_addresses_pass_and_the_operator_can_allow_private_ones() {
        let (_, addr) = vet("http://93.184.215.14/x", Policy::default())
            .await
            .unwrap();
        assert_eq!(addr.port(), 80);
        let allow = Policy {
            allow_private: true,
        };
        let (_, addr) = vet("http://127.0.0.1:8080/", allow).await.unwrap();
        assert_eq!(addr, "127.0.0.1:8080".parse().unwrap());
    }

    #[tokio::test]
    async fn a_refused_request_sends_nothing_and_says_why() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let request = Request {
            method: "POST".into(),
            url: format!("http://127.0.0.1:{port}/hook"),
            headers: vec![],
            body: Some("{}".into()),
            timeout: Duration::from_secs(2),
        };
        let outcome = send(&request, Policy::default()).await;
        let Outcome::Refused(reason) = outcome else {
            panic!("{outcome:?}")
        };
        assert!(reason.to_string().contains("loopback"), "{reason}");
        // Nothing connected.
        let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
        assert!(accepted.is_err(), "the guard let a connection through");
    }
}
