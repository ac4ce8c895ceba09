//! Dashboard sign-in: agents' passwords (Argon2id), `POST /auth/login` issuing a token tied to
//! the agent that expires, `POST /auth/logout`, `GET /auth/me`, and creating the first owner from
//! the command line.
//!
//! **Invariant:** passwords are stored only as Argon2id PHC strings; a failed login says the
//! same thing, after the same work, whether the email or the password was wrong
//! ([`passwords`]). **Invariant:** failed sign-ins are limited per account (the email, known or
//! not) and per client address ([`limits`]); past a limit, sign-in answers 429 with `Retry-After`
//! — the right password too — without verifying anything.

pub mod limits;
pub mod passwords;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use limits::Limiter;
use passwords::{PasswordCost, Passwords};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use waflow_domain::parse::{Obj, Path};
use waflow_store::{Agent, Store};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Checks a new password's length; the error names `field`.
pub fn check_password(field: &str, password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// How sign-in is limited, what a password hash costs and how long a sign-in lasts.
#[derive(Debug, Clone)]
pub struct SignInOptions {
    /// The sliding window failures are counted in, and the first lockout (60 s).
    pub window: Duration,
    /// Failed sign-ins for one email within the window; the next attempt is refused (60).
    pub per_account: u32,
    /// Failed sign-ins from one client address (an IPv6 /64) within the window (100).
    pub per_address: u32,
    /// Each lockout lasts twice the one before, at most this long (1 hour).
    pub max_lockout: Duration,
    /// How long a sign-in token works (30 days); `None`: until revoked.
    pub token_ttl: Option<Duration>,
    /// The cost of new password hashes (Argon2's default; tests lower it).
    pub password_cost: PasswordCost,
}

impl Default for SignInOptions {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(60),
            per_account: 60,
            per_address: 100,
            max_lockout: Duration::from_secs(3600),
            token_ttl: Some(Duration::from_secs(30 * 24 * 3600)),
            password_cost: PasswordCost::default(),
        }
    }
}

/// The sign-in state shared by the handlers: options, password hashing, the two limiters.
#[derive(Debug)]
pub struct SignIn {
    options: SignInOptions,
    /// Hashes new passwords and verifies sign-ins.
    pub passwords: Passwords,
    accounts: Limiter,
    addresses: Limiter,
}

impl SignIn {
    /// Sign-in with these options.
    pub fn new(options: SignInOptions) -> Self {
        let limiter = |n| Limiter::new(n, options.window, options.max_lockout);
        Self {
            passwords: Passwords::new(options.password_cost),
            accounts: limiter(options.per_account),
            addresses: limiter(options.per_address),
            options,
        }
    }

    /// When a token issued at `now` by signing in expires.
    pub(crate) fn expiry(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let ttl = chrono::Duration::from_std(self.options.token_ttl?).ok()?;
        now.checked_add_signed(ttl)
    }

    fn refused(&self, limit: &'static str, from: &str, count: u32, wait: Duration) -> ApiError {
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        tracing::warn!(
            limit,
            retry_after = secs,
            "sign-in refused: too many failures"
        );
        ApiError::TooManyRequests {
            limit,
            retry_after: secs,
            message: format!(
                "too many failed sign-ins {from} ({limit}: {count} within {} s); try again in {secs} s",
                self.options.window.as_secs()
            ),
        }
    }
}

/// The client's IP address (from the connection), if the server knows it.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddr(addr.map(|c| c.0.ip())))
    }
}

/// The key an address is limited by: an IPv4 address, or the /64 of an IPv6 one (one host
/// usually holds a whole /64).
fn address_key(ip: Option<IpAddr>) -> String {
    match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".into(),
    }
}

/// `POST /auth/login`'s body (read field by field, so that errors name the field).
#[derive(utoipa::ToSchema)]
pub struct LoginRequest {
    /// Case does not matter.
    pub email: String,
    pub password: String,
}

/// `POST /auth/login`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginAnswer {
    /// The bearer token (shown once).
    pub token: String,
    /// The agent signed in.
    pub agent: Agent,
    /// When the token stops working; null: when revoked.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `{"email", "password"}` → `{"token", "agent", "expires_at"}`; 429 past a limit.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<LoginAnswer>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["email", "password"])?;
    let asked = LoginRequest {
        email: obj.str("email")?.trim().to_lowercase(),
        password: obj.str("password")?.to_string(),
    };
    let (email, password) = (asked.email, asked.password.as_str());
    let sign_in = &state.sign_in;
    let started = Instant::now();
    let by_address = sign_in
        .addresses
        .begin(&address_key(ip), started)
        .map_err(|wait| {
            let n = sign_in.options.per_address;
            sign_in.refused("sign_in_per_address", "from this address", n, wait)
        })?;
    let by_account = sign_in.accounts.begin(&email, started).map_err(|wait| {
        let n = sign_in.options.per_account;
        sign_in.refused("sign_in_per_account", "for this email", n, wait)
    })?;
    let (agents, hashes): (Vec<Agent>, Vec<String>) = state
        .store
        .agents_by_email(&email)
        .await?
        .into_iter()
        .filter_map(|(agent, hash)| Some((agent, hash?)))
        .unzip();
    let Some(found) = sign_in.passwords.find(password, hashes).await? else {
        by_account.failed(Instant::now());
        by_address.failed(Instant::now());
        return Err(ApiError::Unauthorized("wrong email or password".into()));
    };
    by_account.succeeded();
    drop(by_address);
    let agent = agents
        .into_iter()
        .nth(found)
        .ok_or_else(|| ApiError::Internal("the matching password has no agent".into()))?;
    Ok(Json(signed_in(&state, agent).await?))
}

/// A dashboard token for `agent`, expiring after the sign-in lifetime, as sign-in answers it.
pub(crate) async fn signed_in(state: &AppState, agent: Agent) -> Result<LoginAnswer, ApiError> {
    let expires_at = state.sign_in.expiry(Utc::now());
    let token = crate::token::issue_token(
        state.store.as_ref(),
        &agent.workspace_id,
        "dashboard",
        Some(&agent.id),
        expires_at,
    )
    .await?;
    Ok(LoginAnswer {
        token,
        agent,
        expires_at,
    })
}

/// Revokes the token this request is made with; it is refused (401) from then on.
pub async fn logout(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    crate::token::revoke_secret(&state, crate::extract::bearer(&headers)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /auth/me`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The agent signed in; null for an API token.
    pub agent: Option<Agent>,
    pub workspace_id: String,
}

/// The agent signed in with this token, or null for an API token.
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let agent = match &caller.agent_id {
        Some(id) => Some(state.store.agent(&caller.workspace_id, id).await?),
        None => None,
    };
    Ok(Json(Me {
        agent,
        workspace_id: caller.workspace_id,
    }))
}

/// Creates (or, for an existing email, promotes and re-keys) the owner of `workspace`; the
/// password is hashed at the default cost.
pub async fn create_owner(
    store: &dyn Store,
    workspace: &str,
    name: &str,
    email: &str,
    password: &str,
) -> Result<Agent, ApiError> {
    check_password("password", password)?;
    let email = email.trim().to_lowercase();
    if !email.contains('@') {
        return Err(ApiError::invalid(
            "email",
            format!("{email:?} is not an email address"),
        ));
    }
    let ws = store.workspace_by_name_or_create(workspace).await?;
    let existing = store
        .agents(&ws.id)
        .await?
        .into_iter()
        .find(|a| a.email == email);
    let agent = match existing {
        Some(a) => {
            store
                .update_agent(&ws.id, &a.id, None, Some("owner"))
                .await?
        }
        None => store.insert_agent(&ws.id, name, &email, "owner").await?,
    };
    let hash = Passwords::new(PasswordCost::default())
        .hash(password)
        .await?;
    store.set_agent_password(&ws.id, &agent.id, &hash).await?;
    Ok(agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_limited_by_ipv4_address_or_ipv6_64() {
        let key = |s: &str| address_key(Some(s.parse().unwrap()));
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key(None), "unknown");
    }
}
