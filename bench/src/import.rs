//! Contact import benchmark: a 1,000,000-row CSV through `POST /contacts/imports` into a real
//! release `waflow serve` (durability `full`), then the same file again (every row an update).
//!
//! For each run prints the upload time, the import time from the 202 to `done` (polling
//! `GET /contacts/imports/{id}` every 100 ms), rows/s, and the server's RSS growth (VmRSS peak
//! sampled every 10 ms, minus before). The file: phone written nationally (default country IT),
//! name, a number, a date and a tags cell, 5 columns, ~60 MB.
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
use waflow_bench::common::{flag_values, Server};

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

/// One import of `body`: (upload seconds, import seconds, RSS growth MB, the final import).
async fn import(server: &Server, body: Vec<u8>) -> Result<(f64, f64, f64, Value)> {
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
    stop.store(true, Ordering::Relaxed);
    sampler.await?;
    let growth = peak.load(Ordering::Relaxed).saturating_sub(before) as f64 / 1024.0;
    Ok((upload, seconds, growth, done))
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
    let server = Server::start(
        Path::new("target/release/waflow"),
        "full",
        &["--max-csv-bytes", &limit],
    )
    .await?;
    println!(
        "{rows} rows, {megabytes:.1} MB; idle RSS {:.1} MiB",
        server.rss_kib()? as f64 / 1024.0
    );
    println!(
        "run            | upload  | import   | rows/s  | rows/s with upload | created | updated | bad | RSS growth"
    );
    let mut first_rate = 0.0;
    let mut worst_growth: f64 = 0.0;
    for label in ["first (create)", "again (update)"] {
        let (upload, seconds, growth, done) = import(&server, body.clone()).await?;
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
    println!(
        "server RSS after: {:.1} MiB; database: {:.0} MB",
        server.rss_kib()? as f64 / 1024.0,
        std::fs::metadata(server.dir.join("waflow.db"))
            .map(|m| m.len() as f64 / 1e6)
            .unwrap_or(0.0)
    );
    server.stop().await;
    if first_rate < 50_000.0 {
        bail!("{first_rate:.0} rows/s < 50,000");
    }
    if worst_growth > 100.0 {
        bail!("RSS grew by {worst_growth:.1} MB (> 100 MB)");
    }
    Ok(())
}
