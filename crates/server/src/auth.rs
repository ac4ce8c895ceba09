//! Dashboard sign-in: agents' passwords (Argon2id), `POST /auth/login` issuing a token tied to
//! the agent, `GET /auth/me`, and creating the first owner from the command line.
//!
//! **Invariant:** passwords are stored only as Argon2id PHC strings; a failed login says the
//! same thing whether the email or the password was wrong.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
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

/// The Argon2id PHC string of a password.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
}

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// `{"email", "password"}` → `{"token", "agent"}`.
pub async fn login(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let obj = Obj::new(&body, Path::root(""))?;
    obj.only(&["email", "password"])?;
    let email = obj.str("email")?.trim().to_lowercase();
    let password = obj.str("password")?;
    for (agent, hash) in state.store.agents_by_email(&email).await? {
        if hash.as_deref().is_some_and(|h| verify(password, h)) {
            let token = crate::token::issue_token(
                state.store.as_ref(),
                &agent.workspace_id,
                "dashboard",
                Some(&agent.id),
            )
            .await?;
            return Ok(Json(json!({"token": token, "agent": agent})));
        }
    }
    Err(ApiError::Unauthorized("wrong email or password".into()))
}

/// The agent signed in with this token, or null for an API token.
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let agent = match &caller.agent_id {
        Some(id) => Some(state.store.agent(&caller.workspace_id, id).await?),
        None => None,
    };
    Ok(Json(
        json!({"agent": agent, "workspace_id": caller.workspace_id}),
    ))
}

/// Creates (or, for an existing email, promotes and re-keys) the owner of `workspace`.
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
    store
        .set_agent_password(&ws.id, &agent.id, &hash_password(password)?)
        .await?;
    Ok(agent)
}
