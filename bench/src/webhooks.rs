//! Cloud API webhook benchmark: N signed webhook deliveries (one text message each, Meta's JSON)
//! into a real `waflow serve` with 100 active workflows, through to the replies arriving at a
//! local Graph API (`waflow_testkit::FakeGraph`, in this process).
//!
//! Prints webhooks/s acknowledged, replies/s end to end, and p50/p99 from sending a webhook to
//! its reply reaching the Graph API. Every reply is matched to its webhook by a sequence number
//! in the text; the run fails if any is missing.
//!
//! Usage: `cargo build --release -p waflow -p waflow-bench && ./target/release/webhooks
//!         [--webhooks N] [--concurrency C] [--numbers K] [--binary B] [--durability full|normal]`
//!
//! The replies are paced by each number's send cap (1,000/s here, Meta's highest tier); `--numbers`
//! spreads the contacts over several numbers.

use anyhow::{bail, Context, Result};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use waflow_bench::common::{flag_values, ms, percentile, Server};
use waflow_bench::raw_http;
use waflow_channels::cloud_api::signature;
use waflow_testkit::graph::FakeGraph;

const APP_SECRET: &str = "bench-app-secret";

struct Options {
    webhooks: usize,
    concurrency: usize,
    numbers: usize,
    binary: PathBuf,
    durability: String,
}

fn options() -> Result<Options> {
    let mut o = Options {
        webhooks: 20_000,
        concurrency: 64,
        numbers: 4,
        binary: PathBuf::from("target/release/waflow"),
        durability: "full".into(),
    };
    for (flag, value) in flag_values()? {
        match flag.as_str() {
            "--webhooks" => o.webhooks = value.parse()?,
            "--concurrency" => o.concurrency = value.parse()?,
            "--numbers" => o.numbers = value.parse()?,
            "--binary" => o.binary = PathBuf::from(&value),
            "--durability" => o.durability = value,
            other => bail!("unknown option {other}"),
        }
    }
    Ok(o)
}

/// A number under test: its webhook path and Meta id.
struct Line {
    path: String,
    phone_number_id: String,
}

/// One signed delivery with one text message; message `seq` mentions workflow `seq % 90`.
fn delivery(line: &Line, run: &str, seq: usize) -> (String, String) {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881", "phone_number_id": line.phone_number_id},
                  "contacts": [{"profile": {"name": "Giulia"}, "wa_id": format!("39333{:07}", seq % 1000)}],
                  "messages": [{"from": format!("39333{:07}", seq % 1000), "id": format!("wamid.{run}{seq}"),
                                "timestamp": "1763719200", "type": "text",
                                "text": {"body": format!("ciao, info su kw{}x #{seq}#", seq % 90)}}]}}]}]})
    .to_string();
    let sig = signature::sign(APP_SECRET.as_bytes(), body.as_bytes());
    (body, sig)
}

/// Sends `count` deliveries (sequence numbers from `offset`) from `concurrency` connections;
/// returns when each was sent.
async fn load(
    server: &Server,
    lines: Arc<Vec<Line>>,
    run: &'static str,
    offset: usize,
    count: usize,
    concurrency: usize,
) -> Result<(Duration, Vec<Instant>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let sent_at = Arc::new(Mutex::new(vec![None; count]));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, sent_at, lines) = (next.clone(), sent_at.clone(), lines.clone());
        let addr = server.addr()?;
        tasks.push(tokio::spawn(async move {
            let mut conn = raw_http::Connection::open(addr).await?;
            loop {
                let seq = next.fetch_add(1, Ordering::Relaxed);
                if seq >= count {
                    break;
                }
                let line = &lines[seq % lines.len()];
                let (body, sig) = delivery(line, run, offset + seq);
                let at = Instant::now();
                let resp = conn
                    .post(&line.path, "x-hub-signature-256", &sig, &body)
                    .await?;
                if resp.status != 200 {
                    bail!(
                        "webhook {seq}: {} {}",
                        resp.status,
                        String::from_utf8_lossy(&resp.body)
                    );
                }
                if let Ok(mut v) = sent_at.lock() {
                    v[seq] = Some(at);
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = start.elapsed();
    let times = sent_at
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .iter()
        .map(|t| t.context("a webhook was not sent"))
        .collect::<Result<Vec<_>>>()?;
    Ok((elapsed, times))
}

/// Waits until the fake Graph API has `total` messages, at most `limit`.
async fn wait_for_replies(graph: &FakeGraph, total: usize, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while graph.sent_count() < total {
        if Instant::now() > deadline {
            bail!("only {} of {total} replies arrived", graph.sent_count());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let o = options()?;
    let graph = FakeGraph::start().await?;
    let server =
        Server::start(&o.binary, &o.durability, &["--graph-url", graph.base_url()]).await?;
    let mut lines = Vec::new();
    for k in 0..o.numbers {
        let phone_number_id = format!("10654035224{k:04}");
        let number = server
            .post(
                "/api/v1/numbers",
                &json!({"label": format!("Line {k}"), "channel": "cloud_api", "cloud_api": {
                    "phone_number_id": phone_number_id, "waba_id": "102290129340398",
                    "access_token": "EAAG-bench", "app_secret": APP_SECRET,
                    "verify_token": "bench", "send_per_second": 1000}}),
            )
            .await?;
        let id = number["id"].as_str().context("number id")?;
        lines.push(Line {
            path: format!("/webhooks/cloud_api/{id}"),
            phone_number_id,
        });
    }
    let lines = Arc::new(lines);
    server
        .create_workflows("Info {n}: {{ message.text }}")
        .await?;

    // Warm up connections and caches.
    let warm = 2_000;
    load(&server, lines.clone(), "warm", 0, warm, o.concurrency).await?;
    wait_for_replies(&graph, warm, Duration::from_secs(60)).await?;

    let (acked, sent_at) =
        load(&server, lines.clone(), "load", 0, o.webhooks, o.concurrency).await?;
    wait_for_replies(&graph, warm + o.webhooks, Duration::from_secs(300)).await?;
    let first = sent_at.iter().min().copied().context("no webhooks")?;
    let replies = graph.sent_with_times();
    let mut latencies = Vec::with_capacity(o.webhooks);
    let mut last = first;
    for (at, body) in &replies[warm..] {
        let text = body["text"]["body"].as_str().context("reply text")?;
        let seq: usize = text
            .split('#')
            .nth(1)
            .context("sequence number in the reply")?
            .parse()?;
        latencies.push(at.duration_since(sent_at[seq]));
        last = last.max(*at);
    }
    if latencies.len() != o.webhooks {
        bail!("{} replies for {} webhooks", latencies.len(), o.webhooks);
    }
    latencies.sort();
    let end_to_end = last.duration_since(first);

    // Light load: one webhook at a time, each waited for until its reply arrives.
    let light = 300;
    let base = graph.sent_count();
    let mut light_latencies = Vec::with_capacity(light);
    for i in 0..light {
        let (_, sent) = load(&server, lines.clone(), "light", i, 1, 1).await?;
        wait_for_replies(&graph, base + i + 1, Duration::from_secs(10)).await?;
        let (at, _) = graph.sent_with_times()[base + i].clone();
        light_latencies.push(at.duration_since(sent[0]));
    }
    light_latencies.sort();

    println!(
        "waflow Cloud API webhook benchmark ({} CPUs, durability={}, {} numbers)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        o.durability,
        o.numbers
    );
    println!(
        "  {} signed webhooks, concurrency {}, 100 active workflows",
        o.webhooks, o.concurrency
    );
    println!(
        "    acknowledged:          {:.0} webhooks/s",
        o.webhooks as f64 / acked.as_secs_f64()
    );
    println!(
        "    replied (end to end):  {:.0} replies/s",
        o.webhooks as f64 / end_to_end.as_secs_f64()
    );
    println!(
        "    webhook->send p50:     {}",
        ms(percentile(&latencies, 0.50))
    );
    println!(
        "    webhook->send p99:     {}",
        ms(percentile(&latencies, 0.99))
    );
    println!("  one at a time ({light} webhooks):");
    println!(
        "    webhook->send p50:     {}",
        ms(percentile(&light_latencies, 0.50))
    );
    println!(
        "    webhook->send p99:     {}",
        ms(percentile(&light_latencies, 0.99))
    );
    println!(
        "  RSS after load:          {:.1} MiB",
        server.rss_kib()? as f64 / 1024.0
    );
    server.stop().await;
    Ok(())
}
