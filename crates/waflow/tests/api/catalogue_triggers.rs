//! One scenario per trigger kind (SPEC §2), through the HTTP API and the sandbox number, and the
//! check that every kind the domain knows has one (`scenario_trigger_<kind>`, here or in
//! `catalogue_steps.rs` for steps).

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The test sources that hold scenarios.
const SOURCES: [&str; 3] = [
    include_str!("catalogue_triggers.rs"),
    include_str!("catalogue_steps.rs"),
    include_str!("ai.rs"),
];

fn kinds(list: &str) -> Vec<String> {
    list.split(',').map(|k| k.trim().to_string()).collect()
}

#[test]
fn every_trigger_and_step_kind_has_a_scenario() {
    let sources = SOURCES.concat();
    let mut missing = Vec::new();
    for (prefix, list) in [
        ("scenario_trigger_", waflow_domain::trigger::TRIGGER_TYPES),
        ("scenario_step_", waflow_domain::step::STEP_TYPES),
    ] {
        for kind in kinds(list) {
            if !sources.contains(&format!("async fn {prefix}{kind}()")) {
                missing.push(format!("{prefix}{kind}"));
            }
        }
    }
    assert!(missing.is_empty(), "kinds without a scenario: {missing:?}");
    assert!(kinds(waflow_domain::step::STEP_TYPES).len() >= 22);
    assert!(kinds(waflow_domain::trigger::TRIGGER_TYPES).len() >= 11);
}

fn workflow(name: &str, trigger: Value, text: &str) -> Value {
    json!({"name": name, "trigger": trigger,
           "steps": [{"id": "reply", "type": "send_text", "text": text}]})
}

#[tokio::test]
async fn scenario_trigger_message_received() {
    let app = TestApp::spawn().await;
    app.create_workflow(workflow(
        "Any",
        json!({"type": "message_received"}),
        "Ciao!",
    ))
    .await;
    app.inject("+393331250001", "buongiorno").await;
    assert_eq!(replies(&app, 1).await, ["Ciao!"]);
}

#[tokio::test]
async fn scenario_trigger_exact_phrase() {
    let app = TestApp::spawn().await;
    app.create_workflow(workflow(
        "Phrase",
        json!({"type": "exact_phrase", "phrase": "Voglio info"}),
        "Ecco le info",
    ))
    .await;
    app.inject("+393331250002", "voglio info su tutto").await;
    app.inject("+393331250002", "  VOGLIO   info ").await;
    assert_eq!(replies(&app, 1).await, ["Ecco le info"]);
    assert_eq!(app.outbox().await.len(), 1, "only the exact phrase");
}

#[tokio::test]
async fn scenario_trigger_contact_created() {
    let app = TestApp::spawn().await;
    app.create_workflow(workflow(
        "Welcome",
        json!({"type": "contact_created"}),
        "Benvenuto",
    ))
    .await;
    app.inject("+393331250003", "primo").await;
    app.inject("+393331250003", "secondo").await;
    let r = app
        .post("/api/v1/contacts", json!({"phone": "+393331250004"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(replies(&app, 2).await, ["Benvenuto", "Benvenuto"]);
}

#[tokio::test]
async fn scenario_trigger_integration() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(json!({"name": "Order",
            "trigger": {"type": "integration", "phone": "customer.phone", "vars": {"order": "order.id"}},
            "steps": [{"id": "thanks", "type": "send_text", "text": "Ordine {{ vars.order }} ricevuto"}]}))
        .await;
    let hook = app
        .get(&format!("/api/v1/workflows/{id}/integration"))
        .await;
    let secret = hook.body["secret"].as_str().unwrap().to_string();
    let r = app
        .client
        .post(format!("{}/hooks/{id}", app.base))
        .bearer_auth(&secret)
        .json(&json!({"customer": {"phone": "+393331250005"}, "order": {"id": "A-17"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(replies(&app, 1).await, ["Ordine A-17 ricevuto"]);
}

#[tokio::test]
async fn scenario_trigger_list_added() {
    let app = TestApp::spawn().await;
    app.create_workflow(workflow(
        "VIP welcome",
        json!({"type": "list_added", "list": "VIP"}),
        "Benvenuto tra i VIP, {{ vars.list }}",
    ))
    .await;
    let out = app.inject("+393331250006", "ciao").await;
    let contact = out["contact_id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/contacts/{contact}/lists"),
            json!({"add": ["vip", "newsletter"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["lists"], json!(["vip", "newsletter"]));
    assert_eq!(replies(&app, 1).await, ["Benvenuto tra i VIP, vip"]);
    // Already in the list: no second run.
    app.post(
        &format!("/api/v1/contacts/{contact}/lists"),
        json!({"add": ["VIP"]}),
    )
    .await;
    app.running.engine.run_events().await.unwrap();
    assert_eq!(app.outbox().await.len(), 1);
    let lists = app.get("/api/v1/lists").await;
    assert_eq!(
        lists.body["data"],
        json!([{"name": "newsletter", "contacts": 1}, {"name": "vip", "contacts": 1}])
    );
    let members = app.get("/api/v1/contacts?list=VIP").await;
    assert_eq!(members.body["data"].as_array().unwrap().len(), 1);
    // A whole list's worth at once.
    let other = app.inject("+393331250007", "ciao").await;
    let r = app
        .post(
            "/api/v1/lists/VIP/contacts",
            json!({"contact_ids": [other["contact_id"]]}),
        )
        .await;
    assert_eq!(r.body["added"], 1, "{}", r.body);
    assert_eq!(replies(&app, 2).await.len(), 2);
    let bad = app
        .post(
            "/api/v1/lists/VIP/contacts",
            json!({"contact_ids": ["ct_nope"]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "contact_ids[0]");
}

#[tokio::test]
async fn scenario_trigger_date() {
    let (app, clock) = TestApp::spawn_at("2027-05-10T06:00:00Z").await;
    app.create_workflow(json!({"name": "Reminder",
        "trigger": {"type": "date", "field": "appuntamento", "offset_days": -1, "at": "10:00"},
        "steps": [{"id": "remind", "type": "send_text", "text": "Domani alle 15 ti aspettiamo"}]}))
        .await;
    app.post(
        "/api/v1/contacts",
        json!({"phone": "+393331250008", "fields": {"appuntamento": "2027-05-11"}}),
    )
    .await;
    let engine = &app.running.engine;
    assert_eq!(engine.run_date_triggers().await.unwrap(), 0, "before 10:00");
    clock.set(utc("2027-05-10T10:00:00Z"));
    assert_eq!(engine.run_date_triggers().await.unwrap(), 1);
    assert_eq!(engine.run_date_triggers().await.unwrap(), 0, "once");
    assert_eq!(replies(&app, 1).await, ["Domani alle 15 ti aspettiamo"]);
}

#[tokio::test]
async fn scenario_trigger_outside_business_hours() {
    // A Saturday.
    let (app, _clock) = TestApp::spawn_at("2027-05-15T12:00:00Z").await;
    app.put(
        "/api/v1/workspace",
        json!({"business_hours": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"]}}),
    )
    .await;
    app.create_workflow(workflow(
        "Closed",
        json!({"type": "outside_business_hours"}),
        "Siamo chiusi",
    ))
    .await;
    app.inject("+393331250009", "ci siete?").await;
    assert_eq!(replies(&app, 1).await, ["Siamo chiusi"]);
}

#[tokio::test]
async fn scenario_trigger_holiday() {
    let (app, _clock) = TestApp::spawn_at("2027-12-25T10:00:00Z").await;
    app.put("/api/v1/workspace", json!({"holidays": ["12-25"]}))
        .await;
    app.create_workflow(workflow(
        "Christmas",
        json!({"type": "holiday"}),
        "Buon Natale, siamo chiusi",
    ))
    .await;
    app.inject("+393331250010", "aperti?").await;
    assert_eq!(replies(&app, 1).await, ["Buon Natale, siamo chiusi"]);
}

#[tokio::test]
async fn scenario_trigger_ticket_status_changed() {
    let app = TestApp::spawn().await;
    app.create_workflow(workflow(
        "Survey",
        json!({"type": "ticket_status_changed", "status": "closed"}),
        "Ticket {{ vars.ticket_subject }} chiuso: com'è andata?",
    ))
    .await;
    app.create_workflow(workflow(
        "Any change",
        json!({"type": "ticket_status_changed"}),
        "Stato: {{ vars.ticket_status }}",
    ))
    .await;
    let out = app.inject("+393331250011", "ho un problema").await;
    let contact = out["contact_id"].as_str().unwrap();
    let r = app
        .post(
            "/api/v1/tickets",
            json!({"contact_id": contact, "subject": "Reso"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ticket = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(replies(&app, 1).await, ["Stato: open"]);
    let again = app
        .post("/api/v1/tickets", json!({"contact_id": contact}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let r = app
        .patch(
            &format!("/api/v1/tickets/{ticket}"),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let statuses: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["open", "closed"]);
    let mut sent = replies(&app, 3).await;
    sent.sort();
    assert_eq!(
        sent,
        [
            "Stato: closed",
            "Stato: open",
            "Ticket Reso chiuso: com'è andata?"
        ]
    );
    let bad = app
        .patch(
            &format!("/api/v1/tickets/{ticket}"),
            json!({"status": "solved"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "status");
    let listed = app.get("/api/v1/tickets?status=closed").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn scenario_trigger_outbound() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(workflow(
            "Campaign",
            json!({"type": "outbound"}),
            "Saldi da domani!",
        ))
        .await;
    let r = app
        .post(
            &format!("/api/v1/workflows/{id}/start"),
            json!({"phones": ["+393331250012", "+393331250013"]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    assert_eq!(replies(&app, 2).await, ["Saldi da domani!"; 2]);
}

#[tokio::test]
async fn scenario_trigger_conversation_idle() {
    let (app, clock) = TestApp::spawn_at("2027-05-10T08:00:00Z").await;
    app.create_workflow(workflow(
        "Hello",
        json!({"type": "exact_phrase", "phrase": "prezzi"}),
        "Il listino è online",
    ))
    .await;
    app.create_workflow(workflow(
        "Nudge",
        json!({"type": "conversation_idle", "minutes": 60}),
        "Ti serve altro?",
    ))
    .await;
    app.inject("+393331250014", "prezzi").await;
    replies(&app, 1).await;
    let engine = &app.running.engine;
    clock.set(utc("2027-05-10T08:30:00Z"));
    assert_eq!(engine.run_idle_triggers().await.unwrap(), 0);
    clock.set(utc("2027-05-10T09:01:00Z"));
    assert_eq!(engine.run_idle_triggers().await.unwrap(), 1);
    assert_eq!(
        replies(&app, 2).await,
        ["Il listino è online", "Ti serve altro?"]
    );
}

#[tokio::test]
async fn conditions_on_the_conversation_phone_line_and_length() {
    let (app, clock) = TestApp::spawn_at("2027-05-10T08:00:00Z").await;
    app.create_workflow(json!({"name": "Back after a while", "priority": 1, "stop_on_match": true,
        "trigger": {"type": "message_received"},
        "conditions": {"all": [
            {"type": "time_since", "since": "contact_last_message", "op": "greater_than", "minutes": 1440},
            {"type": "message_count", "op": "at_least", "value": 2},
            {"type": "phone", "op": "starts_with", "values": ["+39"]},
            {"type": "number", "numbers": [app.sandbox.clone()]},
            {"type": "message_length", "op": "at_most", "value": 20}
        ]},
        "steps": [{"id": "r", "type": "send_text", "text": "Bentornato!"}]}))
        .await;
    app.inject("+393331250015", "ciao").await;
    clock.set(utc("2027-05-12T08:00:00Z"));
    app.inject("+393331250015", "eccomi di nuovo").await;
    assert_eq!(replies(&app, 1).await, ["Bentornato!"]);
    // The log shows what each condition compared.
    let logs = app.logs("outcome=matched").await;
    let log = app
        .get(&format!("/api/v1/logs/{}", logs[0]["id"].as_str().unwrap()))
        .await;
    let text = log.body.to_string();
    assert!(
        text.contains("2880"),
        "minutes since the previous message: {text}"
    );
    // A French number does not match; neither does a long message.
    app.inject("+33612345678", "bonjour").await;
    clock.set(utc("2027-05-14T08:00:00Z"));
    app.inject("+33612345678", "rebonjour").await;
    app.inject(
        "+393331250015",
        "un messaggio decisamente più lungo di venti caratteri",
    )
    .await;
    app.running.engine.run_due_steps().await.unwrap();
    assert_eq!(app.outbox().await.len(), 1);
}
