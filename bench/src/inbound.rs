//! Inbound load benchmark: N messages through HTTP into a real `waflow serve` with 100 active
//! workflows, every write durable (synchronous=FULL).
//!
//! Prints: start-to-ready time, idle RSS, sustained messages/s with p50/p99 inject→outbox latency
//! at full load, and p50/p99 at a fixed rate of 1,000 messages/s. "inject→outbox" is the time from
//! sending the inbound request to receiving its answer, which the server sends only after the
//! reply has been committed to the outbox (the answer lists the queued reply ids; every one is
//! checked, and the outbox is counted at the end). The load comes from one thread over keep-alive
//! connections (`raw_http`), so that the generator takes as little as it can of the 2 cores it
//! shares with the server.
//!
//! Usage: `cargo run --release -p waflow-bench --bin inbound -- [--messages N] [--concurrency C]
//!         [--rate-seconds S] [--binary target/release/waflow] [--database postgres://…]`
//! (`--database`: run the server on that PostgreSQL database, which should be empty, instead of
//! SQLite; `bench/pg-inbound.sh` creates one and compares both backends in one run.
//! `--nodes 2` with `--database`: two servers on that one database, the load split between them
//! message by message.)

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use waflow_bench::common::{flag_values, ms, percentile, postgres_cpu_seconds, Server};
use waflow_bench::raw_http;

struct Options {
    messages: usize,
    concurrency: usize,
    rate_seconds: u64,
    binary: PathBuf,
    durability: String,
    database: Option<String>,
    nodes: usize,
}

fn options() -> Result<Options> {
    let mut o = Options {
        messages: 50_000,
        concurrency: 64,
        rate_seconds: 10,
        binary: PathBuf::from("target/release/waflow"),
        durability: "full".into(),
        database: None,
        nodes: 1,
    };
    for (flag, value) in flag_values()? {
        match flag.as_str() {
            "--messages" => o.messages = value.parse()?,
            "--concurrency" => o.concurrency = value.parse()?,
            "--rate-seconds" => o.rate_seconds = value.parse()?,
            "--binary" => o.binary = PathBuf::from(&value),
            "--durability" => o.durability = value,
            "--database" => o.database = Some(value),
            "--nodes" => o.nodes = value.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    if o.nodes == 0 || (o.nodes > 1 && o.database.is_none()) {
        bail!("--nodes must be 1, or more with --database (nodes share a PostgreSQL database)");
    }
    Ok(o)
}

struct Target {
    /// One pool per node; message `i` goes to node `i % pools.len()`.
    pools: Vec<raw_http::Pool>,
    inject_path: String,
    token: String,
}

impl Target {
    /// Sends message `i` on `conn`; returns its latency. Every message mentions one workflow's
    /// keyword, so every answer must list exactly one queued reply.
    async fn inject(
        &self,
        conn: &mut raw_http::Connection,
        run: &str,
        i: usize,
    ) -> Result<Duration> {
        let body = format!(
            r#"{{"from":"+39333{:07}","text":"ciao, vorrei informazioni su kw{}x per favore","message_id":"{run}-{i}"}}"#,
            i % 1000,
            i % 90
        );
        let start = Instant::now();
        let resp = conn
            .post_json(&self.inject_path, &self.token, &body)
            .await?;
        let elapsed = start.elapsed();
        if !(200..300).contains(&resp.status) || raw_http::queued_count(&resp.body) != Some(1) {
            bail!(
                "message {i}: status {}, expected one queued reply: {}",
                resp.status,
                String::from_utf8_lossy(&resp.body)
            );
        }
        Ok(elapsed)
    }
}

async fn full_load(
    target: Arc<Target>,
    label: &'static str,
    messages: usize,
    concurrency: usize,
) -> Result<(Duration, Vec<Duration>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let target = target.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            // One connection per node, each message on its node's.
            let mut conns = Vec::new();
            for pool in &target.pools {
                conns.push(pool.take().await?);
            }
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= messages {
                    break;
                }
                let node = i % conns.len();
                lat.push(target.inject(&mut conns[node], label, i).await?);
            }
            for (pool, conn) in target.pools.iter().zip(conns) {
                pool.give_back(conn);
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::with_capacity(messages);
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((start.elapsed(), all))
}

async fn fixed_rate(target: Arc<Target>, per_second: u64, seconds: u64) -> Result<Vec<Duration>> {
    let total = (per_second * seconds) as usize;
    let interval = Duration::from_secs_f64(1.0 / per_second as f64);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        tokio::time::sleep_until(start + interval * i as u32).await;
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let pool = &target.pools[i % target.pools.len()];
            let mut conn = pool.take().await?;
            let lat = target.inject(&mut conn, "rate", i).await?;
            pool.give_back(conn);
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut lat = Vec::with_capacity(total);
    for t in tasks {
        lat.push(t.await??);
    }
    Ok(lat)
}

// One thread: the load generator should take as little of the machine from the server as it can.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let o = options()?;
    if let Some(url) = &o.database {
        // Read by both `waflow token create` and `waflow serve`, which the server helper runs.
        std::env::set_var("WAFLOW_DATABASE_URL", url);
    }
    let server = Server::start(&o.binary, &o.durability, &[]).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = server.rss_kib()?;
    let numbers = server.get("/api/v1/numbers").await?;
    let sandbox = numbers["data"][0]["id"]
        .as_str()
        .context("sandbox number")?
        .to_string();
    server
        .create_workflows("Ciao {{contact.first_name}}, ecco le info su {n}")
        .await?;
    // More nodes on the same database (the first made the workflows; the token is valid on all).
    let mut others = Vec::new();
    for _ in 1..o.nodes {
        others.push(Server::start(&o.binary, &o.durability, &[]).await?);
    }
    let mut pools = vec![raw_http::Pool::new(server.addr()?)];
    for other in &others {
        pools.push(raw_http::Pool::new(other.addr()?));
    }
    let target = Arc::new(Target {
        pools,
        inject_path: format!("/api/v1/numbers/{sandbox}/sandbox/inbound"),
        token: server.token.clone(),
    });

    // Warm up connections and caches.
    full_load(target.clone(), "warm", 2_000, o.concurrency).await?;

    let cpu =
        |servers: &[&Server]| -> f64 { servers.iter().filter_map(|s| s.cpu_seconds().ok()).sum() };
    let all: Vec<&Server> = std::iter::once(&server).chain(&others).collect();
    let (waflow_cpu, pg_cpu) = (cpu(&all), postgres_cpu_seconds());
    let (elapsed, mut lat) = full_load(target.clone(), "load", o.messages, o.concurrency).await?;
    let waflow_cpu = cpu(&all) - waflow_cpu;
    let pg_cpu = postgres_cpu_seconds() - pg_cpu;
    lat.sort();
    let rate = o.messages as f64 / elapsed.as_secs_f64();
    let busy_rss = server.rss_kib()?;

    let mut fixed = fixed_rate(target.clone(), 1_000, o.rate_seconds).await?;
    fixed.sort();

    // Every reply is in the outbox: count outbound messages of the sandbox number.
    let expected = 2_000 + o.messages + 1_000 * o.rate_seconds as usize;
    let mut count = 0usize;
    let mut cursor = String::new();
    loop {
        let page = server
            .get(&format!(
                "/api/v1/numbers/{sandbox}/sandbox/outbox?limit=1000&after={cursor}"
            ))
            .await?;
        count += page["data"].as_array().map_or(0, |d| d.len());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }

    println!(
        "waflow inbound benchmark ({} CPUs, durability={}, database={})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        o.durability,
        if o.database.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    );
    println!("  start to ready:          {}", ms(server.ready));
    println!(
        "  idle RSS:                {:.1} MiB",
        idle_rss as f64 / 1024.0
    );
    println!(
        "  full load:               {} messages, concurrency {}, 100 active workflows",
        o.messages, o.concurrency
    );
    println!("    throughput:            {rate:.0} messages/s");
    let per_message = |seconds: f64| seconds * 1000.0 / o.messages as f64;
    println!(
        "    CPU per message:       waflow {:.3} ms{}",
        per_message(waflow_cpu),
        if o.database.is_some() {
            format!(", PostgreSQL {:.3} ms", per_message(pg_cpu))
        } else {
            String::new()
        }
    );
    println!("    inject->outbox p50:    {}", ms(percentile(&lat, 0.50)));
    println!("    inject->outbox p99:    {}", ms(percentile(&lat, 0.99)));
    println!(
        "    RSS after load:        {:.1} MiB",
        busy_rss as f64 / 1024.0
    );
    println!("  fixed rate 1000/s for {}s:", o.rate_seconds);
    println!(
        "    inject->outbox p50:    {}",
        ms(percentile(&fixed, 0.50))
    );
    println!(
        "    inject->outbox p99:    {}",
        ms(percentile(&fixed, 0.99))
    );
    println!("  replies in the outbox:   {count} of {expected} expected");
    server.stop().await;
    for other in others {
        other.stop().await;
    }
    if count != expected {
        bail!("outbox has {count} replies, expected {expected}");
    }
    Ok(())
}
