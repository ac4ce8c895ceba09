//! The intake answers a message only once its batch is durable: with full durability on SQLite
//! the batch's commit is synced after the intake moved on (group commit), and a batch whose sync
//! fails is answered with an error, never as accepted.

mod common;

use std::sync::Arc;
use waflow_channels::{Channels, SandboxChannel};
use waflow_domain::{MessageType, PhoneNumber};
use waflow_engine::clock::SystemClock;
use waflow_engine::{Engine, InboundContent, InboundEvent};
use waflow_store::{Number, Workspace};
use waflow_store_sqlite::Durability;

fn event(ws: &Workspace, number: &Number, id: &str) -> InboundEvent {
    InboundEvent {
        workspace_id: ws.id.clone(),
        number_id: number.id.clone(),
        automation: true,
        from: PhoneNumber::parse("+393330000001").unwrap().into(),
        user_id: None,
        contact_name: String::new(),
        channel_message_id: id.into(),
        content: InboundContent::text(MessageType::Text, "ciao"),
        reply_to: None,
        notice: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_sync_fails_is_not_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ws, number) =
        common::store_with_workflow(dir.path(), Durability::Full, common::echo_workflow()).await;
    let mut channels = Channels::default();
    channels.register(Arc::new(SandboxChannel));
    let engine = Engine::start(Arc::new(store.clone()), Arc::new(SystemClock), channels);

    let first = engine.inbound(event(&ws, &number, "m1")).await.unwrap();
    assert_eq!(first.outcome, "matched");
    assert_eq!(first.queued.len(), 1);

    // From now on nothing can be synced where SQLite would look for it after a crash.
    std::fs::remove_file(dir.path().join("t.db-wal")).unwrap();
    let second = engine.inbound(event(&ws, &number, "m2")).await;
    let err = second.expect_err("a message whose batch was not synced is not acknowledged");
    assert!(err.to_string().contains("not made durable"), "{err}");
    let third = engine.inbound(event(&ws, &number, "m3")).await;
    assert!(third.is_err(), "nor any later one: {third:?}");
}
