//! "Why did it not fire", for every workflow: those the keyword index skipped without evaluating
//! appear in the log entry of the message with their name and their failing condition compared
//! with the message text, like the evaluated ones.

use crate::harness::*;
use serde_json::{json, Value};
use std::collections::HashMap;

#[tokio::test]
async fn every_skipped_keyword_workflow_is_named_with_its_failing_condition() {
    let app = TestApp::spawn().await;
    let mut names = HashMap::new();
    for n in 0..50 {
        let name = format!("Keyword {n}");
        let id = app
            .create_workflow(reply_workflow(
                &name,
                json!({"type": "message_received"}),
                Some(json!({"all": [
                    {"type": "text", "op": "contains", "values": [format!("kw{n}"), format!("alias{n}")]},
                    {"type": "message_type", "types": ["text"]}]})),
                "found",
            ))
            .await;
        names.insert(id, (name, n));
    }

    let text = "buongiorno, avete aperto?";
    let out = app.inject("+393337770001", text).await;
    assert_eq!(out["outcome"], "no_match", "{out}");
    let entry = app
        .get(&format!(
            "/api/v1/logs/{}",
            out["log_id"].as_str().expect("a log id")
        ))
        .await
        .body;
    let evaluation = &entry["detail"]["evaluation"];
    assert_eq!(
        evaluation["considered"],
        json!([]),
        "the index skipped them all"
    );
    let skipped = evaluation["skipped"].as_array().expect("skipped workflows");
    assert_eq!(skipped.len(), 50, "{evaluation}");

    for item in skipped {
        let id = item["workflow_id"].as_str().expect("workflow id");
        let (name, n) = names
            .get(id)
            .unwrap_or_else(|| panic!("unknown workflow {id}"));
        assert_eq!(item["workflow_name"], name.as_str());
        assert_eq!(item["version"], 1);
        assert_eq!(item["matched"], false);
        assert_eq!(item["path"], "conditions.all[0]");
        let checks = item["checks"].as_array().expect("checks");
        assert_eq!(checks.len(), 1, "{item}");
        let check = &checks[0];
        assert_eq!(check["path"], "conditions.all[0]");
        assert_eq!(check["held"], false);
        assert_eq!(check["actual"], text, "compared with the message text");
        let condition = check["condition"].as_str().expect("the condition in words");
        assert_eq!(
            condition,
            format!("text contains any of [\"kw{n}\", \"alias{n}\"] (ignoring case)")
        );
        let reason = item["reason"].as_str().expect("a reason");
        assert_eq!(
            reason,
            format!(
                "none of its keywords is in the message; first failing condition: \
                 conditions.all[0] = {condition} ({})",
                Value::from(text)
            )
        );
    }
}

#[tokio::test]
async fn a_skipped_workflow_whose_keywords_are_not_first_says_so() {
    let app = TestApp::spawn().await;
    let id = app
        .create_workflow(reply_workflow(
            "Tagged keyword",
            json!({"type": "message_received"}),
            Some(json!({"all": [
                {"type": "tags", "mode": "any", "tags": ["vip"]},
                {"type": "text", "op": "starts_with", "values": ["ordine"]}]})),
            "found",
        ))
        .await;
    let out = app.inject("+393337770002", "ciao").await;
    let entry = app
        .get(&format!("/api/v1/logs/{}", out["log_id"].as_str().unwrap()))
        .await
        .body;
    let item = &entry["detail"]["evaluation"]["skipped"][0];
    assert_eq!(item["workflow_id"], id.as_str());
    assert_eq!(item["workflow_name"], "Tagged keyword");
    assert_eq!(item["checks"][0]["path"], "conditions.all[1]");
    assert_eq!(item["checks"][0]["actual"], "ciao");
    let reason = item["reason"].as_str().unwrap();
    assert!(
        reason.ends_with("(the conditions before it were not evaluated)"),
        "{reason}"
    );
    assert!(
        reason.contains("text starts with any of [\"ordine\"]"),
        "{reason}"
    );
}
