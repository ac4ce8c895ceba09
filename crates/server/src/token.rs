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
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("wft_{}", hex::encode(bytes));
    store
        .insert_token(&ws.id, name, &hash_token(&token))
        .await?;
    Ok(token)
}
