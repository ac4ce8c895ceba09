//! Contact import (issue 17): a 100,000-row CSV with 50 bad rows of mixed kinds reports exactly
//! their physical lines; importing it again creates nothing and updates the rest; progress is
//! seen while it runs; mapping errors are 422 naming the field; only admins import; an import
//! the server stopped in is marked failed at the next start, saying how far it got.

use crate::harness::{Response, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const ROWS: usize = 100_000;

/// The mapping the big file is imported with.
fn mapping() -> String {
    json!({"telefono": "phone", "nome": "name", "eta": "field:age:number",
           "nato": "field:born:date", "vip": "field:vip:bool", "tags": "tags"})
    .to_string()
}

/// A CSV of `ROWS` data rows with exactly 50 bad ones (10 each: bad phone, empty phone, bad
/// number, bad date, wrong column count), and a name spread over two lines every 1,000 rows, so
/// that physical lines and row numbers differ. Answers the file and the bad rows' lines.
fn big_csv() -> (String, BTreeSet<u64>) {
    let mut csv = String::from("telefono,nome,eta,nato,vip,tags\n");
    let mut line: u64 = 2;
    let mut bad = BTreeSet::new();
    for i in 0..ROWS {
        let phone = format!("333{i:07}");
        let start = line;
        let row = match (i % 2000 == 1999, (i / 2000) % 5) {
            (true, 0) => format!("abc{i},Bad Phone,30,1990-01-01,no,x\n"),
            (true, 1) => format!(",Empty Phone {i},30,1990-01-01,no,x\n"),
            (true, 2) => format!("{phone},Bad Age,tanti,1990-01-01,no,x\n"),
            (true, 3) => format!("{phone},Bad Date,30,31/02/2020,no,x\n"),
            (true, _) => format!("{phone},Short Row\n"),
            (false, _) if i % 1000 == 500 => {
                line += 1;
                format!(
                    "{phone},\"Cliente\n{i}\",{},30/03/1990,sì,\"clienti;nord\"\n",
                    i % 90
                )
            }
            (false, _) => format!("{phone},Cliente {i},{},1990-03-30,no,clienti\n", i % 90),
        };
        if i % 2000 == 1999 {
            bad.insert(start);
        }
        csv.push_str(&row);
        line += 1;
    }
    assert_eq!(bad.len(), 50);
    (csv, bad)
}

/// `POST /contacts/imports` with `query` and a CSV body, as `token`.
async fn post_import(
    app: &TestApp,
    token: Option<&str>,
    query: &[(&str, &str)],
    csv: impl Into<reqwest::Body>,
) -> Response {
    let mut req = app
        .client
        .post(format!("{}/api/v1/contacts/imports", app.base))
        .query(query)
        .header("content-type", "text/csv")
        .body(csv);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("sent");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
    Response {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// Polls the import until it is no longer running: every state seen, the last one last.
async fn follow(app: &TestApp, id: &str) -> Vec<Value> {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let r = app.get(&format!("/api/v1/contacts/imports/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let running = r.body["state"] == "running";
        seen.push(r.body);
        if !running {
            return seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the import did not end: {}",
            seen.last().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn lines_of(import: &Value) -> BTreeSet<u64> {
    import["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_big_file_reports_exactly_its_bad_lines_and_importing_it_again_duplicates_nothing() {
    let app = TestApp::spawn().await;
    let (csv, bad_lines) = big_csv();
    let mapping = mapping();
    let query = [
        ("mapping", mapping.as_str()),
        ("default_country", "IT"),
        ("list", "fiera-2026"),
    ];
    let r = post_import(&app, Some(&app.token), &query, csv.clone()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["state"], "running");
    assert_eq!(r.body["file_bytes"], csv.len() as u64);
    let id = r.body["id"].as_str().unwrap().to_string();
    let seen = follow(&app, &id).await;

    // Progress: the counters only grow, and some state was seen between start and end.
    let rows: Vec<u64> = seen.iter().map(|s| s["rows"].as_u64().unwrap()).collect();
    let bytes: Vec<u64> = seen
        .iter()
        .map(|s| s["bytes_read"].as_u64().unwrap())
        .collect();
    assert!(rows.windows(2).all(|w| w[0] <= w[1]), "{rows:?}");
    assert!(bytes.windows(2).all(|w| w[0] <= w[1]), "{bytes:?}");
    assert!(
        rows.iter().any(|&n| n > 0 && n < ROWS as u64),
        "no state between start and end was seen: {rows:?}"
    );

    let done = seen.last().unwrap();
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["rows"], ROWS as u64);
    assert_eq!(done["created"], (ROWS - 50) as u64);
    assert_eq!(done["updated"], 0);
    assert_eq!(done["bad"], 50);
    assert_eq!(done["bytes_read"], csv.len() as u64);
    assert!(
        done["finished_at"].is_string() && done["error"].is_null(),
        "{done}"
    );
    assert_eq!(lines_of(done), bad_lines);
    let reasons: Vec<&str> = done["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["reason"].as_str().unwrap())
        .collect();
    for expected in [
        "telefono: \"abc",
        "telefono: the phone is empty",
        "eta: \"tanti\" is not a number",
        "nato: \"31/02/2020\" is not a date",
        "the row has 2 columns, the header has 6",
    ] {
        assert_eq!(
            reasons.iter().filter(|r| r.starts_with(expected)).count(),
            10,
            "{expected}: {reasons:?}"
        );
    }

    // The contacts: typed fields, national numbers made international, the list, the tags.
    let found = app.get("/api/v1/contacts?search=%2B393330000500").await;
    let c = &found.body["data"][0];
    assert_eq!(c["phone"], "+393330000500", "{}", found.body);
    assert_eq!(c["name"], "Cliente\n500");
    assert_eq!(
        c["fields"],
        json!({"age": 50, "born": "1990-03-30", "vip": true})
    );
    assert_eq!(c["tags"], json!(["clienti", "nord"]));
    assert_eq!(c["lists"], json!(["fiera-2026"]));
    let lists = app.get("/api/v1/lists").await;
    assert!(
        lists.body.to_string().contains(&format!("{}", ROWS - 50)),
        "{}",
        lists.body
    );

    // Again, with a tag for everyone: nothing created, every good row an update.
    let mut query = query.to_vec();
    query.push(("tag", "richiamati"));
    let again = post_import(&app, Some(&app.token), &query, csv).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.body);
    let second = follow(&app, again.body["id"].as_str().unwrap()).await;
    let done = second.last().unwrap();
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["created"], 0, "{done}");
    assert_eq!(done["updated"], (ROWS - 50) as u64);
    assert_eq!(lines_of(done), bad_lines);
    let found = app.get("/api/v1/contacts?search=%2B393330000500").await;
    let c = &found.body["data"][0];
    assert_eq!(c["tags"], json!(["clienti", "nord", "richiamati"]));
    assert_eq!(c["lists"], json!(["fiera-2026"]), "lists are a set");
    let list = app.get("/api/v1/contacts/imports").await;
    let ids: Vec<&str> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![again.body["id"].as_str().unwrap(), id.as_str()]);
}

#[tokio::test]
async fn mapping_errors_are_422_naming_the_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    let csv = "Numero,Nome\n3331234567,Anna\n";
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 6] = [
        (
            &[("mapping", r#"{"Numero": "phon"}"#)],
            "mapping.Numero",
            "\"phon\"",
        ),
        (
            &[("mapping", r#"{"Nome": "name"}"#)],
            "mapping",
            "no column is the phone",
        ),
        (&[], "mapping", "\"Numero\", \"Nome\""),
        (
            &[("mapping", r#"{"Tel": "phone"}"#)],
            "mapping.Tel",
            "no column \"Tel\"",
        ),
        (&[("mapping", "{phone")], "mapping", "not JSON"),
        (
            &[
                ("mapping", r#"{"Numero": "phone"}"#),
                ("default_country", "Italia"),
            ],
            "default_country",
            "\"Italia\"",
        ),
    ];
    for (query, field, says) in cases {
        let r = post_import(&app, Some(&app.token), query, csv).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query:?}: {}",
            r.body
        );
        assert_eq!(r.body["error"]["field"], field, "{query:?}: {}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{query:?}: {message}");
    }
    let r = post_import(&app, Some(&app.token), &[("lists", "x")], csv).await;
    assert_eq!(r.body["error"]["field"], "lists", "{}", r.body);
    let json = app
        .post("/api/v1/contacts/imports", json!({"phone": "+39333"}))
        .await;
    assert_eq!(
        json.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        json.body
    );
    assert_eq!(
        app.get("/api/v1/contacts/imports").await.body["data"],
        json!([])
    );
    assert_eq!(app.get("/api/v1/contacts").await.body["data"], json!([]));
    let files = std::fs::read_dir(app._dir.path().join("imports"))
        .unwrap()
        .count();
    assert_eq!(files, 0, "refused uploads leave no file");

    // The same file with the right mapping and country goes in.
    let query = [
        ("mapping", r#"{"Numero": "phone", "Nome": "name"}"#),
        ("default_country", "IT"),
    ];
    let r = post_import(&app, Some(&app.token), &query, csv).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let done = follow(&app, r.body["id"].as_str().unwrap())
        .await
        .pop()
        .unwrap();
    assert_eq!(
        (done["created"].as_u64(), done["bad"].as_u64()),
        (Some(1), Some(0)),
        "{done}"
    );
}

#[tokio::test]
async fn only_admins_import_and_see_imports() {
    let app = TestApp::spawn().await;
    let store = app.running.store.as_ref();
    let workspace = store
        .workspace_by_name_or_create("default")
        .await
        .unwrap()
        .id;
    let agent = store
        .insert_agent(&workspace, "Sara", "sara@shop.example", "agent")
        .await
        .unwrap();
    let agent_token =
        waflow_server::issue_token(store, &workspace, "dashboard", Some(&agent.id), None)
            .await
            .unwrap();
    let csv = "phone\n+393331234567\n";
    let r = post_import(&app, Some(&agent_token), &[], csv).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = post_import(&app, None, &[], csv).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(app.get("/api/v1/contacts").await.body["data"], json!([]));

    let ok = post_import(&app, Some(&app.token), &[], csv).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.body);
    let sent = app
        .client
        .post(format!("{}/api/v1/contacts/imports", app.base))
        .bearer_auth(&app.token)
        .body(csv)
        .send()
        .await
        .unwrap();
    let location = sent.headers()["location"].to_str().unwrap().to_string();
    let again: Value = sent.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/contacts/imports/{}", again["id"].as_str().unwrap())
    );
    let id = ok.body["id"].as_str().unwrap();
    follow(&app, id).await;
    for path in [
        "/api/v1/contacts/imports".to_string(),
        format!("/api/v1/contacts/imports/{id}"),
    ] {
        let r = app
            .request_as(Some(&agent_token), Method::GET, &path, None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        assert!(!r.body.to_string().contains("+39333"), "{}", r.body);
        let r = app.request_as(None, Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}: {}", r.body);
    }
    let elsewhere = app.token_for("elsewhere").await;
    let path = format!("/api/v1/contacts/imports/{id}");
    let r = app
        .request_as(Some(&elsewhere), Method::GET, &path, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn the_row_limit_is_named_and_an_interrupted_import_fails_saying_how_far_it_got() {
    use std::sync::Arc;
    let app = TestApp::spawn_configured(Arc::new(waflow_engine::clock::SystemClock), |c| {
        c.limits.import_rows = 3;
    })
    .await;
    let r = post_import(
        &app,
        Some(&app.token),
        &[],
        "phone\n+393331000001\n+393331000002\n+393331000003\n+393331000004\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["field"], "rows");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("--max-import-rows"));

    // An import left running (as by a kill) is failed by the next start.
    let store = app.running.store.clone();
    let workspace = store
        .workspace_by_name_or_create("default")
        .await
        .unwrap()
        .id;
    let import = store
        .insert_import(&workspace, 2048, chrono::Utc::now())
        .await
        .unwrap();
    let counts = waflow_store::ImportCounts {
        bytes_read: 1024,
        rows: 2,
        created: 0,
        updated: 0,
        bad: 0,
    };
    let rows = vec![waflow_domain::import::ContactRow {
        phone: waflow_domain::PhoneNumber::parse("+393331000009").unwrap(),
        name: Some("Anna".into()),
        tags: vec![],
        lists: vec![],
        fields: Default::default(),
    }];
    store
        .import_chunk(&workspace, &import.id, &rows, counts, chrono::Utc::now())
        .await
        .unwrap();
    // The first server stops (as a killed node's row would be taken for dead): the next start
    // is then the only node, and no other may be running the import.
    let database = app.database.clone();
    let data_dir = app._dir.path().to_path_buf();
    app.running
        .shutdown(std::time::Duration::from_secs(5))
        .await;
    let config = waflow_server::Config {
        database,
        durability: waflow_server::Durability::Normal,
        linked_device_url: Some("ws://127.0.0.1:1/ws/chat".into()),
        ..waflow_server::Config::new("127.0.0.1:0".parse().unwrap(), data_dir)
    };
    let second = waflow_server::start_with_system_clock(&config)
        .await
        .unwrap();
    let stored = second
        .store
        .contact_import(&workspace, &import.id)
        .await
        .unwrap();
    assert_eq!(stored.state, "failed");
    let why = stored.error.unwrap();
    assert!(
        why.contains("read 2 rows") && why.contains("1 contacts created"),
        "{why}"
    );
}
