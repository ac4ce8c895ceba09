//! Bounded uploads: a CSV that starts an outbound workflow and a knowledge file are read within
//! their byte limits (refused from `Content-Length` or as soon as a streamed body passes the
//! limit), CSV rows and knowledge items are counted against theirs, and every refusal names the
//! limit and the flag that sets it; nothing of a refused upload is stored or started.

use crate::harness::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use waflow_engine::clock::SystemClock;
use waflow_server::limits::UploadLimits;

/// A server with small limits, so that the tests send little.
async fn app() -> TestApp {
    TestApp::spawn_configured(Arc::new(SystemClock), |c| {
        c.limits = UploadLimits {
            csv_bytes: 4_000,
            csv_rows: 20,
            knowledge_bytes: 6_000,
            knowledge_items: 30,
            ..UploadLimits::default()
        }
    })
    .await
}

async fn outbound(app: &TestApp) -> String {
    let id = app
        .create_workflow(json!({"name": "Promo", "trigger": {"type": "outbound"},
            "steps": [{"id": "hi", "type": "send_text", "text": "Ciao!"}]}))
        .await;
    format!("/api/v1/workflows/{id}/start")
}

fn csv_of(rows: usize) -> String {
    let mut csv = String::from("phone,name\n");
    for i in 0..rows {
        csv.push_str(&format!("+3933314{i:05},Cliente {i}\n"));
    }
    csv
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: reqwest::Body,
    csv: bool,
) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(&app.token);
    if csv {
        req = req.header("content-type", "text/csv");
    }
    let resp = req.body(body).send().await.expect("sent");
    let status = resp.status();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Sends `text` without `Content-Length`, in chunks of 500 bytes (chunked transfer encoding):
/// the server must count what arrives. Returns the status code.
async fn streamed(app: &TestApp, method: &str, path: &str, text: String, csv: bool) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let content_type = if csv {
        "text/csv"
    } else {
        "application/octet-stream"
    };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.token
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    for chunk in text.as_bytes().chunks(500) {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        // The server may answer and close before the rest is sent.
        if stream.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"))
}

async fn contacts(app: &TestApp) -> usize {
    let r = app.get("/api/v1/contacts?limit=500").await;
    r.body["data"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_csv_over_its_byte_or_row_limit_starts_nothing_and_names_the_limit() {
    let app = app().await;
    let start = outbound(&app).await;
    // 200 rows ≈ 5.6 kB: over 4,000 bytes, declared by Content-Length.
    let big = csv_of(200);
    assert!(big.len() > 4_000);
    let (status, body) = send(
        &app,
        reqwest::Method::POST,
        &start,
        big.clone().into(),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("4000 bytes") && message.contains("--max-csv-bytes"),
        "{message}"
    );
    // The same body streamed without a length: refused once more than the limit has arrived.
    assert_eq!(streamed(&app, "POST", &start, big, true).await, 413);
    // 21 rows fit in the bytes but not in the 20-row limit.
    let (status, body) = send(&app, reqwest::Method::POST, &start, csv_of(21).into(), true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "rows", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("20") && message.contains("--max-csv-rows"),
        "{message}"
    );
    // A JSON list is held to the same count.
    let phones: Vec<String> = (0..21).map(|i| format!("+3933315{i:05}")).collect();
    let r = app.post(&start, json!({"phones": phones})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["field"], "rows");
    assert_eq!(
        contacts(&app).await,
        0,
        "a refused upload stores and starts nothing"
    );
    // At the limit, everything starts, streamed or not.
    assert_eq!(streamed(&app, "POST", &start, csv_of(20), true).await, 200);
    assert_eq!(contacts(&app).await, 20);
}

fn catalogue(rows: std::ops::Range<usize>) -> String {
    let mut csv = String::from("name,price\n");
    for i in rows {
        csv.push_str(&format!("Maglietta {i},{i}.00\n"));
    }
    csv
}

#[tokio::test]
async fn a_knowledge_file_over_its_size_or_the_item_limit_is_not_stored() {
    let app = app().await;
    let put = |name: &str| format!("/api/v1/workspace/knowledge/{name}");
    // Over 6,000 bytes: refused whole, declared or streamed.
    let big = catalogue(0..400);
    assert!(big.len() > 6_000);
    let (status, body) = send(
        &app,
        reqwest::Method::PUT,
        &put("big.csv"),
        big.clone().into(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("6000 bytes") && message.contains("--max-knowledge-bytes"),
        "{message}"
    );
    assert_eq!(
        streamed(&app, "PUT", &put("big.csv"), big, false).await,
        413
    );
    // 20 items, then 11 more in another file: 31 > 30.
    let (status, body) = send(
        &app,
        reqwest::Method::PUT,
        &put("a.csv"),
        catalogue(0..20).into(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = send(
        &app,
        reqwest::Method::PUT,
        &put("b.csv"),
        catalogue(20..31).into(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "items", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("30") && message.contains("--max-knowledge-items"),
        "{message}"
    );
    // Replacing a file counts its new items instead of its old ones.
    let (status, body) = send(
        &app,
        reqwest::Method::PUT,
        &put("a.csv"),
        catalogue(0..30).into(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let files = app.get("/api/v1/workspace/knowledge").await;
    assert_eq!(files.body["items"], 30, "{}", files.body);
    assert_eq!(
        files.body["files"].as_array().map(Vec::len),
        Some(1),
        "b.csv was not stored"
    );
}
