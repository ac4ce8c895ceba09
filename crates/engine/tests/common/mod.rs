//! Setup shared by the engine's integration tests.

use waflow_domain::WorkflowDocument;
use waflow_store::prelude::*;
use waflow_store::{Number, WorkflowWrite, Workspace};
use waflow_store_sqlite::{Durability, SqliteStore};

/// A fresh SQLite store in `dir` (with `durability`) holding the default workspace, its sandbox
/// number and one active workflow made from `document`.
pub async fn store_with_workflow(
    dir: &std::path::Path,
    durability: Durability,
    document: serde_json::Value,
) -> (SqliteStore, Workspace, Number) {
    let store = SqliteStore::open(&dir.join("t.db"), durability)
        .await
        .unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    let number = store.numbers(&ws.id).await.unwrap().remove(0);
    add_workflow(&store, &ws, &document).await;
    (store, ws, number)
}

/// Stores `document` as an active workflow of `ws`.
pub async fn add_workflow(store: &SqliteStore, ws: &Workspace, document: &serde_json::Value) {
    let doc = WorkflowDocument::parse(document).unwrap();
    let write = WorkflowWrite {
        name: doc.name.clone(),
        active: true,
        priority: doc.priority,
        trigger_type: doc.trigger.kind().into(),
        phrase_key: None,
        scope_number_id: None,
        document: doc.to_value(),
    };
    store.insert_workflow(&ws.id, &write).await.unwrap();
}

/// A workflow answering every message with `re: <its text>`.
pub fn echo_workflow() -> serde_json::Value {
    serde_json::json!({
        "name": "Echo", "trigger": {"type": "message_received"},
        "steps": [{"type": "send_text", "text": "re: {{message.text}}"}]
    })
}
