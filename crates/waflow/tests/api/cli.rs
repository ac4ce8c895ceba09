//! The command line: `--help`, environment variables for `serve`, and clear start-up errors.

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_waflow");

#[tokio::test]
async fn help_explains_the_commands() {
    let out = Command::new(BIN).arg("--help").output().await.unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("serve") && text.contains("token"), "{text}");
    let serve = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&serve.stdout);
    for expected in [
        "--listen",
        "WAFLOW_LISTEN",
        "127.0.0.1:8080",
        "--data-dir",
        "WAFLOW_DATA_DIR",
        "./waflow-data",
    ] {
        assert!(
            text.contains(expected),
            "serve --help lacks {expected}: {text}"
        );
    }
}

#[tokio::test]
async fn serve_reads_its_settings_from_the_environment_and_creates_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("WAFLOW_LISTEN", "127.0.0.1:0")
        .env("WAFLOW_DATA_DIR", &data)
        .env("WAFLOW_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let url = line
        .strip_prefix("waflow listening on ")
        .expect("the URL line");
    let health: serde_json::Value = reqwest::get(format!("{url}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert!(
        data.join("waflow.db").exists(),
        "the data directory and database were created"
    );
    child.kill().await.unwrap();
}

#[tokio::test]
async fn bad_settings_fail_with_a_clear_message() {
    let bad_listen = Command::new(BIN)
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .await
        .unwrap();
    assert!(!bad_listen.status.success());
    assert!(String::from_utf8_lossy(&bad_listen.stderr).contains("not-an-address"));

    let file = tempfile::NamedTempFile::new().unwrap();
    let not_a_dir = Command::new(BIN)
        .args(["token", "create", "--data-dir"])
        .arg(file.path())
        .output()
        .await
        .unwrap();
    assert!(!not_a_dir.status.success());
    let err = String::from_utf8_lossy(&not_a_dir.stderr);
    assert!(
        err.contains("data directory") || err.contains(&file.path().display().to_string()),
        "{err}"
    );
}
