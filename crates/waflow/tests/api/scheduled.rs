//! Scheduled messages: local times across a DST change, edit and cancel while pending, tabs and
//! periods, refusals naming their field — and 1,000 messages for one moment surviving a SIGKILL
//! two seconds before it, each reaching the Graph API stand-in exactly once.

use crate::crash::{serve_with, signal, token};
use crate::harness::{eventually, TestApp};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use reqwest::Client;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use waflow_testkit::FakeGraph;

#[tokio::test]
async fn nine_in_rome_goes_at_nine_after_the_dst_change_and_a_cancelled_one_never_goes() {
    // Saturday 28 March 2026, noon in Rome; the clocks go forward that night.
    let (app, clock) = TestApp::spawn_at("2026-03-28T11:00:00Z").await;
    let r = app
        .put("/api/v1/workspace", json!({"time_zone": "Europe/Rome"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new = |text: &str| json!({"number_id": app.sandbox, "phone": "+39 333 123 4567", "at": "2026-03-30T09:00", "text": text});
    let first = app.post("/api/v1/scheduled", new("Buongiorno!")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["state"], "pending");
    assert_eq!(first.body["time_zone"], "Europe/Rome");
    assert_eq!(first.body["phone"], "+393331234567");
    // After the change Rome is UTC+2: 09:00 local is 07:00 UTC.
    assert_eq!(first.body["due_at"], "2026-03-30T07:00:00Z");
    let id = first.body["id"].as_str().unwrap().to_string();
    let second = app.post("/api/v1/scheduled", new("Never sent")).await;
    let other = second.body["id"].as_str().unwrap().to_string();

    // Edit one, cancel the other, while pending.
    let edited = app
        .patch(
            &format!("/api/v1/scheduled/{id}"),
            json!({"text": "Buongiorno, Giulia!"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["text"], "Buongiorno, Giulia!");
    let cancelled = app
        .post(&format!("/api/v1/scheduled/{other}/cancel"), json!({}))
        .await;
    assert_eq!(cancelled.body["state"], "cancelled");
    let again = app
        .post(&format!("/api/v1/scheduled/{other}/cancel"), json!({}))
        .await;
    assert_eq!(again.status, 409, "{}", again.body);

    let tab = |name: &str| {
        let app = &app;
        let path = format!("/api/v1/scheduled?tab={name}");
        async move { app.get(&path).await.body["data"].as_array().unwrap().len() }
    };
    assert_eq!(tab("pending").await, 1);
    assert_eq!(tab("cancelled").await, 1);
    assert_eq!(tab("sent").await, 0);
    assert_eq!(tab("all").await, 2);

    // One second before 09:00 local nothing goes; at 09:00 it does.
    clock.set(crate::harness::utc("2026-03-30T06:59:59Z"));
    app.running.engine.fire_scheduled().await.unwrap();
    assert!(app.outbox_texts().await.is_empty(), "not before its time");
    clock.set(crate::harness::utc("2026-03-30T07:00:00Z"));
    assert!(
        eventually(10, || async {
            app.outbox_texts().await == vec!["Buongiorno, Giulia!"]
        })
        .await,
        "sent at its time: {:?}",
        app.outbox_texts().await
    );
    assert!(
        eventually(10, || async {
            app.get(&format!("/api/v1/scheduled/{id}")).await.body["state"] == "sent"
        })
        .await
    );
    let sent = app.get(&format!("/api/v1/scheduled/{id}")).await.body;
    assert_eq!(sent["message_status"], "sent");
    assert_eq!(sent["queued_at"], "2026-03-30T07:00:00Z");
    assert_eq!(tab("sent").await, 1);
    assert_eq!(tab("pending").await, 0);
    let late = app
        .patch(
            &format!("/api/v1/scheduled/{id}"),
            json!({"text": "too late"}),
        )
        .await;
    assert_eq!(late.status, 409, "{}", late.body);

    // Periods: today is the 30th in Rome; a custom range that leaves it out finds nothing.
    let today = app.get("/api/v1/scheduled?period=today").await.body;
    assert_eq!(today["data"].as_array().unwrap().len(), 2);
    let before = app
        .get("/api/v1/scheduled?period=custom&from=2026-03-01&to=2026-03-29")
        .await
        .body;
    assert_eq!(before["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn refusals_name_the_field_and_value() {
    let app = TestApp::spawn().await;
    let base = json!({"number_id": app.sandbox, "phone": "+393331234567", "at": "2030-03-31T02:30",
                      "time_zone": "Europe/Rome", "text": "hi"});
    let cases = [
        (
            json!({"at": "2030-03-31T02:30"}),
            "at",
            "does not exist in Europe/Rome",
        ),
        (
            json!({"at": "next tuesday"}),
            "at",
            "not a local date and time",
        ),
        (json!({"phone": "12"}), "phone", "not a phone number"),
        (
            json!({"number_id": "num_nope"}),
            "number_id",
            "not a number of this workspace",
        ),
        (
            json!({"time_zone": "Mars/Olympus"}),
            "time_zone",
            "IANA time zone",
        ),
        (json!({"text": ""}), "text", "must not be empty"),
        (json!({"colour": "red"}), "colour", ""),
    ];
    for (change, field, words) in cases {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        if field == "at" && words.contains("does not exist") {
            // The base already is the skipped hour.
        } else if field != "at" {
            body["at"] = json!("2030-04-01T09:00");
        }
        let r = app.post("/api/v1/scheduled", body).await;
        assert_eq!(r.status, 422, "{field}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{}", r.body);
        assert!(
            r.body["error"]["message"].as_str().unwrap().contains(words),
            "{}",
            r.body
        );
    }
    let r = app.get("/api/v1/scheduled?tab=later").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"]["field"], "tab");
}

/// The due time as the API wants it, in UTC: `secs` from now, whole seconds.
fn local_in(secs: i64) -> (String, DateTime<Utc>) {
    let due = Utc::now() + ChronoDuration::seconds(secs);
    let text = due.format("%Y-%m-%dT%H:%M:%S").to_string();
    let due = DateTime::parse_from_rfc3339(&format!("{text}Z"))
        .unwrap()
        .with_timezone(&Utc);
    (text, due)
}

#[tokio::test]
async fn a_thousand_for_one_moment_go_once_across_a_sigkill_two_seconds_before() {
    const N: usize = 1_000;
    let graph = FakeGraph::start().await.unwrap();
    graph.set_delay(Some(Duration::from_millis(100)));
    let dir = tempfile::tempdir().unwrap();
    let token = token(dir.path()).await;
    let mut server = serve_with(dir.path(), &["--graph-url", graph.base_url()]).await;
    let client = Client::new();
    let api = |base: &str, path: &str| format!("{base}/api/v1{path}");
    let mut numbers = Vec::new();
    for k in 0..4 {
        let r: Value = client
            .post(api(&server.base, "/numbers"))
            .bearer_auth(&token)
            .json(
                &json!({"label": format!("Line {k}"), "channel": "cloud_api", "cloud_api": {
                "phone_number_id": format!("3065403522{k:04}"), "waba_id": "102290129340398",
                "access_token": "EAAG-test", "app_secret": "s", "verify_token": "v",
                "send_per_second": 1000, "messaging_limit": "unlimited"}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        numbers.push(r["id"].as_str().unwrap().to_string());
    }
    // Every message for the same second, 20 s from now (workspace time zone: UTC).
    let (at, due) = local_in(20);
    let template = json!({"type": "template", "name": "reminder", "language": "it",
                          "body": [{"type": "text", "text": "domani"}]});
    let mut tasks = Vec::new();
    for chunk in (0..N).collect::<Vec<_>>().chunks(N / 16) {
        let (client, base, token, numbers, at, template) = (
            client.clone(),
            server.base.clone(),
            token.clone(),
            numbers.clone(),
            at.clone(),
            template.clone(),
        );
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            for i in chunk {
                let r = client
                    .post(format!("{base}/api/v1/scheduled"))
                    .bearer_auth(&token)
                    .json(&json!({"number_id": numbers[i % numbers.len()], "phone": format!("+3934{i:08}"),
                                  "at": at, "content": template}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // SIGKILL two seconds before the moment, then start again on the same data.
    let kill_at = due - ChronoDuration::seconds(2);
    let wait = (kill_at - Utc::now())
        .to_std()
        .expect("scheduling took under 18 s");
    tokio::time::sleep(wait).await;
    signal(&mut server, "-KILL").await;
    assert_eq!(graph.sent_count(), 0, "nothing before its time");
    let server = serve_with(dir.path(), &["--graph-url", graph.base_url()]).await;
    assert!(
        eventually(60, || async { graph.sent_count() >= N }).await,
        "all {N} sent after the restart: {}",
        graph.sent_count()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut per_phone: HashMap<String, usize> = HashMap::new();
    for m in graph.sent_messages() {
        *per_phone
            .entry(m["to"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(per_phone.len(), N, "every phone got its message");
    assert!(per_phone.values().all(|&n| n == 1), "each exactly once");
    // Every one is `sent`, queued at (not before) its time.
    let mut lags = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = client
            .get(api(
                &server.base,
                &format!("/scheduled?tab=all&limit=500&cursor={cursor}"),
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for s in page["data"].as_array().unwrap() {
            assert_eq!(s["state"], "sent", "{s}");
            let queued: DateTime<Utc> = s["queued_at"].as_str().unwrap().parse().unwrap();
            assert!(queued >= due, "not before its time: {s}");
            lags.push((queued - due).num_milliseconds());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(lags.len(), N);
    lags.sort();
    println!(
        "fire lag after a restart: p50 {} ms, max {} ms",
        lags[N / 2],
        lags[N - 1]
    );
}
