//! Templates cannot stall the server: a `send_text` whose template loops a billion times, or one
//! that would print 588,889 characters, fails its step on a render limit (named in the run's
//! log), while 100 ordinary messages sent meanwhile are each answered within a second.

use crate::harness::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const THREE_LOOPS: &str = "{% for a in range(1000) %}{% for b in range(1000) %}\
    {% for c in range(1000) %}x{% endfor %}{% endfor %}{% endfor %}";
const BIG_JOIN: &str = "{{ range(100000)|join(',') }}";
/// 7,779 characters in one piece, within every bound but the output's.
const LONG_TEXT: &str = "{{ range(1000)|join(',') ~ ',' ~ range(1000)|join(',') }}";

/// A workflow answering messages that contain `keyword` with `template`, stopping there.
fn keyword_workflow(name: &str, keyword: &str, priority: i64, template: &str) -> Value {
    json!({"name": name, "priority": priority, "stop_on_match": true,
           "trigger": {"type": "message_received"},
           "conditions": {"type": "text", "op": "contains", "values": [keyword]},
           "steps": [{"id": "reply", "type": "send_text", "text": template}]})
}

/// Sends a text from `from` on the sandbox number; the inbound answer and how long it took.
fn timed_inject(
    app: &TestApp,
    from: String,
    text: &'static str,
) -> tokio::task::JoinHandle<(Value, Duration)> {
    let client = app.client.clone();
    let url = format!(
        "{}/api/v1/numbers/{}/sandbox/inbound",
        app.base, app.sandbox
    );
    let token = app.token.clone();
    tokio::spawn(async move {
        let started = Instant::now();
        let response = client
            .post(url)
            .bearer_auth(token)
            .json(&json!({"from": from, "text": text}))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200, "inbound refused");
        let body: Value = response.json().await.expect("JSON answer");
        (body, started.elapsed())
    })
}

/// The run log entries of the workflow `id`.
async fn run_entries(app: &TestApp, id: &str) -> Vec<Value> {
    app.logs(&format!("workflow_id={id}&kind=run")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costly_templates_fail_on_a_limit_while_others_are_answered_within_a_second() {
    let app = TestApp::spawn().await;
    let loops = app
        .create_workflow(keyword_workflow("Loops", "loops", 1, THREE_LOOPS))
        .await;
    let join = app
        .create_workflow(keyword_workflow("Join", "join", 2, BIG_JOIN))
        .await;
    let long = app
        .create_workflow(keyword_workflow("Long", "long", 3, LONG_TEXT))
        .await;
    app.create_workflow(reply_workflow(
        "Ordinary",
        json!({"type": "message_received"}),
        None,
        "Ciao {{ contact.first_name }}, grazie del messaggio!",
    ))
    .await;

    // The costly ones first, then 100 ordinary messages from distinct contacts while they are
    // processed.
    let costly = [
        timed_inject(&app, "+393330000001".into(), "loops please"),
        timed_inject(&app, "+393330000002".into(), "join please"),
        timed_inject(&app, "+393330000003".into(), "long please"),
    ];
    let ordinary: Vec<_> = (0..100)
        .map(|i| timed_inject(&app, format!("+39333100{i:04}"), "buongiorno"))
        .collect();
    let mut slowest = Duration::ZERO;
    for handle in ordinary {
        let (answer, took) = handle.await.expect("ordinary message task");
        assert_eq!(answer["outcome"], "matched", "{answer}");
        assert_eq!(
            answer["queued"].as_array().map(Vec::len),
            Some(1),
            "the reply is queued when the inbound answers: {answer}"
        );
        assert!(
            took < Duration::from_secs(1),
            "an ordinary message took {took:?} to be answered"
        );
        slowest = slowest.max(took);
    }
    for handle in costly {
        let (answer, _) = handle.await.expect("costly message task");
        assert_eq!(answer["outcome"], "matched", "{answer}");
        assert_eq!(answer["queued"], json!([]), "nothing is queued: {answer}");
    }
    println!("slowest ordinary answer: {slowest:?}");

    // Each costly step failed, the run failed, and the log says which limit and the value.
    let expectations = [
        (&loops, "used more than its 10,000 units of render fuel"),
        (
            &join,
            "range() of 100,000 items, over the 1,000-item limit of range()",
        ),
        (
            &long,
            "rendered 7,779 characters, over the 4,096-character limit of a message text",
        ),
    ];
    for (workflow, reason) in expectations {
        let entries = run_entries(&app, workflow).await;
        assert_eq!(entries.len(), 1, "{entries:?}");
        let entry = &entries[0];
        assert_eq!(entry["outcome"], "failed", "{entry}");
        assert_eq!(entry["detail"]["state"], "failed", "{entry}");
        let step = &entry["detail"]["steps"][0];
        assert_eq!(step["step"], "reply");
        assert_eq!(step["result"], "failed");
        let error = step["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("the template of step `reply` ") && error.contains(reason),
            "{workflow}: {error}"
        );
        let summary = entry["summary"].as_str().unwrap_or_default();
        assert!(summary.contains(reason), "{summary}");
    }

    // Nothing long was sent: every message of the outbox is an ordinary reply.
    let sent = app.outbox().await;
    assert_eq!(sent.len(), 100);
    for message in &sent {
        let text = message["text"].as_str().unwrap_or_default();
        assert!(text.starts_with("Ciao "), "{text:.80}");
        assert!(text.chars().count() <= 4_096);
    }
}
