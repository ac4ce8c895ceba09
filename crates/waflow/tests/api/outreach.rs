//! Opt-out and the smaller campaign rules: stop words (default and the workspace's own), the
//! confirmation, conversations going on, campaigns skipping opted-out contacts; a scheduled
//! campaign cancelled; a campaign that starts a workflow per recipient; a free message that
//! reaches only contacts inside the 24-hour window of a Cloud API number.

use crate::harness::{eventually, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use waflow_channels::cloud_api::signature;
use waflow_engine::clock::SystemClock;
use waflow_testkit::FakeGraph;

async fn contact_of(app: &TestApp, phone: &str) -> Value {
    let found = app
        .get(&format!("/api/v1/contacts?search={}", &phone[1..]))
        .await;
    found.body["data"][0].clone()
}

/// The server with a Cloud API number (`line`, app secret `sec`) sending to a Graph stand-in.
async fn cloud_app(line: &str) -> (TestApp, FakeGraph, String) {
    let graph = FakeGraph::start().await.unwrap();
    let url = graph.base_url().to_string();
    let app = TestApp::spawn_configured(Arc::new(SystemClock), |c| c.graph_url = url).await;
    let r = app
        .post(
            "/api/v1/numbers",
            json!({"label": "Shop", "channel": "cloud_api", "cloud_api": {
            "phone_number_id": line, "waba_id": "102290129340398", "access_token": "t",
            "app_secret": "sec", "verify_token": "v", "messaging_limit": "unlimited"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let number = r.body["id"].as_str().unwrap().to_string();
    (app, graph, number)
}

async fn settled(app: &TestApp, id: &str) -> Value {
    assert!(
        eventually(20, || async {
            app.get(&format!("/api/v1/campaigns/{id}")).await.body["state"] == "completed"
        })
        .await,
        "campaign {id} completes: {}",
        app.get(&format!("/api/v1/campaigns/{id}")).await.body
    );
    app.get(&format!("/api/v1/campaigns/{id}")).await.body
}

#[tokio::test]
async fn a_stop_word_opts_out_of_marketing_and_conversations_go_on() {
    let app = TestApp::spawn().await;
    app.create_workflow(
        json!({"name": "Hello", "trigger": {"type": "message_received"},
        "steps": [{"type": "send_text", "text": "Ciao!"}]}),
    )
    .await;
    let words = app.get("/api/v1/workspace/opt-out").await.body;
    assert_eq!(
        words["words"],
        json!([
            "STOP",
            "STOP ALL",
            "ANNULLA",
            "DISISCRIVIMI",
            "DÉSABONNER",
            "BAJA"
        ])
    );

    let out = app.inject("+393331110001", " stop! ").await;
    assert_eq!(out["outcome"], "opted_out", "{out}");
    let giulia = contact_of(&app, "+393331110001").await;
    assert_eq!(giulia["opted_out"], true, "{giulia}");
    assert!(
        eventually(10, || async {
            app.outbox_texts()
                .await
                .iter()
                .any(|t| t.starts_with("You will no longer receive marketing"))
        })
        .await
    );
    // Conversations and workflows go on.
    let out = app.inject("+393331110001", "Ciao").await;
    assert_eq!(out["outcome"], "matched", "{out}");

    // The workspace's own words and reply.
    let r = app
        .put(
            "/api/v1/workspace/opt-out",
            json!({"words": ["BASTA"], "reply": "Va bene, niente più promozioni."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let out = app.inject("+393331110002", "Basta").await;
    assert_eq!(out["outcome"], "opted_out");
    assert!(
        eventually(10, || async {
            app.outbox_texts()
                .await
                .contains(&"Va bene, niente più promozioni.".to_string())
        })
        .await
    );
    let out = app.inject("+393331110003", "STOP").await;
    assert_eq!(
        out["outcome"], "matched",
        "STOP is no longer a stop word: {out}"
    );
    let bad = app
        .put("/api/v1/workspace/opt-out", json!({"words": ["!!"]}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["error"]["field"], "words[0]");

    // A campaign skips the two who opted out, with the reason; the third gets it.
    app.patch(
        &format!("/api/v1/numbers/{}", app.sandbox),
        json!({"marketing": true}),
    )
    .await;
    let plan = json!({"audience": {"all": true}, "number_ids": [app.sandbox],
                      "content": {"text": "Promo per {{ contact.phone }}"}});
    let preview = app.post("/api/v1/campaigns/preview", plan.clone()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.body["skipped"]["opted_out"], 2, "{}", preview.body);
    assert_eq!(preview.body["sendable"], 1);
    assert_eq!(preview.body["sample"]["text"], "Promo per +393331110003");
    let mut body = plan;
    body["name"] = json!("Saldi");
    let created = app.post("/api/v1/campaigns", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let done = settled(&app, id).await;
    assert_eq!(done["totals"]["sent"], 1, "{done}");
    assert_eq!(done["totals"]["skipped"], 2, "{done}");
    let skipped = app
        .get(&format!("/api/v1/campaigns/{id}/recipients?status=skipped"))
        .await;
    for r in skipped.body["data"].as_array().unwrap() {
        assert!(
            r["reason"].as_str().unwrap().starts_with("opted out"),
            "{r}"
        );
    }
    assert!(app
        .outbox_texts()
        .await
        .contains(&"Promo per +393331110003".to_string()));

    // Opted back in by a person.
    let back = app
        .patch(
            &format!("/api/v1/contacts/{}", giulia["id"].as_str().unwrap()),
            json!({"opted_out": false}),
        )
        .await;
    assert_eq!(back.body["opted_out"], false, "{}", back.body);
}

#[tokio::test]
async fn campaigns_are_cancelled_start_workflows_and_refuse_numbers_without_marketing() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        let r = app
            .post(
                "/api/v1/contacts",
                json!({"phone": format!("+39333222000{i}"), "tags": ["vip"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let plan = |content: Value| json!({"name": "Test", "audience": {"tag": "vip"}, "number_ids": [app.sandbox], "content": content});
    let off = app
        .post("/api/v1/campaigns", plan(json!({"text": "hi"})))
        .await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(off.body["error"]["field"], "number_ids[0]");
    assert!(off.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("marketing module off"));
    app.patch(
        &format!("/api/v1/numbers/{}", app.sandbox),
        json!({"marketing": true}),
    )
    .await;
    let bad = app
        .post(
            "/api/v1/campaigns",
            json!({"name": "x", "audience": {"list": "a", "tag": "b"},
              "number_ids": [app.sandbox], "content": {"text": "hi"}}),
        )
        .await;
    assert_eq!(bad.body["error"]["field"], "audience", "{}", bad.body);

    // Scheduled for later, then cancelled: every recipient cancelled, nothing sent.
    let mut later = plan(json!({"text": "Later"}));
    later["start_at"] = json!("2040-01-01T09:00:00+01:00");
    let c = app.post("/api/v1/campaigns", later).await;
    assert_eq!(c.body["state"], "scheduled", "{}", c.body);
    let id = c.body["id"].as_str().unwrap().to_string();
    let cancelled = app
        .post(&format!("/api/v1/campaigns/{id}/cancel"), json!({}))
        .await;
    assert_eq!(cancelled.body["state"], "cancelled");
    assert_eq!(
        cancelled.body["totals"]["cancelled"], 5,
        "{}",
        cancelled.body
    );
    let again = app
        .post(&format!("/api/v1/campaigns/{id}/resume"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // A workflow started for each recipient.
    let wf = app
        .create_workflow(json!({"name": "Follow-up", "trigger": {"type": "outbound"},
            "steps": [{"type": "send_text", "text": "Ciao {{ contact.phone }}, novità!"}]}))
        .await;
    let c = app
        .post("/api/v1/campaigns", plan(json!({"workflow_id": wf})))
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
    let done = settled(&app, c.body["id"].as_str().unwrap()).await;
    assert_eq!(done["totals"]["sent"], 5, "{done}");
    let texts = app.outbox_texts().await;
    assert_eq!(
        texts.iter().filter(|t| t.ends_with("novità!")).count(),
        5,
        "{texts:?}"
    );
    assert!(!texts.contains(&"Later".to_string()));
}

#[tokio::test]
async fn a_free_message_reaches_only_contacts_inside_the_window() {
    let (app, graph, number) = cloud_app("5065403522001").await;
    app.patch(
        &format!("/api/v1/numbers/{number}"),
        json!({"marketing": true}),
    )
    .await;
    for i in 0..3 {
        app.post(
            "/api/v1/contacts",
            json!({"phone": format!("+39333444000{i}"), "tags": ["news"]}),
        )
        .await;
    }
    // One of them wrote an hour ago... well, just now.
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": "5065403522001"},
                  "contacts": [{"profile": {"name": "A"}, "wa_id": "393334440001"}],
                  "messages": [{"from": "393334440001", "id": "wamid.w1", "timestamp": "1763719200", "type": "text", "text": {"body": "info"}}]}}]}]});
    let bytes = serde_json::to_vec(&body).unwrap();
    let r = app
        .client
        .post(format!("{}/webhooks/cloud_api/{number}", app.base))
        .header("content-type", "application/json")
        .header("X-Hub-Signature-256", signature::sign(b"sec", &bytes))
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        eventually(10, || async {
            app.get("/api/v1/conversations").await.body["data"]
                .as_array()
                .unwrap()
                .len()
                == 1
        })
        .await
    );
    let plan = json!({"name": "News", "audience": {"tag": "news"}, "number_ids": [number],
                      "content": {"text": "Novità in negozio"}});
    let preview = app.post("/api/v1/campaigns/preview", plan.clone()).await;
    let warnings = preview.body["warnings"].to_string();
    assert!(warnings.contains("last 24"), "{}", preview.body);
    let c = app.post("/api/v1/campaigns", plan).await;
    let done = settled(&app, c.body["id"].as_str().unwrap()).await;
    assert_eq!(done["totals"]["sent"], 1, "{done}");
    assert_eq!(done["totals"]["skipped"], 2, "{done}");
    let skipped = app
        .get(&format!(
            "/api/v1/campaigns/{}/recipients?status=skipped",
            c.body["id"].as_str().unwrap()
        ))
        .await;
    for r in skipped.body["data"].as_array().unwrap() {
        assert!(r["reason"].as_str().unwrap().contains("24-hour"), "{r}");
    }
    let sent = graph.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["to"].as_str().unwrap().trim_start_matches('+'),
        "393334440001"
    );
}

#[tokio::test]
async fn a_scheduled_free_message_outside_the_window_warns_fails_or_takes_its_fallback() {
    let (app, graph, number) = cloud_app("5065403522009").await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let plain = app
        .post(
            "/api/v1/scheduled",
            json!({"number_id": number, "phone": "+393335550001", "at": soon,
            "time_zone": "UTC", "text": "Il tuo ordine è pronto"}),
        )
        .await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.body);
    let warning = plain.body["warnings"][0].as_str().unwrap_or_default();
    assert!(
        warning.contains("outside the 24-hour window"),
        "{}",
        plain.body
    );
    let fallback = json!({"type": "template", "name": "order_ready", "language": "it"});
    let covered = app
        .post(
            "/api/v1/scheduled",
            json!({"number_id": number, "phone": "+393335550002", "at": soon,
            "time_zone": "UTC", "text": "Il tuo ordine è pronto", "fallback": fallback}),
        )
        .await;
    assert_eq!(covered.status, StatusCode::CREATED, "{}", covered.body);
    assert_eq!(covered.body["warnings"], json!([]), "a fallback covers it");
    let (plain_id, covered_id) = (
        plain.body["id"].as_str().unwrap().to_string(),
        covered.body["id"].as_str().unwrap().to_string(),
    );
    assert!(
        eventually(15, || async {
            app.get(&format!("/api/v1/scheduled/{plain_id}")).await.body["state"] == "failed"
                && app
                    .get(&format!("/api/v1/scheduled/{covered_id}"))
                    .await
                    .body["state"]
                    == "sent"
        })
        .await,
        "{} / {}",
        app.get(&format!("/api/v1/scheduled/{plain_id}")).await.body,
        app.get(&format!("/api/v1/scheduled/{covered_id}"))
            .await
            .body
    );
    let failed = app.get(&format!("/api/v1/scheduled/{plain_id}")).await.body;
    assert!(
        failed["error"].as_str().unwrap().contains("24-hour"),
        "{failed}"
    );
    let sent = graph.sent_messages();
    assert_eq!(
        sent.len(),
        1,
        "only the fallback template reached WhatsApp: {sent:?}"
    );
    assert_eq!(sent[0]["template"]["name"], "order_ready");
    let failed_tab = app.get("/api/v1/scheduled?tab=failed").await.body;
    assert_eq!(failed_tab["data"].as_array().unwrap().len(), 1);
}
