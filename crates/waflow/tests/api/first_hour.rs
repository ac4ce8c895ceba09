//! The first hour (issue 18), through the API the dashboard uses: the first owner created from the
//! browser, the checklist that ticks itself, the builder's test chat deciding a draft as live would
//! (with the why), overlapping flows, human takeover, the conversation list (last message, unread,
//! search, no 1970 dates), the home page's figures and a Cloud API number's connection check.

use crate::cloud_api::CloudApp;
use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn the_first_owner_is_created_from_the_browser_once() {
    let app = TestApp::spawn().await;
    let anonymous = |method: Method, body: Option<Value>| {
        let app = &app;
        async move { app.request_as(None, method, "/api/v1/setup", body).await }
    };
    let state = anonymous(Method::GET, None).await;
    assert_eq!(state.status, StatusCode::OK);
    assert_eq!(state.body["needs_owner"], true, "{}", state.body);

    let short = anonymous(
        Method::POST,
        Some(json!({"email": "anna@bottega.it", "password": "short", "name": "Anna"})),
    )
    .await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        short.body
    );
    assert_eq!(short.body["error"]["field"], "password");
    let no_name = anonymous(
        Method::POST,
        Some(json!({"email": "anna@bottega.it", "password": "una password lunga"})),
    )
    .await;
    assert_eq!(no_name.body["error"]["field"], "name", "{}", no_name.body);
    assert_eq!(anonymous(Method::GET, None).await.body["needs_owner"], true);

    let created = anonymous(
        Method::POST,
        Some(json!({"email": "Anna@Bottega.it", "password": "una password lunga", "name": "Anna"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["agent"]["role"], "owner");
    let token = created.body["token"].as_str().expect("a token").to_string();
    let me = app
        .request_as(Some(&token), Method::GET, "/api/v1/auth/me", None)
        .await;
    assert_eq!(me.body["agent"]["email"], "anna@bottega.it", "{}", me.body);
    // The owner is in the workspace the server started with: they see its sandbox number.
    let numbers = app
        .request_as(Some(&token), Method::GET, "/api/v1/numbers", None)
        .await;
    assert_eq!(numbers.body["data"][0]["id"], app.sandbox.as_str());

    assert_eq!(
        anonymous(Method::GET, None).await.body["needs_owner"],
        false
    );
    let again = anonymous(
        Method::POST,
        Some(json!({"email": "mallory@example.com", "password": "take the server over", "name": "M"})),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let agents = app.get("/api/v1/agents").await.body;
    let agents = agents["data"].as_array().or(agents.as_array()).cloned();
    assert_eq!(agents.map(|a| a.len()), Some(1), "no second owner");
}

/// A live flow answering messages that contain "prezzo".
fn price_flow() -> Value {
    reply_workflow(
        "Prezzi",
        json!({"type": "message_received"}),
        Some(json!({"all": [{"type": "text", "op": "contains", "values": ["prezzo"]}]})),
        "Costa 10 euro",
    )
}

/// A draft that answers "prezzo", waits for the reply and thanks.
fn price_draft() -> Value {
    json!({"name": "Prezzi", "active": false, "trigger": {"type": "message_received"},
           "conditions": {"all": [{"type": "text", "op": "contains", "values": ["prezzo"]}]},
           "steps": [{"id": "price", "type": "send_text", "text": "Costa 10 euro"},
                     {"id": "wait", "type": "wait_for_reply"},
                     {"id": "thanks", "type": "send_text", "text": "Grazie!"}]})
}

#[tokio::test]
async fn the_test_chat_decides_the_draft_as_live_would_and_says_why_not() {
    let app = TestApp::spawn().await;
    let empty = app.get("/api/v1/onboarding").await.body;
    assert_eq!(
        empty,
        json!({"number_connected": true, "workflow_created": false, "draft_tested": false,
               "workflow_published": false})
    );
    let live = app
        .create_workflow(reply_workflow(
            "Saluti",
            json!({"type": "message_received"}),
            Some(json!({"all": [{"type": "text", "op": "contains", "values": ["ciao"]}]})),
            "risposta live",
        ))
        .await;
    let draft = app.create_workflow(price_draft()).await;
    let onboarding = app.get("/api/v1/onboarding").await.body;
    assert_eq!(onboarding["draft_tested"], false, "{onboarding}");
    let test = |from: &str, text: &str| {
        let (app, path) = (&app, format!("/api/v1/workflows/{draft}/test"));
        let body = json!({"from": from, "text": text});
        async move { app.post(&path, body).await }
    };

    let started = test("+390000000001", "quanto costa? prezzo").await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    assert_eq!(started.body["outcome"], "started");
    assert_eq!(replies(&app, 1).await, vec!["Costa 10 euro"]);

    // The contact's answer resumes the test run; the live "ciao" workflow never sees it.
    let resumed = test("+390000000001", "ciao, va bene").await;
    assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.body);
    assert_eq!(resumed.body["outcome"], "resumed", "{}", resumed.body);
    assert_eq!(resumed.body["run_id"], started.body["run_id"]);
    assert_eq!(
        resumed.body["test_version"], started.body["test_version"],
        "one test version for one draft"
    );
    assert_eq!(replies(&app, 2).await, vec!["Costa 10 euro", "Grazie!"]);

    let not_matched = test("+390000000002", "ciao").await;
    assert_eq!(not_matched.status, StatusCode::OK);
    assert_eq!(
        not_matched.body["outcome"], "not_matched",
        "{}",
        not_matched.body
    );
    let reason = not_matched.body["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("prezzo"),
        "the why names the condition: {reason}"
    );
    let why = &not_matched.body["why"][0];
    assert_eq!(why["passed"], false, "{}", not_matched.body);
    assert_eq!(why["path"], "conditions.all[0]");
    assert_eq!(why["value"], "ciao");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let texts = app.outbox_texts().await;
    assert!(!texts.contains(&"risposta live".to_string()), "{texts:?}");
    assert_eq!(texts.len(), 2, "{texts:?}");

    // The same message on the sandbox reaches the live workflow: the test chat kept it out.
    app.inject("+390000000003", "ciao").await;
    assert!(replies(&app, 3)
        .await
        .contains(&"risposta live".to_string()));
    let onboarding = app.get("/api/v1/onboarding").await.body;
    assert_eq!(onboarding["draft_tested"], true, "{onboarding}");
    assert_eq!(onboarding["workflow_created"], true);
    assert_eq!(
        onboarding["workflow_published"], true,
        "the live flow is active"
    );
    let _ = live;

    let bad = app
        .post(
            &format!("/api/v1/workflows/{draft}/test"),
            json!({"from": "+390000000001", "text": " "}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["error"]["field"], "text");
}

#[tokio::test]
async fn flows_that_would_take_the_same_messages_are_named() {
    let app = TestApp::spawn().await;
    let keyword =
        |word: &str| Some(json!({"all": [{"type": "text", "op": "contains", "values": [word]}]}));
    let any = json!({"type": "message_received"});
    let first = app
        .create_workflow(reply_workflow(
            "Listino",
            any.clone(),
            keyword("prezzo"),
            "a",
        ))
        .await;
    app.post(&format!("/api/v1/workflows/{first}/activate"), json!({}))
        .await;
    let mut second_doc = reply_workflow("Prezzi nuovi", any.clone(), keyword("Prezzo"), "b");
    second_doc["active"] = json!(false);
    let second = app.create_workflow(second_doc.clone()).await;
    let overlaps = app
        .get(&format!("/api/v1/workflows/{second}/overlaps"))
        .await;
    assert_eq!(overlaps.status, StatusCode::OK);
    let list = overlaps.body["overlaps"]
        .as_array()
        .expect("a list")
        .clone();
    assert_eq!(list.len(), 1, "{}", overlaps.body);
    assert_eq!(list[0]["workflow_id"], first.as_str());
    assert_eq!(list[0]["name"], "Listino");
    assert!(
        list[0]["reason"].as_str().unwrap().contains("prezzo"),
        "{}",
        list[0]
    );

    // A draft at another priority no longer overlaps.
    second_doc["priority"] = json!(10);
    let saved = app
        .put(&format!("/api/v1/workflows/{second}/draft"), second_doc)
        .await;
    assert!(saved.status.is_success(), "{}", saved.body);
    let overlaps = app
        .get(&format!("/api/v1/workflows/{second}/overlaps"))
        .await;
    assert_eq!(overlaps.body["overlaps"], json!([]), "{}", overlaps.body);
}

/// The sandbox conversation of `phone`.
async fn conversation_of(app: &TestApp, phone: &str) -> Value {
    let list = app.get("/api/v1/conversations").await.body;
    list["data"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|c| c["contact_phone"] == phone)
        .cloned()
        .unwrap_or_else(|| panic!("no conversation with {phone}: {list}"))
}

#[tokio::test]
async fn an_agent_writing_pauses_automation_for_that_contact_until_resumed() {
    let app = TestApp::spawn().await;
    let flow = app.create_workflow(price_flow()).await;
    let mut hours = reply_workflow(
        "Orari",
        json!({"type": "exact_phrase", "phrase": "orari"}),
        None,
        "9-18",
    );
    hours["during_takeover"] = json!(true);
    app.create_workflow(hours).await;
    let agent = app
        .post(
            "/api/v1/agents",
            json!({"name": "Marco", "email": "marco@bottega.it", "role": "agent"}),
        )
        .await;
    assert_eq!(agent.status, StatusCode::CREATED, "{}", agent.body);
    let agent = agent.body["id"].as_str().unwrap().to_string();
    let phone = "+393331110001";
    app.inject(phone, "prezzo?").await;
    assert_eq!(replies(&app, 1).await, vec!["Costa 10 euro"]);
    let conversation = conversation_of(&app, phone).await;
    assert!(
        conversation["automation_paused_until"].is_null(),
        "{conversation}"
    );
    let id = conversation["id"].as_str().unwrap().to_string();

    let sent = app
        .post(
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"text": "Ciao, sono Marco: ti aiuto io", "agent_id": agent}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let paused = app.get(&format!("/api/v1/conversations/{id}")).await.body;
    let until = utc(paused["automation_paused_until"].as_str().expect("paused"));
    let hours_left = (until - chrono::Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours_left), "{paused}");

    let quiet = app.inject(phone, "e il prezzo della borsa?").await;
    assert_eq!(quiet["outcome"], "paused", "{quiet}");
    assert!(quiet["runs"].as_array().unwrap().is_empty());
    let log = app
        .get(&format!(
            "/api/v1/logs/{}",
            quiet["log_id"].as_str().unwrap()
        ))
        .await
        .body;
    assert!(
        log["summary"]
            .as_str()
            .unwrap()
            .contains("took this conversation over"),
        "{log}"
    );
    // A workflow that keeps running during a takeover still answers.
    let hours_out = app.inject(phone, "orari").await;
    assert_eq!(hours_out["outcome"], "matched", "{hours_out}");
    let texts = replies(&app, 3).await;
    assert_eq!(
        texts.iter().filter(|t| *t == "Costa 10 euro").count(),
        1,
        "{texts:?}"
    );
    assert!(texts.contains(&"9-18".to_string()));

    let resumed = app
        .post(
            &format!("/api/v1/conversations/{id}/automation/resume"),
            json!({}),
        )
        .await;
    assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.body);
    assert!(
        resumed.body["automation_paused_until"].is_null(),
        "{}",
        resumed.body
    );
    let again = app.inject(phone, "prezzo!").await;
    assert_eq!(again["outcome"], "matched", "{again}");

    // takeover_hours 0: a person writing pauses nothing; out of range is refused by name.
    let off = app
        .put("/api/v1/workspace", json!({"takeover_hours": 0}))
        .await;
    assert_eq!(off.body["takeover_hours"], 0, "{}", off.body);
    app.post(
        &format!("/api/v1/conversations/{id}/messages"),
        json!({"text": "ancora io", "agent_id": agent}),
    )
    .await;
    let conversation = app.get(&format!("/api/v1/conversations/{id}")).await.body;
    assert!(
        conversation["automation_paused_until"].is_null(),
        "{conversation}"
    );
    let bad = app
        .put("/api/v1/workspace", json!({"takeover_hours": 721}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["error"]["field"], "takeover_hours");
    let _ = flow;
}

#[tokio::test]
async fn conversations_show_their_last_message_unread_count_and_are_searchable() {
    let app = TestApp::spawn().await;
    app.inject("+393331110011", "Buongiorno, avete la taglia M?")
        .await;
    app.inject("+393331110011", "e in rosso?").await;
    app.inject("+393331110022", "Ciao").await;
    let first = conversation_of(&app, "+393331110011").await;
    assert_eq!(first["unread"], 2, "{first}");
    assert_eq!(first["last_message"]["text"], "e in rosso?");
    assert_eq!(first["last_message"]["direction"], "in");
    assert!(first["last_message_at"].is_string(), "{first}");
    let id = first["id"].as_str().unwrap();

    let read = app
        .post(&format!("/api/v1/conversations/{id}/read"), json!({}))
        .await;
    assert_eq!(read.status, StatusCode::NO_CONTENT, "{}", read.body);
    assert_eq!(conversation_of(&app, "+393331110011").await["unread"], 0);
    app.post(
        &format!("/api/v1/conversations/{id}/messages"),
        json!({"text": "Sì, certo"}),
    )
    .await;
    let after = conversation_of(&app, "+393331110011").await;
    assert_eq!(after["last_message"]["text"], "Sì, certo");
    assert_eq!(after["last_message"]["direction"], "out");
    assert!(after["last_message"]["status"].is_string(), "{after}");
    assert_eq!(after["unread"], 0);

    let search = |q: &str| {
        let app = &app;
        let q = q.to_string();
        async move {
            let body = app.get(&format!("/api/v1/conversations?q={q}")).await.body;
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["contact_phone"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("TAGLIA").await, vec!["+393331110011"]);
    assert_eq!(search("110022").await, vec!["+393331110022"]);
    assert!(search("nessuno").await.is_empty());

    // A conversation the contact never wrote in (a test run opened it) has no 1970 date.
    let wf = app
        .create_workflow(reply_workflow(
            "Benvenuto",
            json!({"type": "message_received"}),
            None,
            "Ciao!",
        ))
        .await;
    let run = app
        .post(
            &format!("/api/v1/workflows/{wf}/test"),
            json!({"from": "+393331110033"}),
        )
        .await;
    assert_eq!(run.status, StatusCode::CREATED, "{}", run.body);
    let opened = conversation_of(&app, "+393331110033").await;
    assert!(opened["last_message_at"].is_null(), "{opened}");
    assert!(!opened.to_string().contains("1970"), "{opened}");
}

#[tokio::test]
async fn the_home_page_counts_messages_runs_and_replies_per_local_day() {
    let app = TestApp::spawn().await;
    let flow = app.create_workflow(price_flow()).await;
    let before = app.get("/api/v1/stats?days=7").await.body;
    let days = before["days"].as_array().expect("days");
    assert_eq!(days.len(), 7, "{before}");
    assert!(days.iter().all(|d| d["messages_in"] == 0), "{before}");
    app.inject("+393331110044", "prezzo?").await;
    app.inject("+393331110044", "grazie").await;
    replies(&app, 1).await;
    let stats = app.get("/api/v1/stats?days=30").await.body;
    assert_eq!(stats["days"].as_array().unwrap().len(), 30);
    let today = stats["days"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(today["messages_in"], 2, "{stats}");
    assert_eq!(today["messages_out"], 1);
    assert_eq!(today["runs"], 1);
    assert_eq!(today["failures"], 0);
    let per_flow = &stats["workflows"][0];
    assert_eq!(per_flow["workflow_id"], flow.as_str(), "{stats}");
    assert_eq!(
        (per_flow["runs"].clone(), per_flow["replies"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(stats["numbers"][0]["status"], "connected");
    let bad = app.get("/api/v1/stats?days=12").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["error"]["field"], "days");
}

#[tokio::test]
async fn a_cloud_api_number_shows_its_webhook_settings_and_checks_its_connection() {
    let cloud = CloudApp::start().await;
    let app = &cloud.app;
    let number = app
        .get(&format!("/api/v1/numbers/{}", cloud.number))
        .await
        .body;
    assert_eq!(
        number["webhook_path"],
        format!("/webhooks/cloud_api/{}", cloud.number),
        "{number}"
    );
    assert_eq!(number["verify_token"], "verify-me");
    // An agent reads the number without its webhook settings.
    let workspace = app.get("/api/v1/workspace").await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let store = app.running.store.as_ref();
    let marco = store
        .insert_agent(&workspace, "Marco", "marco@bottega.it", "agent")
        .await
        .unwrap();
    let token = waflow_server::issue_token(store, &workspace, "dashboard", Some(&marco.id), None)
        .await
        .unwrap();
    let seen = app
        .request_as(
            Some(&token),
            Method::GET,
            &format!("/api/v1/numbers/{}", cloud.number),
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert!(
        seen.body["verify_token"].is_null() && seen.body["webhook_path"].is_null(),
        "{}",
        seen.body
    );
    let checked = app
        .post(
            &format!("/api/v1/numbers/{}/check", cloud.number),
            json!({}),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert_eq!(checked.body["ok"], true, "{}", checked.body);
    assert_eq!(checked.body["verified_name"], "Bottega Test");
    assert_eq!(checked.body["display_phone"], "+39 333 000 0000");
    let asked = cloud.graph.requests();
    assert!(
        asked
            .iter()
            .any(|r| r.path.ends_with(crate::cloud_api::PHONE_NUMBER_ID)
                && r.query
                    .as_deref()
                    .is_some_and(|q| q.contains("verified_name"))),
        "the check called the Graph API"
    );
    // Meta refusing the token is the check's answer, in words.
    cloud.graph.require_token("another-token");
    let refused = app
        .post(
            &format!("/api/v1/numbers/{}/check", cloud.number),
            json!({}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(refused.body["ok"], false, "{}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{}",
        refused.body
    );
    // The sandbox is not a Cloud API number.
    let sandbox = app
        .post(&format!("/api/v1/numbers/{}/check", app.sandbox), json!({}))
        .await;
    assert_eq!(sandbox.status, StatusCode::CONFLICT, "{}", sandbox.body);
}
