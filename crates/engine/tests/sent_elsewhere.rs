//! A message the business typed on its phone (a linked-device number) is stored in the
//! conversation as the business's own, once, and counts as a person's reply for the AI step's
//! pre-send check; it starts no workflow, and it pauses automation for the contact (a person took
//! the conversation over) until it is resumed.

mod common;

use waflow_store_sqlite::Durability;

use std::sync::Arc;
use waflow_channels::Channels;
use waflow_domain::{MessageType, PhoneNumber};
use waflow_engine::clock::SystemClock;
use waflow_engine::{Engine, InboundContent, InboundEvent, SentElsewhere};
use waflow_store::Store;

#[tokio::test]
async fn a_message_from_the_phone_is_the_business_reply_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ws, number) =
        common::store_with_workflow(dir.path(), Durability::Normal, common::echo_workflow()).await;
    let store: Arc<dyn Store> = Arc::new(store);
    let engine = Engine::start(store.clone(), Arc::new(SystemClock), Channels::builtin());
    let phone = PhoneNumber::parse("+393331280001").unwrap();
    let inbound = engine
        .inbound(InboundEvent {
            workspace_id: ws.id.clone(),
            number_id: number.id.clone(),
            automation: true,
            from: phone.clone().into(),
            contact_name: "Giulia".into(),
            channel_message_id: "wa.in.1".into(),
            user_id: None,
            content: InboundContent::text(MessageType::Text, "Avete la giacca in rosso?"),
            reply_to: None,
            notice: None,
        })
        .await
        .unwrap();
    let sent = SentElsewhere {
        workspace_id: ws.id.clone(),
        number_id: number.id.clone(),
        to: phone,
        channel_message_id: "wa.phone.1".into(),
        content: InboundContent::text(MessageType::Text, "Sì, ce l'abbiamo: passa in negozio!"),
    };
    engine.record_sent_elsewhere(sent.clone()).await.unwrap();
    engine.record_sent_elsewhere(sent).await.unwrap(); // delivered twice by WhatsApp

    let conversation = store
        .conversations(
            &ws.id,
            &waflow_store::ConversationFilter {
                contact_id: Some(inbound.contact_id.clone()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.contact_id == inbound.contact_id)
        .expect("the conversation");
    let messages = store
        .messages(&ws.id, &conversation.id, None, 100)
        .await
        .unwrap();
    let from_phone: Vec<_> = messages
        .iter()
        .filter(|m| m.sender_kind == "phone")
        .collect();
    assert_eq!(from_phone.len(), 1, "stored once: {messages:?}");
    assert_eq!(from_phone[0].direction, "outbound");
    assert_eq!(from_phone[0].status, "sent");
    assert_eq!(from_phone[0].text, "Sì, ce l'abbiamo: passa in negozio!");
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.sender_kind == "workflow")
            .count(),
        1,
        "only the contact's message started the workflow: {messages:?}"
    );
    let inbound_id = messages
        .iter()
        .find(|m| m.direction == "inbound")
        .unwrap()
        .id
        .clone();
    let mut tx = store.begin().await.unwrap();
    let after = tx
        .after_message(&conversation.id, &inbound_id)
        .await
        .unwrap();
    assert!(
        after.agent_replied,
        "the phone's message is a person's reply"
    );
    assert!(!after.contact_wrote);
    drop(tx);

    // The phone's message took the conversation over: the echo workflow stays silent for the
    // contact (logged `paused`) until automation is resumed.
    let contact = store.contact(&ws.id, &inbound.contact_id).await.unwrap();
    let until = contact
        .automation_paused_until
        .expect("a person writing pauses automation");
    let hours = (until - chrono::Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{until}");
    let message = |id: &str, text: &str| InboundEvent {
        workspace_id: ws.id.clone(),
        number_id: number.id.clone(),
        automation: true,
        from: PhoneNumber::parse("+393331280001").unwrap().into(),
        contact_name: String::new(),
        channel_message_id: id.into(),
        user_id: None,
        content: InboundContent::text(MessageType::Text, text),
        reply_to: None,
        notice: None,
    };
    let quiet = engine.inbound(message("wa.in.2", "grazie!")).await.unwrap();
    assert_eq!(quiet.outcome, "paused");
    assert!(quiet.queued.is_empty());
    store
        .resume_automation(&ws.id, &inbound.contact_id)
        .await
        .unwrap();
    let answered = engine
        .inbound(message("wa.in.3", "a domani"))
        .await
        .unwrap();
    assert_eq!(answered.outcome, "matched");
    assert_eq!(answered.queued.len(), 1);
}
