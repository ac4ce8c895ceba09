//! One scenario per step kind (SPEC §4), through the HTTP API and the sandbox number: each
//! workflow starts on the phrase "go" and the test checks what the step did (messages sent,
//! contact changes, tickets, runs, notifications, calls received).

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use waflow_engine::clock::SystemClock;

/// A workflow started by "go" with these steps.
fn go(steps: Value) -> Value {
    json!({"name": "Scenario", "trigger": {"type": "exact_phrase", "phrase": "go"}, "steps": steps})
}

/// Creates the workflow, sends "go" from `phone`; the contact id.
async fn start(app: &TestApp, steps: Value, phone: &str) -> String {
    app.create_workflow(go(steps)).await;
    let out = app.inject(phone, "go").await;
    out["contact_id"].as_str().unwrap().to_string()
}

async fn runs_of(app: &TestApp, contact: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/contacts/{contact}/runs"))
        .await
        .body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn scenario_step_send_text() {
    let app = TestApp::spawn().await;
    app.create_workflow(go(json!([{"id": "t", "type": "send_text", "text": "Ciao {{ contact.first_name }}, hai scritto {{ message.text }}"}])))
        .await;
    app.inject_with(json!({"from": "+393331260001", "name": "Luca Bianchi", "text": "go"}))
        .await;
    assert_eq!(replies(&app, 1).await, ["Ciao Luca, hai scritto go"]);
}

#[tokio::test]
async fn scenario_step_send() {
    let app = TestApp::spawn().await;
    start(
        &app,
        json!([
        {"id": "img", "type": "send", "content": {"type": "media", "kind": "image",
            "source": {"url": "https://shop.example/catalogo.png"}, "caption": "Il catalogo"}},
        {"id": "btn", "type": "send", "content": {"type": "buttons", "body": "Ti piace?",
            "buttons": [{"id": "y", "title": "Sì"}, {"id": "n", "title": "No"}]}}]),
        "+393331260002",
    )
    .await;
    replies(&app, 2).await;
    let sent = app.outbox().await;
    assert_eq!(sent[0]["message_type"], "image", "{}", sent[0]);
    assert_eq!(sent[1]["message_type"], "buttons", "{}", sent[1]);
}

#[tokio::test]
async fn scenario_step_menu() {
    let app = TestApp::spawn().await;
    start(&app, json!([
        {"id": "m", "type": "menu", "content": {"type": "list", "body": "Scegli", "button_label": "Apri",
            "sections": [{"title": "Servizi", "rows": [{"id": "orari", "title": "Orari"}, {"id": "dove", "title": "Dove siamo"}]}]},
         "routes": {"orari": "orari", "dove": "dove"}, "otherwise": "altro"},
        {"id": "orari", "type": "send_text", "text": "9-18", "next": "fine"},
        {"id": "dove", "type": "send_text", "text": "Via Roma 1", "next": "fine"},
        {"id": "altro", "type": "send_text", "text": "Non ho capito"},
        {"id": "fine", "type": "end"}]), "+393331260003").await;
    app.inject_with(
        json!({"from": "+393331260003", "type": "interactive_reply", "text": "Dove siamo"}),
    )
    .await;
    assert_eq!(replies(&app, 2).await[1], "Via Roma 1");
}

#[tokio::test]
async fn scenario_step_add_tag() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([{"id": "t", "type": "add_tag", "tag": "lead"}]),
        "+393331260004",
    )
    .await;
    assert_eq!(app.contact(&c).await["tags"], json!(["lead"]));
}

#[tokio::test]
async fn scenario_step_remove_tag() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([{"id": "a", "type": "add_tag", "tag": "lead"}, {"id": "b", "type": "add_tag", "tag": "vip"},
               {"id": "r", "type": "remove_tag", "tag": "LEAD"}]),
        "+393331260005",
    )
    .await;
    assert_eq!(app.contact(&c).await["tags"], json!(["vip"]));
}

#[tokio::test]
async fn scenario_step_assign_agent() {
    let app = TestApp::spawn().await;
    let agent = app
        .post(
            "/api/v1/agents",
            json!({"name": "Sara", "email": "sara@shop.it"}),
        )
        .await;
    let agent_id = agent.body["id"].as_str().unwrap().to_string();
    let c = start(
        &app,
        json!([{"id": "a", "type": "assign_agent", "agent": agent_id}]),
        "+393331260006",
    )
    .await;
    assert_eq!(app.contact(&c).await["assigned_agent_id"], json!(agent_id));
}

#[tokio::test]
async fn scenario_step_wait_for_reply() {
    let app = TestApp::spawn().await;
    start(
        &app,
        json!([
        {"id": "ask", "type": "send_text", "text": "Dimmi pure"},
        {"id": "w", "type": "wait_for_reply", "timeout": "1h", "timeout_next": "late"},
        {"id": "ok", "type": "send_text", "text": "Ricevuto: {{ message.text }}", "next": "end"},
        {"id": "late", "type": "send_text", "text": "Nessuna risposta"},
        {"id": "end", "type": "end"}]),
        "+393331260007",
    )
    .await;
    app.inject("+393331260007", "una domanda").await;
    assert_eq!(
        replies(&app, 2).await,
        ["Dimmi pure", "Ricevuto: una domanda"]
    );
}

#[tokio::test]
async fn scenario_step_question() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([
        {"id": "q", "type": "question", "text": "Quanti anni hai?", "validate": "number",
         "retry_text": "Scrivi un numero", "max_retries": 2, "save_to": "eta"},
        {"id": "t", "type": "send_text", "text": "Grazie ({{ contact.fields.eta }})"}]),
        "+393331260008",
    )
    .await;
    app.inject("+393331260008", "tanti").await;
    app.inject("+393331260008", "42").await;
    assert_eq!(
        replies(&app, 3).await,
        ["Quanti anni hai?", "Scrivi un numero", "Grazie (42)"]
    );
    assert_eq!(
        app.contact(&c).await["fields"]["eta"],
        json!(42),
        "stored as a number"
    );
}

#[tokio::test]
async fn scenario_step_branch() {
    let app = TestApp::spawn().await;
    app.create_workflow(go(json!([
        {"id": "b", "type": "branch", "conditions": {"type": "tags", "tags": ["vip"]}, "then": "vip", "else": "std"},
        {"id": "vip", "type": "send_text", "text": "Corsia VIP", "next": "end"},
        {"id": "std", "type": "send_text", "text": "Corsia normale"},
        {"id": "end", "type": "end"}])))
    .await;
    let c = app
        .post(
            "/api/v1/contacts",
            json!({"phone": "+393331260009", "tags": ["vip"]}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED);
    app.inject("+393331260009", "go").await;
    app.inject("+393331260010", "go").await;
    assert_eq!(replies(&app, 2).await, ["Corsia VIP", "Corsia normale"]);
}

/// A local endpoint recording (headers, body) of each POST to /in, answering `{"ok": true, "code": 7}`.
async fn endpoint() -> (String, Arc<Mutex<Vec<(Option<String>, Value)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/in",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let record = record.clone();
            async move {
                let signature = headers
                    .get("x-waflow-signature")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                record.lock().unwrap().push((signature, body));
                axum::Json(json!({"ok": true, "code": 7}))
            }
        }),
    );
    (serve_local(app).await, seen)
}

#[tokio::test]
async fn scenario_step_http_request() {
    let (base, seen) = endpoint().await;
    let app =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.allow_private_http = true).await;
    start(
        &app,
        json!([
        {"id": "call", "type": "http_request", "method": "POST", "url": format!("{base}/in"),
         "headers": {"X-Shop": "demo"}, "body": {"phone": "{{ contact.phone }}"},
         "save": {"code": "code"}, "on_failure": "ko"},
        {"id": "ok", "type": "send_text", "text": "Codice {{ vars.code }}", "next": "end"},
        {"id": "ko", "type": "send_text", "text": "Errore"},
        {"id": "end", "type": "end"}]),
        "+393331260011",
    )
    .await;
    assert_eq!(replies(&app, 1).await, ["Codice 7"]);
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls[0].1, json!({"phone": "+393331260011"}));
    assert_eq!(calls[0].0, None, "a plain request is not signed");
}

#[tokio::test]
async fn scenario_step_webhook() {
    let (base, seen) = endpoint().await;
    let app =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.allow_private_http = true).await;
    start(
        &app,
        json!([{"id": "hook", "type": "webhook", "url": format!("{base}/in"), "on_failure": "ko"},
               {"id": "done", "type": "send_text", "text": "Inviato", "next": "end"},
               {"id": "ko", "type": "send_text", "text": "Errore"},
               {"id": "end", "type": "end"}]),
        "+393331260012",
    )
    .await;
    assert_eq!(replies(&app, 1).await, ["Inviato"]);
    let calls = seen.lock().unwrap().clone();
    let signature = calls[0].0.clone().expect("signed");
    assert!(signature.starts_with("sha256="), "{signature}");
}

#[tokio::test]
async fn scenario_step_set_field() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([
        {"id": "v", "type": "set_field", "field": "fonte", "value": "whatsapp-{{ message.text }}"},
        {"id": "ask", "type": "send_text", "text": "Come ti chiami?"},
        {"id": "n", "type": "set_field", "field": "nome", "next_message": true},
        {"id": "t", "type": "send_text", "text": "Piacere {{ contact.fields.nome }}"}]),
        "+393331260013",
    )
    .await;
    app.inject("+393331260013", "Marta").await;
    app.inject("+393331260013", "altro").await;
    assert_eq!(replies(&app, 2).await, ["Come ti chiami?", "Piacere Marta"]);
    let fields = &app.contact(&c).await["fields"];
    assert_eq!(fields["fonte"], "whatsapp-go");
    assert_eq!(
        fields["nome"], "Marta",
        "stored once: the next message only"
    );
}

#[tokio::test]
async fn scenario_step_block() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([{"id": "b", "type": "block"}, {"id": "t", "type": "send_text", "text": "mai"}]),
        "+393331260014",
    )
    .await;
    assert_eq!(app.contact(&c).await["blocked"], true);
    app.running.engine.deliver_outbox().await.unwrap();
    let out = app.inject("+393331260014", "go").await;
    assert_eq!(out["outcome"], "blocked", "{out}");
}

#[tokio::test]
async fn scenario_step_unblock() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([{"id": "b", "type": "block"}, {"id": "u", "type": "unblock"}]),
        "+393331260015",
    )
    .await;
    assert_eq!(app.contact(&c).await["blocked"], false);
}

#[tokio::test]
async fn scenario_step_end_other_runs() {
    let app = TestApp::spawn().await;
    app.create_workflow(
        json!({"name": "Waits", "trigger": {"type": "exact_phrase", "phrase": "prima"},
        "steps": [{"id": "w", "type": "wait_for_reply", "timeout": "1d"}]}),
    )
    .await;
    app.inject("+393331260016", "prima").await;
    // "go" is an exact phrase, so it starts its workflow despite the waiting run.
    let c = start(
        &app,
        json!([{"id": "e", "type": "end_other_runs"}]),
        "+393331260016",
    )
    .await;
    let states: Vec<String> = runs_of(&app, &c)
        .await
        .iter()
        .map(|r| r["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states.len(), 2, "{states:?}");
    assert!(states.contains(&"ended".to_string()), "{states:?}");
    assert!(!states.contains(&"waiting".to_string()), "{states:?}");
}

#[tokio::test]
async fn scenario_step_go_to() {
    let app = TestApp::spawn().await;
    start(
        &app,
        json!([
        {"id": "a", "type": "go_to", "target": "c"},
        {"id": "b", "type": "send_text", "text": "saltato"},
        {"id": "c", "type": "send_text", "text": "arrivato"}]),
        "+393331260017",
    )
    .await;
    assert_eq!(replies(&app, 1).await, ["arrivato"]);
    assert_eq!(app.outbox().await.len(), 1);
}

#[tokio::test]
async fn scenario_step_notify_agent() {
    let app = TestApp::spawn().await;
    start(
        &app,
        json!([{"id": "n", "type": "notify_agent", "text": "{{ contact.phone }} chiede aiuto"}]),
        "+393331260018",
    )
    .await;
    let n = app.get("/api/v1/notifications").await;
    assert_eq!(n.body["data"][0]["text"], "+393331260018 chiede aiuto");
}

#[tokio::test]
async fn scenario_step_end() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([{"id": "e", "type": "end"}, {"id": "t", "type": "send_text", "text": "mai"}]),
        "+393331260019",
    )
    .await;
    assert_eq!(runs_of(&app, &c).await[0]["state"], "ended");
    assert!(app.outbox().await.is_empty());
}

#[tokio::test]
async fn scenario_step_add_to_list() {
    let app = TestApp::spawn().await;
    app.create_workflow(
        json!({"name": "On list", "trigger": {"type": "list_added", "list": "clienti"},
        "steps": [{"id": "w", "type": "send_text", "text": "Sei nella lista {{ vars.list }}"}]}),
    )
    .await;
    let c = start(
        &app,
        json!([{"id": "l", "type": "add_to_list", "list": "Clienti"}]),
        "+393331260020",
    )
    .await;
    assert_eq!(app.contact(&c).await["lists"], json!(["Clienti"]));
    assert_eq!(replies(&app, 1).await, ["Sei nella lista Clienti"]);
}

#[tokio::test]
async fn scenario_step_remove_from_list() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([{"id": "a", "type": "add_to_list", "list": "prova"}, {"id": "b", "type": "add_to_list", "list": "resta"},
               {"id": "r", "type": "remove_from_list", "list": "PROVA"}]),
        "+393331260021",
    )
    .await;
    assert_eq!(app.contact(&c).await["lists"], json!(["resta"]));
}

#[tokio::test]
async fn scenario_step_open_ticket() {
    let app = TestApp::spawn().await;
    let c = start(
        &app,
        json!([{"id": "t", "type": "open_ticket", "subject": "Richiesta di {{ contact.phone }}"},
               {"id": "t2", "type": "open_ticket", "subject": "doppio"}]),
        "+393331260022",
    )
    .await;
    let tickets = app
        .get(&format!("/api/v1/tickets?contact_id={c}"))
        .await
        .body["data"]
        .clone();
    assert_eq!(
        tickets.as_array().unwrap().len(),
        1,
        "one open at a time: {tickets}"
    );
    assert_eq!(tickets[0]["subject"], "Richiesta di +393331260022");
    assert_eq!(tickets[0]["status"], "open");
    let one = app
        .get(&format!(
            "/api/v1/tickets/{}",
            tickets[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one.body["history"][0]["by_kind"], "run");
}

#[tokio::test]
async fn scenario_step_close_ticket() {
    let app = TestApp::spawn().await;
    app.create_workflow(
        json!({"name": "Closed", "trigger": {"type": "ticket_status_changed", "status": "closed"},
        "steps": [{"id": "s", "type": "send_text", "text": "Ticket chiuso"}]}),
    )
    .await;
    let c = start(
        &app,
        json!([{"id": "o", "type": "open_ticket", "subject": "x"},
               {"id": "w", "type": "wait_for_reply"},
               {"id": "c", "type": "close_ticket"}]),
        "+393331260023",
    )
    .await;
    app.inject("+393331260023", "risolto, grazie").await;
    assert_eq!(replies(&app, 1).await, ["Ticket chiuso"]);
    let tickets = app
        .get(&format!("/api/v1/tickets?contact_id={c}"))
        .await
        .body["data"]
        .clone();
    assert_eq!(tickets[0]["status"], "closed");
}
