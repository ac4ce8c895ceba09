//! The last owner at the store level: demoting or deleting a workspace's only owner is a
//! conflict decided in the statement that would change it; with two owners either may go.

use waflow_store::prelude::*;
use waflow_store::Error;
use waflow_store_sqlite::{Durability, SqliteStore};

#[tokio::test]
async fn the_last_owner_is_neither_demoted_nor_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db"), Durability::Full)
        .await
        .unwrap();
    let ws = store.ensure_default_workspace().await.unwrap().id;
    let olga = store
        .insert_agent(&ws, "Olga", "olga@x.it", "owner")
        .await
        .unwrap()
        .id;
    let sara = store
        .insert_agent(&ws, "Sara", "sara@x.it", "agent")
        .await
        .unwrap()
        .id;
    let last = |r: Result<(), Error>| match r {
        Err(Error::Conflict { message, .. }) => {
            assert!(message.contains("last owner"), "{message}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    };
    last(
        store
            .update_agent(&ws, &olga, None, Some("admin"))
            .await
            .map(|_| ()),
    );
    last(store.delete_agent(&ws, &olga).await);
    // Renaming the last owner, or keeping them owner, is no demotion.
    let renamed = store
        .update_agent(&ws, &olga, Some("Olga B."), Some("owner"))
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.role.as_str()),
        ("Olga B.", "owner")
    );
    assert_eq!(
        store
            .update_agent(&ws, &sara, None, Some("admin"))
            .await
            .unwrap()
            .role,
        "admin"
    );
    assert!(matches!(
        store.delete_agent(&ws, "ag_none").await,
        Err(Error::NotFound { .. })
    ));

    let piero = store
        .insert_agent(&ws, "Piero", "piero@x.it", "owner")
        .await
        .unwrap()
        .id;
    assert_eq!(
        store
            .update_agent(&ws, &olga, None, Some("admin"))
            .await
            .unwrap()
            .role,
        "admin"
    );
    last(store.delete_agent(&ws, &piero).await);
    store.delete_agent(&ws, &olga).await.unwrap();
    let roles: Vec<String> = store
        .agents(&ws)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.role)
        .collect();
    assert_eq!(roles, ["admin", "owner"]);
}
