//! SPEC §6 semantics through the API: evaluation order, exact phrases, stop_on_match, fallbacks,
//! excluded and blocked contacts, duplicate deliveries, schedules across a DST change.

use crate::harness::*;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn waiting_run_takes_the_reply_unless_it_is_an_exact_phrase() {
    let app = TestApp::spawn().await;
    app.create_workflow(json!({
        "name": "Order status", "priority": 1, "stop_on_match": true,
        "trigger": {"type": "message_received"},
        "conditions": {"type": "text", "op": "contains", "values": ["ordine"]},
        "steps": [
            {"id": "ask", "type": "send_text", "text": "Qual è il numero d'ordine?"},
            {"id": "wait", "type": "wait_for_reply"},
            {"id": "thanks", "type": "send_text", "text": "Grazie, controllo l'ordine {{vars.last_reply}}"}
        ]
    })).await;
    app.create_workflow(reply_workflow(
        "Generic",
        json!({"type": "message_received"}),
        None,
        "generic",
    ))
    .await;
    app.create_workflow(reply_workflow(
        "Menu",
        json!({"type": "exact_phrase", "phrase": "Menu"}),
        None,
        "Ecco il menu",
    ))
    .await;

    let first = app.inject("+393330000001", "info sul mio ordine").await;
    let contact = first["contact_id"].as_str().unwrap().to_string();
    assert_eq!(
        app.texts_to(&contact).await,
        vec!["Qual è il numero d'ordine?"]
    );

    // (1) the waiting run takes the reply; the generic workflow does not start.
    let reply = app.inject("+393330000001", "12345").await;
    assert_eq!(reply["outcome"], "resumed");
    assert_eq!(
        app.texts_to(&contact).await[1],
        "Grazie, controllo l'ordine 12345"
    );

    // A new waiting run, then an exact phrase: the phrase wins and the run keeps waiting.
    app.inject("+393330000001", "altro ordine").await;
    let phrase = app.inject("+393330000001", "  menu ").await;
    assert_eq!(phrase["outcome"], "matched");
    let resumed = app.inject("+393330000001", "777").await;
    assert_eq!(resumed["outcome"], "resumed");
    let texts = app.texts_to(&contact).await;
    assert_eq!(
        texts,
        vec![
            "Qual è il numero d'ordine?",
            "Grazie, controllo l'ordine 12345",
            "Qual è il numero d'ordine?",
            "Ecco il menu",
            "Grazie, controllo l'ordine 777"
        ]
    );
    assert!(
        !texts.contains(&"generic".to_string()),
        "nothing else started while a run waited"
    );

    // With no run waiting, (3) priority order: lower priority numbers first, all that match.
    let none_waiting = app.inject("+393330000001", "ciao").await;
    assert_eq!(none_waiting["outcome"], "matched");
    assert_eq!(app.texts_to(&contact).await.last().unwrap(), "generic");

    // Deleting a workflow ends its waiting runs: the next message is evaluated normally.
    app.inject("+393330000001", "ordine di nuovo").await;
    let order = app.get("/api/v1/workflows?search=order").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.request(
            reqwest::Method::DELETE,
            &format!("/api/v1/workflows/{order}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let after = app.inject("+393330000001", "42").await;
    assert_eq!(
        after["outcome"], "matched",
        "no run waits any more: {after}"
    );
    assert_eq!(app.texts_to(&contact).await.last().unwrap(), "generic");
}

#[tokio::test]
async fn priority_order_and_stop_on_match() {
    let app = TestApp::spawn().await;
    let mut second = reply_workflow(
        "Second",
        json!({"type": "message_received"}),
        None,
        "second",
    );
    second["priority"] = json!(20);
    let mut first = reply_workflow("First", json!({"type": "message_received"}), None, "first");
    first["priority"] = json!(10);
    let mut stopper = reply_workflow(
        "Stopper",
        json!({"type": "message_received"}),
        Some(json!({"type": "text", "op": "contains", "values": ["stop"]})),
        "stopped",
    );
    stopper["priority"] = json!(15);
    stopper["stop_on_match"] = json!(true);
    app.create_workflow(second).await;
    app.create_workflow(first).await;
    app.create_workflow(stopper).await;

    let a = app.inject("+393330000002", "hello").await;
    assert_eq!(
        app.texts_to(a["contact_id"].as_str().unwrap()).await,
        vec!["first", "second"]
    );
    let b = app.inject("+393330000003", "please stop").await;
    assert_eq!(
        app.texts_to(b["contact_id"].as_str().unwrap()).await,
        vec!["first", "stopped"],
        "stop_on_match ends the evaluation"
    );
}

#[tokio::test]
async fn one_active_workflow_per_phrase_and_scope() {
    let app = TestApp::spawn().await;
    let first = app
        .create_workflow(reply_workflow(
            "Catalogo",
            json!({"type": "exact_phrase", "phrase": "Catalogo"}),
            None,
            "a",
        ))
        .await;

    let dup = app
        .post(
            "/api/v1/workflows",
            reply_workflow(
                "Other",
                json!({"type": "exact_phrase", "phrase": "  catalogo "}),
                None,
                "b",
            ),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.body["error"]["field"], "trigger.phrase");
    let message = dup.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Catalogo") && message.contains(&first),
        "names the first workflow: {message}"
    );

    // An inactive one may exist, but activating it is refused the same way.
    let mut inactive = reply_workflow(
        "Other",
        json!({"type": "exact_phrase", "phrase": "catalogo"}),
        None,
        "b",
    );
    inactive["active"] = json!(false);
    let second = app.create_workflow(inactive).await;
    let act = app
        .post(&format!("/api/v1/workflows/{second}/activate"), json!({}))
        .await;
    assert_eq!(act.status, StatusCode::CONFLICT);
    let bulk = app
        .post(
            "/api/v1/workflows/bulk",
            json!({"action": "activate", "ids": [second]}),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::CONFLICT);

    // Scoped to two different numbers, the same phrase is allowed; overlapping with "all" is not.
    app.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/workflows/{first}"),
        None,
    )
    .await;
    let other_number = app
        .post("/api/v1/numbers", json!({"label": "Sales"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut on_sandbox = reply_workflow(
        "A",
        json!({"type": "exact_phrase", "phrase": "prezzi"}),
        None,
        "a",
    );
    on_sandbox["scope"] = json!({"number": app.sandbox});
    let mut on_sales = reply_workflow(
        "B",
        json!({"type": "exact_phrase", "phrase": "prezzi"}),
        None,
        "b",
    );
    on_sales["scope"] = json!({"number": other_number});
    app.create_workflow(on_sandbox).await;
    app.create_workflow(on_sales).await;
    let global = app
        .post(
            "/api/v1/workflows",
            reply_workflow(
                "C",
                json!({"type": "exact_phrase", "phrase": "prezzi"}),
                None,
                "c",
            ),
        )
        .await;
    assert_eq!(global.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn fallbacks_fire_only_when_nothing_matched() {
    // Monday 1 June 2026, 23:00 in Rome: outside business hours.
    let (app, clock) = TestApp::spawn_at("2026-06-01T21:00:00Z").await;
    let settings = json!({"time_zone": "Europe/Rome", "holidays": ["12-25"],
        "business_hours": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"], "thu": ["09:00-18:00"], "fri": ["09:00-18:00"]}});
    assert_eq!(
        app.put("/api/v1/workspace", settings).await.status,
        StatusCode::OK
    );
    app.create_workflow(reply_workflow(
        "Price",
        json!({"type": "message_received"}),
        Some(json!({"type": "text", "op": "contains", "values": ["prezzo"]})),
        "price",
    ))
    .await;
    app.create_workflow(reply_workflow(
        "Closed",
        json!({"type": "outside_business_hours"}),
        None,
        "we are closed",
    ))
    .await;
    app.create_workflow(reply_workflow(
        "Holiday",
        json!({"type": "holiday"}),
        None,
        "happy holidays",
    ))
    .await;

    let a = app.inject("+393330000010", "ciao").await;
    assert_eq!(
        app.texts_to(a["contact_id"].as_str().unwrap()).await,
        vec!["we are closed"]
    );
    let b = app.inject("+393330000011", "il prezzo?").await;
    assert_eq!(
        app.texts_to(b["contact_id"].as_str().unwrap()).await,
        vec!["price"],
        "a match means no fallback"
    );

    clock.set(utc("2026-06-01T10:00:00Z"));
    let c = app.inject("+393330000012", "ciao").await;
    assert_eq!(c["outcome"], "no_match");
    assert!(
        app.texts_to(c["contact_id"].as_str().unwrap())
            .await
            .is_empty(),
        "open: no fallback"
    );

    // Friday 25 December 2026 is both a holiday and closed: the holiday fallback comes first, alone.
    clock.set(utc("2026-12-25T10:00:00Z"));
    let d = app.inject("+393330000013", "ciao").await;
    assert_eq!(
        app.texts_to(d["contact_id"].as_str().unwrap()).await,
        vec!["happy holidays"]
    );
}

#[tokio::test]
async fn excluded_and_blocked_contacts_are_stored_but_nothing_runs_or_is_sent() {
    let (app, clock) = TestApp::spawn_at("2026-06-01T10:00:00Z").await;
    app.create_workflow(
        json!({"name": "Follow up", "trigger": {"type": "message_received"}, "steps": [
            {"type": "send_text", "text": "hi"},
            {"type": "send_text", "text": "follow-up", "when": "1h"}
        ]}),
    )
    .await;

    let first = app.inject("+393330000020", "hello").await;
    let contact = first["contact_id"].as_str().unwrap().to_string();
    assert_eq!(app.texts_to(&contact).await, vec!["hi"]);

    // Blocked while a delayed step is pending: the delayed message is not sent either.
    let blocked = app
        .patch(
            &format!("/api/v1/contacts/{contact}"),
            json!({"blocked": true}),
        )
        .await;
    assert_eq!(blocked.body["blocked"], true);
    let during = app.inject("+393330000020", "hello again").await;
    assert_eq!(during["outcome"], "blocked");
    assert!(during["runs"].as_array().unwrap().is_empty());
    clock.advance(Duration::hours(2));
    app.running.engine.run_due_steps().await.unwrap();
    let finished = eventually(5, || async {
        let runs = app
            .get(&format!("/api/v1/contacts/{contact}/runs"))
            .await
            .body;
        runs["data"][0]["state"] == "completed"
    })
    .await;
    assert!(finished, "the delayed step ran");
    assert_eq!(
        app.texts_to(&contact).await,
        vec!["hi"],
        "nothing is sent to a blocked contact"
    );
    let runs = app
        .get(&format!("/api/v1/contacts/{contact}/runs"))
        .await
        .body;
    assert_eq!(
        runs["data"][0]["history"][1]["result"],
        "skipped: the contact is blocked"
    );

    // Excluded: stored and visible, nothing runs.
    let other = app.inject("+393330000021", "first").await;
    let other_id = other["contact_id"].as_str().unwrap().to_string();
    app.patch(
        &format!("/api/v1/contacts/{other_id}"),
        json!({"excluded_from_automation": true}),
    )
    .await;
    let excluded = app.inject("+393330000021", "second").await;
    assert_eq!(excluded["outcome"], "excluded");
    assert_eq!(app.texts_to(&other_id).await, vec!["hi"]);
    let conv = excluded["conversation_id"].as_str().unwrap();
    let messages = app
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await
        .body["data"]
        .as_array()
        .cloned()
        .unwrap();
    let inbound: Vec<_> = messages
        .iter()
        .filter(|m| m["direction"] == "inbound")
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        inbound,
        vec!["first", "second"],
        "the excluded contact's message is stored"
    );
}

#[tokio::test]
async fn a_message_id_delivered_twice_is_processed_once() {
    let app = TestApp::spawn().await;
    app.create_workflow(reply_workflow(
        "Echo",
        json!({"type": "message_received"}),
        None,
        "got it",
    ))
    .await;
    let body = json!({"from": "+393330000030", "text": "hello", "message_id": "wamid.ABC123"});
    let first = app.inject_with(body.clone()).await;
    assert_eq!(first["duplicate"], false);
    // Redeliveries, some concurrent with each other.
    let again = futures_join(&app, &body, 8).await;
    assert!(again
        .iter()
        .all(|o| o["duplicate"] == true && o["outcome"] == "duplicate"));
    let contact = first["contact_id"].as_str().unwrap();
    assert_eq!(app.texts_to(contact).await, vec!["got it"]);
    let conv = first["conversation_id"].as_str().unwrap();
    let messages = app
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await
        .body["data"]
        .as_array()
        .cloned()
        .unwrap();
    assert_eq!(
        messages
            .iter()
            .filter(|m| m["direction"] == "inbound")
            .count(),
        1
    );
    // A different id with the same text is a different message.
    let other = app
        .inject_with(json!({"from": "+393330000030", "text": "hello", "message_id": "wamid.XYZ"}))
        .await;
    assert_eq!(other["duplicate"], false);
    assert_eq!(app.texts_to(contact).await.len(), 2);
}

async fn futures_join(app: &TestApp, body: &serde_json::Value, n: usize) -> Vec<serde_json::Value> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let client = app.client.clone();
        let url = format!(
            "{}/api/v1/numbers/{}/sandbox/inbound",
            app.base, app.sandbox
        );
        let token = app.token.clone();
        let body = body.clone();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn schedule_condition_and_next_business_day_follow_rome_across_dst() {
    // Saturday 28 March 2026, 08:30 in Rome (CET, UTC+1).
    let (app, clock) = TestApp::spawn_at("2026-03-28T07:30:00Z").await;
    app.put("/api/v1/workspace", json!({"time_zone": "Europe/Rome", "business_hours": {"mon": ["09:00-18:00"], "fri": ["09:00-18:00"]}})).await;
    app.create_workflow(reply_workflow(
        "Weekend desk",
        json!({"type": "message_received"}),
        Some(
            json!({"type": "schedule", "hours": {"sat": ["09:00-18:00"], "sun": ["09:00-18:00"]}}),
        ),
        "weekend desk open",
    ))
    .await;
    app.create_workflow(json!({"name": "Callback", "trigger": {"type": "exact_phrase", "phrase": "callback"},
        "steps": [{"type": "send_text", "text": "we call you back", "when": "next business day 09:00"}]})).await;

    let a = app.inject("+393330000040", "hi").await;
    assert_eq!(a["outcome"], "no_match", "08:30 CET is before opening");
    // Sunday 29 March, 07:30 UTC is 09:30 CEST (UTC+2): open, though it would be 08:30 at UTC+1.
    clock.set(utc("2026-03-29T07:30:00Z"));
    let b = app.inject("+393330000041", "hi").await;
    assert_eq!(
        app.texts_to(b["contact_id"].as_str().unwrap()).await,
        vec!["weekend desk open"]
    );
    // 16:30 UTC is 18:30 CEST: closed.
    clock.set(utc("2026-03-29T16:30:00Z"));
    assert_eq!(
        app.inject("+393330000042", "hi").await["outcome"],
        "no_match"
    );

    // Sunday: the next business day is Monday 30 March at 09:00 CEST = 07:00 UTC.
    let c = app.inject("+393330000043", "callback").await;
    let contact = c["contact_id"].as_str().unwrap().to_string();
    clock.set(utc("2026-03-30T06:59:00Z"));
    assert_eq!(app.running.engine.run_due_steps().await.unwrap(), 0);
    assert!(app.texts_to(&contact).await.is_empty());
    clock.set(utc("2026-03-30T07:00:00Z"));
    let fired = eventually(5, || async {
        app.texts_to(&contact).await == vec!["we call you back"]
    })
    .await;
    assert!(
        fired,
        "the delayed step fires at 09:00 local on the next business day"
    );
}
