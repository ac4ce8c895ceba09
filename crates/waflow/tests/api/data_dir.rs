//! The data directory is private to waflow's user whatever the umask (issue 16): the real binary
//! started with umask 022 makes the directory 0700 and the database, WAL and key 0600, and
//! tightens looser modes it finds at start, below the directory too.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_waflow");

/// `waflow serve` under umask 022, once it listens.
async fn serve_with_umask_022(dir: &Path) -> Child {
    let mut child = Command::new("sh")
        .args(["-c", "umask 022; exec \"$0\" \"$@\"", BIN])
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("WAFLOW_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("waflow serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("ready in time")
        .unwrap()
        .unwrap();
    assert!(line.starts_with("waflow listening on "), "{line}");
    child
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn the_data_directory_is_private_whatever_the_umask() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut server = serve_with_umask_022(&data).await;
    let private = |name: &str| (name.to_string(), mode(&data.join(name)));
    assert_eq!(mode(&data), 0o700);
    for name in ["waflow.db", "waflow.db-wal", "master.key"] {
        assert_eq!(private(name), (name.to_string(), 0o600));
    }
    server.kill().await.unwrap();

    // Modes loosened while waflow was stopped (a restore, a copy) are tightened at start.
    chmod(&data, 0o755);
    chmod(&data.join("waflow.db"), 0o644);
    chmod(&data.join("master.key"), 0o644);
    let session = data.join("linked").join("num_1.session");
    let photo = data.join("media").join("ws_1").join("photo.jpg");
    for file in [&session, &photo] {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        chmod(file.parent().unwrap(), 0o755);
        std::fs::write(file, b"x").unwrap();
        chmod(file, 0o644);
    }
    let mut server = serve_with_umask_022(&data).await;
    assert_eq!(mode(&data), 0o700);
    for name in ["waflow.db", "waflow.db-wal", "waflow.db-shm", "master.key"] {
        assert_eq!(private(name), (name.to_string(), 0o600));
    }
    for file in [&session, &photo] {
        assert_eq!(mode(file) & 0o077, 0, "{}", file.display());
        assert_eq!(
            mode(file.parent().unwrap()) & 0o077,
            0,
            "{}",
            file.display()
        );
    }
    server.kill().await.unwrap();
}
