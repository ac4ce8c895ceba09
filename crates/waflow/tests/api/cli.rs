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

/// Starts `waflow serve` and waits for the line with its URL.
async fn started(mut command: Command) -> (tokio::process::Child, String) {
    let mut child = command
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
        .expect("the URL line")
        .to_string();
    (child, url)
}

#[tokio::test]
async fn serve_reads_its_settings_from_the_environment_and_creates_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let mut serve = Command::new(BIN);
    serve
        .arg("serve")
        .env("WAFLOW_LISTEN", "127.0.0.1:0")
        .env("WAFLOW_DATA_DIR", &data);
    let (mut child, url) = started(serve).await;
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

async fn waflow(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("WAFLOW_LOG", "warn")
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
async fn workflows_export_and_import_round_trip_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let file = dir.path().join("flows.yaml");
    std::fs::write(
        &file,
        "name: Spedizioni\ntrigger: {type: message_received}\nconditions: {type: text, op: contains, values: [spedizione]}\n\
         steps:\n  - {id: r, type: send_text, text: 'Costa 5 euro'}\n---\n\
         name: Compleanno\ntrigger: {type: date, field: compleanno, at: '09:00', yearly: true}\n\
         steps:\n  - {id: w, type: send_text, text: 'Auguri {{ contact.first_name }}!'}\n",
    )
    .unwrap();
    let (ok, out, err) = waflow(&[
        "workflows",
        "import",
        "--data-dir",
        a.to_str().unwrap(),
        file.to_str().unwrap(),
    ])
    .await;
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let (ok, first, err) =
        waflow(&["workflows", "export", "--data-dir", a.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    let exported = dir.path().join("exported.yaml");
    std::fs::write(&exported, &first).unwrap();
    let (ok, _, err) = waflow(&[
        "workflows",
        "import",
        "--data-dir",
        b.to_str().unwrap(),
        exported.to_str().unwrap(),
    ])
    .await;
    assert!(ok, "{err}");
    let (ok, second, _) = waflow(&["workflows", "export", "--data-dir", b.to_str().unwrap()]).await;
    assert!(ok);
    assert_eq!(first, second, "export → import → export is exact");
    assert!(first.contains("Spedizioni") && first.contains("Compleanno"));
    let (ok, json, _) = waflow(&[
        "workflows",
        "export",
        "--format",
        "json",
        "--data-dir",
        b.to_str().unwrap(),
    ])
    .await;
    assert!(ok);
    let docs: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(docs.as_array().unwrap().len(), 2);

    // A broken second document: nothing is imported, the error names the document and field.
    let c = dir.path().join("c");
    std::fs::write(
        &file,
        "name: Buono\ntrigger: {type: message_received}\nsteps: [{id: r, type: send_text, text: ok}]\n---\n\
         name: Rotto\ntrigger: {type: message_received}\nsteps: [{id: r, type: telepathy}]\n",
    )
    .unwrap();
    let (ok, _, err) = waflow(&[
        "workflows",
        "import",
        "--data-dir",
        c.to_str().unwrap(),
        file.to_str().unwrap(),
    ])
    .await;
    assert!(!ok);
    assert!(err.contains("[1].steps[0].type"), "{err}");
    let (_, none, _) = waflow(&[
        "workflows",
        "export",
        "--format",
        "json",
        "--data-dir",
        c.to_str().unwrap(),
    ])
    .await;
    assert_eq!(none.trim(), "[]", "nothing half-imported");
}

#[tokio::test]
async fn the_first_owner_is_created_by_the_cli_and_signs_in_to_the_served_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (ok, _, err) = waflow(&[
        "agents",
        "create-owner",
        "--data-dir",
        data,
        "--email",
        "owner@shop.it",
        "--password",
        "short",
    ])
    .await;
    assert!(!ok && err.contains("password"), "{err}");
    let (ok, out, err) = waflow(&[
        "agents",
        "create-owner",
        "--data-dir",
        data,
        "--email",
        "Owner@Shop.it",
        "--password",
        "a long secret",
    ])
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("owner@shop.it\towner"), "{out}");
    let mut serve = Command::new(BIN);
    serve.args(["serve", "--listen", "127.0.0.1:0", "--data-dir", data]);
    let (mut child, url) = started(serve).await;
    let client = reqwest::Client::new();
    let page = client.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<div id=\"root\">"));
    let login: serde_json::Value = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "owner@shop.it", "password": "a long secret"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(login["agent"]["role"], "owner", "{login}");
    let token = login["token"].as_str().unwrap();
    let workflows = client
        .get(format!("{url}/api/v1/workflows"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(workflows.status(), 200);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn contacts_import_reads_a_csv_into_the_data_directory_and_prints_the_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("clienti.csv");
    std::fs::write(
        &file,
        "Cellulare;Nome;Anni\n333 100 0001;Anna;40\n06 1234 5678;Studio;x\nabc;Bruno;3\n+33 6 12 34 56 78;Claire;35\n",
    )
    .unwrap();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "contacts",
            "import",
            "--data-dir",
            data.to_str().unwrap(),
            "--default-country",
            "IT",
            "--list",
            "fiera",
            "--mapping",
            r#"{"Cellulare": "phone", "Nome": "name", "Anni": "field:age:number"}"#,
        ];
        a.extend_from_slice(extra);
        a.push(file.to_str().unwrap());
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| async move {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        waflow(&refs).await
    };
    let (ok, out, err) = run(args(&[])).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("done: 4 rows, 2 created, 0 updated, 2 bad"),
        "{out}"
    );
    assert!(out.contains("line 3: Anni: \"x\" is not a number"), "{out}");
    assert!(
        out.contains("line 4: Cellulare: \"abc\" is not a phone number"),
        "{out}"
    );
    assert!(err.contains("done:"), "progress on stderr: {err}");
    let (ok, out, err) = run(args(&["--tag", "vip"])).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("done: 4 rows, 0 created, 2 updated, 2 bad"),
        "{out}"
    );

    // A mapping that does not fit the file is refused naming the field; nothing is stored.
    let (ok, _, err) = waflow(&[
        "contacts",
        "import",
        "--data-dir",
        data.to_str().unwrap(),
        "--mapping",
        r#"{"Telefono": "phone"}"#,
        file.to_str().unwrap(),
    ])
    .await;
    assert!(!ok);
    assert!(
        err.contains("mapping.Telefono") && err.contains("\"Cellulare\""),
        "{err}"
    );
}
