//! Send-rate benchmark of the Cloud API channel against a Graph API that answers after 100 ms
//! (a normal round trip to Meta): K numbers capped at C messages/s each, one reply per inbound
//! webhook, contacts all distinct (no per-recipient pacing).
//!
//! Phase 1: all numbers answered after 100 ms — the sustained replies/s (target: ≥ 90 % of the
//! sum of the caps) and the most sends of any number in any one-second window (never above its
//! cap). Phase 2: number 0's answers delayed 2 s — the other numbers' rates must hold.
//!
//! Usage: `cargo build --release -p waflow -p waflow-bench && ./target/release/send_rate
//!         [--per-number N] [--numbers K] [--cap C] [--latency-ms L] [--binary B]`
//! (with `WAFLOW_DATABASE_URL=postgres://…` the server runs on PostgreSQL; phase 1 also prints
//! the CPU time per message of waflow and of the PostgreSQL processes.)

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use waflow_bench::common::{flag_values, postgres_cpu_seconds, Server};
use waflow_bench::raw_http;
use waflow_channels::cloud_api::signature;
use waflow_testkit::graph::FakeGraph;

const APP_SECRET: &str = "bench-app-secret";

struct Options {
    per_number: usize,
    numbers: usize,
    cap: u32,
    latency_ms: u64,
    binary: PathBuf,
}

fn options() -> Result<Options> {
    let mut o = Options {
        per_number: 1_000,
        numbers: 4,
        cap: 80,
        latency_ms: 100,
        binary: PathBuf::from("target/release/waflow"),
    };
    for (flag, value) in flag_values()? {
        match flag.as_str() {
            "--per-number" => o.per_number = value.parse()?,
            "--numbers" => o.numbers = value.parse()?,
            "--cap" => o.cap = value.parse()?,
            "--latency-ms" => o.latency_ms = value.parse()?,
            "--binary" => o.binary = PathBuf::from(&value),
            other => bail!("unknown option {other}"),
        }
    }
    Ok(o)
}

struct Line {
    path: String,
    phone_number_id: String,
}

/// A signed webhook with one text from a contact of its own.
fn delivery(line: &Line, seq: usize) -> (String, String) {
    let from = format!("3934{:08}", seq);
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881", "phone_number_id": line.phone_number_id},
                  "contacts": [{"profile": {"name": "Giulia"}, "wa_id": from}],
                  "messages": [{"from": from, "id": format!("wamid.rate{seq}"),
                                "timestamp": "1763719200", "type": "text",
                                "text": {"body": format!("ciao, info su kw{}x", seq % 90)}}]}}]}]})
    .to_string();
    let sig = signature::sign(APP_SECRET.as_bytes(), body.as_bytes());
    (body, sig)
}

/// Posts `per_number` webhooks to each line, round robin, from 16 connections; sequence numbers
/// (contacts, message ids) from `offset`.
async fn inject(
    server: &Server,
    lines: &Arc<Vec<Line>>,
    offset: usize,
    per_number: usize,
) -> Result<()> {
    let total = per_number * lines.len();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (next, lines) = (next.clone(), lines.clone());
        let addr = server.addr()?;
        tasks.push(tokio::spawn(async move {
            let mut conn = raw_http::Connection::open(addr).await?;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, anyhow::Error>(());
                }
                let seq = offset + i;
                let line = &lines[seq % lines.len()];
                let (body, sig) = delivery(line, seq);
                let resp = conn
                    .post(&line.path, "x-hub-signature-256", &sig, &body)
                    .await?;
                if resp.status != 200 {
                    bail!("webhook {seq}: {}", resp.status);
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// The most sends in any one-second window.
fn peak_per_second(times: &[Instant]) -> usize {
    let mut peak = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end].duration_since(times[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        peak = peak.max(end - start + 1);
    }
    peak
}

async fn wait_for(graph: &FakeGraph, total: usize, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while graph.sent_count() < total {
        if Instant::now() > deadline {
            bail!("only {} of {total} replies arrived", graph.sent_count());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

fn phase_report(
    title: &str,
    graph: &FakeGraph,
    from: usize,
    lines: &[Line],
    owner: &HashMap<String, usize>,
    cap: u32,
) -> Result<Vec<f64>> {
    let mut per_line: Vec<Vec<Instant>> = vec![Vec::new(); lines.len()];
    for (at, body) in graph.sent_with_times().into_iter().skip(from) {
        let to = body["to"].as_str().context("to")?;
        let k = *owner.get(to).context("a reply to an unknown contact")?;
        per_line[k].push(at);
    }
    println!("  {title}");
    let mut rates = Vec::new();
    let all: Vec<Instant> = per_line.iter().flatten().copied().collect();
    let first = all.iter().min().copied().context("no sends")?;
    let last = all.iter().max().copied().context("no sends")?;
    println!(
        "    all numbers: {} replies in {:.2} s = {:.1} replies/s (caps sum to {}/s)",
        all.len(),
        last.duration_since(first).as_secs_f64(),
        all.len() as f64 / last.duration_since(first).as_secs_f64(),
        cap as usize * lines.len()
    );
    for (k, times) in per_line.iter_mut().enumerate() {
        times.sort();
        let (Some(a), Some(b)) = (times.first(), times.last()) else {
            bail!("number {k} sent nothing");
        };
        let span = b.duration_since(*a).as_secs_f64().max(0.001);
        let rate = times.len() as f64 / span;
        let peak = peak_per_second(times);
        println!(
            "    number {k}: {} sends, {rate:.1}/s sustained, peak {peak} in one second (cap {cap}){}",
            times.len(),
            if peak > cap as usize { "  OVER THE CAP" } else { "" }
        );
        if peak > cap as usize {
            bail!("number {k} sent {peak} messages in one second, over its cap of {cap}");
        }
        rates.push(rate);
    }
    Ok(rates)
}

fn main() -> Result<()> {
    let o = options()?;
    // The Graph stand-in on a runtime (thread) of its own, so that the webhook injection does
    // not delay its clock readings: arrival times are what the cap is checked on.
    let graph_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let graph = graph_runtime.block_on(FakeGraph::start())?;
    let result = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?
        .block_on(run(o, &graph));
    drop(graph);
    graph_runtime.shutdown_background();
    result
}

async fn run(o: Options, graph: &FakeGraph) -> Result<()> {
    graph.set_delay(Some(Duration::from_millis(o.latency_ms)));
    let server = Server::start(&o.binary, "full", &["--graph-url", graph.base_url()]).await?;
    let mut lines = Vec::new();
    for k in 0..o.numbers {
        let phone_number_id = format!("10654035224{k:04}");
        let number: Value = server
            .post(
                "/api/v1/numbers",
                &json!({"label": format!("Line {k}"), "channel": "cloud_api", "cloud_api": {
                    "phone_number_id": phone_number_id, "waba_id": "102290129340398",
                    "access_token": "EAAG-bench", "app_secret": APP_SECRET,
                    "verify_token": "bench", "send_per_second": o.cap}}),
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
    // Which number each contact wrote to (round robin by sequence number, both phases).
    let total = o.per_number * o.numbers;
    let owner: HashMap<String, usize> = (0..2 * total)
        .map(|seq| (format!("3934{:08}", seq), seq % o.numbers))
        .collect();

    println!(
        "waflow send-rate benchmark ({} CPUs): {} Cloud API numbers capped at {}/s, Graph answers after {} ms, {} replies per number per phase",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        o.numbers, o.cap, o.latency_ms, o.per_number
    );
    let cpu_before = (server.cpu_seconds()?, postgres_cpu_seconds());
    inject(&server, &lines, 0, o.per_number).await?;
    wait_for(graph, total, Duration::from_secs(600)).await?;
    let per_message = |seconds: f64| seconds * 1000.0 / total as f64;
    let waflow_ms = per_message(server.cpu_seconds()? - cpu_before.0);
    let postgres_ms = per_message(postgres_cpu_seconds() - cpu_before.1);
    let rates = phase_report(
        "phase 1: every number answered after the latency",
        graph,
        0,
        &lines,
        &owner,
        o.cap,
    )?;
    let sum: f64 = rates.iter().sum();
    println!(
        "    sum of the numbers' sustained rates: {sum:.1}/s ({:.0} % of the caps)",
        100.0 * sum / f64::from(o.cap * o.numbers as u32)
    );
    // PostgreSQL's share is meaningful only with WAFLOW_DATABASE_URL set (else it is ~0).
    println!(
        "    CPU per message (webhook in, reply out): waflow {waflow_ms:.3} ms, PostgreSQL {postgres_ms:.3} ms"
    );

    // Phase 2: number 0's Graph answers take 2 s.
    graph.set_delay_for(&lines[0].phone_number_id, Some(Duration::from_secs(2)));
    let offset = graph.sent_count();
    inject(&server, &lines, total, o.per_number).await?;
    wait_for(graph, offset + total, Duration::from_secs(600)).await?;
    let rates = phase_report(
        "phase 2: number 0's answers delayed 2 s",
        graph,
        offset,
        &lines,
        &owner,
        o.cap,
    )?;
    let others: f64 = rates[1..].iter().sum::<f64>() / (rates.len() - 1).max(1) as f64;
    println!(
        "    the other numbers' mean rate: {others:.1}/s ({:.0} % of their cap)",
        100.0 * others / f64::from(o.cap)
    );
    server.stop().await;
    Ok(())
}
