//! Outbound benchmark against a real release `waflow serve` (durability `full`) and the Graph API
//! stand-in answering after 100 ms:
//!
//! 1. **Scheduled**: 1,000 template messages scheduled for the same second on 4 Cloud API
//!    numbers (1,000/s each); fire lag (queued − due, from the API) and send lag (arrival at the
//!    stand-in − due), p50 / p99 / max.
//! 2. **Campaign**: 100,000 contacts imported (tag `promo`), a template campaign over 2 numbers
//!    capped at `--cap` messages/s each: the time `POST /campaigns` takes to prepare every
//!    recipient (ready to send), the server's RSS growth meanwhile, then the send rate measured
//!    over 20 s of steady sending against the numbers' total cap; then cancelled.
//!
//! Exits non-zero when a target is missed: fire lag p99 ≤ 1 s, ready ≤ 10 s, RSS growth
//! ≤ 100 MB, send rate within 5 % of the caps.
//!
//! Usage: `cargo build --release -p waflow -p waflow-bench && ./target/release/outreach
//! [--recipients N] [--cap N]`

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use waflow_bench::common::{flag_values, Server};
use waflow_testkit::FakeGraph;

fn pct(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn cloud_number(server: &Server, k: usize, cap: u32) -> Result<String> {
    let n = server
        .post(
            "/api/v1/numbers",
            &json!({"label": format!("Bench {k}"), "channel": "cloud_api", "cloud_api": {
                "phone_number_id": format!("7065403522{k:04}"), "waba_id": "102290129340398",
                "access_token": "EAAG-bench", "app_secret": "s", "verify_token": "v",
                "send_per_second": cap, "messaging_limit": "unlimited"}}),
        )
        .await?;
    let id = n["id"].as_str().context("number id")?.to_string();
    let r = server
        .client
        .patch(format!("{}/api/v1/numbers/{id}", server.base))
        .bearer_auth(&server.token)
        .json(&json!({"marketing": true}))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("marketing on: {}", r.status());
    }
    Ok(id)
}

async fn scheduled(binary: &Path) -> Result<i64> {
    const N: usize = 1_000;
    let graph = FakeGraph::start().await?;
    graph.set_delay(Some(Duration::from_millis(100)));
    let server = Server::start(binary, "full", &["--graph-url", graph.base_url()]).await?;
    let mut numbers = Vec::new();
    for k in 0..4 {
        numbers.push(cloud_number(&server, k, 1000).await?);
    }
    let due = chrono_like_now_plus(15);
    let due_instant = Instant::now() + Duration::from_secs(15);
    let template = json!({"type": "template", "name": "reminder", "language": "it",
                          "body": [{"type": "text", "text": "domani"}]});
    let mut tasks = Vec::new();
    for part in 0..16 {
        let (client, base, token, numbers, at, template) = (
            server.client.clone(),
            server.base.clone(),
            server.token.clone(),
            numbers.clone(),
            due.0.clone(),
            template.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for i in (part..N).step_by(16) {
                let r = client
                    .post(format!("{base}/api/v1/scheduled"))
                    .bearer_auth(&token)
                    .json(
                        &json!({"number_id": numbers[i % 4], "phone": format!("+3935{i:08}"),
                                  "at": at, "content": template}),
                    )
                    .send()
                    .await?;
                if r.status().as_u16() != 201 {
                    bail!("schedule: {}", r.text().await?);
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let deadline = due_instant + Duration::from_secs(60);
    while graph.sent_count() < N {
        if Instant::now() > deadline {
            bail!("only {} of {N} sent", graph.sent_count());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut send: Vec<i64> = graph
        .sent_with_times()
        .iter()
        .map(|(at, _)| at.saturating_duration_since(due_instant).as_millis() as i64)
        .collect();
    send.sort();
    let mut fire = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = server
            .get(&format!(
                "/api/v1/scheduled?tab=all&limit=500&cursor={cursor}"
            ))
            .await?;
        for s in page["data"].as_array().context("data")? {
            let queued = s["queued_at"].as_str().context("queued_at")?;
            fire.push(millis_between(&due.1, queued)?);
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    fire.sort();
    println!(
        "scheduled: {N} for one second on 4 numbers — fire lag p50 {} ms, p99 {} ms, max {} ms; \
         send lag (at the Graph stand-in) p50 {} ms, p99 {} ms, max {} ms",
        pct(&fire, 0.5),
        pct(&fire, 0.99),
        pct(&fire, 1.0),
        pct(&send, 0.5),
        pct(&send, 0.99),
        pct(&send, 1.0)
    );
    server.stop().await;
    Ok(pct(&fire, 0.99))
}

/// `secs` from now as a UTC wall time `YYYY-MM-DDTHH:MM:SS` (the workspace's zone is UTC) and as
/// RFC 3339.
fn chrono_like_now_plus(secs: u64) -> (String, String) {
    let t = std::time::SystemTime::now() + Duration::from_secs(secs);
    let unix = t
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let (days, rem) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    let local = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    (local.clone(), format!("{local}Z"))
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Milliseconds from `a` to `b`, both RFC 3339 UTC (`…Z`, optional fraction).
fn millis_between(a: &str, b: &str) -> Result<i64> {
    let ms = |s: &str| -> Result<i64> {
        let s = s.trim_end_matches('Z');
        let (date, time) = s.split_once('T').context("time")?;
        let mut parts = date.split('-').map(|p| p.parse::<i64>());
        let (y, m, d) = (
            parts.next().context("y")??,
            parts.next().context("m")??,
            parts.next().context("d")??,
        );
        let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
        let mut t = hms.split(':').map(|p| p.parse::<i64>());
        let (h, mi, se) = (
            t.next().context("h")??,
            t.next().context("m")??,
            t.next().context("s")??,
        );
        let frac_ms = format!("{frac:0<3}")[..3].parse::<i64>()?;
        // Days from civil (inverse of `civil`).
        let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
        let era = yy.div_euclid(400);
        let yoe = yy - era * 400;
        let doy = (153 * mm + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Ok(((days * 86_400 + h * 3600 + mi * 60 + se) * 1000) + frac_ms)
    };
    Ok(ms(b)? - ms(a)?)
}

async fn campaign(binary: &Path, recipients: usize, cap: u32) -> Result<(f64, f64, f64)> {
    let graph = FakeGraph::start().await?;
    graph.set_delay(Some(Duration::from_millis(100)));
    let mut csv = b"phone,name,city\n".to_vec();
    for i in 0..recipients {
        csv.extend_from_slice(format!("+3937{i:08},Cliente {i},Roma\n").as_bytes());
    }
    let limit = (csv.len() + 1024).to_string();
    let server = Server::start(
        binary,
        "full",
        &["--graph-url", graph.base_url(), "--max-csv-bytes", &limit],
    )
    .await?;
    let numbers = vec![
        cloud_number(&server, 10, cap).await?,
        cloud_number(&server, 11, cap).await?,
    ];
    let r = server
        .client
        .post(format!("{}/api/v1/contacts/imports", server.base))
        .query(&[("tag", "promo")])
        .bearer_auth(&server.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await?;
    let id = r.json::<Value>().await?["id"]
        .as_str()
        .context("import id")?
        .to_string();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = server
            .get(&format!("/api/v1/contacts/imports/{id}"))
            .await?;
        if now["state"] != "running" {
            if now["created"] != recipients {
                bail!("import: {now}");
            }
            break;
        }
    }
    let before = server.rss_kib()?;
    let started = Instant::now();
    let created = server
        .post(
            "/api/v1/campaigns",
            &json!({"name": "Bench", "audience": {"tag": "promo"}, "number_ids": numbers,
                    "content": {"template": {"type": "template", "name": "promo", "language": "it",
                                             "body": [{"type": "text", "text": "{{ contact.name }}"}]}}}),
        )
        .await?;
    let ready = started.elapsed().as_secs_f64();
    let growth = server.rss_kib()?.saturating_sub(before) as f64 / 1024.0;
    if created["totals"]["pending"] != recipients {
        bail!("campaign: {created}");
    }
    // Steady state: skip the first 5 s, count 20 s.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (a, t0) = (graph.sent_count(), Instant::now());
    tokio::time::sleep(Duration::from_secs(20)).await;
    let rate = (graph.sent_count() - a) as f64 / t0.elapsed().as_secs_f64();
    let cid = created["id"].as_str().context("campaign id")?;
    server
        .post(&format!("/api/v1/campaigns/{cid}/cancel"), &json!({}))
        .await?;
    let peak = server.rss_kib()?.saturating_sub(before) as f64 / 1024.0;
    println!(
        "campaign: {recipients} recipients ready in {ready:.2} s (RSS +{growth:.1} MB; +{peak:.1} MB after 25 s of sending); \
         sent at {rate:.1} messages/s against a total cap of {} (paced at 95 %: {:.1}) — {:.1} % of the cap",
        2 * cap,
        2.0 * f64::from(cap) * 0.95,
        100.0 * rate / f64::from(2 * cap)
    );
    server.stop().await;
    Ok((ready, growth.max(peak), rate / f64::from(2 * cap)))
}

#[tokio::main]
async fn main() -> Result<()> {
    let (mut recipients, mut cap) = (100_000, 200);
    for (flag, value) in flag_values()? {
        match flag.as_str() {
            "--recipients" => recipients = value.parse()?,
            "--cap" => cap = value.parse()?,
            other => bail!("unknown flag {other} (--recipients N, --cap N)"),
        }
    }
    let binary = Path::new("target/release/waflow");
    let fire_p99 = scheduled(binary).await?;
    let (ready, growth, share) = campaign(binary, recipients, cap).await?;
    let mut missed = Vec::new();
    if fire_p99 > 1000 {
        missed.push(format!("fire lag p99 {fire_p99} ms > 1,000"));
    }
    if ready > 10.0 {
        missed.push(format!("ready in {ready:.1} s > 10"));
    }
    if growth > 100.0 {
        missed.push(format!("RSS growth {growth:.1} MB > 100"));
    }
    if !(0.95..=1.0).contains(&share) {
        missed.push(format!(
            "send rate {:.1} % of the cap, not within 5 %",
            share * 100.0
        ));
    }
    if !missed.is_empty() {
        bail!("targets missed: {}", missed.join("; "));
    }
    Ok(())
}
