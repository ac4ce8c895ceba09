//! AI replies (issue 6) through the real server, against `FakeAi`: a local server speaking
//! OpenAI's chat-completions and transcription JSON, so the production client is the one
//! tested. Prompts are checked on the requests the fake received.

use crate::cloud_api::{payload, CloudApp};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use waflow_engine::clock::SystemClock;
use waflow_testkit::{openai_error, FakeAi};

const KEY: &str = "sk-test-123";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../knowledge/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The server as a local provider (a local Ollama) needs it: `FakeAi` listens on 127.0.0.1,
/// which the SSRF guard refuses without `--allow-private-http`.
async fn local_provider_app() -> TestApp {
    TestApp::spawn_configured(std::sync::Arc::new(SystemClock), |c| {
        c.allow_private_http = true
    })
    .await
}

/// Points the workspace at the fake provider, with `extra` settings.
async fn configure(app: &TestApp, ai: &FakeAi, extra: Value) {
    ai.require_key(KEY);
    let mut body = json!({"base_url": ai.base_url(), "model": "gpt-test", "api_key": KEY,
        "business_prompt": "Sei l'assistente di Nordvento, negozio di abbigliamento sportivo a Trento."});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app.put("/api/v1/workspace/ai", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["api_key_set"], true);
    assert!(
        !r.body.to_string().contains(KEY),
        "the key is never returned"
    );
}

/// A workflow answering every message with AI (`step` adds to the AI step's settings), with a
/// fixed-text fallback step `sorry`.
fn ai_workflow(step: Value) -> Value {
    let mut ai = json!({"id": "ai", "type": "ai_reply", "on_failure": "sorry", "next": "done"});
    for (k, v) in step.as_object().unwrap() {
        ai[k] = v.clone();
    }
    json!({"name": "AI", "trigger": {"type": "message_received"}, "steps": [ai,
        {"id": "sorry", "type": "send_text", "text": "Un collega ti risponderà a breve."},
        {"id": "done", "type": "end"}]})
}

async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.client
        .put(format!("{}/api/v1/workspace/knowledge/{name}", app.base))
        .bearer_auth(&app.token)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// The text of every part of a chat message's content (string or parts).
fn content_text(message: &Value) -> String {
    match &message["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The last message of the `i`th chat request the provider received: what was being answered.
fn answered(ai: &FakeAi, i: usize) -> Value {
    ai.chat_requests()[i]["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or(Value::Null)
}

/// Log entries of kind `ai` with this outcome.
async fn ai_logs(app: &TestApp, outcome: &str) -> Vec<Value> {
    app.logs("kind=ai&limit=200")
        .await
        .into_iter()
        .filter(|e| e["outcome"] == outcome)
        .collect()
}

/// A generic CSV of `n` products that have nothing to do with t-shirts.
fn unrelated_catalogue(n: usize) -> Vec<u8> {
    let kinds = [
        "Borraccia termica",
        "Zaino da trekking",
        "Bastoncini telescopici",
        "Lampada frontale",
        "Sacco a pelo",
        "Fornellino da campo",
    ];
    let mut csv = String::from("name,description,price,sku\n");
    for i in 0..n {
        let kind = kinds[i % kinds.len()];
        csv.push_str(&format!(
            "{kind} modello {i},\"{kind} per escursioni, serie {i}, garanzia due anni\",{}.90,GEN-{i:05}\n",
            10 + i % 90
        ));
    }
    csv.into_bytes()
}

/// The history, the workflow's helpers and system prefix, the business prompt and the catalogue
/// items relevant to the question reach the model; the prompt stays small with 10,000 products.
#[tokio::test]
async fn scenario_step_ai_reply() {
    let app = local_provider_app().await;
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({})).await;
    let r = upload(&app, "shopify.csv", fixture("shopify_products.csv")).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = upload(&app, "magazzino.csv", unrelated_catalogue(10_000)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let files = app.get("/api/v1/workspace/knowledge").await;
    assert!(
        files.body["items"].as_i64().unwrap() > 10_000,
        "{}",
        files.body
    );
    app.create_workflow(ai_workflow(json!({"debounce_ms": 200,
        "helpers": ["La spedizione è gratuita sopra i 50 €"],
        "system_prefix": "[Risposta automatica fuori orario]"})))
        .await;

    ai.queue_reply("Buongiorno! Come posso aiutarti?");
    app.inject("+393331270001", "Buongiorno").await;
    assert_eq!(replies(&app, 1).await, ["Buongiorno! Come posso aiutarti?"]);
    ai.queue_reply("La Maglietta Basic Blu costa 19,90 € in taglia M.");
    app.inject(
        "+393331270001",
        "Quanto costa la maglietta blu in taglia M?",
    )
    .await;
    assert_eq!(
        replies(&app, 2).await[1],
        "La Maglietta Basic Blu costa 19,90 € in taglia M."
    );

    let requests = ai.chat_requests();
    assert_eq!(requests.len(), 2);
    let req = &requests[1];
    assert_eq!(req["model"], "gpt-test");
    let messages = req["messages"].as_array().unwrap();
    let system = content_text(&messages[0]);
    assert_eq!(messages[0]["role"], "system");
    assert!(
        system.contains("[Risposta automatica fuori orario]"),
        "{system}"
    );
    assert!(
        system.contains("Nordvento, negozio di abbigliamento"),
        "{system}"
    );
    assert!(
        system.contains("La spedizione è gratuita sopra i 50 €"),
        "{system}"
    );
    assert!(
        system.contains("Maglietta Basic Blu"),
        "the product: {system}"
    );
    assert!(system.contains("19.90"), "its price: {system}");
    assert!(
        system.len() < 8_000,
        "the prompt stays small with 10,000 products: {} chars",
        system.len()
    );
    // History (the first exchange), then the question being answered.
    let turns: Vec<(String, String)> = messages[1..]
        .iter()
        .map(|m| (m["role"].as_str().unwrap().to_string(), content_text(m)))
        .collect();
    assert_eq!(
        turns,
        [
            ("user".to_string(), "Buongiorno".to_string()),
            (
                "assistant".to_string(),
                "Buongiorno! Come posso aiutarti?".to_string()
            ),
            (
                "user".to_string(),
                "Quanto costa la maglietta blu in taglia M?".to_string()
            ),
        ]
    );
    let replied = ai_logs(&app, "replied").await;
    assert_eq!(replied.len(), 2, "{replied:?}");
    let knowledge = replied
        .iter()
        .flat_map(|e| {
            e["detail"]["knowledge"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect::<Vec<_>>();
    assert!(
        knowledge.contains(&json!("Maglietta Basic Blu")),
        "the log names the items given: {knowledge:?}"
    );
    // What an AI reply would be given is searchable through the API too.
    let found = app
        .get("/api/v1/workspace/knowledge/search?q=maglietta%20blu")
        .await;
    assert_eq!(
        found.body["items"][0]["item"]["title"],
        "Maglietta Basic Blu"
    );
}

/// Three messages within a second get one reply, after the contact pauses (default 3 s), and
/// that reply answers all three.
#[tokio::test]
async fn three_messages_within_one_second_get_one_reply() {
    let app = local_provider_app().await;
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({})).await;
    app.create_workflow(ai_workflow(json!({}))).await;
    let started = std::time::Instant::now();
    for text in ["Ciao", "vorrei sapere", "se avete le scarpe da trail in 42"] {
        app.inject("+393331270002", text).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(replies(&app, 1).await.len(), 1);
    assert!(
        started.elapsed() >= Duration::from_millis(3_000),
        "the reply waits for the 3 s pause"
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(app.outbox().await.len(), 1, "one reply, not three");
    assert_eq!(ai.chat_count(), 1, "one generation");
    let last = answered(&ai, 0);
    let asked = content_text(&last);
    for text in ["Ciao", "vorrei sapere", "se avete le scarpe da trail in 42"] {
        assert!(asked.contains(text), "{asked}");
    }
    assert_eq!(
        ai_logs(&app, "merged").await.len(),
        2,
        "the other runs stand down"
    );
}

/// Waits until the fake provider received `n` chat requests.
async fn generations(ai: &FakeAi, n: usize) {
    assert!(
        eventually(10, || async { ai.chat_count() >= n }).await,
        "expected {n} generations, got {}",
        ai.chat_count()
    );
}

/// A message arriving while the reply is generated cancels its sending; the newer message is
/// answered instead, and the log says a collision was avoided.
#[tokio::test]
async fn a_message_during_generation_cancels_the_send() {
    let app = local_provider_app().await;
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({})).await;
    app.create_workflow(ai_workflow(json!({"debounce_ms": 200})))
        .await;
    ai.set_delay(Some(Duration::from_millis(1_500)));
    ai.queue_reply("Risposta al primo messaggio");
    ai.queue_reply("Risposta a entrambi i messaggi");
    app.inject("+393331270003", "Avete la giacca in rosso?")
        .await;
    generations(&ai, 1).await;
    app.inject("+393331270003", "Ah, e anche in verde?").await;
    assert_eq!(replies(&app, 1).await, ["Risposta a entrambi i messaggi"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.outbox().await.len(), 1);
    let avoided = ai_logs(&app, "collision_avoided").await;
    assert_eq!(avoided.len(), 1, "{avoided:?}");
    let summary = avoided[0]["summary"].as_str().unwrap();
    assert!(summary.contains("collision avoided"), "{summary}");
    assert!(summary.contains("the contact wrote again"), "{summary}");
    assert_eq!(avoided[0]["detail"]["reply"], "Risposta al primo messaggio");
}

/// An agent replying while the reply is generated cancels its sending.
#[tokio::test]
async fn an_agent_reply_during_generation_cancels_the_send() {
    let app = local_provider_app().await;
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({})).await;
    app.create_workflow(ai_workflow(json!({"debounce_ms": 200})))
        .await;
    ai.set_delay(Some(Duration::from_millis(1_500)));
    let out = app
        .inject("+393331270004", "Il mio ordine è in ritardo")
        .await;
    generations(&ai, 1).await;
    let conversations = app.get("/api/v1/conversations").await;
    let conversation = conversations.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contact_id"] == out["contact_id"])
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Marta, an agent, signs in to the dashboard and answers while the reply is generated.
    let marta = app
        .post(
            "/api/v1/agents",
            json!({"name": "Marta", "email": "marta@nordvento.it", "password": "correct horse", "role": "admin"}),
        )
        .await;
    assert_eq!(marta.status, StatusCode::CREATED, "{}", marta.body);
    let login = app
        .request_as(
            None,
            reqwest::Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": "marta@nordvento.it", "password": "correct horse"})),
        )
        .await;
    let token = login.body["token"].as_str().unwrap().to_string();
    let r = app
        .request_as(
            Some(&token),
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{conversation}/messages"),
            Some(json!({"text": "Ciao, sono Marta: controllo subito il tuo ordine."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        eventually(10, || async {
            !ai_logs(&app, "collision_avoided").await.is_empty()
        })
        .await
    );
    let avoided = ai_logs(&app, "collision_avoided").await;
    let summary = avoided[0]["summary"].as_str().unwrap();
    assert!(summary.contains("an agent replied"), "{summary}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let texts = app.outbox_texts().await;
    assert_eq!(
        texts,
        ["Ciao, sono Marta: controllo subito il tuo ordine."],
        "only the agent's message went out"
    );
    let sent = app.outbox().await;
    assert_eq!(sent[0]["sender_kind"], "agent", "{sent:?}");
}

/// Generations for different contacts overlap: a slow provider does not hold up other
/// conversations (nor other timers).
#[tokio::test]
async fn replies_to_different_contacts_are_generated_side_by_side() {
    let app = local_provider_app().await;
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({})).await;
    app.create_workflow(ai_workflow(json!({"debounce_ms": 100})))
        .await;
    ai.set_delay(Some(Duration::from_millis(1_500)));
    app.inject("+393331270011", "Avete il negozio a Trento?")
        .await;
    app.inject("+393331270012", "Fate spedizioni in Svizzera?")
        .await;
    assert_eq!(replies(&app, 2).await.len(), 2);
    let chats: Vec<std::time::Instant> = ai
        .requests()
        .iter()
        .filter(|r| r.is_chat())
        .map(|r| r.at)
        .collect();
    assert_eq!(chats.len(), 2);
    let gap = chats[1].duration_since(chats[0]);
    assert!(
        gap < Duration::from_millis(1_000),
        "the second generation started {gap:?} after the first, not after it finished"
    );
}

/// Credits are taken in proportion to the reply's length; a workspace without credits gets no
/// AI reply (no provider call), a log entry, and the fallback edge.
#[tokio::test]
async fn out_of_credits_no_ai_reply_and_the_fallback_edge_runs() {
    let app = local_provider_app().await;
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({"credits": 2})).await;
    app.create_workflow(ai_workflow(json!({"debounce_ms": 100})))
        .await;
    let reply = "Sì, le scarpe da trail sono disponibili dal 38 al 46, anche nella versione impermeabile con suola Vibram.";
    assert!((101..=200).contains(&reply.chars().count()));
    ai.queue_reply(reply);
    app.inject("+393331270005", "Avete scarpe da trail?").await;
    assert_eq!(replies(&app, 1).await, [reply]);
    let settings = app.get("/api/v1/workspace/ai").await;
    assert_eq!(
        settings.body["credits"], 0,
        "2 credits for 101–200 characters"
    );
    let replied = ai_logs(&app, "replied").await;
    assert_eq!(replied[0]["detail"]["credits"], 2);

    app.inject("+393331270005", "E le taglie?").await;
    assert_eq!(
        replies(&app, 2).await[1],
        "Un collega ti risponderà a breve."
    );
    assert_eq!(ai.chat_count(), 1, "no provider call without credits");
    let none = ai_logs(&app, "no_credits").await;
    assert_eq!(none.len(), 1);
    let summary = none[0]["summary"].as_str().unwrap();
    assert!(summary.contains("no AI credits left"), "{summary}");
    assert!(summary.contains("on_failure"), "{summary}");
}

/// A provider that does not answer in time, or answers an error, takes the fallback edge with a
/// clear log entry; without a fallback edge the run fails.
#[tokio::test]
async fn a_provider_timeout_or_error_takes_the_fallback_edge() {
    let app = local_provider_app().await;
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({"timeout_ms": 1000})).await;
    app.create_workflow(ai_workflow(json!({"debounce_ms": 100})))
        .await;
    ai.set_delay(Some(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    app.inject("+393331270006", "Siete aperti domenica?").await;
    assert_eq!(
        replies(&app, 1).await,
        ["Un collega ti risponderà a breve."]
    );
    assert!(
        started.elapsed() < Duration::from_millis(2_900),
        "not waiting for the provider"
    );
    let timeouts = ai_logs(&app, "timeout").await;
    let summary = timeouts[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("no answer from the AI provider within 1 s"),
        "{summary}"
    );

    ai.set_delay(None);
    ai.fail_next(
        1,
        429,
        openai_error(
            "Rate limit reached for gpt-test",
            "requests",
            "rate_limit_exceeded",
        ),
    );
    app.inject("+393331270006", "E sabato?").await;
    assert_eq!(
        replies(&app, 2).await[1],
        "Un collega ti risponderà a breve."
    );
    // The log filters by kind: the runs' own entries are there, but not under kind=ai.
    let all = app.logs("limit=200").await;
    assert!(all.iter().any(|e| e["kind"] == "run"), "{all:?}");
    let entries = app.logs("kind=ai&limit=200").await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries.iter().all(|e| e["kind"] == "ai"), "{entries:?}");
    let failed = ai_logs(&app, "failed").await;
    let summary = failed[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("429") && summary.contains("Rate limit reached"),
        "{summary}"
    );
}

/// An image goes to the model as an image part, a voice message is transcribed first, a PDF's
/// text is extracted; each reply is generated from them (Cloud API numbers, media downloaded
/// from the fake Graph API).
#[tokio::test]
async fn images_voice_messages_and_pdfs_reach_the_model() {
    let c = CloudApp::start_configured(|c| c.allow_private_http = true).await;
    let ai = FakeAi::start().await.unwrap();
    configure(&c.app, &ai, json!({})).await;
    c.app
        .create_workflow(ai_workflow(json!({"debounce_ms": 100})))
        .await;
    let jpeg: Vec<u8> = (0..2_000u32).map(|i| (i * 7 % 251) as u8).collect();
    c.graph.add_media("5550001", "image/jpeg", jpeg.clone());
    c.graph
        .add_media("5550002", "audio/ogg; codecs=opus", vec![1u8; 3_000]);
    c.graph
        .add_media("5550003", "application/pdf", fixture("conditions.pdf"));
    ai.set_transcription("Vorrei cambiare la taglia del mio ordine");
    let from = "393331270007";
    let sent = |n: usize| {
        let graph = &c.graph;
        async move {
            assert!(
                eventually(15, || async { graph.sent_messages().len() >= n }).await,
                "expected {n} replies"
            );
        }
    };

    ai.queue_reply("Vedo la foto: è il modello Trail.");
    c.deliver(&payload(vec![json!({"from": from, "id": "wamid.ai-img", "timestamp": "1763719200",
        "type": "image", "image": {"caption": "Che modello è questo?", "mime_type": "image/jpeg", "id": "5550001"}})]))
        .await;
    sent(1).await;
    let last = answered(&ai, 0);
    let parts = last["content"].as_array().expect("parts");
    let image = parts
        .iter()
        .find(|p| p["type"] == "image_url")
        .expect("an image part");
    use base64::Engine as _;
    let expected = format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&jpeg)
    );
    assert_eq!(image["image_url"]["url"], expected.as_str());
    assert!(content_text(&last).contains("Che modello è questo?"));

    ai.queue_reply("Certo, cambiamo la taglia.");
    c.deliver(&payload(vec![json!({"from": from, "id": "wamid.ai-voice", "timestamp": "1763719260",
        "type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus", "id": "5550002", "voice": true}})]))
        .await;
    sent(2).await;
    assert_eq!(ai.transcription_count(), 1);
    let transcription = ai
        .requests()
        .into_iter()
        .find(|r| r.is_transcription())
        .unwrap();
    assert_eq!(transcription.body["model"], "whisper-1");
    assert_eq!(transcription.body["file"]["size"], 3_000);
    let last = answered(&ai, 1);
    assert!(
        content_text(&last).contains("Vorrei cambiare la taglia del mio ordine"),
        "{last}"
    );

    ai.queue_reply("Sì, il reso è gratuito entro 30 giorni.");
    c.deliver(&payload(vec![json!({"from": from, "id": "wamid.ai-pdf", "timestamp": "1763719320",
        "type": "document", "document": {"filename": "condizioni.pdf", "mime_type": "application/pdf", "id": "5550003"}})]))
        .await;
    sent(3).await;
    let last = answered(&ai, 2);
    assert!(
        content_text(&last).contains("Il reso e gratuito entro 30 giorni dalla consegna."),
        "{last}"
    );
    let bodies: Vec<String> = c
        .graph
        .sent_messages()
        .iter()
        .map(|m| m["text"]["body"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        bodies,
        [
            "Vedo la foto: è il modello Trail.",
            "Certo, cambiamo la taglia.",
            "Sì, il reso è gratuito entro 30 giorni."
        ]
    );
}

/// A fixed reply marked `translate` goes out in the contact's language; the translation is
/// cached, so the same reply to another contact makes no provider call; a contact writing in
/// the text's own language gets it as written.
#[tokio::test]
async fn fixed_replies_are_translated_once_and_cached() {
    let app = local_provider_app().await;
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({"language": "it"})).await;
    app.create_workflow(
        json!({"name": "Grazie", "trigger": {"type": "message_received"},
        "steps": [{"type": "send_text", "translate": true,
                   "text": "Grazie per il tuo messaggio, ti rispondiamo entro un'ora."}]}),
    )
    .await;
    let french = "Merci pour votre message, nous vous répondons dans l'heure.";
    ai.queue_reply(french);
    app.inject(
        "+33612345001",
        "Bonjour, je voudrais savoir si vous livrez en Belgique",
    )
    .await;
    assert_eq!(replies(&app, 1).await, [french]);
    assert_eq!(ai.chat_count(), 1);
    let request = content_text(&ai.chat_requests()[0]["messages"][0]);
    assert!(request.contains("French"), "{request}");

    app.inject(
        "+33612345002",
        "Bonsoir, est-ce que la boutique est ouverte le dimanche ?",
    )
    .await;
    assert_eq!(replies(&app, 2).await[1], french);
    assert_eq!(
        ai.chat_count(),
        1,
        "the second identical reply makes no provider call"
    );

    app.inject("+393331270008", "Buonasera, siete aperti la domenica?")
        .await;
    assert_eq!(
        replies(&app, 3).await[2],
        "Grazie per il tuo messaggio, ti rispondiamo entro un'ora."
    );
    assert_eq!(ai.chat_count(), 1);
    let logs = app.logs("kind=translation&limit=10").await;
    let cached: Vec<&Value> = logs
        .iter()
        .map(|e| &e["detail"]["cached"])
        .filter(|c| !c.is_null())
        .collect();
    assert!(
        cached.contains(&&json!(true)) && cached.contains(&&json!(false)),
        "{logs:?}"
    );
}

/// Bad settings and files are refused naming the field; nothing stored changes.
#[tokio::test]
async fn bad_ai_settings_and_knowledge_files_are_refused_by_name() {
    let app = local_provider_app().await;
    let r = app
        .put("/api/v1/workspace/ai", json!({"model": "gpt-test"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.to_string().contains("base_url"), "{}", r.body);
    let r = app
        .put(
            "/api/v1/workspace/ai",
            json!({"base_url": "ftp://x", "model": "m"}),
        )
        .await;
    assert!(r.body.to_string().contains("base_url"), "{}", r.body);
    let ai = FakeAi::start().await.unwrap();
    configure(&app, &ai, json!({"credits": 10})).await;
    for (field, value) in [
        ("credits", json!(-1)),
        ("timeout_ms", json!(10)),
        ("auth", json!("basic")),
        ("language", json!("Italiano")),
        ("api_key", json!(42)),
    ] {
        let r = app
            .put("/api/v1/workspace/ai", json!({ field: value }))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.to_string().contains(field), "{}", r.body);
    }
    let settings = app.get("/api/v1/workspace/ai").await;
    assert_eq!(settings.body["credits"], 10, "nothing changed");
    assert_eq!(settings.body["timeout_ms"], 30_000);
    // null removes the key, the credit limit and the language.
    let r = app
        .put(
            "/api/v1/workspace/ai",
            json!({"language": "it", "credits": null, "api_key": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["api_key_set"], false);
    assert_eq!(r.body["credits"], Value::Null);
    assert_eq!(r.body["language"], "it");
    let r = app
        .put("/api/v1/workspace/ai", json!({"language": null}))
        .await;
    assert_eq!(r.body["language"], Value::Null);

    let r = upload(&app, "notes.docx", b"PK\x03\x04".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert!(body.to_string().contains("notes.docx"), "{body}");
    let r = upload(&app, "prodotti.csv", b"colore,taglia\nblu,M\n".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert!(body.to_string().contains("prodotti.csv"), "{body}");
    let files = app.get("/api/v1/workspace/knowledge").await;
    assert_eq!(files.body["items"], 0);
    let r = app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/workspace/knowledge/missing.csv",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A workflow step with bad AI settings is refused naming the step's field.
    let r = app
        .post(
            "/api/v1/workflows",
            ai_workflow(json!({"debounce_ms": 120000})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.to_string().contains("debounce_ms"), "{}", r.body);
}
