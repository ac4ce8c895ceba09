//! Linked-device numbers through the real server and the real `whatsapp-rust` client, with
//! WhatsApp unreachable: the WebSocket address is a closed local port, so no test can reach
//! WhatsApp. Pairing reports `disconnected` with the reason (API, log, signed event webhook, live
//! stream); a stored session is restored at boot without a scan; session files are sealed.

use crate::harness::{eventually, serve_local, TestApp};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use waflow_engine::clock::SystemClock;

/// Nothing listens on port 1: connecting is refused at once.
pub(crate) const NOWHERE: &str = "ws://127.0.0.1:1/ws/chat";

type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A local receiver of event webhooks.
async fn event_receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let router = axum::Router::new()
        .route(
            "/events",
            post(
                |State(r): State<Received>, headers: HeaderMap, body: String| async move {
                    r.lock().unwrap().push((headers, body));
                    "ok"
                },
            ),
        )
        .with_state(received.clone());
    (format!("{}/events", serve_local(router).await), received)
}

fn statuses(received: &Received) -> Vec<Value> {
    received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap())
        .filter(|e| e["event"] == "number.status")
        .collect()
}

/// Waits up to 30 s for the number to reach `status`; returns it.
async fn wait_status(app: &TestApp, id: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let number = app.get(&format!("/api/v1/numbers/{id}")).await.body;
        if number["status"] == status {
            return number;
        }
        assert!(
            Instant::now() < deadline,
            "not {status} within 30 s: {number}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn linked_app() -> TestApp {
    TestApp::spawn_configured(Arc::new(SystemClock), |c| {
        c.linked_device_url = Some(NOWHERE.into());
        c.allow_private_http = true;
    })
    .await
}

#[tokio::test]
async fn pairing_without_network_reports_disconnected_with_the_reason_everywhere() {
    let app = linked_app().await;
    let (url, received) = event_receiver().await;
    let set = app
        .put("/api/v1/workspace/events-webhook", json!({"url": url}))
        .await;
    assert_eq!(set.status, 200, "{}", set.body);

    let started = Instant::now();
    let created = app
        .post(
            "/api/v1/numbers",
            json!({"label": "Shop phone", "channel": "linked_device"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["status"], "pairing");
    let id = created.body["id"].as_str().unwrap().to_string();

    // Within 30 s (no hang, no silent retry loop): disconnected, with why.
    let number = wait_status(&app, &id, "disconnected").await;
    assert!(started.elapsed() < Duration::from_secs(30));
    let reason = number["status_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("cannot reach WhatsApp"), "{reason}");

    // No QR code to show, and the answer says why.
    let qr = app.get(&format!("/api/v1/numbers/{id}/qr")).await;
    assert_eq!(qr.status, 404);
    assert!(qr.body.to_string().contains("disconnected"), "{}", qr.body);
    let session = app.get(&format!("/api/v1/numbers/{id}/session")).await;
    assert_eq!(session.body["running"], true);
    assert_eq!(session.body["paired"], false);

    // The event webhook got the change, signed with the workspace's webhook secret.
    assert!(eventually(10, || async { !statuses(&received).is_empty() }).await);
    let secret = app.get("/api/v1/workspace/webhook-secret").await.body["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let (headers, body) = received.lock().unwrap()[0].clone();
    let signature = headers["x-waflow-signature"].to_str().unwrap().to_string();
    assert_eq!(
        signature,
        crate::harness::signature(&secret, body.as_bytes())
    );
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["status"], "disconnected");
    assert_eq!(event["number"]["id"], id.as_str());
    assert!(event["reason"]
        .as_str()
        .unwrap()
        .starts_with("cannot reach WhatsApp"));

    // The log has the transition, with its reason.
    let logs = app
        .get(&format!("/api/v1/logs?number_id={id}&period=today"))
        .await;
    let entries = logs.body["data"].as_array().cloned().unwrap_or_default();
    assert!(
        entries
            .iter()
            .any(|e| e["kind"] == "number" && e["outcome"] == "disconnected"),
        "{}",
        logs.body
    );

    // Retries with the same failure are not new changes: no flood of events.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(statuses(&received).len(), 1, "{:?}", statuses(&received));

    // Reconnect = a new pairing: pairing, then (still no network) disconnected again; each
    // change reaches the webhook.
    let again = app
        .post(&format!("/api/v1/numbers/{id}/reconnect"), json!({}))
        .await;
    assert_eq!(again.status, 202, "{}", again.body);
    assert!(
        eventually(30, || async { statuses(&received).len() >= 3 }).await,
        "{:?}",
        statuses(&received)
    );
    let seen: Vec<Value> = statuses(&received)
        .iter()
        .map(|e| e["status"].clone())
        .collect();
    assert_eq!(
        seen,
        vec![
            json!("disconnected"),
            json!("pairing"),
            json!("disconnected")
        ]
    );

    // Deleting unlinks and removes the session file.
    let session_file = app._dir.path().join("linked").join(format!("{id}.session"));
    let gone = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/numbers/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    assert!(!session_file.exists());
}

#[tokio::test]
async fn the_live_stream_sends_the_status_then_each_change() {
    let app = linked_app().await;
    let created = app
        .post(
            "/api/v1/numbers",
            json!({"label": "Live", "channel": "linked_device", "pair_phone": "+39 333 1234567"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let mut stream = app
        .client
        .get(format!("{}/api/v1/numbers/{id}/events", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !text.contains("\"disconnected\"") && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(30), stream.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    assert!(text.contains("event: number.status"), "{text}");
    assert!(text.contains("cannot reach WhatsApp"), "{text}");

    let bad = app
        .post(
            "/api/v1/numbers",
            json!({"label": "Bad", "channel": "linked_device", "pair_phone": "12"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.to_string().contains("pair_phone"), "{}", bad.body);
    let not_linked = app
        .post(
            &format!("/api/v1/numbers/{}/reconnect", app.sandbox),
            json!({}),
        )
        .await;
    assert_eq!(not_linked.status, 409, "{}", not_linked.body);
}

/// A linked number in the database and its session — a paired device — sealed in `dir` with
/// the key derived from `master`, as a previous run would have left them; returns its id.
pub(crate) async fn stored_session(
    dir: &std::path::Path,
    database: &waflow_server::Database,
    master: &str,
) -> String {
    use whatsapp_rust::store::traits::DeviceStore;
    let store = waflow_server::open_store(dir, database, waflow_server::Durability::Normal)
        .await
        .unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    let n = store
        .insert_number(&ws.id, "Restored", "linked_device", "connected")
        .await
        .unwrap();
    let key = waflow_server::secrets::MasterKey::from_hex(master)
        .unwrap()
        .session_key();
    let path = dir.join("linked").join(format!("{}.session", n.id));
    let session = waflow_linked_device::session_store::SealedFileStore::open(path, key)
        .await
        .unwrap();
    session.create().await.unwrap();
    let mut device = session.load().await.unwrap().expect("a device");
    device.pn = Some("393331234567@s.whatsapp.net".parse().unwrap());
    session.save(&device).await.unwrap();
    session.flush().await.unwrap();
    n.id
}

#[tokio::test]
async fn a_stored_session_is_restored_at_boot_without_a_scan_and_is_sealed_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::harness::test_database().await;
    let master = "0f".repeat(32);
    // The fixture: a number in the database and its session — a paired device — sealed with
    // the key derived from the master key, as a previous run would have left them.
    let id = stored_session(dir.path(), &database, &master).await;
    let file = dir.path().join("linked").join(format!("{id}.session"));
    let sealed = std::fs::read(&file).unwrap();
    assert!(
        !sealed.windows(12).any(|w| w == b"393331234567"),
        "plaintext on disk"
    );

    let data_dir = dir.path().to_path_buf();
    let key = master.clone();
    let app = TestApp::spawn_configured(Arc::new(SystemClock), move |c| {
        c.data_dir = data_dir;
        c.database = database;
        c.master_key = Some(key);
        c.linked_device_url = Some(NOWHERE.into());
    })
    .await;
    // Started at boot with nobody asking: the session is running, linked to its phone.
    let session = app.get(&format!("/api/v1/numbers/{id}/session")).await;
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(session.body["running"], true);
    assert_eq!(session.body["paired"], true);
    assert_eq!(session.body["phone"], "393331234567");
    // It tried to log in (not to pair): WhatsApp is unreachable, so it is disconnected — never
    // `pairing`, and no QR code.
    wait_status(&app, &id, "disconnected").await;
    assert_eq!(
        app.get(&format!("/api/v1/numbers/{id}/qr")).await.status,
        404
    );
    // Still sealed, still not plaintext after the session saved its state.
    app.running.task.abort();
    let sealed = std::fs::read(&file).unwrap();
    assert!(sealed.starts_with(b"WFLS1"));
    assert!(!sealed.windows(12).any(|w| w == b"393331234567"));
}

/// The numbered menu a linked device sends and the engine's matching agree: answering with a
/// number or an option's exact title follows that option's branch.
#[tokio::test]
async fn a_numbered_menu_answer_follows_the_option_it_names() {
    use waflow_channels::cloud_api::content::Content;
    let app = TestApp::spawn().await;
    let content = json!({"type": "list", "body": "Pick a size", "button_label": "Sizes",
        "sections": [{"title": "Small", "rows": [{"id": "s", "title": "S"}]},
                     {"title": "Large", "rows": [{"id": "l", "title": "L"}, {"id": "xl", "title": "XL"}]}]});
    let menu = waflow_linked_device::outbound::menu_text(
        &serde_json::from_value::<Content>(content.clone()).unwrap(),
    )
    .unwrap();
    // What the contact reads: "2. L".
    let second = menu
        .lines()
        .find_map(|l| l.strip_prefix("2. "))
        .expect("a second option")
        .to_string();
    let doc = json!({"name": "sizes", "trigger": {"type": "exact_phrase", "phrase": "size"},
        "steps": [
            {"id": "m", "type": "menu", "content": content,
             "routes": {"s": "small", "l": "large", "xl": "xlarge"}, "otherwise": "other"},
            {"id": "small", "type": "send_text", "text": "chose S", "next": "end"},
            {"id": "large", "type": "send_text", "text": "chose L", "next": "end"},
            {"id": "xlarge", "type": "send_text", "text": "chose XL", "next": "end"},
            {"id": "other", "type": "send_text", "text": "chose nothing"},
            {"id": "end", "type": "end"}]});
    app.create_workflow(doc).await;
    app.inject("+393331270001", "size").await;
    app.inject("+393331270001", "2").await;
    app.inject("+393331270002", "size").await;
    app.inject("+393331270002", "XL").await;
    let texts = crate::harness::replies(&app, 4).await;
    assert!(texts.contains(&format!("chose {second}")), "{texts:?}");
    assert_eq!(second, "L");
    assert!(texts.contains(&"chose XL".to_string()), "{texts:?}");
}
