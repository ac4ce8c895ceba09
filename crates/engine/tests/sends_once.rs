//! Under a burst of inbound messages, the sender hands each queued reply to the channel exactly
//! once, while its delivery results ride in the intake's transactions.

mod common;

use waflow_store_sqlite::Durability;

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use waflow_channels::{Channel, Channels, Outgoing, Receipt, SendError};
use waflow_domain::{MessageType, PhoneNumber};
use waflow_engine::clock::SystemClock;
use waflow_engine::{Engine, InboundContent, InboundEvent};
use waflow_store::Store;

/// A sandbox-kind channel that counts how often each message is handed to it.
#[derive(Default)]
struct CountingChannel {
    sends: Mutex<HashMap<String, usize>>,
}

#[async_trait]
impl Channel for CountingChannel {
    fn kind(&self) -> &'static str {
        "sandbox"
    }

    async fn send(&self, message: &Outgoing) -> Result<Receipt, SendError> {
        *self
            .sends
            .lock()
            .unwrap()
            .entry(message.message_id.clone())
            .or_default() += 1;
        Ok(Receipt {
            channel_message_id: format!("counted.{}", message.message_id),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reply_is_sent_once_under_a_burst() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ws, number) =
        common::store_with_workflow(dir.path(), Durability::Normal, common::echo_workflow()).await;

    let channel = Arc::new(CountingChannel::default());
    let mut channels = Channels::default();
    channels.register(channel.clone());
    let store: Arc<dyn Store> = Arc::new(store);
    let engine = Engine::start(store.clone(), Arc::new(SystemClock), channels);

    let mut tasks = Vec::new();
    for client in 0..16 {
        let engine = engine.clone();
        let (ws, number) = (ws.id.clone(), number.id.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..150 {
                let request = InboundEvent {
                    workspace_id: ws.clone(),
                    number_id: number.clone(),
                    automation: true,
                    from: PhoneNumber::parse(&format!("+3933310{client:05}"))
                        .unwrap()
                        .into(),
                    contact_name: String::new(),
                    channel_message_id: format!("m-{client}-{i}"),
                    user_id: None,
                    content: InboundContent::text(MessageType::Text, format!("hello {i}")),
                    reply_to: None,
                    notice: None,
                };
                let out = engine.inbound(request).await.unwrap();
                assert_eq!(out.queued.len(), 1);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Let the sender drain the outbox and record every result.
    let mut drained = false;
    for _ in 0..200 {
        let queued = store
            .outbox(chrono::Utc::now() + chrono::Duration::hours(1), 10, &[])
            .await
            .unwrap();
        if queued.is_empty() {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(drained, "the outbox drains");
    let sends = channel.sends.lock().unwrap();
    assert_eq!(sends.len(), 16 * 150, "every reply reached the channel");
    let twice: Vec<_> = sends.iter().filter(|(_, &n)| n != 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
}
