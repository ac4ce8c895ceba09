//! [`Tokens`]: API and sign-in tokens — issued, resolved, listed and revoked. Every
//! [`crate::Store`] is also `Tokens`.
//!
//! **Invariant:** a token is stored only as the hash of its secret; nothing here returns the
//! secret or the hash to a listing ([`TokenInfo`] has neither). A revoked token is gone: its hash
//! no longer resolves.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A token as listed to its workspace: no secret, no hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenInfo {
    pub id: String,
    /// What the token was created as: `dashboard` for a sign-in, or the name given to the CLI.
    pub name: String,
    /// The agent who signed in with it; `None` for an API token.
    pub agent_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it was last used, to within a few minutes; `None`: not seen used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a token grants: its workspace and agent, until when.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenGrant {
    pub id: String,
    pub workspace_id: String,
    /// The agent it was issued to at sign-in; `None` for an API token.
    pub agent_id: Option<String>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new token to store.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub workspace_id: &'a str,
    pub name: &'a str,
    /// The SHA-256 of the secret, hex.
    pub hash: &'a str,
    pub agent_id: Option<&'a str>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The stored tokens.
#[async_trait]
pub trait Tokens: Send + Sync {
    /// Stores a token; answers its id (`tok_…`). Tokens that expired more than 30 days before
    /// `now` are deleted on the way.
    async fn insert_token(&self, token: NewToken<'_>, now: DateTime<Utc>) -> Result<String>;
    /// The grant of the token whose hash is `hash`, expired or not; `None` if there is none
    /// (never issued, or revoked).
    async fn token_grant(&self, hash: &str) -> Result<Option<TokenGrant>>;
    /// The workspace's tokens — only those issued to `agent_id` when it is given — newest first.
    async fn tokens(&self, workspace_id: &str, agent_id: Option<&str>) -> Result<Vec<TokenInfo>>;
    /// Deletes the workspace's token `id` (only if it was issued to `agent_id`, when given) and
    /// answers its hash, so that caches forget it; `NotFound` when there is no such token.
    async fn revoke_token(
        &self,
        workspace_id: &str,
        id: &str,
        agent_id: Option<&str>,
    ) -> Result<String>;
    /// Deletes the token whose hash is `hash`; whether there was one.
    async fn revoke_token_by_hash(&self, hash: &str) -> Result<bool>;
    /// Records that the token whose hash is `hash` was used at `at`.
    async fn touch_token(&self, hash: &str, at: DateTime<Utc>) -> Result<()>;
}
