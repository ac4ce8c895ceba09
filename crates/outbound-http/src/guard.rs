//! [`Guard`]: the one SSRF guard of every outbound URL, and the HTTP clients built on it.
//!
//! **Invariant:** a client from [`Guard::client_builder`] connects only to addresses the guard
//! passed. A URL's host written as an address (in any form the URL standard reads: `127.1`,
//! `2130706433`, `0x7f.1`, `0177.0.0.1`, `[::ffff:127.0.0.1]`, ...) is checked before the request
//! ([`Guard::check`]); a name is resolved once, by the client's own resolver, which refuses the
//! whole answer if any address in it is refused, so the connection is made to a checked address
//! and DNS rebinding has no second lookup to change. Every redirect hop is checked the same way
//! before it is followed, up to a hop limit. No proxy is used: a proxy would connect in our stead.

use crate::address::{forbidden_kind, is_local_name};
use crate::Policy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// What the operator is told to do to allow an address that was refused.
pub const ALLOW_HINT: &str =
    "the operator can allow private addresses by starting waflow with --allow-private-http";

/// Why a request was not made (nothing was sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The URL does not parse.
    #[error("{0:?} is not a valid URL")]
    BadUrl(String),
    /// Not `http` or `https`.
    #[error("only http and https URLs are allowed, not {0:?}")]
    Scheme(String),
    /// The host is, or resolves to, an address of a refused kind.
    #[error("{}", forbidden(.host, .addr, .kind))]
    Forbidden {
        /// The URL's host as written after parsing (a name, or the address in its usual form).
        host: String,
        /// The refused address.
        addr: IpAddr,
        /// What kind of address it is, e.g. `loopback`.
        kind: String,
    },
    /// The host is `localhost` or a `*.localhost` name: this machine, whatever DNS says.
    #[error(
        "requests to {host} are refused: the name means this machine (a loopback address, \
         127.0.0.1 or ::1); {ALLOW_HINT}"
    )]
    LocalName {
        /// The name.
        host: String,
    },
    /// A host the operator configured, on a port it did not configure.
    #[error(
        "requests to {host}:{port} are refused: only the configured port of {host} is trusted; \
         {ALLOW_HINT}"
    )]
    UntrustedPort {
        /// The configured host.
        host: String,
        /// The port asked for.
        port: u16,
    },
    /// The name does not resolve.
    #[error("cannot resolve {host}: {reason}")]
    Resolve {
        /// The name.
        host: String,
        /// The resolver's reason.
        reason: String,
    },
    /// A redirect chain longer than the limit.
    #[error("more than {limit} redirects; not followed further")]
    TooManyRedirects {
        /// The most redirects followed.
        limit: usize,
    },
}

fn forbidden(host: &str, addr: &IpAddr, kind: &str) -> String {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if literal.parse::<IpAddr>().ok() == Some(*addr) {
        format!("requests to {host} are refused: {addr} is a {kind} address; {ALLOW_HINT}")
    } else {
        format!(
            "requests to {host} are refused: it resolves to {addr}, a {kind} address; {ALLOW_HINT}"
        )
    }
}

/// A URL's host and port that the guard lets through whatever address they are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    host: String,
    port: u16,
}

impl Origin {
    fn of(url: &Url) -> Option<Origin> {
        Some(Origin {
            host: url.host_str()?.to_string(),
            port: url.port_or_known_default()?,
        })
    }
}

/// The SSRF guard: the operator's [`Policy`], plus origins the operator configured itself
/// (e.g. the Graph API's base URL), which pass whatever address they are.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    policy: Policy,
    trusted: Vec<Origin>,
    /// Names answered without DNS (see [`Guard::resolving`]).
    names: Arc<Vec<(String, Vec<IpAddr>)>>,
}

impl Guard {
    /// A guard applying `policy` to every URL.
    pub fn new(policy: Policy) -> Guard {
        Guard {
            policy,
            trusted: Vec::new(),
            names: Arc::default(),
        }
    }

    /// The same guard, answering `name` with `addrs` instead of asking DNS: the answer is
    /// checked like DNS's. For tests (a name that resolves to a refused address) and for pinning
    /// a name; `name` as a URL writes it (lowercase).
    pub fn resolving(mut self, name: &str, addrs: Vec<IpAddr>) -> Guard {
        Arc::make_mut(&mut self.names).push((name.to_string(), addrs));
        self
    }

    /// The same guard, also passing the origin (host and port, exactly) of `url`: for an address
    /// the operator configured, never for one that came from a workflow, a provider or a
    /// contact. A URL that does not parse adds nothing.
    pub fn trusting(mut self, url: &str) -> Guard {
        if let Some(origin) = Url::parse(url).ok().as_ref().and_then(Origin::of) {
            self.trusted.push(origin);
        }
        self
    }

    /// The operator's policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Parses `url` and [`checks`](Guard::check) it.
    pub fn check_url(&self, url: &str) -> Result<Url, Refused> {
        let parsed = Url::parse(url).map_err(|_| Refused::BadUrl(url.to_string()))?;
        self.check(&parsed)?;
        Ok(parsed)
    }

    /// Checks what can be checked without DNS: the scheme, a host written as an address, and
    /// the names of this machine. A name that passes here is checked when it is resolved.
    pub fn check(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scheme(url.scheme().to_string()));
        }
        let host = url
            .host_str()
            .ok_or_else(|| Refused::BadUrl(url.to_string()))?;
        if self.policy.allow_private || self.is_trusted(url) {
            return Ok(());
        }
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        match literal.parse::<IpAddr>() {
            Ok(addr) => match forbidden_kind(addr) {
                Some(kind) => Err(Refused::Forbidden {
                    host: host.to_string(),
                    addr,
                    kind,
                }),
                None => Ok(()),
            },
            Err(_) if is_local_name(host) => Err(Refused::LocalName {
                host: host.to_string(),
            }),
            // The resolver passes a trusted name on any port: refuse its other ports here.
            Err(_) if self.trusted.iter().any(|o| o.host == host) => Err(Refused::UntrustedPort {
                host: host.to_string(),
                port: url.port_or_known_default().unwrap_or(0),
            }),
            Err(_) => Ok(()),
        }
    }

    fn is_trusted(&self, url: &Url) -> bool {
        Origin::of(url).is_some_and(|o| self.trusted.contains(&o))
    }

    /// Checks `url`, resolves its host once and checks every address it resolves to; returns
    /// the URL and the first address. For a check before a request is possible (e.g. when a
    /// setting is saved): requests themselves go through [`Guard::client_builder`]'s clients.
    pub async fn vet(&self, url: &str) -> Result<(Url, SocketAddr), Refused> {
        let parsed = self.check_url(url)?;
        let host = parsed.host_str().unwrap_or_default();
        let port = parsed.port_or_known_default().unwrap_or(80);
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return Ok((parsed.clone(), SocketAddr::new(ip, port)));
        }
        let check = !(self.policy.allow_private || self.is_trusted(&parsed));
        let addrs = resolve(host, port, check, &self.names).await?;
        Ok((parsed.clone(), addrs[0]))
    }

    /// A client builder whose connections go only where this guard lets them: its own resolver
    /// checks every address, no proxy, and redirects followed only up to `max_redirects` hops,
    /// each hop [checked](Guard::check) before it is followed (0: a redirect is answered as it
    /// is, not followed). Callers add timeouts, pools and agents, never a proxy or a resolver.
    pub fn client_builder(&self, max_redirects: usize) -> reqwest::ClientBuilder {
        let redirect = if max_redirects == 0 {
            reqwest::redirect::Policy::none()
        } else {
            let guard = self.clone();
            reqwest::redirect::Policy::custom(move |attempt| {
                // `previous` starts with the first URL, which was not a redirect.
                if attempt.previous().len() > max_redirects {
                    return attempt.error(Refused::TooManyRedirects {
                        limit: max_redirects,
                    });
                }
                match guard.check(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(refused) => attempt.error(refused),
                }
            })
        };
        let resolver = GuardedResolver {
            policy: self.policy,
            trusted_hosts: self.trusted.iter().map(|o| o.host.clone()).collect(),
            names: self.names.clone(),
        };
        reqwest::Client::builder()
            .no_proxy()
            .redirect(redirect)
            .dns_resolver(Arc::new(resolver))
    }
}

/// Resolves `host` once (from `names` if it is there, else DNS); with `check`, refuses the whole
/// answer if any address in it is refused.
async fn resolve(
    host: &str,
    port: u16,
    check: bool,
    names: &[(String, Vec<IpAddr>)],
) -> Result<Vec<SocketAddr>, Refused> {
    if check && is_local_name(host) {
        return Err(Refused::LocalName {
            host: host.to_string(),
        });
    }
    let addrs: Vec<SocketAddr> = match names.iter().find(|(name, _)| name == host) {
        Some((_, ips)) => ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect(),
        None => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| Refused::Resolve {
                host: host.to_string(),
                reason: e.to_string(),
            })?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(Refused::Resolve {
            host: host.to_string(),
            reason: "no addresses".into(),
        });
    }
    if check {
        for a in &addrs {
            if let Some(kind) = forbidden_kind(a.ip()) {
                return Err(Refused::Forbidden {
                    host: host.to_string(),
                    addr: a.ip(),
                    kind,
                });
            }
        }
    }
    Ok(addrs)
}

/// The resolver of guarded clients. Hosts written as addresses never reach it (the connector
/// uses them as they are): [`Guard::check`] covers those.
struct GuardedResolver {
    policy: Policy,
    /// Names of trusted origins; their ports were checked by [`Guard::check`] before any
    /// request or hop could reach the resolver.
    trusted_hosts: Vec<String>,
    names: Arc<Vec<(String, Vec<IpAddr>)>>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let check = !(self.policy.allow_private || self.trusted_hosts.contains(&host));
        let names = self.names.clone();
        Box::pin(async move {
            let addrs = resolve(&host, 0, check, &names)
                .await
                .map_err(|r| Box::new(r) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The guard's refusal inside a failed request (a refused name or redirect hop), if that is why
/// it failed.
pub fn refusal(error: &reqwest::Error) -> Option<Refused> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = next {
        if let Some(refused) = current.downcast_ref::<Refused>() {
            return Some(refused.clone());
        }
        next = current.source();
    }
    None
}
