//! Multi-step flows through the real server and the sandbox number: the ActiveCampaign-style
//! lead flow (question with validation and retry → saved field → HTTP request → branch on the
//! answer → reply), and question options, giving up, and timeouts.

use crate::harness::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use waflow_engine::clock::SystemClock;

/// A CRM stand-in: `POST /leads` answers `{"plan": "pro"}` for emails at `bigco.it`, else
/// `{"plan": "free"}`; it records what it received.
async fn crm() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/leads",
        axum::routing::post(move |body: String| {
            let record = record.clone();
            async move {
                let lead: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                record.lock().unwrap().push(lead.clone());
                let plan = if lead["email"].as_str().unwrap_or("").ends_with("@bigco.it") {
                    "pro"
                } else {
                    "free"
                };
                axum::Json(json!({"lead": {"plan": plan, "id": 7}}))
            }
        }),
    );
    (serve_local(app).await, seen)
}

#[tokio::test]
async fn the_activecampaign_style_lead_flow() {
    let (base, seen) = crm().await;
    let app =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.allow_private_http = true).await;
    app.create_workflow(json!({"name": "Lead", "trigger": {"type": "exact_phrase", "phrase": "info"},
        "steps": [
            {"id": "ask", "type": "question", "text": "Qual è la tua email?", "validate": "email",
             "retry_text": "Non sembra un'email valida, riprova", "save_to": "email"},
            {"id": "crm", "type": "http_request", "method": "POST", "url": format!("{base}/leads"),
             "body": {"email": "{{ contact.fields.email }}", "phone": "{{ contact.phone }}"},
             "save": {"plan": "lead.plan"}, "on_failure": "sorry"},
            {"id": "which", "type": "branch",
             "conditions": {"type": "variable", "name": "plan", "op": "equals", "value": "pro"},
             "then": "pro", "else": "free"},
            {"id": "pro", "type": "send_text", "text": "Ti chiama un consulente, {{ contact.fields.email }}", "next": "done"},
            {"id": "free", "type": "send_text", "text": "Ecco la guida gratuita", "next": "done"},
            {"id": "sorry", "type": "send_text", "text": "Riprova più tardi"},
            {"id": "done", "type": "end"}]}))
        .await;

    let out = app.inject("+393331230001", "info").await;
    let contact_id = out["contact_id"].as_str().unwrap().to_string();
    assert_eq!(replies(&app, 1).await, ["Qual è la tua email?"]);
    app.inject("+393331230001", "non ce l'ho").await;
    assert_eq!(
        replies(&app, 2).await[1],
        "Non sembra un'email valida, riprova"
    );
    app.inject("+393331230001", "Mario@BigCo.it").await;
    let _ = replies(&app, 3).await;
    let http_logs: Vec<Value> = app
        .logs("")
        .await
        .into_iter()
        .filter(|l| l["kind"] == "http")
        .collect();
    assert_eq!(http_logs.len(), 1, "{http_logs:?}");
    assert_eq!(http_logs[0]["detail"]["edge"], "next", "{}", http_logs[0]);
    assert_eq!(
        replies(&app, 3).await[2],
        "Ti chiama un consulente, mario@bigco.it"
    );
    assert_eq!(
        app.contact(&contact_id).await["fields"]["email"],
        "mario@bigco.it"
    );
    let sent = seen.lock().unwrap().clone();
    assert_eq!(
        sent,
        [json!({"email": "mario@bigco.it", "phone": "+393331230001"})]
    );

    // Another contact takes the other branch.
    app.inject("+393331230002", "info").await;
    app.inject("+393331230002", "anna@gmail.com").await;
    assert_eq!(replies(&app, 5).await[4], "Ecco la guida gratuita");
    // The run's history explains the branch.
    let runs = app
        .get(&format!("/api/v1/contacts/{contact_id}/runs"))
        .await;
    let run = &runs.body["data"][0];
    assert_eq!(run["state"], "ended", "{run}");
    let history = run["history"].as_array().unwrap();
    let branch = history
        .iter()
        .find(|h| h["type"] == "branch")
        .expect("the branch in the history");
    assert_eq!(branch["held"], true);
    assert_eq!(branch["checks"][0]["actual"], "pro");
}

#[tokio::test]
async fn a_question_takes_options_by_number_and_gives_up_after_its_retries() {
    let app = TestApp::spawn().await;
    app.create_workflow(json!({"name": "Menu", "trigger": {"type": "exact_phrase", "phrase": "ordina"},
        "steps": [
            {"id": "pick", "type": "question", "text": "1) Pizza 2) Pasta", "validate": "option",
             "options": ["Pizza", "Pasta"], "max_retries": 1, "var": "choice", "invalid_next": "human"},
            {"id": "ok", "type": "send_text", "text": "Ottimo: {{ vars.choice }}", "next": "end"},
            {"id": "human", "type": "send_text", "text": "Ti passo a un operatore"},
            {"id": "end", "type": "end"}]}))
        .await;
    app.inject("+393331230003", "ordina").await;
    app.inject("+393331230003", "2").await;
    assert_eq!(replies(&app, 2).await[1], "Ottimo: Pasta");

    app.inject("+393331230004", "ordina").await;
    app.inject("+393331230004", "sushi").await;
    assert_eq!(
        replies(&app, 4).await[3],
        "1) Pizza 2) Pasta",
        "asked again"
    );
    app.inject("+393331230004", "ramen").await;
    assert_eq!(
        replies(&app, 5).await[4],
        "Ti passo a un operatore",
        "gave up after one retry"
    );
}

#[tokio::test]
async fn invalid_questions_and_branches_are_refused_with_their_paths() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"id": "q", "type": "question", "text": "?", "validate": "colour"}),
            "steps[0].validate",
        ),
        (
            json!({"id": "q", "type": "question", "text": "?", "validate": "option"}),
            "steps[0].options",
        ),
        (
            json!({"id": "q", "type": "question", "text": "?", "validate": "regex", "pattern": "("}),
            "steps[0].pattern",
        ),
        (
            json!({"id": "q", "type": "question", "text": "?", "options": ["a"]}),
            "steps[0].options",
        ),
        (
            json!({"id": "q", "type": "question", "text": "?", "max_retries": 99}),
            "steps[0].max_retries",
        ),
        (
            json!({"id": "q", "type": "question", "text": "?", "invalid_next": "nowhere"}),
            "steps[0].invalid_next",
        ),
        (
            json!({"id": "b", "type": "branch", "conditions": {"type": "variable", "name": "x", "op": "bigger", "value": 1}}),
            "steps[0].conditions.op",
        ),
        (
            json!({"id": "b", "type": "branch", "conditions": {"type": "variable", "name": "x", "op": "greater_than", "value": "tanti"}}),
            "steps[0].conditions.value",
        ),
        (
            json!({"id": "b", "type": "branch", "conditions": {"type": "text", "op": "contains", "values": ["x"]}, "else": "nowhere"}),
            "steps[0].else",
        ),
        (
            json!({"id": "h", "type": "http_request", "url": "ftp://example.com"}),
            "steps[0].url",
        ),
        (
            json!({"id": "h", "type": "http_request", "url": "https://example.com", "method": "BREW"}),
            "steps[0].method",
        ),
        (
            json!({"id": "h", "type": "http_request", "url": "https://example.com", "timeout_ms": 5}),
            "steps[0].timeout_ms",
        ),
        (
            json!({"id": "h", "type": "http_request", "url": "https://example.com", "on_timeout": "nowhere"}),
            "steps[0].on_timeout",
        ),
    ];
    for (step, field) in cases {
        let r = app
            .post(
                "/api/v1/workflows",
                json!({"name": "Bad", "trigger": {"type": "message_received"}, "steps": [step]}),
            )
            .await;
        assert_eq!(
            r.status,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "{step}: {}",
            r.body
        );
        assert_eq!(r.body["error"]["field"], field, "{step}: {}", r.body);
    }
}

#[tokio::test]
async fn a_contact_removed_from_all_runs_gets_nothing_more_from_them() {
    let (app, clock) = TestApp::spawn_at("2026-11-20T10:00:00Z").await;
    app.create_workflow(json!({"name": "Ask", "trigger": {"type": "exact_phrase", "phrase": "ciao"},
        "steps": [{"id": "q", "type": "question", "text": "Come ti chiami?", "save_to": "nome"},
                  {"id": "thanks", "type": "send_text", "text": "Grazie {{ contact.fields.nome }}"}]}))
        .await;
    app.create_workflow(
        json!({"name": "Later", "trigger": {"type": "exact_phrase", "phrase": "dopo"},
        "steps": [{"id": "later", "type": "send_text", "text": "Ti ricontatto", "when": "2h"}]}),
    )
    .await;
    let out = app.inject("+393331230009", "ciao").await;
    let contact = out["contact_id"].as_str().unwrap().to_string();
    app.inject("+393331230009", "dopo").await;
    let runs = app.get(&format!("/api/v1/contacts/{contact}/runs")).await;
    let states: Vec<&str> = runs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert!(
        states.contains(&"waiting") && states.contains(&"active"),
        "{states:?}"
    );

    let r = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/contacts/{contact}/runs"),
            None,
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["ended"].as_array().unwrap().len(), 2);
    let runs = app.get(&format!("/api/v1/contacts/{contact}/runs")).await;
    assert!(runs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["state"] == "ended"));

    clock.advance(chrono::Duration::hours(3));
    app.running.engine.run_due_steps().await.unwrap();
    app.inject("+393331230009", "Mario").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let texts = app.outbox_texts().await;
    assert_eq!(texts, ["Come ti chiami?"], "no delayed message, no thanks");
    let missing = app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/contacts/ct_nope/runs",
            None,
        )
        .await;
    assert_eq!(missing.status, reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn set_field_block_unblock_end_other_runs_and_go_to() {
    let (app, clock) = TestApp::spawn_at("2026-11-20T10:00:00Z").await;
    // A run that would speak later, to be ended by another workflow.
    app.create_workflow(
        json!({"name": "Reminder", "trigger": {"type": "exact_phrase", "phrase": "promemoria"},
        "steps": [{"id": "later", "type": "send_text", "text": "Promemoria!", "when": "1h"}]}),
    )
    .await;
    app.create_workflow(json!({"name": "Profile", "trigger": {"type": "exact_phrase", "phrase": "profilo"},
        "steps": [
            {"id": "stop", "type": "end_other_runs"},
            {"id": "source", "type": "set_field", "field": "fonte", "value": "whatsapp-{{ contact.phone }}"},
            {"id": "ask", "type": "send_text", "text": "Scrivi la tua città"},
            {"id": "city", "type": "set_field", "field": "citta", "next_message": true},
            {"id": "jump", "type": "go_to", "target": "done"},
            {"id": "skipped", "type": "send_text", "text": "mai"},
            {"id": "done", "type": "send_text", "text": "Grazie, {{ contact.citta }} ({{ contact.fonte }})"}]}))
        .await;
    app.create_workflow(
        json!({"name": "Stop", "trigger": {"type": "exact_phrase", "phrase": "stop"},
        "steps": [{"id": "bye", "type": "send_text", "text": "Ok, niente più messaggi"},
                  {"id": "block", "type": "block"},
                  {"id": "after", "type": "send_text", "text": "non inviato"}]}),
    )
    .await;
    let out = app.inject("+393331230010", "promemoria").await;
    let contact = out["contact_id"].as_str().unwrap().to_string();
    app.inject("+393331230010", "profilo").await;
    app.inject("+393331230010", "Napoli").await;
    assert_eq!(
        texts(&app).await,
        [
            "Scrivi la tua città",
            "Grazie, Napoli (whatsapp-+393331230010)"
        ]
    );
    let c = app.contact(&contact).await;
    assert_eq!(c["fields"]["citta"], "Napoli");
    assert_eq!(c["fields"]["fonte"], "whatsapp-+393331230010");
    clock.advance(chrono::Duration::hours(2));
    app.running.engine.run_due_steps().await.unwrap();
    assert!(
        !texts(&app).await.contains(&"Promemoria!".to_string()),
        "the reminder run was ended"
    );

    app.inject("+393331230010", "stop").await;
    assert_eq!(texts(&app).await.last().unwrap(), "Ok, niente più messaggi");
    assert_eq!(app.contact(&contact).await["blocked"], true);
    assert!(!texts(&app).await.contains(&"non inviato".to_string()));

    // Block then unblock inside one run: the message in between is skipped.
    app.create_workflow(json!({"name": "Pause", "trigger": {"type": "exact_phrase", "phrase": "pausa"},
        "steps": [{"id": "b", "type": "block"}, {"id": "x", "type": "send_text", "text": "saltato"},
                  {"id": "u", "type": "unblock"}, {"id": "y", "type": "send_text", "text": "di nuovo attivo"}]}))
        .await;
    app.patch(
        &format!("/api/v1/contacts/{contact}"),
        json!({"blocked": false}),
    )
    .await;
    app.inject("+393331230010", "pausa").await;
    let all = texts(&app).await;
    assert_eq!(all.last().unwrap(), "di nuovo attivo");
    assert!(!all.contains(&"saltato".to_string()));
    assert_eq!(app.contact(&contact).await["blocked"], false);
}

async fn texts(app: &TestApp) -> Vec<String> {
    app.outbox()
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_spoki_style_template_with_two_quick_replies_each_starting_its_workflow() {
    let app = TestApp::spawn().await;
    app.create_workflow(json!({"name": "Offer", "trigger": {"type": "exact_phrase", "phrase": "offerte"},
        "steps": [{"id": "tpl", "type": "send", "content": {"type": "template", "name": "promo_novembre", "language": "it",
            "body": [{"type": "text", "text": "20%"}],
            "buttons": [{"index": 0, "sub_type": "quick_reply", "value": "YES"},
                        {"index": 1, "sub_type": "quick_reply", "value": "NO"}]}}]}))
        .await;
    app.create_workflow(reply_workflow(
        "Yes",
        json!({"type": "exact_phrase", "phrase": "Sì, grazie"}),
        None,
        "Ecco il codice: NOV20",
    ))
    .await;
    app.create_workflow(reply_workflow(
        "No",
        json!({"type": "exact_phrase", "phrase": "No"}),
        None,
        "Va bene, a presto",
    ))
    .await;
    app.inject("+393331230020", "offerte").await;
    let sent = app.outbox().await;
    assert_eq!(sent[0]["message_type"], "template");
    assert_eq!(sent[0]["text"], "[template promo_novembre (it)]");
    app.inject_with(
        json!({"from": "+393331230020", "type": "interactive_reply", "text": "Sì, grazie"}),
    )
    .await;
    app.inject_with(json!({"from": "+393331230021", "type": "interactive_reply", "text": "No"}))
        .await;
    assert_eq!(
        texts(&app).await[1..],
        ["Ecco il codice: NOV20", "Va bene, a presto"]
    );
}

#[tokio::test]
async fn a_menu_routes_each_choice_and_anything_else() {
    let app = TestApp::spawn().await;
    app.create_workflow(json!({"name": "Help", "trigger": {"type": "exact_phrase", "phrase": "aiuto"},
        "steps": [
            {"id": "menu", "type": "menu", "content": {"type": "buttons", "body": "Come posso aiutarti, {{ contact.first_name }}?",
                "buttons": [{"id": "ship", "title": "Spedizione"}, {"id": "ret", "title": "Resi"}]},
             "routes": {"ship": "ship", "ret": "ret"}, "otherwise": "other"},
            {"id": "ship", "type": "send_text", "text": "Spediamo in 24h", "next": "end"},
            {"id": "ret", "type": "send_text", "text": "Resi entro 30 giorni ({{ vars.choice_title }})", "next": "end"},
            {"id": "other", "type": "send_text", "text": "Ti passo un operatore"},
            {"id": "end", "type": "end"}]}))
        .await;
    app.inject_with(json!({"from": "+393331230030", "name": "Giulia Rossi", "text": "aiuto"}))
        .await;
    app.inject_with(
        json!({"from": "+393331230030", "type": "interactive_reply", "text": "Spedizione"}),
    )
    .await;
    app.inject("+393331230031", "aiuto").await;
    app.inject("+393331230031", "2").await;
    app.inject("+393331230032", "aiuto").await;
    app.inject("+393331230032", "boh").await;
    let all = texts(&app).await;
    assert_eq!(all[0], "Come posso aiutarti, Giulia?");
    assert_eq!(all[1], "Spediamo in 24h");
    assert_eq!(all[3], "Resi entro 30 giorni (Resi)");
    assert_eq!(all[5], "Ti passo un operatore");
    assert_eq!(app.outbox().await[0]["message_type"], "buttons");
}

#[tokio::test]
async fn rich_steps_are_checked_against_whatsapp_limits_when_saved() {
    let app = TestApp::spawn().await;
    let four = json!([{"id": "a", "title": "A"}, {"id": "b", "title": "B"}, {"id": "c", "title": "C"}, {"id": "d", "title": "D"}]);
    let cases = [
        (
            json!({"id": "s", "type": "send", "content": {"type": "buttons", "body": "x", "buttons": four}}),
            "steps[0].content.buttons",
        ),
        (
            json!({"id": "s", "type": "send", "content": {"type": "media", "kind": "image", "source": {"url": "file:///etc/passwd"}}}),
            "steps[0].content.source",
        ),
        (
            json!({"id": "s", "type": "send", "content": {"type": "telepathy"}}),
            "steps[0].content",
        ),
        (
            json!({"id": "m", "type": "menu", "content": {"type": "buttons", "body": "x", "buttons": [{"id": "a", "title": "A"}]}, "routes": {"zzz": "m"}}),
            "steps[0].routes.zzz",
        ),
        (
            json!({"id": "m", "type": "menu", "content": {"type": "template", "name": "t", "language": "it"}, "routes": {}}),
            "steps[0].content.type",
        ),
        (
            json!({"id": "m", "type": "menu", "content": {"type": "buttons", "body": "x", "buttons": [{"id": "a", "title": "A"}]}, "routes": {"a": "nowhere"}}),
            "steps[0].routes",
        ),
    ];
    for (step, field) in cases {
        let r = app
            .post(
                "/api/v1/workflows",
                json!({"name": "Bad", "trigger": {"type": "message_received"}, "steps": [step]}),
            )
            .await;
        assert_eq!(
            r.status,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "{step}: {}",
            r.body
        );
        assert!(
            r.body["error"]["field"]
                .as_str()
                .is_some_and(|f| f.starts_with(field)),
            "{step}: expected {field}, got {}",
            r.body
        );
    }
}

#[tokio::test]
async fn an_integration_call_starts_its_workflow_for_the_contact_it_names() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(json!({"name": "Order paid", "trigger": {"type": "integration", "phone": "customer.phone",
            "name": "customer.name", "fields": {"ultimo_ordine": "order.id"}, "vars": {"totale": "order.total"}},
            "steps": [{"id": "thanks", "type": "send_text",
                       "text": "Grazie {{ contact.first_name }}, ordine {{ contact.ultimo_ordine }} da {{ vars.totale }} euro ricevuto"}]}))
        .await;
    let info = app
        .get(&format!("/api/v1/workflows/{id}/integration"))
        .await
        .body;
    let secret = info["secret"].as_str().unwrap().to_string();
    let url = format!("{}{}", app.base, info["url"].as_str().unwrap());
    let call = |auth: Option<String>, body: Value| {
        let mut req = app.client.post(&url).json(&body);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let payload = json!({"customer": {"phone": "+39 333 129 0001", "name": "Luca Bianchi"}, "order": {"id": "A-77", "total": 42.5}});
    let (status, _) = call(None, payload.clone()).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    let (status, _) = call(Some("Bearer wrong".into()), payload.clone()).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    let (status, body) = call(
        Some(format!("Bearer {secret}")),
        json!({"customer": {"name": "X"}, "order": {"id": "1", "total": 1}}),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "customer.phone", "{body}");
    let (status, body) = call(
        Some(format!("Bearer {secret}")),
        json!({"customer": {"phone": "+393331290001"}, "order": {"id": "1"}}),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "order.total", "{body}");
    let (status, body) = call(
        Some(format!("Bearer {secret}")),
        json!({"customer": {"phone": "12"}, "order": {"id": "1", "total": 1}}),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "customer.phone", "{body}");
    let contacts = app.get("/api/v1/contacts").await;
    assert_eq!(
        contacts.body["data"],
        json!([]),
        "refused calls change nothing"
    );

    let (status, body) = call(Some(format!("Bearer {secret}")), payload).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
    assert!(body["run_id"].is_string());
    assert_eq!(
        texts(&app).await,
        ["Grazie Luca, ordine A-77 da 42.5 euro ricevuto"]
    );
    let contact = app.contact(body["contact_id"].as_str().unwrap()).await;
    assert_eq!(contact["phone"], "+393331290001");
    assert_eq!(contact["fields"]["ultimo_ordine"], "A-77");

    let other = app
        .create_workflow(reply_workflow(
            "Plain",
            json!({"type": "message_received"}),
            None,
            "x",
        ))
        .await;
    let r = app
        .get(&format!("/api/v1/workflows/{other}/integration"))
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_outbound_workflow_starts_for_a_list_a_csv_upload_or_a_tag() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(json!({"name": "Promo", "trigger": {"type": "outbound"},
            "steps": [{"id": "hi", "type": "send_text", "text": "Ciao {{ contact.first_name }}! {{ vars.promo | default('') }}{{ contact.citta | default('') }}"}]}))
        .await;
    let start = format!("/api/v1/workflows/{id}/start");
    let r = app
        .post(
            &start,
            json!({"phones": ["+393331300001", "+393331300002"], "vars": {"promo": "-20%"}}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["started"], 2);
    assert_eq!(texts(&app).await, ["Ciao ! -20%", "Ciao ! -20%"]);

    let csv = |body: &str| {
        app.client
            .post(format!("{}{start}", app.base))
            .bearer_auth(&app.token)
            .header("content-type", "text/csv")
            .body(body.to_string())
            .send()
    };
    let bad = csv("phone,name,citta\n+393331300003,Anna,Roma\nnon-un-numero,Bruno,Milano\n")
        .await
        .unwrap();
    assert_eq!(bad.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "csv.row[3].phone", "{body}");
    assert_eq!(texts(&app).await.len(), 2, "a bad row starts nothing");
    let ok = csv("phone,name,citta\n+393331300003,Anna,Roma\n+393331300004,Bruno,Milano\n")
        .await
        .unwrap();
    assert_eq!(ok.status(), reqwest::StatusCode::OK);
    assert_eq!(
        texts(&app).await[2..],
        ["Ciao Anna! Roma", "Ciao Bruno! Milano"]
    );

    for phone in ["+393331300005", "+393331300006"] {
        app.post(
            "/api/v1/contacts",
            json!({"phone": phone, "name": "Vip", "tags": ["vip"]}),
        )
        .await;
    }
    let r = app.post(&start, json!({"filter": {"tag": "vip"}})).await;
    assert_eq!(r.body["started"], 2, "{}", r.body);
    assert_eq!(texts(&app).await.len(), 6);

    let r = app
        .post(
            &start,
            json!({"phones": ["+393331300001"], "filter": {"tag": "vip"}}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post(&start, json!({"phones": ["123"]})).await;
    assert_eq!(r.body["error"]["field"], "phones[0]", "{}", r.body);
    let other = app
        .create_workflow(reply_workflow(
            "Plain",
            json!({"type": "message_received"}),
            None,
            "x",
        ))
        .await;
    let r = app
        .post(
            &format!("/api/v1/workflows/{other}/start"),
            json!({"phones": ["+393331300001"]}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CONFLICT);
}

#[tokio::test]
async fn notify_agent_tells_the_assigned_agent_or_everyone() {
    let app = TestApp::spawn().await;
    let agent = app
        .post(
            "/api/v1/agents",
            json!({"name": "Marta", "email": "marta@shop.it", "role": "agent"}),
        )
        .await;
    assert_eq!(agent.status, reqwest::StatusCode::CREATED, "{}", agent.body);
    let agent_id = agent.body["id"].as_str().unwrap().to_string();
    app.create_workflow(json!({"name": "Human", "trigger": {"type": "exact_phrase", "phrase": "operatore"},
        "steps": [{"id": "n", "type": "notify_agent", "text": "{{ contact.phone }} chiede un operatore"}]}))
        .await;
    app.create_workflow(json!({"name": "Assign", "trigger": {"type": "exact_phrase", "phrase": "assegna"},
        "steps": [{"id": "a", "type": "assign_agent", "agent": agent_id},
                  {"id": "n", "type": "notify_agent", "text": "Nuovo cliente per te: {{ contact.phone }}"}]}))
        .await;
    app.inject("+393331320001", "operatore").await;
    app.inject("+393331320002", "assegna").await;
    let all = app.get("/api/v1/notifications").await.body["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["agent_id"], agent_id.as_str());
    assert_eq!(all[0]["text"], "Nuovo cliente per te: +393331320002");
    assert_eq!(
        all[1]["agent_id"],
        Value::Null,
        "no assigned agent: everyone"
    );
    let mine = app
        .get(&format!("/api/v1/notifications?agent_id={agent_id}"))
        .await;
    assert_eq!(
        mine.body["data"].as_array().unwrap().len(),
        2,
        "theirs and the one for all"
    );
    let id = all[0]["id"].as_str().unwrap();
    let r = app
        .post(&format!("/api/v1/notifications/{id}/read"), json!({}))
        .await;
    assert_eq!(r.status, reqwest::StatusCode::NO_CONTENT);
    let after = app.get("/api/v1/notifications").await.body;
    assert!(after["data"][0]["read_at"].is_string());
    let r = app
        .post("/api/v1/notifications/ntf_nope/read", json!({}))
        .await;
    assert_eq!(r.status, reqwest::StatusCode::NOT_FOUND);
}
