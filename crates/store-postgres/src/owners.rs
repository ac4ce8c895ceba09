//! Changing and deleting agents without ever leaving a workspace without an owner.
//!
//! On SQLite the check and the change are one statement on the single writer. Here two
//! transactions could each count two owners in their snapshot and demote one each, so each
//! change first locks the workspace's owners (`SELECT ... FOR UPDATE`, in id order): a second
//! change waits for the first to commit, and its statement (a new snapshot under read committed)
//! then counts the owners left.

use crate::convert::{self, db};
use sqlx::{PgConnection, PgPool};
use waflow_store::{Agent, Error, Result};

/// SQL true when the `agents` row at hand is its workspace's only owner.
const LAST_OWNER: &str = "role = 'owner' AND (SELECT COUNT(*) FROM agents AS o \
     WHERE o.workspace_id = agents.workspace_id AND o.role = 'owner') = 1";

/// Locks the owners of the workspace until the transaction ends.
async fn lock_owners(conn: &mut PgConnection, workspace_id: &str) -> Result<()> {
    sqlx::query(
        "SELECT id FROM agents WHERE workspace_id = $1 AND role = 'owner' ORDER BY id FOR UPDATE",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// [`waflow_store::Agents::update_agent`]: a new name and/or role, unless that demotes the last
/// owner (a conflict naming `role`).
pub(crate) async fn update_agent(
    pool: &PgPool,
    workspace_id: &str,
    id: &str,
    name: Option<&str>,
    role: Option<&str>,
) -> Result<Agent> {
    let mut tx = pool.begin().await.map_err(db)?;
    lock_owners(&mut tx, workspace_id).await?;
    let row = sqlx::query(&format!(
        "UPDATE agents SET name = COALESCE($1, name), role = COALESCE($2, role) \
         WHERE id = $3 AND workspace_id = $4 AND NOT (COALESCE($2, role) <> 'owner' AND {LAST_OWNER}) \
         RETURNING *"
    ))
    .bind(name)
    .bind(role)
    .bind(id)
    .bind(workspace_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    let Some(row) = row else {
        return Err(refused(&mut tx, workspace_id, id, "role", "demoted").await);
    };
    let agent = convert::agent(&row)?;
    tx.commit().await.map_err(db)?;
    Ok(agent)
}

/// [`waflow_store::Agents::delete_agent`]: the agent deleted and their contacts unassigned in one
/// transaction, unless they are the last owner (a conflict).
pub(crate) async fn delete_agent(pool: &PgPool, workspace_id: &str, id: &str) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    lock_owners(&mut tx, workspace_id).await?;
    let n = sqlx::query(&format!(
        "DELETE FROM agents WHERE id = $1 AND workspace_id = $2 AND NOT ({LAST_OWNER})"
    ))
    .bind(id)
    .bind(workspace_id)
    .execute(&mut *tx)
    .await
    .map_err(db)?
    .rows_affected();
    if n == 0 {
        return Err(refused(&mut tx, workspace_id, id, "", "deleted").await);
    }
    sqlx::query(
        "UPDATE contacts SET assigned_agent_id = NULL WHERE workspace_id = $1 AND assigned_agent_id = $2",
    )
    .bind(workspace_id)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)
}

/// Why agent `id` was not changed: not found, or the workspace's last owner (a conflict naming
/// `field`, saying it cannot be `what`).
async fn refused(
    conn: &mut PgConnection,
    workspace_id: &str,
    id: &str,
    field: &str,
    what: &str,
) -> Error {
    let found: std::result::Result<Option<(String,)>, _> =
        sqlx::query_as("SELECT email FROM agents WHERE id = $1 AND workspace_id = $2")
            .bind(id)
            .bind(workspace_id)
            .fetch_optional(&mut *conn)
            .await;
    match found {
        Ok(Some((email,))) => Error::Conflict {
            field: field.into(),
            message: format!(
                "agent {email} is the workspace's last owner and cannot be {what}; make another agent owner first"
            ),
        },
        Ok(None) => Error::NotFound { what: "agent" },
        Err(e) => db(e),
    }
}
