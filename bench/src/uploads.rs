//! Upload benchmark: what a 100 MB CSV and a 100 MB knowledge file cost a running server, and
//! how fast knowledge search answers at the item limit.
//!
//! Starts the release `waflow serve` with its default limits, then:
//! 1. a 100 MB CSV to `POST /workflows/{id}/start` and a 100 MB catalogue to
//!    `PUT /workspace/knowledge/{name}`, each sent twice — with `Content-Length`, and streamed in
//!    chunks without it — printing each answer and the server's RSS growth (VmRSS peak sampled
//!    every 5 ms while the upload runs, minus before);
//! 2. knowledge files filling the workspace to its item limit (50,000 by default), then 1,000
//!    searches through `GET /workspace/knowledge/search`, printing p50/p99/max.
//!
//! Exits non-zero if an RSS growth passes 64 MB or the search p99 passes 50 ms.
//!
//! Usage: `cargo build --release -p waflow && cargo run --release -p waflow-bench --bin uploads`

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use waflow_bench::common::{ms, percentile, Server};

const MB: usize = 1024 * 1024;
/// The items one knowledge file holds while filling the workspace.
const ITEMS_PER_FILE: usize = 10_000;
const ITEM_LIMIT: usize = 50_000;

fn big_csv(bytes: usize) -> Vec<u8> {
    let mut out = b"phone,name,city\n".to_vec();
    let mut i = 0u64;
    while out.len() < bytes {
        out.extend_from_slice(format!("+39333{:07},Cliente {i},Roma\n", i % 10_000_000).as_bytes());
        i += 1;
    }
    out
}

fn catalogue(from: usize, count: usize) -> Vec<u8> {
    let colours = ["rossa", "blu", "verde", "nera", "bianca"];
    let kinds = ["Maglietta", "Felpa", "Giacca", "Scarpe", "Borsa"];
    let mut out = b"name,description,price,sku\n".to_vec();
    for i in from..from + count {
        let line = format!(
            "{} {} {i},Cotone biologico taglia M collezione {},{}.90,SKU{i:06}\n",
            kinds[i % 5],
            colours[(i / 5) % 5],
            i % 97,
            10 + i % 90
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

/// Samples the server's RSS every 5 ms until stopped; the peak, KiB.
fn sample_peak(server: &Server) -> (Arc<AtomicBool>, Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let pid = server.pid;
    let (s, p) = (stop.clone(), peak.clone());
    let task = tokio::spawn(async move {
        while !s.load(Ordering::Relaxed) {
            if let Ok(kib) = rss_of(pid) {
                p.fetch_max(kib, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    (stop, peak, task)
}

fn rss_of(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("VmRSS")?;
    Ok(line.split_whitespace().nth(1).context("value")?.parse()?)
}

/// Sends `body` (declared or streamed) and measures the RSS growth; (status, answer, growth MB).
async fn upload(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    streamed: bool,
) -> Result<(u16, String, f64)> {
    let before = server.rss_kib()?;
    let (stop, peak, task) = sample_peak(server);
    let status;
    let text;
    if streamed {
        (status, text) = chunked(server, method.as_str(), path, content_type, &body).await?;
    } else {
        let resp = server
            .client
            .request(method, format!("{}{path}", server.base))
            .bearer_auth(&server.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await?;
        status = resp.status().as_u16();
        text = resp.text().await?;
    }
    stop.store(true, Ordering::Relaxed);
    task.await?;
    let growth = peak.load(Ordering::Relaxed).saturating_sub(before) as f64 / 1024.0;
    Ok((status, text.chars().take(200).collect(), growth))
}

/// A request without `Content-Length` (chunked), over a raw connection.
async fn chunked(
    server: &Server,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server.addr()?;
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: \
         {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.token
    );
    stream.write_all(head.as_bytes()).await?;
    for chunk in body.chunks(64 * 1024) {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        if stream.write_all(&frame).await.is_err() {
            break; // answered and closed early
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no HTTP status")?;
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    Ok((status, body))
}

#[tokio::main]
async fn main() -> Result<()> {
    let binary = Path::new("target/release/waflow");
    let server = Server::start(binary, "full", &[]).await?;
    let created = server
        .client
        .post(format!("{}/api/v1/workflows", server.base))
        .bearer_auth(&server.token)
        .json(
            &serde_json::json!({"name": "Promo", "trigger": {"type": "outbound"},
            "steps": [{"id": "hi", "type": "send_text", "text": "Ciao!"}]}),
        )
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?;
    let id = created["id"].as_str().context("workflow id")?.to_string();
    let mut worst: f64 = 0.0;
    println!("upload (100 MB)                       | status | RSS growth | answer");
    for (label, method, path, ctype, body) in [
        (
            "CSV → /workflows/{id}/start",
            reqwest::Method::POST,
            format!("/api/v1/workflows/{id}/start"),
            "text/csv",
            big_csv(100 * MB),
        ),
        (
            "catalogue → /workspace/knowledge",
            reqwest::Method::PUT,
            "/api/v1/workspace/knowledge/big.csv".to_string(),
            "text/csv",
            catalogue(0, 1)
                .into_iter()
                .chain(big_csv(100 * MB))
                .collect(),
        ),
    ] {
        for streamed in [false, true] {
            let (status, answer, growth) = upload(
                &server,
                method.clone(),
                &path,
                ctype,
                body.clone(),
                streamed,
            )
            .await?;
            worst = worst.max(growth);
            let how = if streamed { "streamed" } else { "declared" };
            println!("{label:<30} {how:<8} | {status} | {growth:>7.1} MB | {answer}");
        }
    }
    // Fill the workspace to its item limit, then search.
    let started = Instant::now();
    for f in 0..ITEM_LIMIT / ITEMS_PER_FILE {
        let resp = server
            .client
            .put(format!(
                "{}/api/v1/workspace/knowledge/cat{f}.csv",
                server.base
            ))
            .bearer_auth(&server.token)
            .body(catalogue(f * ITEMS_PER_FILE, ITEMS_PER_FILE))
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!("cat{f}.csv: {} {}", resp.status(), resp.text().await?);
        }
    }
    println!("{ITEM_LIMIT} items imported in {}", ms(started.elapsed()));
    let queries = [
        "maglietta rossa",
        "felpa blu taglia M",
        "SKU012345",
        "giacca verde cotone",
        "borsa nera",
        "scarpe bianche 42",
        "quanto costa la felpa",
        "cotone biologico",
    ];
    let mut times = Vec::new();
    for i in 0..1_000 {
        let q = queries[i % queries.len()];
        let t = Instant::now();
        let resp = server
            .client
            .get(format!("{}/api/v1/workspace/knowledge/search", server.base))
            .query(&[("q", q)])
            .bearer_auth(&server.token)
            .send()
            .await?;
        if !resp.status().is_success() {
            bail!("search {q:?}: {}", resp.status());
        }
        resp.bytes().await?;
        times.push(t.elapsed());
    }
    times.sort();
    let p99 = percentile(&times, 0.99);
    println!(
        "search at {ITEM_LIMIT} items, 1,000 queries: p50 {} p99 {} max {}",
        ms(percentile(&times, 0.5)),
        ms(p99),
        ms(*times.last().unwrap_or(&Duration::ZERO))
    );
    server.stop().await;
    if worst > 64.0 {
        bail!("an upload grew RSS by {worst:.1} MB (> 64 MB)");
    }
    if p99 > Duration::from_millis(50) {
        bail!("search p99 {} > 50 ms", ms(p99));
    }
    Ok(())
}
