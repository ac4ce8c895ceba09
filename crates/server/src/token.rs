//! API tokens: random secrets shown once, stored only as their SHA-256.

use crate::extract::hash_token;
use rand::RngCore;
use waflow_store::Store;

/// Creates a token for the workspace named `workspace` (created if missing) and returns the
/// plain token, which is not stored anywhere.
pub async fn create_token(
    store: &dyn Store,
    workspace: &str,
    name: &str,
) -> Result<String, waflow_store::Error> {
    let ws = store.workspace_by_name_or_create(workspace).await?;
    issue_token(store, &ws.id, name, None).await
}

/// Creates a token for a workspace (and the agent it is issued to, for the dashboard) and
/// returns the plain token.
pub async fn issue_token(
    store: &dyn Store,
    workspace_id: &str,
    name: &str,
    agent_id: Option<&str>,
) -> Result<String, waflow_store::Error> {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("wft_{}", hex::encode(bytes));
    store
        .insert_token(workspace_id, name, &hash_token(&token), agent_id)
        .await?;
    Ok(token)
}
