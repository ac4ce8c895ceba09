//! API and sign-in tokens: random secrets shown once, stored only as their SHA-256, each with an
//! optional expiry, resolved through a cache that revocation clears.
//!
//! **Invariant:** a revoked token is refused from the moment its revocation answers (deleted from
//! the store, then from the cache, which a lookup begun before cannot refill); an expired one is refused with a message saying so. When a token was last
//! used is written at most every [`TOUCH_EVERY`], not on every request.

use crate::error::ApiError;
use crate::extract::{hash_token, Caller};
use crate::AppState;
use chrono::{DateTime, Utc};
use rand::RngCore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use waflow_store::{NewToken, Store};

/// How often a token's `last_used_at` is written while it is used.
pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(5);

/// A token as cached: what it grants, until when, and when its use was last written.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub workspace_id: String,
    /// The agent who signed in with it; `None` for an API token.
    pub agent_id: Option<String>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    touched: Option<DateTime<Utc>>,
}

/// Creates a token that never expires for the workspace named `workspace` (created if missing)
/// and returns the plain token, which is not stored anywhere.
pub async fn create_token(
    store: &dyn Store,
    workspace: &str,
    name: &str,
) -> Result<String, waflow_store::Error> {
    create_token_with_ttl(store, workspace, name, None).await
}

/// [`create_token`], working for `ttl` from now (until revoked when `None`, or when `ttl` reaches
/// past the year 262,000).
pub async fn create_token_with_ttl(
    store: &dyn Store,
    workspace: &str,
    name: &str,
    ttl: Option<std::time::Duration>,
) -> Result<String, waflow_store::Error> {
    let expires_at = ttl
        .and_then(|ttl| chrono::Duration::from_std(ttl).ok())
        .and_then(|ttl| Utc::now().checked_add_signed(ttl));
    let ws = store.workspace_by_name_or_create(workspace).await?;
    issue_token(store, &ws.id, name, None, expires_at).await
}

/// Creates a token for a workspace (and the agent it is issued to, for the dashboard), expiring
/// at `expires_at` (never when `None`), and returns the plain token.
pub async fn issue_token(
    store: &dyn Store,
    workspace_id: &str,
    name: &str,
    agent_id: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<String, waflow_store::Error> {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("wft_{}", hex::encode(bytes));
    let new = NewToken {
        workspace_id,
        name,
        hash: &hash_token(&token),
        agent_id,
        expires_at,
    };
    store.insert_token(new, Utc::now()).await?;
    Ok(token)
}

/// Resolved tokens by hash. Revoking bumps an epoch, and a lookup that began before a revocation
/// is not cached, so a token read just before its revocation cannot stay cached after it.
#[derive(Debug, Default)]
pub struct TokenCache {
    owners: RwLock<HashMap<String, TokenOwner>>,
    epoch: AtomicU64,
}

impl TokenCache {
    fn owners(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, TokenOwner>> {
        self.owners.write().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, hash: &str) -> Option<TokenOwner> {
        let owners = self.owners.read().unwrap_or_else(|e| e.into_inner());
        owners.get(hash).cloned()
    }

    /// Caches `owner` unless a revocation happened since `epoch` was read.
    fn insert(&self, hash: String, owner: TokenOwner, epoch: u64) {
        let mut owners = self.owners();
        if self.epoch.load(Ordering::SeqCst) == epoch {
            owners.insert(hash, owner);
        }
    }

    fn touched(&self, hash: &str, at: DateTime<Utc>) {
        if let Some(owner) = self.owners().get_mut(hash) {
            owner.touched = Some(at);
        }
    }

    /// Forgets every cached token (another node revoked some): each is read again on next use.
    pub fn clear(&self) {
        self.forget(|_, _| true);
    }

    /// Forgets the tokens `revoked` selects (call after deleting them from the store).
    fn forget(&self, revoked: impl Fn(&str, &TokenOwner) -> bool) {
        let mut owners = self.owners();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        owners.retain(|hash, owner| !revoked(hash, owner));
    }
}

/// The caller a token stands for: refused when unknown, revoked or expired.
pub(crate) async fn resolve(state: &AppState, secret: &str) -> Result<Caller, ApiError> {
    let hash = hash_token(secret);
    let owner = match state.tokens.get(&hash) {
        Some(owner) => owner,
        None => {
            let epoch = state.tokens.epoch.load(Ordering::SeqCst);
            let grant = state.store.token_grant(&hash).await?.ok_or_else(|| {
                ApiError::Unauthorized(
                    "unknown or revoked API token; sign in again or create one with `waflow token create`"
                        .into(),
                )
            })?;
            let owner = TokenOwner {
                workspace_id: grant.workspace_id,
                agent_id: grant.agent_id,
                expires_at: grant.expires_at,
                touched: None,
            };
            state.tokens.insert(hash.clone(), owner.clone(), epoch);
            owner
        }
    };
    let now = Utc::now();
    if let Some(at) = owner.expires_at.filter(|at| *at <= now) {
        return Err(ApiError::Unauthorized(format!(
            "this token expired at {}; sign in again",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )));
    }
    if owner.touched.is_none_or(|t| now - t >= TOUCH_EVERY) {
        state.tokens.touched(&hash, now);
        let store = state.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.touch_token(&hash, now).await {
                tracing::warn!(error = %e, "cannot record a token's last use");
            }
        });
    }
    Ok(Caller {
        workspace_id: owner.workspace_id,
        agent_id: owner.agent_id,
    })
}

/// Revokes the token whose secret is `secret`.
pub(crate) async fn revoke_secret(state: &AppState, secret: &str) -> Result<(), ApiError> {
    let hash = hash_token(secret);
    state.store.revoke_token_by_hash(&hash).await?;
    forget(state, &hash);
    Ok(())
}

/// Drops a revoked token from the cache (call after deleting it from the store).
pub(crate) fn forget(state: &AppState, hash: &str) {
    state.tokens.forget(|h, _| h == hash);
    crate::cluster::announce(&state.store, "tokens".into());
}

/// Drops every cached token of an agent (call after the store deleted the agent and, with it,
/// its tokens).
pub(crate) fn forget_agent(state: &AppState, agent_id: &str) {
    state
        .tokens
        .forget(|_, owner| owner.agent_id.as_deref() == Some(agent_id));
    crate::cluster::announce(&state.store, "tokens".into());
}
