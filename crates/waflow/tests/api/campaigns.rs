//! Campaigns through the Cloud API stand-in (100 ms per call): 10,000 contacts, the real binary
//! stopped twice with SIGKILL and once with SIGTERM while sending, paused and resumed; every
//! recipient messaged exactly once, skips with their reasons, statuses and replies counted, and
//! the totals equal to the stand-in's log. A second campaign is cancelled; a free message reaches
//! only contacts inside the 24-hour window.

use crate::crash::{serve_with, signal, token, Server};
use crate::harness::eventually;
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use waflow_channels::cloud_api::signature;
use waflow_testkit::FakeGraph;

const CONTACTS: usize = 10_000;
const SECRET: &str = "campaign-secret";
const LINES: [&str; 2] = ["4065403522001", "4065403522002"];

struct H {
    dir: tempfile::TempDir,
    token: String,
    graph: FakeGraph,
    client: Client,
    server: Server,
}

fn phone(i: usize) -> String {
    format!("+3936{i:08}")
}

impl H {
    async fn start(&mut self) {
        self.server = serve_with(self.dir.path(), &["--graph-url", self.graph.base_url()]).await;
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}/api/v1{path}", self.server.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, body) = self.call(method, path, body).await;
        assert!(status < 300, "{path}: {status} {body}");
        body
    }

    async fn campaign(&self, id: &str) -> Value {
        self.ok(Method::GET, &format!("/campaigns/{id}"), None)
            .await
    }

    /// Posts a signed webhook for line `k`.
    async fn webhook(&self, number: &str, k: usize, value: Value) {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
            "changes": [{"field": "messages", "value": value.as_object().unwrap().clone().into_iter()
                .chain([("messaging_product".to_string(), json!("whatsapp")),
                        ("metadata".to_string(), json!({"display_phone_number": "15550783881", "phone_number_id": LINES[k]}))])
                .collect::<serde_json::Map<_, _>>()}]}]});
        let bytes = serde_json::to_vec(&body).unwrap();
        let r = self
            .client
            .post(format!("{}/webhooks/cloud_api/{number}", self.server.base))
            .header("content-type", "application/json")
            .header(
                "X-Hub-Signature-256",
                signature::sign(SECRET.as_bytes(), &bytes),
            )
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }

    /// The stand-in's sends: phone (with +) → how many times.
    fn sends_per_phone(&self) -> HashMap<String, usize> {
        let mut per = HashMap::new();
        for m in self.graph.sent_messages() {
            *per.entry(format!(
                "+{}",
                m["to"].as_str().unwrap().trim_start_matches('+')
            ))
            .or_default() += 1;
        }
        per
    }
}

async fn setup() -> (H, Vec<String>) {
    let graph = FakeGraph::start().await.unwrap();
    graph.set_delay(Some(Duration::from_millis(100)));
    let dir = tempfile::tempdir().unwrap();
    let token = token(dir.path()).await;
    let server = serve_with(dir.path(), &["--graph-url", graph.base_url()]).await;
    let h = H {
        dir,
        token,
        graph,
        client: Client::new(),
        server,
    };
    let mut numbers = Vec::new();
    for (k, line) in LINES.iter().enumerate() {
        let n = h
            .ok(Method::POST, "/numbers", Some(json!({"label": format!("Promo {k}"), "channel": "cloud_api",
                "cloud_api": {"phone_number_id": line, "waba_id": "102290129340398", "access_token": "EAAG-test",
                "app_secret": SECRET, "verify_token": "v", "send_per_second": 400, "messaging_limit": "unlimited"}})))
            .await;
        let id = n["id"].as_str().unwrap().to_string();
        h.ok(
            Method::PATCH,
            &format!("/numbers/{id}"),
            Some(json!({"marketing": true})),
        )
        .await;
        numbers.push(id);
    }
    // 10,000 contacts tagged "promo", created from 16 connections.
    let mut tasks = Vec::new();
    for part in 0..16 {
        let (client, base, token) = (h.client.clone(), h.server.base.clone(), h.token.clone());
        tasks.push(tokio::spawn(async move {
            for i in (part..CONTACTS).step_by(16) {
                let r = client
                    .post(format!("{base}/api/v1/contacts"))
                    .bearer_auth(&token)
                    .json(&json!({"phone": phone(i), "name": format!("Cliente {i}"), "tags": ["promo"],
                                  "fields": {"city": if i % 2 == 0 { "Roma" } else { "Milano" }}}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (h, numbers)
}

async fn contact_id(h: &H, i: usize) -> String {
    let found = h
        .ok(
            Method::GET,
            &format!("/contacts?search={}", &phone(i)[1..]),
            None,
        )
        .await;
    found["data"][0]["id"].as_str().unwrap().to_string()
}

/// Waits until the stand-in has received `n` sends.
async fn until_sends(h: &H, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while h.graph.sent_count() < n {
        assert!(
            Instant::now() < deadline,
            "only {} sends",
            h.graph.sent_count()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn ten_thousand_recipients_once_each_through_kills_pause_and_resume() {
    let (mut h, numbers) = setup().await;
    // Skips: 3 blocked, 3 excluded from automation, 3 opted out, 3 with the "staff" tag.
    for i in 0..3 {
        let c = contact_id(&h, i).await;
        h.ok(
            Method::PATCH,
            &format!("/contacts/{c}"),
            Some(json!({"blocked": true})),
        )
        .await;
        let c = contact_id(&h, 10 + i).await;
        h.ok(
            Method::PATCH,
            &format!("/contacts/{c}"),
            Some(json!({"excluded_from_automation": true})),
        )
        .await;
        let c = contact_id(&h, 20 + i).await;
        let r = h
            .ok(
                Method::PATCH,
                &format!("/contacts/{c}"),
                Some(json!({"opted_out": true})),
            )
            .await;
        assert_eq!(r["opted_out"], true);
        let c = contact_id(&h, 30 + i).await;
        h.ok(
            Method::POST,
            &format!("/contacts/{c}/tags"),
            Some(json!({"tags": ["staff"]})),
        )
        .await;
    }
    let expected = CONTACTS - 12;
    let template = json!({"type": "template", "name": "promo_natale", "language": "it",
                          "body": [{"type": "text", "text": "{{ contact.first_name }}"}, {"type": "text", "text": "{{ contact.city }}"}]});
    let plan = json!({"audience": {"tag": "promo", "exclude_tag": "staff"}, "number_ids": numbers,
                      "content": {"template": template}});
    let preview = h
        .ok(Method::POST, "/campaigns/preview", Some(plan.clone()))
        .await;
    assert_eq!(preview["audience"], CONTACTS - 3, "{preview}");
    assert_eq!(
        preview["skipped"],
        json!({"blocked": 3, "excluded": 3, "opted_out": 3})
    );
    assert_eq!(preview["sendable"], expected);
    // 9,988 over two numbers at 400/s (paced at 95 %): about 14 s.
    assert_eq!(preview["expected_seconds"], 14, "{preview}");
    let city = preview["sample"]["contact"]["fields"]["city"].clone();
    assert!(city == "Roma" || city == "Milano", "{preview}");
    assert_eq!(
        preview["sample"]["content"]["body"][1]["text"], city,
        "{preview}"
    );

    let mut body = plan.clone();
    body["name"] = json!("Natale");
    let created = h.ok(Method::POST, "/campaigns", Some(body)).await;
    let id = created["id"].as_str().unwrap().to_string();

    // Stopped while sending: SIGKILL, SIGKILL, SIGTERM; started again each time.
    for (at, how) in [(1_500, "-KILL"), (4_000, "-KILL"), (6_000, "-TERM")] {
        until_sends(&h, at).await;
        let status = signal(&mut h.server, how).await;
        if how == "-TERM" {
            assert!(status.success(), "SIGTERM exits 0: {status}");
        }
        h.start().await;
    }
    // Pause holds: once what was in flight has settled, nothing more reaches WhatsApp.
    until_sends(&h, 7_000).await;
    let paused = h
        .ok(Method::POST, &format!("/campaigns/{id}/pause"), None)
        .await;
    assert_eq!(paused["state"], "paused");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = h.graph.sent_count();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(h.graph.sent_count(), held, "no send while paused");
    let (status, _) = h
        .call(Method::POST, &format!("/campaigns/{id}/pause"), None)
        .await;
    assert_eq!(status, 409, "a paused campaign is not paused again");
    let resumed = h
        .ok(Method::POST, &format!("/campaigns/{id}/resume"), None)
        .await;
    assert_eq!(resumed["state"], "sending");
    assert!(
        eventually(120, || async {
            h.campaign(&id).await["state"] == "completed"
        })
        .await,
        "completed: {}",
        h.campaign(&id).await
    );

    // Uncertain sends (in flight at a SIGKILL) are settled as Meta would — a status echoing our
    // id for those that reached WhatsApp — or resent by the user for those that did not.
    let callbacks = callbacks_now(&h);
    let uncertain = h
        .ok(
            Method::GET,
            &format!("/campaigns/{id}/recipients?status=uncertain&limit=1000"),
            None,
        )
        .await;
    for r in uncertain["data"].as_array().unwrap() {
        let msg = r["message_id"].as_str().unwrap();
        let k = numbers
            .iter()
            .position(|n| n == r["number_id"].as_str().unwrap())
            .unwrap();
        match callbacks.get(msg) {
            Some(wamid) => {
                h.webhook(&numbers[k], k, json!({"statuses": [{"id": wamid, "status": "sent", "timestamp": "1763719300",
                    "recipient_id": r["phone"].as_str().unwrap().trim_start_matches('+'), "biz_opaque_callback_data": msg}]})).await;
            }
            None => {
                let conv = h
                    .ok(
                        Method::GET,
                        &format!(
                            "/conversations?contact_id={}",
                            r["contact_id"].as_str().unwrap()
                        ),
                        None,
                    )
                    .await;
                let conv = conv["data"][0]["id"].as_str().unwrap().to_string();
                h.ok(
                    Method::POST,
                    &format!("/conversations/{conv}/messages/{msg}/resend"),
                    None,
                )
                .await;
            }
        }
    }
    assert!(
        eventually(60, || async {
            let t = h.campaign(&id).await["totals"].clone();
            t["uncertain"] == 0 && t["queued"] == 0
        })
        .await,
        "settled: {}",
        h.campaign(&id).await["totals"]
    );

    // Exactly once, per the stand-in's own log.
    let per = h.sends_per_phone();
    assert_eq!(per.len(), expected, "every recipient messaged");
    let twice: Vec<_> = per.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "messaged twice: {twice:?}");
    let skipped_phones: HashSet<String> = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]
        .iter()
        .map(|i| phone(*i))
        .collect();
    assert!(
        per.keys().all(|p| !skipped_phones.contains(p)),
        "skipped ones got nothing"
    );
    // The template was written for each recipient.
    let sample = h
        .graph
        .sent_messages()
        .into_iter()
        .find(|m| m["to"].as_str().unwrap().ends_with("00000101"))
        .unwrap();
    let params = &sample["template"]["components"][0]["parameters"];
    assert_eq!(params[1]["text"], "Milano", "{sample}");

    // Delivered and read statuses, and replies, are counted.
    let wamids: HashMap<String, String> = callbacks_now(&h);
    let first = h
        .ok(
            Method::GET,
            &format!("/campaigns/{id}/recipients?status=sent&limit=60"),
            None,
        )
        .await;
    for (n, r) in first["data"].as_array().unwrap().iter().enumerate() {
        let to = r["phone"]
            .as_str()
            .unwrap()
            .trim_start_matches('+')
            .to_string();
        let k = numbers
            .iter()
            .position(|x| x == r["number_id"].as_str().unwrap())
            .unwrap();
        let wamid = &wamids[r["message_id"].as_str().unwrap()];
        let status = if n < 20 { "read" } else { "delivered" };
        h.webhook(&numbers[k], k, json!({"statuses": [{"id": wamid, "status": status, "timestamp": "1763719400", "recipient_id": to}]})).await;
        if n < 10 {
            h.webhook(&numbers[k], k, json!({"contacts": [{"profile": {"name": "C"}, "wa_id": to}],
                "messages": [{"from": to, "id": format!("wamid.reply{n}"), "timestamp": "1763719500", "type": "text", "text": {"body": "Interessato!"}}]})).await;
        }
    }
    assert!(
        eventually(30, || async {
            let t = h.campaign(&id).await["totals"].clone();
            t["read"] == 20 && t["delivered"] == 60 && t["replied"] == 10
        })
        .await,
        "statuses and replies: {}",
        h.campaign(&id).await["totals"]
    );
    let t = h.campaign(&id).await["totals"].clone();
    assert_eq!(t["sent"], expected, "{t}");
    assert_eq!(t["skipped"], 9, "{t}");
    assert_eq!(t["recipients"], CONTACTS - 3, "{t}");
    let skipped = h
        .ok(
            Method::GET,
            &format!("/campaigns/{id}/recipients?status=skipped"),
            None,
        )
        .await;
    let reasons: Vec<&str> = skipped["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons.iter().filter(|r| r.starts_with("blocked")).count(),
        3,
        "{reasons:?}"
    );
    assert_eq!(
        reasons
            .iter()
            .filter(|r| r.starts_with("opted out"))
            .count(),
        3,
        "{reasons:?}"
    );
    let csv = h
        .client
        .get(format!("{}/api/v1/campaigns/{id}/export", h.server.base))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        CONTACTS - 3 + 1,
        "a header and one line per recipient"
    );
    assert_eq!(csv.lines().filter(|l| l.contains(",replied,")).count(), 10);

    // Cancel stops a campaign mid-send: a second one to the same audience, cancelled after 1,000
    // sends; once what was in flight settled, nothing more goes and the rest is cancelled.
    let before = h.graph.sent_count();
    let mut body = plan.clone();
    body["name"] = json!("Second");
    let second = h.ok(Method::POST, "/campaigns", Some(body)).await;
    let second = second["id"].as_str().unwrap().to_string();
    until_sends(&h, before + 1_000).await;
    let cancelled = h
        .ok(Method::POST, &format!("/campaigns/{second}/cancel"), None)
        .await;
    assert_eq!(cancelled["state"], "cancelled");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stopped = h.graph.sent_count();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(h.graph.sent_count(), stopped, "nothing sent after a cancel");
    let t = h.campaign(&second).await["totals"].clone();
    let sent_second = (stopped - before) as i64;
    assert!(
        sent_second < expected as i64 / 2,
        "stopped early: {sent_second} sent"
    );
    assert!(t["cancelled"].as_i64().unwrap() > 0, "{t}");
    assert_eq!(
        t["sent"].as_i64().unwrap() + t["uncertain"].as_i64().unwrap(),
        sent_second,
        "its totals match the stand-in: {t}"
    );
    assert_eq!(
        t["sent"].as_i64().unwrap()
            + t["uncertain"].as_i64().unwrap()
            + t["cancelled"].as_i64().unwrap()
            + t["skipped"].as_i64().unwrap()
            + t["failed"].as_i64().unwrap(),
        (CONTACTS - 3) as i64,
        "every recipient accounted for: {t}"
    );
}

/// The stand-in's sends: our message id (the echoed callback data) → its wamid.
fn callbacks_now(h: &H) -> HashMap<String, String> {
    h.graph
        .sent_with_wamids()
        .into_iter()
        .filter_map(|(wamid, m)| Some((m["biz_opaque_callback_data"].as_str()?.to_string(), wamid)))
        .collect()
}

#[tokio::test]
async fn the_command_line_lists_pauses_resumes_cancels_and_exports_campaigns() {
    const BIN: &str = env!("CARGO_BIN_EXE_waflow");
    let dir = tempfile::tempdir().unwrap();
    let token = token(dir.path()).await;
    let mut server = serve_with(dir.path(), &[]).await;
    let client = Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", server.base);
    let numbers: Value = client
        .get(api("/numbers"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sandbox = numbers["data"][0]["id"].as_str().unwrap().to_string();
    client
        .patch(api(&format!("/numbers/{sandbox}")))
        .bearer_auth(&token)
        .json(&json!({"marketing": true}))
        .send()
        .await
        .unwrap();
    for i in 0..3 {
        client.post(api("/contacts")).bearer_auth(&token)
            .json(&json!({"phone": format!("+39333777000{i}"), "name": format!("Ada, {i}"), "tags": ["cli"]}))
            .send().await.unwrap();
    }
    let created: Value = client
        .post(api("/campaigns"))
        .bearer_auth(&token)
        .json(
            &json!({"name": "Later", "audience": {"tag": "cli"}, "number_ids": [sandbox],
                      "content": {"text": "hi"}, "start_at": "2040-01-01T09:00:00Z"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    signal(&mut server, "-TERM").await;
    let cli = |args: &[&str]| {
        let mut c = tokio::process::Command::new(BIN);
        c.arg("campaigns")
            .arg("--data-dir")
            .arg(dir.path())
            .args(args);
        async move {
            let out = c.output().await.unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        }
    };
    let list = cli(&["list"]).await;
    assert!(
        list.contains(&id) && list.contains("\tscheduled\tLater\trecipients 3"),
        "{list}"
    );
    assert!(cli(&["pause", &id]).await.contains("\tpaused\t"));
    assert!(
        cli(&["resume", &id]).await.contains("\tscheduled\t"),
        "its time has not come"
    );
    assert!(cli(&["cancel", &id]).await.contains("\tcancelled\t"));
    let csv = cli(&["export", &id]).await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "phone,name,status,reason,number_id,message_id,sent_at,replied_at"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[1].starts_with("+393337770000,\"Ada, 0\",cancelled,"),
        "{csv}"
    );
    let shown = cli(&["show", &id]).await;
    assert!(shown.contains("\"cancelled\": 3"), "{shown}");
}
