//! Changing and deleting agents without ever leaving a workspace without an owner: the check and
//! the change are one statement on the write connection, so two demotions at once cannot both
//! pass.

use crate::convert::{self, db};
use crate::writer::Writer;
use sqlx::SqliteConnection;
use waflow_store::{Agent, Error, Result};

/// SQL true when the `agents` row at hand is its workspace's only owner.
const LAST_OWNER: &str = "role = 'owner' AND (SELECT COUNT(*) FROM agents AS o \
     WHERE o.workspace_id = agents.workspace_id AND o.role = 'owner') = 1";

/// [`waflow_store::Store::update_agent`]: a new name and/or role, unless that demotes the last
/// owner (a conflict naming `role`).
pub(crate) async fn update_agent(
    writer: &Writer,
    workspace_id: &str,
    id: &str,
    name: Option<&str>,
    role: Option<&str>,
) -> Result<Agent> {
    // No RETURNING: SQLite (as sqlx drives it) returns no row from an UPDATE whose WHERE holds a
    // correlated subquery, though it updates the row; it is read back instead.
    let mut conn = writer.lock().await?;
    let changed = sqlx::query(&format!(
        "UPDATE agents SET name = COALESCE(?1, name), role = COALESCE(?2, role) \
         WHERE id = ?3 AND workspace_id = ?4 AND NOT (COALESCE(?2, role) <> 'owner' AND {LAST_OWNER})"
    ))
    .bind(name)
    .bind(role)
    .bind(id)
    .bind(workspace_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    if changed == 0 {
        return Err(refused(&mut conn, workspace_id, id, "role", "demoted").await);
    }
    let row = sqlx::query("SELECT * FROM agents WHERE id = ? AND workspace_id = ?")
        .bind(id)
        .bind(workspace_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    convert::agent(&row)
}

/// [`waflow_store::Store::delete_agent`]: the agent deleted and their contacts unassigned in one
/// transaction, unless they are the last owner (a conflict).
pub(crate) async fn delete_agent(writer: &Writer, workspace_id: &str, id: &str) -> Result<()> {
    let mut tx = writer.begin().await?;
    let n = sqlx::query(&format!(
        "DELETE FROM agents WHERE id = ? AND workspace_id = ? AND NOT ({LAST_OWNER})"
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
        "UPDATE contacts SET assigned_agent_id = NULL WHERE workspace_id = ? AND assigned_agent_id = ?",
    )
    .bind(workspace_id)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    tx.commit().await
}

/// Why agent `id` was not changed: not found, or the workspace's last owner (a conflict naming
/// `field`, saying it cannot be `what`).
async fn refused(
    conn: &mut SqliteConnection,
    workspace_id: &str,
    id: &str,
    field: &str,
    what: &str,
) -> Error {
    let found: std::result::Result<Option<(String,)>, _> =
        sqlx::query_as("SELECT email FROM agents WHERE id = ? AND workspace_id = ?")
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
