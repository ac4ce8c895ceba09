//! Bad input: invalid workflow documents are refused with their field path; malformed bodies,
//! unknown tokens and other workspaces' ids get clear 4xx answers, never a 500.

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn base() -> Value {
    json!({
        "name": "Valid",
        "trigger": {"type": "message_received"},
        "conditions": {"all": [{"type": "text", "op": "contains", "values": ["x"]}]},
        "steps": [{"id": "a", "type": "send_text", "text": "hi"}, {"id": "b", "type": "add_tag", "tag": "t", "when": "1h"},
                  {"id": "c", "type": "assign_agent", "agent": null}]
    })
}

fn set(pointer: &str, value: Value) -> Value {
    let mut doc = base();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer}"))
    {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer}"),
    }
    doc
}

#[tokio::test]
async fn invalid_workflow_documents_are_refused_with_their_field_path() {
    let app = TestApp::spawn().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            set("/steps/1/when", json!("2 hourz")),
            "steps[1].when",
            "\"2 hourz\" is not a duration",
        ),
        (set("/name", json!("")), "name", "must not be empty"),
        (set("/name", json!(42)), "name", "must be a string"),
        (
            set("/trigger/type", json!("sometimes")),
            "trigger.type",
            "is not a trigger",
        ),
        (
            set("/trigger", json!({"type": "exact_phrase", "phrase": ""})),
            "trigger.phrase",
            "must not be empty",
        ),
        (set("/steps", json!([])), "steps", "at least one step"),
        (
            set("/steps/0/type", json!("teleport")),
            "steps[0].type",
            "is not a step type",
        ),
        (
            set("/steps/0/text", json!("{{ contact.name")),
            "steps[0].text",
            "not a valid template",
        ),
        (
            set("/steps/0/text", json!("x".repeat(5000))),
            "steps[0].text",
            "WhatsApp allows 4096",
        ),
        (
            set("/steps/1/id", json!("a")),
            "steps[1].id",
            "already the id of steps[0]",
        ),
        (
            set("/steps/1/id", json!("has space")),
            "steps[1].id",
            "is not a step id",
        ),
        (
            set("/steps/0/when", json!(5)),
            "steps[0].when",
            "is not a duration",
        ),
        (
            set("/steps/2/agent", json!("ag_nobody")),
            "steps[2].agent",
            "is not an agent of this workspace",
        ),
        (
            set("/conditions/all/0/op", json!("near")),
            "conditions.all[0].op",
            "is not a text operator",
        ),
        (
            set(
                "/conditions/all/0",
                json!({"type": "text", "op": "regex", "values": ["(unclosed"]}),
            ),
            "conditions.all[0].values[0]",
            "is not a valid regex",
        ),
        (
            set(
                "/conditions/all/0",
                json!({"type": "message_type", "types": ["fax"]}),
            ),
            "conditions.all[0].types[0]",
            "is not a message type",
        ),
        (
            set(
                "/conditions/all/0",
                json!({"type": "tags", "mode": "some", "tags": ["a"]}),
            ),
            "conditions.all[0].mode",
            "is not a mode (any, all, none)",
        ),
        (
            set(
                "/conditions/all/0",
                json!({"type": "schedule", "hours": {"funday": ["09:00-10:00"]}}),
            ),
            "conditions.all[0].hours.funday",
            "is not a weekday",
        ),
        (
            set(
                "/conditions/all/0",
                json!({"type": "schedule", "hours": {"mon": ["9am-5pm"]}}),
            ),
            "conditions.all[0].hours.mon[0]",
            "is not an interval",
        ),
        (
            set("/conditions/all/0", json!({"any": []})),
            "conditions.all[0].any",
            "at least one condition",
        ),
        (
            set("/conditions/all/0", json!({"colour": "red"})),
            "conditions.all[0]",
            "must be a group",
        ),
        (
            set("/scope", json!({"number": "num_elsewhere"})),
            "scope.number",
            "is not a number of this workspace",
        ),
        (
            set("/priority", json!(-1)),
            "priority",
            "between 0 and 1000000",
        ),
        (
            set("/schema", json!(2)),
            "schema",
            "not a supported schema version",
        ),
        (
            set("/active", json!("yes")),
            "active",
            "must be true or false",
        ),
        (
            set("/steps/0/next", json!("zzz")),
            "steps[0].next",
            "is not the id of a step",
        ),
        (
            set("/steps/1/tag", json!("")),
            "steps[1].tag",
            "must not be empty",
        ),
        // The catalogue's steps and conditions.
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "question", "text": "?", "validate": "colour"}),
            ),
            "steps[0].validate",
            "is not an answer kind",
        ),
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "question", "text": "?", "validate": "regex", "pattern": "(["}),
            ),
            "steps[0].pattern",
            "is not a valid regex",
        ),
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "http_request", "url": "gopher://x"}),
            ),
            "steps[0].url",
            "must start with http:// or https://",
        ),
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "http_request", "url": "https://x.it", "on_failure": "zzz"}),
            ),
            "steps[0].on_failure",
            "is not the id of a step",
        ),
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "branch", "conditions": {"type": "variable", "name": "x", "op": "is"}}),
            ),
            "steps[0].conditions.op",
            "is not an operator",
        ),
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "set_field", "field": "città!"}),
            ),
            "steps[0].field",
            "is not a field name",
        ),
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "go_to", "target": "zzz"}),
            ),
            "steps[0].target",
            "is not the id of a step",
        ),
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "send", "content": {"type": "buttons", "body": "x", "buttons": [{"id": "1", "title": "Una scelta molto lunga"}]}}),
            ),
            "steps[0].content.buttons[0].title",
            "the limit is 20",
        ),
        (
            set(
                "/steps/0",
                json!({"id": "a", "type": "menu", "content": {"type": "list", "body": "x", "button_label": "Apri",
                "sections": [{"title": "S", "rows": [{"id": "r1", "title": "Uno"}]}]}, "routes": {"r9": "b"}}),
            ),
            "steps[0].routes.r9",
            "is not an option of this menu",
        ),
        (
            set(
                "/conditions",
                json!({"type": "contact_field", "field": "eta", "op": "less_than", "value": "giovane"}),
            ),
            "conditions.value",
            "must be a number",
        ),
    ];
    let mut refused = 0;
    for (doc, path, message) in cases {
        if path.is_empty() {
            continue;
        }
        let r = app.post("/api/v1/workflows", doc.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        assert_eq!(r.body["error"]["code"], "invalid");
        assert_eq!(r.body["error"]["field"], path, "{}", r.body);
        let text = r.body["error"]["message"].as_str().unwrap();
        assert!(
            text.starts_with(&format!("{path}: ")) && text.contains(message),
            "{path}: {text}"
        );
        refused += 1;
    }
    assert!(refused >= 25, "{refused} mistakes in the table");
    // A valid document is accepted; a later invalid replacement leaves it untouched.
    let id = app.create_workflow(base()).await;
    let r = app
        .put(
            &format!("/api/v1/workflows/{id}"),
            set("/steps/1/when", json!("soonish")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stored = app.get(&format!("/api/v1/workflows/{id}")).await.body;
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["document"]["steps"][1]["when"], "1h");
}

#[tokio::test]
async fn yaml_documents_and_export_round_trip() {
    let app = TestApp::spawn().await;
    let yaml = "name: From YAML\ntrigger:\n  type: exact_phrase\n  phrase: orari\nsteps:\n  - id: hours\n    type: send_text\n    text: Siamo aperti 9-18\n";
    let r = app
        .client
        .post(format!("{}/api/v1/workflows", app.base))
        .bearer_auth(&app.token)
        .header("content-type", "application/yaml")
        .body(yaml)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let exported = app
        .client
        .get(format!("{}/api/v1/workflows/{id}?format=yaml", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(exported.contains("phrase: orari"));
    let bad_yaml = app
        .client
        .post(format!("{}/api/v1/workflows", app.base))
        .bearer_auth(&app.token)
        .header("content-type", "application/yaml")
        .body("name: [unclosed")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_yaml.status(), StatusCode::BAD_REQUEST);
    let out = app.inject("+393330000060", "Orari").await;
    assert_eq!(
        app.texts_to(out["contact_id"].as_str().unwrap()).await,
        vec!["Siamo aperti 9-18"]
    );
}

#[tokio::test]
async fn malformed_requests_get_clear_4xx_answers() {
    let app = TestApp::spawn().await;
    let url = format!("{}/api/v1/workflows", app.base);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let not_object = app.post("/api/v1/workflows", json!(["a"])).await;
    assert_eq!(not_object.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        not_object.body["error"]["message"],
        "the body [\"a\"] must be an object"
    );
    assert_eq!(not_object.body["error"]["field"], json!(null));
    let r = app
        .client
        .post(&url)
        .bearer_auth(&app.token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body(vec![b'x'; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let inject = format!("/api/v1/numbers/{}/sandbox/inbound", app.sandbox);
    let bad_phone = app
        .post(&inject, json!({"from": "not a phone", "text": "x"}))
        .await;
    assert_eq!(bad_phone.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_phone.body["error"]["field"], "from");
    assert!(bad_phone.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("\"not a phone\""));
    assert_eq!(
        app.post(&inject, json!({"from": "+393330000061"}))
            .await
            .body["error"]["field"],
        "text"
    );
    assert_eq!(
        app.post(
            &inject,
            json!({"from": "+393330000061", "text": "x", "type": "fax"})
        )
        .await
        .body["error"]["field"],
        "type"
    );
    assert_eq!(
        app.post(
            &inject,
            json!({"from": "+393330000061", "text": "x", "extra": 1})
        )
        .await
        .body["error"]["field"],
        "extra"
    );
    assert_eq!(
        app.post(
            "/api/v1/numbers/num_nope/sandbox/inbound",
            json!({"from": "+393330000061", "text": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        app.get("/api/v1/logs?limit=0").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/logs?period=fortnight").await.body["error"]["field"],
        "period"
    );
    assert_eq!(
        app.get("/api/v1/logs?since=yesterday").await.body["error"]["field"],
        "since"
    );
    assert_eq!(
        app.get("/api/v1/nowhere").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.request(Method::PATCH, "/api/v1/logs", Some(json!({})))
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let tz = app
        .put(
            "/api/v1/workspace",
            json!({"time_zone": "Mars/Olympus", "holidays": ["12-25"]}),
        )
        .await;
    assert_eq!(tz.body["error"]["field"], "time_zone");
    let hol = app
        .put(
            "/api/v1/workspace",
            json!({"time_zone": "Europe/Rome", "holidays": ["12-25", "31-12"]}),
        )
        .await;
    assert_eq!(hol.body["error"]["field"], "holidays[1]");
    assert_eq!(
        app.get("/api/v1/workspace").await.body["time_zone"],
        "UTC",
        "a refused update writes nothing"
    );
    let contact = app
        .post("/api/v1/contacts", json!({"phone": "+39 333"}))
        .await;
    assert_eq!(contact.body["error"]["field"], "phone");
    let agent = app
        .post(
            "/api/v1/agents",
            json!({"name": "A", "email": "not-an-email"}),
        )
        .await;
    assert_eq!(agent.body["error"]["field"], "email");
    let role = app
        .post(
            "/api/v1/agents",
            json!({"name": "A", "email": "a@b.it", "role": "king"}),
        )
        .await;
    assert_eq!(role.body["error"]["field"], "role");
}

#[tokio::test]
async fn tokens_are_required_and_see_only_their_workspace() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.request_as(None, Method::GET, "/api/v1/workflows", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.request_as(Some("wft_forged"), Method::GET, "/api/v1/workflows", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let wf = app
        .create_workflow(reply_workflow(
            "Mine",
            json!({"type": "message_received"}),
            None,
            "hi",
        ))
        .await;
    let out = app.inject("+393330000070", "hello").await;
    let contact = out["contact_id"].as_str().unwrap();
    let other = app.token_for("other-shop").await;
    let as_other = |method: Method, path: String| {
        let other = other.clone();
        let app = &app;
        async move { app.request_as(Some(&other), method, &path, None).await }
    };
    assert_eq!(
        as_other(Method::GET, format!("/api/v1/workflows/{wf}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_other(Method::DELETE, format!("/api/v1/workflows/{wf}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_other(Method::GET, format!("/api/v1/contacts/{contact}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_other(
            Method::GET,
            format!("/api/v1/numbers/{}/sandbox/outbox", app.sandbox)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_other(Method::GET, "/api/v1/workflows".into()).await.body["data"],
        json!([])
    );
    assert_eq!(
        as_other(Method::GET, "/api/v1/contacts".into()).await.body["data"],
        json!([])
    );
    assert_eq!(
        as_other(Method::GET, "/api/v1/logs".into()).await.body["data"],
        json!([])
    );
    assert_eq!(
        as_other(Method::GET, "/api/v1/conversations".into())
            .await
            .body["data"],
        json!([])
    );
    // The other workspace has its own sandbox number, and its messages do not start our workflow.
    let theirs = as_other(Method::GET, "/api/v1/numbers".into()).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(theirs, app.sandbox);
    let r = app
        .request_as(
            Some(&other),
            Method::POST,
            &format!("/api/v1/numbers/{theirs}/sandbox/inbound"),
            Some(json!({"from": "+393330000070", "text": "hello"})),
        )
        .await;
    assert_eq!(r.body["outcome"], "no_match");
    assert_ne!(
        r.body["contact_id"], contact,
        "same phone, different workspace: a different contact"
    );
}
