//! Contact import benchmark: a 1,000,000-row CSV through `POST /contacts/imports` into a real
//! release `waflow serve` (durability `full`), then the same file again (every row an update).
//!
//! For each run prints the upload time, the import time from the 202 to `done` (polling
//! `GET /contacts/imports/{id}` every 100 ms), rows/s, and the server's RSS growth (VmRSS peak
//! sampled every 10 ms, minus before). The file: phone written nationally (default country IT),
//! name, a number, a date and a tags cell, 5 columns, ~54 MB. While each import runs, a sandbox
//! message is sent every 20 ms and its answer time recorded: the intake keeps running between
//! the import's transactions.
//!
//! Exits non-zero if the first import is slower than 50,000 rows/s or RSS grows by more than
//! 100 MB.
//!
//! Usage: `cargo build --release -p waflow -p waflow-bench && ./target/release/import [--rows N]`

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use waflow_bench::common::{flag_values, ms, percentile, Server};

fn csv(rows: usize) -> Vec<u8> {
    let mut out = b"telefono,nome,eta,nato,tags\n".to_vec();
    for i in 0..rows {
        let line = format!(
            "333{i:07},Cliente {i},{},{:02}/{:02}/19{:02},\"clienti;zona{}\"\n",
            18 + i % 70,
            1 + i % 28,
            1 + i % 12,
            40 + i % 60,
            i % 20
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

/// Samples the server's RSS every 10 ms until stopped; the peak, KiB.
fn sample_peak(pid: u32) -> (Arc<AtomicBool>, Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let (s, p) = (stop.clone(), peak.clone());
    let task = tokio::spawn(async move {
        while !s.load(Ordering::Relaxed) {
            if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                let kib = status
                    .lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                p.fetch_max(kib, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    (stop, peak, task)
}

/// Sends a sandbox message every 20 ms until stopped; the time each took to be answered (stored,
/// evaluated, committed), sorted.
fn probe_inbound(
    server: &Server,
    number: String,
) -> (
    Arc<AtomicBool>,
    tokio::task::JoinHandle<Result<Vec<Duration>>>,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let (s, client, base, token) = (
        stop.clone(),
        server.client.clone(),
        server.base.clone(),
        server.token.clone(),
    );
    let task = tokio::spawn(async move {
        let mut times = Vec::new();
        let mut n = 0u32;
        while !s.load(Ordering::Relaxed) {
            let t = Instant::now();
            let r = client
                .post(format!("{base}/api/v1/numbers/{number}/sandbox/inbound"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"from": format!("+3934000{:05}", n % 1000), "text": "ciao"}))
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("inbound: {}", r.status());
            }
            r.bytes().await?;
            times.push(t.elapsed());
            n += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        times.sort();
        Ok(times)
    });
    (stop, task)
}

/// One import of `body`: (upload seconds, import seconds, RSS growth MB, the final import,
/// the sandbox messages' answer times while it ran).
async fn import(
    server: &Server,
    body: Vec<u8>,
    number: &str,
) -> Result<(f64, f64, f64, Value, Vec<Duration>)> {
    let before = server.rss_kib()?;
    let (stop, peak, sampler) = sample_peak(server.pid);
    let mapping = r#"{"telefono": "phone", "nome": "name", "eta": "field:age:number", "nato": "field:born:date", "tags": "tags"}"#;
    let sent = Instant::now();
    let resp = server
        .client
        .post(format!("{}/api/v1/contacts/imports", server.base))
        .query(&[
            ("mapping", mapping),
            ("default_country", "IT"),
            ("list", "bench"),
        ])
        .bearer_auth(&server.token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await?;
    let status = resp.status();
    let answer: Value = resp.json().await?;
    if status.as_u16() != 202 {
        bail!("POST /contacts/imports: {status} {answer}");
    }
    let upload = sent.elapsed().as_secs_f64();
    let accepted = Instant::now();
    let (probing, probe) = probe_inbound(server, number.to_string());
    let id = answer["id"].as_str().context("import id")?.to_string();
    let done = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = server
            .get(&format!("/api/v1/contacts/imports/{id}"))
            .await?;
        if now["state"] != "running" {
            break now;
        }
        if accepted.elapsed() > Duration::from_secs(600) {
            bail!("the import did not end in 10 minutes: {now}");
        }
    };
    let seconds = accepted.elapsed().as_secs_f64();
    probing.store(true, Ordering::Relaxed);
    let inbound = probe.await??;
    stop.store(true, Ordering::Relaxed);
    sampler.await?;
    let growth = peak.load(Ordering::Relaxed).saturating_sub(before) as f64 / 1024.0;
    Ok((upload, seconds, growth, done, inbound))
}

/// Both runs and what they print; (first run's rows/s, worst RSS growth MB).
async fn measure(
    server: &Server,
    rows: usize,
    megabytes: f64,
    body: Vec<u8>,
) -> Result<(f64, f64)> {
    println!(
        "{rows} rows, {megabytes:.1} MB; idle RSS {:.1} MiB",
        server.rss_kib()? as f64 / 1024.0
    );
    println!(
        "run            | upload  | import   | rows/s  | rows/s with upload | created | updated | bad | RSS growth"
    );
    let numbers = server.get("/api/v1/numbers").await?;
    let number = numbers["data"][0]["id"]
        .as_str()
        .context("the sandbox number")?
        .to_string();
    let mut first_rate = 0.0;
    let mut worst_growth: f64 = 0.0;
    let mut probes = Vec::new();
    for label in ["first (create)", "again (update)"] {
        let (upload, seconds, growth, done, inbound) =
            import(server, body.clone(), &number).await?;
        probes.push((label, inbound));
        if done["state"] != "done" {
            bail!("{label}: {done}");
        }
        let rate = rows as f64 / seconds;
        let overall = rows as f64 / (upload + seconds);
        if first_rate == 0.0 {
            first_rate = rate;
        }
        worst_growth = worst_growth.max(growth);
        println!(
            "{label:<14} | {upload:>5.2} s | {seconds:>6.2} s | {rate:>7.0} | {overall:>18.0} | {:>7} | {:>7} | {:>3} | {growth:>6.1} MB",
            done["created"], done["updated"], done["bad"]
        );
    }
    for (label, times) in probes {
        println!(
            "sandbox messages during the {label} import (one per 20 ms): {} answered, p50 {} p99 {} max {}",
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
    println!(
        "server RSS after: {:.1} MiB; database: {:.0} MB",
        server.rss_kib()? as f64 / 1024.0,
        std::fs::metadata(server.dir.join("waflow.db"))
            .map(|m| m.len() as f64 / 1e6)
            .unwrap_or(0.0)
    );
    Ok((first_rate, worst_growth))
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut rows = 1_000_000;
    for (flag, value) in flag_values()? {
        match flag.as_str() {
            "--rows" => rows = value.parse()?,
            other => bail!("unknown flag {other} (--rows N)"),
        }
    }
    let body = csv(rows);
    let megabytes = body.len() as f64 / (1024.0 * 1024.0);
    let limit = (body.len() + 1024).to_string();
    let max_rows = rows.max(1_000_000).to_string();
    let server = Server::start(
        Path::new("target/release/waflow"),
        "full",
        &["--max-csv-bytes", &limit, "--max-import-rows", &max_rows],
    )
    .await?;
    let measured = measure(&server, rows, megabytes, body).await;
    server.stop().await;
    let (first_rate, worst_growth) = measured?;
    if first_rate < 50_000.0 {
        bail!("{first_rate:.0} rows/s < 50,000");
    }
    if worst_growth > 100.0 {
        bail!("RSS grew by {worst_growth:.1} MB (> 100 MB)");
    }
    Ok(())
}
