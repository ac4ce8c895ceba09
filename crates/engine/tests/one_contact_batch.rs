//! Several messages of one contact in one intake batch (as a webhook delivery carrying them all
//! brings them) are decided as if they had come one by one: each sees the runs and contact
//! changes the one before it left, and the contact and its conversation are stored once.

mod common;

use waflow_store_sqlite::Durability;

use std::sync::Arc;
use waflow_channels::{Channels, SandboxChannel};
use waflow_domain::{MessageType, PhoneNumber};
use waflow_engine::clock::SystemClock;
use waflow_engine::{Engine, InboundContent, InboundEvent, IntakeOutcome};
use waflow_store::{Number, Store, Workspace};

struct Rig {
    engine: Engine,
    store: Arc<dyn Store>,
    ws: Workspace,
    number: Number,
    _dir: tempfile::TempDir,
}

async fn rig(workflows: &[serde_json::Value]) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let (store, ws, number) =
        common::store_with_workflow(dir.path(), Durability::Normal, workflows[0].clone()).await;
    for w in &workflows[1..] {
        common::add_workflow(&store, &ws, w).await;
    }
    let mut channels = Channels::default();
    channels.register(Arc::new(SandboxChannel));
    let store: Arc<dyn Store> = Arc::new(store);
    let engine = Engine::start(store.clone(), Arc::new(SystemClock), channels);
    Rig {
        engine,
        store,
        ws,
        number,
        _dir: dir,
    }
}

impl Rig {
    fn event(&self, phone: &str, message_id: &str, text: &str) -> InboundEvent {
        InboundEvent {
            workspace_id: self.ws.id.clone(),
            number_id: self.number.id.clone(),
            automation: true,
            from: PhoneNumber::parse(phone).unwrap().into(),
            user_id: None,
            contact_name: String::new(),
            channel_message_id: message_id.into(),
            content: InboundContent::text(MessageType::Text, text),
            reply_to: None,
            notice: None,
        }
    }

    /// Sends `texts` from `phone` queued all before the first answer is awaited (one webhook
    /// delivery's messages): on this single-threaded test runtime the intake takes them in one
    /// batch, which the test checks by the log's time stamps (one per batch).
    async fn burst(&self, phone: &str, texts: &[&str]) -> Vec<IntakeOutcome> {
        let events = texts
            .iter()
            .enumerate()
            .map(|(i, t)| self.event(phone, &format!("burst-{phone}-{i}-{t}"), t))
            .collect();
        let outcomes = self.queue_all(events).await;
        let mut stamps = Vec::new();
        for o in &outcomes {
            let entry = self.store.log(&self.ws.id, &o.log_id).await.unwrap();
            stamps.push(entry.created_at);
        }
        stamps.dedup();
        assert_eq!(stamps.len(), 1, "the burst was not decided in one batch");
        outcomes
    }

    /// Queues `events` all before awaiting the first answer; every one must be accepted.
    async fn queue_all(&self, events: Vec<InboundEvent>) -> Vec<IntakeOutcome> {
        let outcomes = self.engine.inbound_many(events).await;
        outcomes.into_iter().map(|o| o.unwrap()).collect()
    }

    async fn texts_to(&self, contact_id: &str) -> Vec<String> {
        let page = self
            .store
            .outbound_messages(&self.ws.id, &self.number.id, None, 100)
            .await
            .unwrap();
        page.into_iter()
            .filter(|m| m.contact_id == contact_id)
            .map(|m| m.text)
            .collect()
    }
}

#[tokio::test]
async fn a_reply_in_the_same_batch_answers_the_question_asked_by_the_message_before_it() {
    let rig = rig(&[serde_json::json!({
        "name": "Order", "trigger": {"type": "message_received"},
        "conditions": {"type": "text", "op": "contains", "values": ["ordine"]},
        "steps": [
            {"id": "ask", "type": "send_text", "text": "Numero d'ordine?"},
            {"id": "wait", "type": "wait_for_reply"},
            {"id": "thanks", "type": "send_text", "text": "Grazie, ordine {{vars.last_reply}}"}
        ]
    })])
    .await;
    let out = rig
        .burst(
            "+393330000001",
            &["info sul mio ordine", "12345", "ordine di nuovo"],
        )
        .await;
    let outcomes: Vec<&str> = out.iter().map(|o| o.outcome.as_str()).collect();
    assert_eq!(outcomes, ["matched", "resumed", "matched"]);
    assert_eq!(
        out[0].runs, out[1].runs,
        "the reply resumed the run the first message started"
    );
    assert_ne!(
        out[2].runs, out[0].runs,
        "the run had ended: a new one starts"
    );
    assert!(out.iter().all(|o| o.contact_id == out[0].contact_id));
    assert!(out
        .iter()
        .all(|o| o.conversation_id == out[0].conversation_id));
    assert_eq!(
        rig.texts_to(&out[0].contact_id).await,
        [
            "Numero d'ordine?",
            "Grazie, ordine 12345",
            "Numero d'ordine?"
        ]
    );
}

#[tokio::test]
async fn a_tag_added_by_a_message_is_seen_by_the_next_message_of_the_batch() {
    let rig = rig(&[
        serde_json::json!({
            "name": "Tagger", "priority": 1, "trigger": {"type": "message_received"},
            "conditions": {"type": "text", "op": "contains", "values": ["vip"]},
            "steps": [{"id": "tag", "type": "add_tag", "tag": "vip"}]
        }),
        serde_json::json!({
            "name": "For VIPs", "priority": 2, "trigger": {"type": "message_received"},
            "conditions": {"all": [
                {"type": "tags", "tags": ["vip"]},
                {"type": "text", "op": "contains", "values": ["sconto"]}
            ]},
            "steps": [{"id": "r", "type": "send_text", "text": "Sconto VIP: 20%"}]
        }),
    ])
    .await;
    let out = rig
        .burst("+393330000002", &["sconto?", "sono vip", "sconto?"])
        .await;
    let outcomes: Vec<&str> = out.iter().map(|o| o.outcome.as_str()).collect();
    assert_eq!(outcomes, ["no_match", "matched", "matched"]);
    assert_eq!(rig.texts_to(&out[0].contact_id).await, ["Sconto VIP: 20%"]);
}

#[tokio::test]
async fn many_quiet_messages_of_one_new_contact_store_it_once_and_each_gets_its_reply() {
    let rig = rig(&[common::echo_workflow()]).await;
    let texts: Vec<String> = (0..12).map(|i| format!("prezzo {i}")).collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let out = rig.burst("+393330000003", &texts).await;
    assert!(out.iter().all(|o| o.outcome == "matched" && !o.duplicate));
    assert!(out.iter().all(|o| o.contact_id == out[0].contact_id));
    let filter = waflow_store::ContactFilter {
        limit: 100,
        ..Default::default()
    };
    let contacts = rig.store.contacts(&rig.ws.id, &filter).await.unwrap();
    let replies = rig.texts_to(&out[0].contact_id).await;
    let expected: Vec<String> = texts.iter().map(|t| format!("re: {t}")).collect();
    assert_eq!(replies, expected, "one reply each, in order");
    // Created by the first message only: the contact exists once.
    assert_eq!(contacts.len(), 1);
}

#[tokio::test]
async fn a_message_repeated_within_the_batch_is_a_duplicate() {
    let rig = rig(&[common::echo_workflow()]).await;
    let events: Vec<InboundEvent> = (0..2)
        .map(|_| rig.event("+393330000004", "wamid.same", "ciao"))
        .collect();
    let out = rig.queue_all(events).await;
    assert_eq!(out[0].outcome, "matched");
    assert_eq!(out[1].outcome, "duplicate");
    assert!(out[1].duplicate && out[1].runs.is_empty());
    assert_eq!(rig.texts_to(&out[0].contact_id).await, ["re: ciao"]);
}
