//! `waflow migrate --from <data dir> --to postgres://…`, end to end: a server on SQLite gets
//! contacts, a workflow that answers, tags, a ticket and a scheduled message through the API; it
//! stops; the real binary copies the data directory into a fresh PostgreSQL database; a server on
//! that database (and the same data directory) answers the main GET endpoints exactly as the
//! SQLite one did.

use crate::harness::{replies, reply_workflow, TestApp};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::process::Command;
use waflow_engine::clock::SystemClock;
use waflow_server::Database;

const BIN: &str = env!("CARGO_BIN_EXE_waflow");

/// The answers of the main GET endpoints, by path.
async fn answers(app: &TestApp) -> Vec<(String, Value)> {
    let mut paths: Vec<String> = [
        "/api/v1/contacts",
        "/api/v1/conversations",
        "/api/v1/workflows",
        "/api/v1/logs?limit=200",
        "/api/v1/tickets",
        "/api/v1/scheduled",
        "/api/v1/numbers",
        "/api/v1/lists",
        "/api/v1/agents",
        "/api/v1/workspace",
    ]
    .map(String::from)
    .to_vec();
    let conversations = app.get("/api/v1/conversations").await.body;
    for c in conversations["data"].as_array().unwrap() {
        paths.push(format!(
            "/api/v1/conversations/{}/messages",
            c["id"].as_str().unwrap()
        ));
    }
    let workflows = app.get("/api/v1/workflows").await.body;
    for w in workflows["data"].as_array().unwrap() {
        let id = w["id"].as_str().unwrap();
        paths.push(format!("/api/v1/workflows/{id}"));
        paths.push(format!("/api/v1/workflows/{id}/versions"));
        paths.push(format!("/api/v1/workflows/{id}/counters"));
    }
    let contacts = app.get("/api/v1/contacts").await.body;
    for c in contacts["data"].as_array().unwrap() {
        paths.push(format!("/api/v1/contacts/{}", c["id"].as_str().unwrap()));
    }
    let mut out = Vec::new();
    for path in paths {
        let r = app.get(&path).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        out.push((path, r.body));
    }
    out
}

async fn migrate(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .arg("migrate")
        .args(args)
        .env("WAFLOW_LOG", "warn")
        .env_remove("WAFLOW_DATABASE_URL")
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_sqlite_data_directory_moved_to_postgres_answers_the_same() {
    let app =
        TestApp::spawn_configured(Arc::new(SystemClock), |c| c.database = Database::Sqlite).await;
    app.create_workflow(reply_workflow(
        "Hello",
        json!({"type": "exact_phrase", "phrase": "hello"}),
        None,
        "Hi there! ☃",
    ))
    .await;
    app.inject("+393331230001", "hello").await;
    app.inject("+393331230002", "hello").await;
    app.inject("+393331230002", "something else").await;
    replies(&app, 2).await;
    let created = app
        .post(
            "/api/v1/contacts",
            json!({"phone": "+393331230003", "name": "Zoë \"Z\"", "tags": ["vip"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let contact = created.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/contacts/{contact}/tags"),
            json!({"tags": ["newsletter"]}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app
        .post(
            "/api/v1/tickets",
            json!({"contact_id": contact, "subject": "Help"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app
        .post(
            "/api/v1/scheduled",
            json!({"number_id": app.sandbox, "phone": "+393331230003", "at": "2030-04-01T09:00", "text": "Later"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The replies are sent (not still queued) before the answers are taken: the shutdown would
    // send a queued one after, and the copy would then rightly hold it as sent.
    assert!(
        crate::harness::eventually(10, || async {
            let out = app.outbox().await;
            out.len() >= 2 && out.iter().all(|m| m["status"] == "sent")
        })
        .await,
        "replies not sent: {:?}",
        app.outbox().await
    );
    let before = answers(&app).await;

    let TestApp {
        running, _dir: dir, ..
    } = app;
    running.shutdown(Duration::from_secs(5)).await;
    let data_dir = dir.path().to_str().unwrap().to_string();

    // Refusals: a flag without its partner.
    let (ok, _, err) = migrate(&["--from", &data_dir]).await;
    assert!(!ok && err.contains("--to"), "{err}");
    let url = waflow_store_postgres::testing::fresh_database().await;
    let (ok, _, err) = migrate(&["--to", &url]).await;
    assert!(!ok && err.contains("--from"), "{err}");

    // Migrations alone, then the copy into that (still empty) database.
    let (ok, out, err) = migrate(&["--database", &url]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with("migrations applied: postgres://"), "{out}");
    let (ok, out, err) = migrate(&["--from", &format!("sqlite://{data_dir}"), "--to", &url]).await;
    assert!(ok, "{err}");
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    let row = |table: &str| {
        lines
            .iter()
            .find(|l| l[0] == table)
            .unwrap_or_else(|| panic!("no line for {table}: {out}"))[1]
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(row("contacts"), 3, "{out}");
    assert!(row("messages") >= 5 && row("tickets") == 1, "{out}");
    let total: u64 = lines
        .iter()
        .filter(|l| l[0] != "total")
        .map(|l| l[1].parse::<u64>().unwrap())
        .sum();
    assert_eq!(row("total"), total, "{out}");
    assert!(lines.iter().all(|l| l.len() == 3), "{out}");

    // A second copy is refused: the database now holds rows.
    let (ok, _, err) = migrate(&["--from", &data_dir, "--to", &url]).await;
    assert!(!ok && err.contains("not empty"), "{err}");

    let on_postgres = TestApp::spawn_configured(Arc::new(SystemClock), |c| {
        c.database = Database::Postgres {
            url: url.clone(),
            pool: 4,
        };
        c.data_dir = dir.path().to_path_buf();
    })
    .await;
    let after = answers(&on_postgres).await;
    assert_eq!(before.len(), after.len());
    for ((path, a), (_, b)) in before.iter().zip(&after) {
        assert_eq!(a, b, "GET {path} differs after the move");
    }
    on_postgres.running.shutdown(Duration::from_secs(5)).await;
}
