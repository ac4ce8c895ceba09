//! What both benchmarks share: starting a real `waflow serve`, creating the 100 workflows, and
//! the statistics they print.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `waflow serve` on a fresh data directory, with an API token.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub token: String,
    pub dir: PathBuf,
    pub pid: u32,
    /// From spawning the process to `/healthz` answering.
    pub ready: Duration,
    pub client: reqwest::Client,
}

impl Server {
    /// Starts `binary serve` with `extra` arguments on a new temporary data directory.
    pub async fn start(binary: &Path, durability: &str, extra: &[&str]) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("waflow-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let token_out = Command::new(binary)
            .args(["token", "create", "--data-dir"])
            .arg(&dir)
            .output()
            .await
            .with_context(|| {
                format!(
                    "running {}; build it with `cargo build --release -p waflow`",
                    binary.display()
                )
            })?;
        let token = String::from_utf8(token_out.stdout)?.trim().to_string();
        let spawned = Instant::now();
        let mut child = Command::new(binary)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--durability",
                durability,
            ])
            .args(extra)
            .arg("--data-dir")
            .arg(&dir)
            .env("WAFLOW_LOG", "warn")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
        let line = lines.next_line().await?.context("no ready line")?;
        let base = line
            .strip_prefix("waflow listening on ")
            .context("ready line")?
            .to_string();
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()?;
        client
            .get(format!("{base}/healthz"))
            .send()
            .await?
            .error_for_status()?;
        let ready = spawned.elapsed();
        let pid = child.id().context("pid")?;
        Ok(Self {
            child,
            base,
            token,
            dir,
            pid,
            ready,
            client,
        })
    }

    /// The server's address, for the raw HTTP client.
    pub fn addr(&self) -> Result<std::net::SocketAddr> {
        self.base
            .strip_prefix("http://")
            .context("base URL")?
            .parse()
            .context("server address")
    }

    /// A GET on the API, as JSON.
    pub async fn get(&self, path: &str) -> Result<Value> {
        Ok(self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?
            .json()
            .await?)
    }

    /// A POST on the API; fails unless the answer is 2xx.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        let status = r.status();
        let answer: Value = r.json().await?;
        if !status.is_success() {
            bail!("POST {path}: {status} {answer}");
        }
        Ok(answer)
    }

    /// Creates the benchmark's 100 active workflows: 90 keyword workflows (`kwNx` or `aliasN`,
    /// and not tagged `blocked-topic`) that answer with `reply` (a template; `{n}` is replaced by
    /// the workflow's number), and 10 whose conditions the keyword index cannot use.
    pub async fn create_workflows(&self, reply: &str) -> Result<()> {
        for n in 0..100 {
            let doc = if n < 90 {
                json!({"name": format!("Keyword {n}"), "priority": n, "trigger": {"type": "message_received"},
                       "conditions": {"all": [{"type": "text", "op": "contains", "values": [format!("kw{n}x"), format!("alias{n}")]},
                                              {"not": {"type": "tags", "tags": ["blocked-topic"]}}]},
                       "steps": [{"type": "send_text", "text": reply.replace("{n}", &n.to_string())}]})
            } else {
                json!({"name": format!("Media {n}"), "priority": n, "trigger": {"type": "message_received"},
                       "conditions": {"any": [{"type": "message_type", "types": ["image", "document"]}, {"type": "tags", "tags": [format!("vip{n}")]}]},
                       "steps": [{"type": "send_text", "text": "media"}, {"type": "add_tag", "tag": "media", "when": "1h"}]})
            };
            self.post("/api/v1/workflows", &doc)
                .await
                .with_context(|| format!("workflow {n}"))?;
        }
        Ok(())
    }

    /// Resident memory of the server, KiB.
    pub fn rss_kib(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .context("no VmRSS")?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .context("VmRSS value")?
            .parse()?)
    }

    /// The CPU time the server process has used so far (user + system), in seconds.
    pub fn cpu_seconds(&self) -> Result<f64> {
        process_cpu_seconds(self.pid)
    }

    /// Stops the server and removes its data.
    pub async fn stop(mut self) {
        self.child.kill().await.ok();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// The clock ticks per second `/proc/<pid>/stat` counts CPU time in (`getconf CLK_TCK`).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The CPU time process `pid` has used (user + system), in seconds, from `/proc/<pid>/stat`.
pub fn process_cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command (which may hold spaces) start after its closing parenthesis;
    // utime and stime are fields 14 and 15, the 12th and 13th after it.
    let rest = stat.rsplit_once(')').context("a /proc stat line")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..13)
        .context("utime and stime")?
        .iter()
        .map(|f| f.parse::<f64>().unwrap_or(0.0))
        .sum();
    Ok(ticks / clock_ticks())
}

/// The CPU time every `postgres` process on this machine has used so far, in seconds (the
/// PostgreSQL server's share of a run, when nothing else uses it meanwhile).
pub fn postgres_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .filter_map(|pid| process_cpu_seconds(pid).ok())
        .sum()
}

/// The command line as `--flag value` pairs; a flag without its value is an error.
pub fn flag_values() -> Result<Vec<(String, String)>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.chunks(2)
        .map(|pair| match pair {
            [flag, value] => Ok((flag.clone(), value.clone())),
            [flag] => bail!("{flag} needs a value"),
            _ => bail!("empty argument"),
        })
        .collect()
}

/// The `p` quantile (0..=1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
