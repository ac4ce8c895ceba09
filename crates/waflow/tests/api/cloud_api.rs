//! Cloud API numbers end to end: the real server, Meta's webhook JSON signed with the app secret,
//! and a local fake of the Graph API (`waflow_testkit::FakeGraph`) on the production code path.

use crate::harness::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use waflow_channels::cloud_api::signature;
use waflow_engine::clock::{Clock, ManualClock, SystemClock};
use waflow_testkit::graph::{graph_error, FakeGraph};

pub const PHONE_NUMBER_ID: &str = "106540352242922";
const APP_SECRET: &str = "app-secret-for-tests";
const VERIFY_TOKEN: &str = "verify-me";
const ACCESS_TOKEN: &str = "EAAG-test-access-token";

/// A server whose Graph API is `graph`, with one Cloud API number.
pub struct CloudApp {
    pub app: TestApp,
    pub graph: FakeGraph,
    pub number: String,
}

impl CloudApp {
    pub async fn start() -> Self {
        Self::start_with(Arc::new(SystemClock), 80).await
    }

    pub async fn start_with(clock: Arc<dyn Clock>, per_second: u32) -> Self {
        Self::start_with_settings(clock, json!({ "send_per_second": per_second })).await
    }

    /// With extra `cloud_api` settings (limits) for the number.
    pub async fn start_with_settings(clock: Arc<dyn Clock>, settings: Value) -> Self {
        Self::start_full(clock, settings, |_| {}).await
    }

    /// With the server's configuration adjusted by `adjust` (e.g. `--allow-private-http`).
    pub async fn start_configured(adjust: impl FnOnce(&mut waflow_server::Config)) -> Self {
        let settings = json!({ "send_per_second": 80 });
        Self::start_full(Arc::new(SystemClock), settings, adjust).await
    }

    async fn start_full(
        clock: Arc<dyn Clock>,
        settings: Value,
        adjust: impl FnOnce(&mut waflow_server::Config),
    ) -> Self {
        let graph = FakeGraph::start().await.expect("fake graph");
        let url = graph.base_url().to_string();
        let app = TestApp::spawn_configured(clock, |c| {
            c.graph_url = url;
            adjust(c);
        })
        .await;
        let mut creds = json!({
            "phone_number_id": PHONE_NUMBER_ID, "waba_id": "102290129340398",
            "access_token": ACCESS_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN});
        for (k, v) in settings.as_object().unwrap() {
            creds[k] = v.clone();
        }
        let r = app
            .post(
                "/api/v1/numbers",
                json!({"label": "Shop", "channel": "cloud_api", "cloud_api": creds}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let number = r.body["id"].as_str().unwrap().to_string();
        CloudApp { app, graph, number }
    }

    fn webhook_url(&self) -> String {
        format!("{}/webhooks/cloud_api/{}", self.app.base, self.number)
    }

    /// POSTs `body` to the webhook with the given signature header (none when `None`).
    pub async fn post_raw(&self, body: &[u8], signature: Option<String>) -> StatusCode {
        let mut req = self
            .app
            .client
            .post(self.webhook_url())
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("X-Hub-Signature-256", s);
        }
        let status = req.send().await.unwrap().status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
        status
    }

    /// POSTs a payload signed with the number's app secret; asserts the 200.
    pub async fn deliver(&self, payload: &Value) {
        let body = serde_json::to_vec(payload).unwrap();
        let sig = signature::sign(APP_SECRET.as_bytes(), &body);
        assert_eq!(self.post_raw(&body, Some(sig)).await, StatusCode::OK);
    }

    /// Waits until `check` holds (the webhook is processed asynchronously).
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("timed out waiting for {what}");
    }

    /// The stored messages of the only conversation of `phone`'s contact.
    pub async fn messages_of(&self, phone: &str) -> Vec<Value> {
        let contacts = self
            .app
            .get(&format!(
                "/api/v1/contacts?search={}",
                phone.trim_start_matches('+')
            ))
            .await;
        let Some(contact) = contacts.body["data"].as_array().and_then(|d| d.first()) else {
            return Vec::new();
        };
        let conversations = self.app.get("/api/v1/conversations?limit=200").await;
        let Some(conv) = conversations.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["contact_id"] == contact["id"])
        else {
            return Vec::new();
        };
        let msgs = self
            .app
            .get(&format!(
                "/api/v1/conversations/{}/messages",
                conv["id"].as_str().unwrap()
            ))
            .await;
        msgs.body["data"].as_array().cloned().unwrap_or_default()
    }

    /// The `wamid` of the reply to `phone` once it is stored with `status`.
    pub async fn reply_wamid(&self, phone: &str, status: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let msgs = self.messages_of(phone).await;
            if let Some(m) = msgs
                .iter()
                .find(|m| m["direction"] == "outbound" && m["status"] == status)
            {
                return m["channel_message_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no reply to {phone} with status {status}");
    }

    /// The id of the first conversation, once the webhook processor created it.
    pub async fn first_conversation(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let list = self.app.get("/api/v1/conversations").await;
            if let Some(id) = list.body["data"][0]["id"].as_str() {
                return id.to_string();
            }
            assert!(Instant::now() < deadline, "no conversation");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A reply workflow for every inbound message.
    pub async fn echo_workflow(&self) {
        self.app
            .create_workflow(
                json!({"name": "Echo", "trigger": {"type": "message_received"},
                "steps": [{"type": "send_text", "text": "Ricevuto: {{ message.text }}"}]}),
            )
            .await;
    }
}

/// A webhook payload with `messages` (and the contacts they come from) for our number.
pub fn payload(messages: Vec<Value>) -> Value {
    let contacts: Vec<Value> = messages
        .iter()
        .map(|m| json!({"profile": {"name": "Giulia"}, "wa_id": m["from"]}))
        .collect();
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                  "contacts": contacts, "messages": messages}}]}]})
}

/// A text message from `from` (digits) with a unique `wamid`.
pub fn text_message(from: &str, wamid: &str, body: &str) -> Value {
    json!({"from": from, "id": wamid, "timestamp": "1763719200", "type": "text", "text": {"body": body}})
}

/// A status payload for one of our messages.
pub fn status_payload(wamid: &str, status: &str, errors: Option<Value>) -> Value {
    let mut s = json!({"id": wamid, "status": status, "timestamp": "1763719300", "recipient_id": "393331234567"});
    if let Some(e) = errors {
        s["errors"] = e;
    }
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                  "statuses": [s]}}]}]})
}

#[tokio::test]
async fn the_verification_handshake_answers_the_challenge_only_with_the_right_token() {
    let c = CloudApp::start().await;
    let get = |token: &str| {
        let url = format!(
            "{}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
            c.webhook_url()
        );
        let client = c.app.client.clone();
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, body) = get(VERIFY_TOKEN).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "1158201444");
    let (status, body) = get("wrong").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("verify_token"), "{body}");
    let unknown = c
        .app
        .client
        .get(format!(
            "{}/webhooks/cloud_api/num_nope?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1",
            c.app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_signatures_are_refused_with_401_and_leave_no_trace() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    let body = serde_json::to_vec(&payload(vec![text_message(
        "393331234567",
        "wamid.SIG1",
        "ciao",
    )]))
    .unwrap();
    let good = signature::sign(APP_SECRET.as_bytes(), &body);
    let wrong = signature::sign(b"another-secret", &body);
    assert_eq!(
        c.post_raw(&body, Some(wrong)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(c.post_raw(&body, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        c.post_raw(&body, Some("sha256=xyz".into())).await,
        StatusCode::UNAUTHORIZED
    );
    let mut changed = body.clone();
    let at = changed.iter().position(|b| *b == b'c').unwrap();
    changed[at] = b'C';
    assert_eq!(
        c.post_raw(&changed, Some(good)).await,
        StatusCode::UNAUTHORIZED
    );
    // Give a (wrongly) accepted delivery time to be processed, then look for any trace.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let contacts = c.app.get("/api/v1/contacts").await;
    assert_eq!(contacts.body["data"], json!([]), "no contact was created");
    let logs = c.app.get("/api/v1/logs").await;
    assert_eq!(logs.body["data"], json!([]), "nothing was logged");
    assert!(c.graph.sent_messages().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_message_is_answered_through_the_graph_api_and_its_statuses_are_applied() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.IN1",
        "quanto costa?",
    )]))
    .await;
    c.eventually("the reply at the Graph API", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;
    let sent = &c.graph.sent_messages()[0];
    assert_eq!(sent["to"], "393331234567");
    assert_eq!(sent["type"], "text");
    assert_eq!(sent["text"]["body"], "Ricevuto: quanto costa?");
    let request = c
        .graph
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with(&format!("/{PHONE_NUMBER_ID}/messages")))
        .expect("the send request");
    assert_eq!(
        request.authorization.as_deref(),
        Some(&*format!("Bearer {ACCESS_TOKEN}"))
    );

    // The stored reply carries the wamid the Graph API answered; statuses move it forward.
    let wamid = c.reply_wamid("+393331234567", "sent").await;
    assert!(wamid.starts_with("wamid."), "{wamid}");
    c.deliver(&status_payload(&wamid, "read", None)).await;
    c.deliver(&status_payload(&wamid, "delivered", None)).await; // late: must not move it back
    c.eventually("the reply marked read", || async {
        let msgs = c.messages_of("+393331234567").await;
        msgs.iter()
            .any(|m| m["direction"] == "outbound" && m["status"] == "read")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let msgs = c.messages_of("+393331234567").await;
    let reply = msgs.iter().find(|m| m["direction"] == "outbound").unwrap();
    assert_eq!(
        reply["status"], "read",
        "a late 'delivered' does not undo 'read'"
    );
}

#[tokio::test]
async fn a_failed_status_is_stored_on_the_message_and_logged_with_its_code() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.IN2",
        "ciao",
    )]))
    .await;
    let wamid = c.reply_wamid("+393331234567", "sent").await;
    let errors = json!([{"code": 131026, "title": "Message undeliverable",
                         "message": "Message undeliverable", "error_data": {"details": "Receiver is incapable of receiving this message"}}]);
    c.deliver(&status_payload(&wamid, "failed", Some(errors)))
        .await;
    c.eventually("the reply marked failed", || async {
        let msgs = c.messages_of("+393331234567").await;
        msgs.iter().any(|m| {
            m["direction"] == "outbound"
                && m["status"] == "failed"
                && m["error"].as_str().is_some_and(|e| e.contains("131026"))
        })
    })
    .await;
    // The log entry is written right after the status (not in its transaction).
    c.eventually("the failure logged with its code", || async {
        let logs = c.app.get("/api/v1/logs?outcome=failed").await;
        logs.body["data"][0]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("131026"))
    })
    .await;
}

#[tokio::test]
async fn the_same_payload_delivered_five_times_runs_its_workflow_once() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    let p = payload(vec![text_message("393331234567", "wamid.DUP1", "ciao")]);
    for _ in 0..5 {
        c.deliver(&p).await;
    }
    c.eventually("the reply", || async {
        !c.graph.sent_messages().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        c.graph.sent_messages().len(),
        1,
        "one reply for five deliveries"
    );
    let inbound: Vec<Value> = c
        .messages_of("+393331234567")
        .await
        .into_iter()
        .filter(|m| m["direction"] == "inbound")
        .collect();
    assert_eq!(inbound.len(), 1, "one stored message");
    let logs = c.app.get("/api/v1/logs?outcome=duplicate").await;
    assert_eq!(
        logs.body["data"].as_array().unwrap().len(),
        4,
        "four duplicates logged"
    );
}

#[tokio::test]
async fn a_130429_answer_is_retried_and_the_message_is_delivered_once() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.graph
        .fail_next(1, 400, graph_error(130429, "Rate limit hit"));
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.RL1",
        "ciao",
    )]))
    .await;
    c.eventually("the reply after a retry", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;
    let attempts = c
        .graph
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/messages"))
        .count();
    assert_eq!(attempts, 2, "one refused attempt, one accepted");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(c.graph.sent_messages().len(), 1, "delivered once");
}

#[tokio::test]
async fn a_131047_answer_is_not_retried_and_the_log_says_why() {
    let c = CloudApp::start().await;
    c.echo_workflow().await;
    c.graph.fail_next(
        1,
        400,
        graph_error(131047, "Re-engagement message: more than 24 hours have passed since the recipient last replied"),
    );
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.RE1",
        "ciao",
    )]))
    .await;
    c.eventually("the failure in the log", || async {
        let logs = c.app.get("/api/v1/logs?outcome=failed").await;
        logs.body["data"].as_array().is_some_and(|d| !d.is_empty())
    })
    .await;
    let logs = c.app.get("/api/v1/logs?outcome=failed").await;
    let summary = logs.body["data"][0]["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(summary.contains("131047"), "{summary}");
    assert!(summary.contains("Re-engagement"), "{summary}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let attempts = c
        .graph
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/messages"))
        .count();
    assert_eq!(attempts, 1, "not retried");
    let msgs = c.messages_of("+393331234567").await;
    let reply = msgs.iter().find(|m| m["direction"] == "outbound").unwrap();
    assert_eq!(reply["status"], "failed");
}

#[tokio::test]
async fn free_form_messages_are_not_sent_outside_the_24_hour_window() {
    let clock = Arc::new(ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
            .unwrap()
            .into(),
    ));
    let c = CloudApp::start_with(clock.clone(), 80).await;
    c.app
        .create_workflow(
            json!({"name": "Follow-up", "trigger": {"type": "message_received"},
            "steps": [{"type": "send_text", "text": "Subito"},
                      {"type": "send_text", "text": "Dopo un giorno", "when": "25h"}]}),
        )
        .await;
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.W1",
        "ciao",
    )]))
    .await;
    c.eventually("the immediate reply", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;
    clock.advance(chrono::Duration::hours(25));
    c.app.running.engine.run_due_steps().await.unwrap();
    c.eventually("the late step refused", || async {
        let logs = c.app.get("/api/v1/logs?outcome=failed").await;
        logs.body["data"].as_array().is_some_and(|d| !d.is_empty())
    })
    .await;
    let logs = c.app.get("/api/v1/logs?outcome=failed").await;
    let summary = logs.body["data"][0]["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        summary.contains("24-hour customer service window"),
        "{summary}"
    );
    assert_eq!(
        c.graph.sent_messages().len(),
        1,
        "the late message never reached Meta"
    );
}

#[tokio::test]
async fn the_throughput_cap_holds_under_a_burst_of_1000_replies() {
    let per_second = 250;
    let c = CloudApp::start_with(Arc::new(SystemClock), per_second).await;
    c.echo_workflow().await;
    let messages: Vec<Value> = (0..1000)
        .map(|i| text_message(&format!("3933{:08}", i), &format!("wamid.BURST{i}"), "ciao"))
        .collect();
    let started = Instant::now();
    c.deliver(&payload(messages)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.graph.sent_messages().len() < 1000 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(c.graph.sent_messages().len(), 1000, "every reply sent");
    // 1,000 sends at 250/s with a burst of 25 cannot take less than (1000 - 25) / 250 = 3.9 s.
    let rate = 1000.0 / elapsed;
    println!("1,000 replies in {elapsed:.2} s: {rate:.0}/s against a cap of {per_second}/s");
    assert!(
        elapsed >= 3.9,
        "1,000 replies went out in {elapsed:.2} s: faster than {per_second}/s"
    );
}

#[tokio::test]
async fn credentials_are_validated_sealed_at_rest_and_never_returned() {
    let c = CloudApp::start().await;
    let base = json!({"phone_number_id": "106540352242999", "waba_id": "102290129340398",
                      "access_token": "EAAG-other", "app_secret": "s", "verify_token": "v"});
    let cases = [
        (
            "phone_number_id",
            json!("12ab"),
            "cloud_api.phone_number_id",
        ),
        ("waba_id", json!(""), "cloud_api.waba_id"),
        ("access_token", json!(""), "cloud_api.access_token"),
        ("app_secret", json!(42), "cloud_api.app_secret"),
        ("send_per_second", json!(0), "cloud_api.send_per_second"),
        ("colour", json!("blue"), "cloud_api.colour"),
    ];
    for (key, value, field) in cases {
        let mut creds = base.clone();
        creds[key] = value.clone();
        let r = c
            .app
            .post(
                "/api/v1/numbers",
                json!({"label": "B", "channel": "cloud_api", "cloud_api": creds}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}={value}: {}",
            r.body
        );
        assert_eq!(r.body["error"]["field"], field, "{key}={value}: {}", r.body);
    }
    let mut missing = base.clone();
    missing.as_object_mut().unwrap().remove("verify_token");
    let r = c
        .app
        .post(
            "/api/v1/numbers",
            json!({"label": "B", "channel": "cloud_api", "cloud_api": missing}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("verify_token"),
        "{}",
        r.body
    );
    // The same phone_number_id twice is a conflict naming the field.
    let mut dup = base.clone();
    dup["phone_number_id"] = PHONE_NUMBER_ID.into();
    let r = c
        .app
        .post(
            "/api/v1/numbers",
            json!({"label": "B", "channel": "cloud_api", "cloud_api": dup}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["error"]["field"], "cloud_api.phone_number_id");

    // The access token and app secret are never returned by the API, nor stored in clear; the
    // verify token (chosen by the user, to paste into Meta's webhook settings) is shown to
    // owners and admins reading the number, never in the list.
    let shown = c.app.get(&format!("/api/v1/numbers/{}", c.number)).await;
    assert_eq!(shown.body["external_id"], PHONE_NUMBER_ID);
    assert_eq!(shown.body["verify_token"], VERIFY_TOKEN);
    let listed = c.app.get("/api/v1/numbers").await;
    assert!(!listed.body.to_string().contains(VERIFY_TOKEN));
    for text in [shown.body.to_string(), listed.body.to_string()] {
        assert!(!text.contains(ACCESS_TOKEN) && !text.contains(APP_SECRET));
    }
    let db = std::fs::read(c.app._dir.path().join("waflow.db")).unwrap();
    let wal = std::fs::read(c.app._dir.path().join("waflow.db-wal")).unwrap_or_default();
    for secret in [ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN] {
        for bytes in [&db, &wal] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} is stored in clear"
            );
        }
    }
}

#[tokio::test]
async fn rich_messages_are_checked_against_whatsapp_limits_and_sent_as_graph_json() {
    let c = CloudApp::start().await;
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.RICH1",
        "ciao",
    )]))
    .await;
    let conversation = c.first_conversation().await;
    let path = format!("/api/v1/conversations/{conversation}/messages");

    let refused = [
        (
            json!({"type": "buttons", "body": "Scegli", "buttons": [
            {"id": "a", "title": "Uno"}, {"id": "b", "title": "Due"}, {"id": "c", "title": "Tre"}, {"id": "d", "title": "Quattro"}]}),
            "content.buttons",
        ),
        (
            json!({"type": "buttons", "body": "Scegli", "buttons": [{"id": "a", "title": "Una scelta molto lunga"}]}),
            "content.buttons[0].title",
        ),
        (
            json!({"type": "list", "body": "Menu", "button_label": "Apri", "sections": [{"title": "Tutto", "rows":
            (0..11).map(|i| json!({"id": format!("r{i}"), "title": format!("Riga {i}")})).collect::<Vec<_>>()}]}),
            "content.sections",
        ),
        (
            json!({"type": "media", "kind": "image", "source": {"url": "ftp://example.com/a.png"}}),
            "content.source",
        ),
        (json!({"type": "teleport"}), "content"),
    ];
    for (content, field) in refused {
        let r = c.app.post(&path, json!({"content": content})).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{content}: {}",
            r.body
        );
        assert!(
            r.body["error"]["field"]
                .as_str()
                .is_some_and(|f| f.starts_with(field)),
            "{content}: expected {field}, got {}",
            r.body
        );
    }
    assert!(
        c.graph.sent_messages().is_empty(),
        "nothing refused was sent"
    );

    let accepted = [
        json!({"type": "buttons", "body": "Scegli", "buttons": [{"id": "si", "title": "Sì"}, {"id": "no", "title": "No"}]}),
        json!({"type": "list", "body": "Menu", "button_label": "Apri", "sections": [{"title": "Pizze", "rows": [
            {"id": "m", "title": "Margherita", "description": "Pomodoro e mozzarella"}]}]}),
        json!({"type": "media", "kind": "image", "source": {"url": "https://example.com/menu.png"}, "caption": "Il menu"}),
        json!({"type": "template", "name": "order_update", "language": "it", "body": [{"type": "text", "text": "A-42"}]}),
        json!({"type": "reaction", "message_id": "wamid.RICH1", "emoji": "👍"}),
    ];
    for content in &accepted {
        let r = c.app.post(&path, json!({"content": content})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{content}: {}", r.body);
    }
    c.eventually("five rich messages at the Graph API", || async {
        c.graph.sent_messages().len() == 5
    })
    .await;
    let sent = c.graph.sent_messages();
    let types: Vec<&str> = sent.iter().map(|s| s["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "interactive",
            "interactive",
            "image",
            "template",
            "reaction"
        ]
    );
    assert_eq!(sent[0]["interactive"]["type"], "button");
    assert_eq!(
        sent[0]["interactive"]["action"]["buttons"][1]["reply"]["title"],
        "No"
    );
    assert_eq!(
        sent[1]["interactive"]["action"]["sections"][0]["rows"][0]["id"],
        "m"
    );
    assert_eq!(sent[2]["image"]["link"], "https://example.com/menu.png");
    assert_eq!(sent[3]["template"]["name"], "order_update");
    assert_eq!(sent[3]["template"]["language"]["code"], "it");
    assert_eq!(sent[4]["reaction"]["emoji"], "👍");
    // The conversation shows what was sent, in words.
    let msgs = c.messages_of("+393331234567").await;
    let outbound: Vec<&Value> = msgs
        .iter()
        .filter(|m| m["direction"] == "outbound")
        .collect();
    assert_eq!(outbound[0]["message_type"], "buttons");
    assert_eq!(outbound[0]["text"], "Scegli");
    assert_eq!(outbound[2]["text"], "Il menu");
}

#[tokio::test]
async fn templates_are_synced_shown_with_their_approval_and_checked_before_sending() {
    let c = CloudApp::start().await;
    c.graph.set_templates(vec![
        json!({"name": "order_update", "language": "it", "category": "UTILITY", "status": "APPROVED", "id": "1",
               "components": [{"type": "BODY", "text": "Ciao {{1}}, il tuo ordine {{2}} è pronto"}]}),
        json!({"name": "promo", "language": "it", "category": "MARKETING", "status": "REJECTED", "id": "2",
               "components": [{"type": "BODY", "text": "Sconti!"}]}),
        json!({"name": "welcome", "language": "en_US", "category": "MARKETING", "status": "PENDING", "id": "3",
               "components": [{"type": "BODY", "text": "Hi"}]}),
    ]);
    let synced = c
        .app
        .post(
            &format!("/api/v1/numbers/{}/templates/sync", c.number),
            json!({}),
        )
        .await;
    assert_eq!(synced.status, StatusCode::OK, "{}", synced.body);
    let listed = c
        .app
        .get(&format!("/api/v1/numbers/{}/templates", c.number))
        .await;
    let names: Vec<(String, bool)> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["approved"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("order_update".to_string(), true),
            ("promo".to_string(), false),
            ("welcome".to_string(), false)
        ],
        "all pages synced (the fake pages by 2), approval shown"
    );
    let sandbox = c
        .app
        .get(&format!("/api/v1/numbers/{}/templates", c.app.sandbox))
        .await;
    assert_eq!(sandbox.status, StatusCode::CONFLICT);

    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.TPL1",
        "ciao",
    )]))
    .await;
    let conversation = c.first_conversation().await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let template = |name: &str, params: usize| {
        json!({"content": {"type": "template", "name": name, "language": "it",
            "body": (0..params).map(|i| json!({"type": "text", "text": format!("p{i}")})).collect::<Vec<_>>()}})
    };
    for (body, field, words) in [
        (
            template("order_update", 1),
            "content.body",
            "takes 2 body parameter(s); 1 given",
        ),
        (template("promo", 0), "content.name", "REJECTED"),
        (
            template("missing", 0),
            "content.name",
            "not among this number's templates",
        ),
    ] {
        let r = c.app.post(&path, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert_eq!(r.body["error"]["field"], field, "{}", r.body);
        assert!(
            r.body["error"]["message"].as_str().unwrap().contains(words),
            "{}",
            r.body
        );
    }
    let ok = c.app.post(&path, template("order_update", 2)).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    c.eventually("the template at the Graph API", || async {
        c.graph
            .sent_messages()
            .iter()
            .any(|m| m["type"] == "template")
    })
    .await;
}

#[tokio::test]
async fn outside_the_window_a_step_sends_its_template_fallback_and_templates_still_go_out() {
    let clock = Arc::new(ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
            .unwrap()
            .into(),
    ));
    let c = CloudApp::start_with(clock.clone(), 80).await;
    // A fallback with a bad name is refused with its path.
    let bad = c
        .app
        .post("/api/v1/workflows", json!({"name": "Bad", "trigger": {"type": "message_received"},
            "steps": [{"type": "send_text", "text": "x", "template_fallback": {"name": "Follow Up", "language": "it"}}]}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.body["error"]["field"], "steps[0].template_fallback.name",
        "{}",
        bad.body
    );
    c.app
        .create_workflow(json!({"name": "Follow-up", "trigger": {"type": "message_received"},
            "steps": [{"type": "send_text", "text": "Subito"},
                      {"type": "send_text", "text": "Come va, {{ contact.first_name }}?", "when": "25h",
                       "template_fallback": {"name": "follow_up", "language": "it", "body": ["{{ contact.first_name }}"]}}]}))
        .await;
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.FB1",
        "ciao",
    )]))
    .await;
    c.eventually("the immediate reply", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;
    clock.advance(chrono::Duration::hours(25));
    c.app.running.engine.run_due_steps().await.unwrap();
    c.eventually("the template instead of the text", || async {
        c.graph.sent_messages().len() == 2
    })
    .await;
    let sent = &c.graph.sent_messages()[1];
    assert_eq!(sent["type"], "template", "{sent}");
    assert_eq!(sent["template"]["name"], "follow_up");
    assert_eq!(
        sent["template"]["components"][0]["parameters"][0]["text"],
        "Giulia"
    );
    // The log entry is written with the send's result, which may commit just after the Graph
    // stand-in saw the message.
    let mut summary = String::new();
    for _ in 0..100 {
        let logs = c.app.get("/api/v1/logs?outcome=template_fallback").await;
        summary = logs.body["data"][0]["summary"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !summary.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        summary.contains("24-hour") && summary.contains("follow_up"),
        "{summary}"
    );

    // A template sent through the API is not held back by the window either.
    let conversation = c.app.get("/api/v1/conversations").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c
        .app
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({"content": {"type": "template", "name": "order_update", "language": "it"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    c.eventually("the API template", || async {
        c.graph.sent_messages().len() == 3
    })
    .await;
}

#[tokio::test]
async fn a_file_is_uploaded_through_the_graph_api_and_sent_by_its_media_id() {
    let c = CloudApp::start().await;
    let pdf = b"%PDF-1.4 listino prezzi".to_vec();
    let url = format!(
        "{}/api/v1/numbers/{}/media?filename=listino.pdf",
        c.app.base, c.number
    );
    let r = c
        .app
        .client
        .post(&url)
        .bearer_auth(&c.app.token)
        .header("content-type", "application/pdf")
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let answer: Value = r.json().await.unwrap();
    let media_id = answer["media_id"].as_str().unwrap().to_string();
    assert_eq!(
        c.graph.media_bytes(&media_id),
        Some(pdf),
        "the Graph API has the file"
    );
    let missing_type = c
        .app
        .client
        .post(&url)
        .bearer_auth(&c.app.token)
        .body(b"x".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(missing_type.status(), StatusCode::UNPROCESSABLE_ENTITY);

    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.UP1",
        "il listino?",
    )]))
    .await;
    let conversation = c.first_conversation().await;
    let r = c
        .app
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({"content": {"type": "media", "kind": "document", "source": {"id": media_id}, "filename": "listino.pdf"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    c.eventually("the document at the Graph API", || async {
        c.graph.sent_messages().len() == 1
    })
    .await;
    let sent = &c.graph.sent_messages()[0];
    assert_eq!(sent["type"], "document");
    assert_eq!(sent["document"]["id"], media_id.as_str());
    assert_eq!(sent["document"]["filename"], "listino.pdf");
}

#[tokio::test]
async fn messages_to_one_contact_are_paced_not_dropped() {
    let c = CloudApp::start_with_settings(
        Arc::new(SystemClock),
        json!({"per_recipient_burst": 2, "per_recipient_interval_ms": 1500}),
    )
    .await;
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.PACE1",
        "ciao",
    )]))
    .await;
    let conversation = c.first_conversation().await;
    let started = Instant::now();
    for i in 0..4 {
        let r = c
            .app
            .post(
                &format!("/api/v1/conversations/{conversation}/messages"),
                json!({"text": format!("messaggio {i}")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    c.eventually("two sent at once", || async {
        c.graph.sent_messages().len() >= 2
    })
    .await;
    let early = c.graph.sent_messages().len();
    assert_eq!(early, 2, "the burst of two went out, the rest waits");
    c.eventually("a message waiting with the pacing reason", || async {
        c.messages_of("+393331234567").await.iter().any(|m| {
            m["direction"] == "outbound"
                && m["status"] == "queued"
                && m["error"].as_str().is_some_and(|e| e.contains("paced"))
        })
    })
    .await;
    c.eventually("all four sent", || async {
        c.graph.sent_messages().len() == 4
    })
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(3000),
        "two more at 1.5 s apart"
    );
    let texts: Vec<String> = c
        .graph
        .sent_messages()
        .iter()
        .map(|m| m["text"]["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        texts,
        ["messaggio 0", "messaggio 1", "messaggio 2", "messaggio 3"],
        "in order"
    );
}

#[tokio::test]
async fn templates_beyond_the_daily_messaging_limit_are_queued_not_dropped() {
    let c =
        CloudApp::start_with_settings(Arc::new(SystemClock), json!({"messaging_limit": 2})).await;
    let bad = c
        .app
        .post(
            "/api/v1/numbers",
            json!({"label": "X", "channel": "cloud_api", "cloud_api": {
            "phone_number_id": "1", "waba_id": "2", "access_token": "t", "app_secret": "s",
            "verify_token": "v", "messaging_limit": "lots"}}),
        )
        .await;
    assert_eq!(
        bad.body["error"]["field"], "cloud_api.messaging_limit",
        "{}",
        bad.body
    );
    let phones = ["393330000001", "393330000002", "393330000003"];
    for (i, phone) in phones.iter().enumerate() {
        c.deliver(&payload(vec![text_message(
            phone,
            &format!("wamid.TIER{i}"),
            "ciao",
        )]))
        .await;
    }
    let conversations = loop {
        let list = c.app.get("/api/v1/conversations").await;
        let ids: Vec<String> = list.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        if ids.len() == 3 {
            break ids;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for id in &conversations {
        let r = c
            .app
            .post(
                &format!("/api/v1/conversations/{id}/messages"),
                json!({"content": {"type": "template", "name": "promo", "language": "it"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    c.eventually("two templates sent", || async {
        c.graph.sent_messages().len() >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        c.graph.sent_messages().len(),
        2,
        "the third contact is over the limit"
    );
    let mut queued = Vec::new();
    for phone in phones {
        for m in c.messages_of(&format!("+{phone}")).await {
            if m["direction"] == "outbound" && m["status"] == "queued" {
                queued.push(m);
            }
        }
    }
    assert_eq!(queued.len(), 1, "one template waits");
    let reason = queued[0]["error"].as_str().unwrap_or_default();
    assert!(
        reason.contains("messaging limit of 2 contacts per 24 hours"),
        "{reason}"
    );
}

#[tokio::test]
async fn with_mark_read_on_received_messages_are_marked_read() {
    let c = CloudApp::start_with_settings(Arc::new(SystemClock), json!({"mark_read": true})).await;
    c.deliver(&payload(vec![text_message(
        "393331234567",
        "wamid.READ1",
        "ciao",
    )]))
    .await;
    c.eventually("the read receipt at the Graph API", || async {
        c.graph.requests().iter().any(|r| {
            r.path.ends_with("/messages")
                && r.body
                    .as_ref()
                    .is_some_and(|b| b["status"] == "read" && b["message_id"] == "wamid.READ1")
        })
    })
    .await;
    // Without the setting (the default), no receipt is sent.
    let plain = CloudApp::start().await;
    plain
        .deliver(&payload(vec![text_message(
            "393331234567",
            "wamid.READ2",
            "ciao",
        )]))
        .await;
    plain
        .eventually("the message stored", || async {
            !plain.messages_of("+393331234567").await.is_empty()
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(plain
        .graph
        .requests()
        .iter()
        .all(|r| r.body.as_ref().is_none_or(|b| b["status"] != "read")));
}
