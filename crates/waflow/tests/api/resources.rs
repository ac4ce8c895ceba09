//! The REST resources: agents, numbers, contacts, conversations, workflows (bulk, priority,
//! activation), logs (filters and pagination) and the OpenAPI document.

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn agents_contacts_tags_and_assignment_steps() {
    let app = TestApp::spawn().await;
    let agent = app
        .post(
            "/api/v1/agents",
            json!({"name": "Marco", "email": "Marco@Shop.it", "role": "agent"}),
        )
        .await;
    assert_eq!(agent.status, StatusCode::CREATED);
    let agent_id = agent.body["id"].as_str().unwrap().to_string();
    assert_eq!(agent.body["email"], "marco@shop.it");
    assert_eq!(
        app.post(
            "/api/v1/agents",
            json!({"name": "Dup", "email": "marco@shop.it"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    app.create_workflow(json!({"name": "Route VIP", "trigger": {"type": "message_received"},
        "conditions": {"all": [{"type": "tags", "tags": ["vip"]}, {"type": "assigned_agent", "agent": "none"}]},
        "steps": [{"type": "assign_agent", "agent": agent_id}, {"type": "add_tag", "tag": "routed"}, {"type": "remove_tag", "tag": "new"},
                  {"type": "send_text", "text": "Ti passo a un collega"}, {"type": "end"}, {"type": "send_text", "text": "never"}]})).await;

    let created = app.post("/api/v1/contacts", json!({"phone": "+39 333 000 0080", "name": "Anna", "tags": ["VIP", "new", "vip"], "fields": {"city": "Roma"}})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["tags"], json!(["VIP", "new"]));
    assert_eq!(
        app.post("/api/v1/contacts", json!({"phone": "+393330000080"}))
            .await
            .status,
        StatusCode::CONFLICT
    );

    app.inject("+393330000080", "ciao").await;
    let contact = app.contact(&id).await;
    assert_eq!(contact["assigned_agent_id"], agent_id.as_str());
    assert_eq!(contact["tags"], json!(["VIP", "routed"]));
    assert_eq!(
        app.texts_to(&id).await,
        vec!["Ti passo a un collega"],
        "end stops the run"
    );
    // Assigned now: the condition "assigned to no agent" fails, and the log says so.
    let second = app.inject("+393330000080", "ciao ancora").await;
    assert_eq!(second["outcome"], "no_match");
    let log = app
        .get(&format!(
            "/api/v1/logs/{}",
            second["log_id"].as_str().unwrap()
        ))
        .await
        .body;
    let reason = log["detail"]["evaluation"]["considered"][0]["reason"]
        .as_str()
        .unwrap();
    assert!(
        reason.contains("conditions.all[1]") && reason.contains(&agent_id),
        "{reason}"
    );

    let tagged = app
        .post(
            &format!("/api/v1/contacts/{id}/tags"),
            json!({"tags": ["b2b"]}),
        )
        .await;
    assert_eq!(tagged.body["tags"], json!(["VIP", "routed", "b2b"]));
    let untagged = app
        .request(
            Method::DELETE,
            &format!("/api/v1/contacts/{id}/tags/vip"),
            None,
        )
        .await;
    assert_eq!(untagged.body["tags"], json!(["routed", "b2b"]));
    let by_tag = app.get("/api/v1/contacts?tag=b2b").await.body;
    assert_eq!(by_tag["data"].as_array().unwrap().len(), 1);
    let cleared = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({"assigned_agent_id": null}),
        )
        .await;
    assert_eq!(cleared.body["assigned_agent_id"], json!(null));
    let bad = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            json!({"assigned_agent_id": "ag_ghost"}),
        )
        .await;
    assert_eq!(bad.body["error"]["field"], "assigned_agent_id");
    assert_eq!(
        app.request(Method::DELETE, &format!("/api/v1/agents/{agent_id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.request(Method::DELETE, &format!("/api/v1/contacts/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn contact_created_fires_for_new_numbers_and_api_contacts_only() {
    let app = TestApp::spawn().await;
    app.create_workflow(reply_workflow(
        "Welcome",
        json!({"type": "contact_created"}),
        None,
        "Benvenuto {{contact.first_name}}!",
    ))
    .await;
    let first = app
        .inject_with(json!({"from": "+393330000090", "name": "Luca Bianchi", "text": "salve"}))
        .await;
    let id = first["contact_id"].as_str().unwrap().to_string();
    app.inject("+393330000090", "di nuovo").await;
    assert_eq!(app.texts_to(&id).await, vec!["Benvenuto Luca!"]);
    let api = app
        .post(
            "/api/v1/contacts",
            json!({"phone": "+393330000091", "name": "Sara"}),
        )
        .await;
    assert_eq!(api.body["runs_started"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.texts_to(api.body["id"].as_str().unwrap()).await,
        vec!["Benvenuto Sara!"]
    );
}

#[tokio::test]
async fn numbers_modules_and_deleting_a_scoped_number() {
    let app = TestApp::spawn().await;
    let sales = app
        .post("/api/v1/numbers", json!({"label": "Sales"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cloud = app
        .post(
            "/api/v1/numbers",
            json!({"label": "X", "channel": "cloud_api"}),
        )
        .await;
    assert_eq!(cloud.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        cloud.body["error"]["field"], "cloud_api",
        "credentials are required"
    );
    let unknown = app
        .post(
            "/api/v1/numbers",
            json!({"label": "X", "channel": "telegram"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.body["error"]["field"], "channel");
    let mut doc = reply_workflow(
        "Sales only",
        json!({"type": "message_received"}),
        None,
        "sales",
    );
    doc["scope"] = json!({"number": sales});
    let wf = app.create_workflow(doc).await;
    let out = app.inject("+393330000100", "hi").await;
    assert_eq!(out["outcome"], "no_match", "scoped to another number");

    app.patch(
        &format!("/api/v1/numbers/{}", app.sandbox),
        json!({"automation": false}),
    )
    .await;
    assert_eq!(
        app.inject("+393330000100", "hi").await["outcome"],
        "automation_off"
    );
    app.patch(
        &format!("/api/v1/numbers/{}", app.sandbox),
        json!({"automation": true, "label": "Test line"}),
    )
    .await;

    assert_eq!(
        app.request(Method::DELETE, &format!("/api/v1/numbers/{sales}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let stored = app.get(&format!("/api/v1/workflows/{wf}")).await.body;
    assert_eq!(stored["document"]["scope"], "all");
    assert_eq!(stored["scope_number_id"], json!(null));
    assert_eq!(
        app.inject("+393330000100", "hi").await["outcome"],
        "matched",
        "the workflow became global"
    );
}

#[tokio::test]
async fn workflow_list_priority_and_bulk_operations() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for (i, name) in ["Alpha", "Beta", "Gamma"].iter().enumerate() {
        let mut doc = reply_workflow(name, json!({"type": "message_received"}), None, name);
        doc["priority"] = json!(10 * (i + 1));
        ids.push(app.create_workflow(doc).await);
    }
    let moved = app
        .put(
            &format!("/api/v1/workflows/{}/priority", ids[2]),
            json!({"priority": 1}),
        )
        .await;
    assert_eq!(moved.body["version"], 2);
    let list = app.get("/api/v1/workflows").await.body;
    let names: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["Gamma", "Alpha", "Beta"]);
    assert_eq!(
        app.get("/api/v1/workflows?search=alp").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let off = app
        .post(
            "/api/v1/workflows/bulk",
            json!({"action": "deactivate", "ids": [ids[0], ids[1]]}),
        )
        .await;
    assert_eq!(off.body["changed"], 2);
    assert_eq!(
        app.get("/api/v1/workflows?active=true").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let out = app.inject("+393330000110", "hi").await;
    assert_eq!(
        app.texts_to(out["contact_id"].as_str().unwrap()).await,
        vec!["Gamma"]
    );

    let missing = app
        .post(
            "/api/v1/workflows/bulk",
            json!({"action": "delete", "ids": [ids[0], "wf_ghost"]}),
        )
        .await;
    assert_eq!(missing.body["error"]["field"], "ids[1]");
    assert_eq!(
        app.get("/api/v1/workflows").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "nothing deleted"
    );
    let bad = app
        .post(
            "/api/v1/workflows/bulk",
            json!({"action": "explode", "ids": [ids[0]]}),
        )
        .await;
    assert_eq!(bad.body["error"]["field"], "action");
    let del = app
        .post(
            "/api/v1/workflows/bulk",
            json!({"action": "delete", "ids": ids}),
        )
        .await;
    assert_eq!(del.body["changed"], 3);
    assert_eq!(app.get("/api/v1/workflows").await.body["data"], json!([]));
}

#[tokio::test]
async fn logs_filter_and_paginate() {
    let app = TestApp::spawn().await;
    let wf = app
        .create_workflow(reply_workflow(
            "Hi",
            json!({"type": "message_received"}),
            Some(json!({"type": "text", "op": "starts_with", "values": ["hi"]})),
            "hello",
        ))
        .await;
    for i in 0..7 {
        app.inject(
            &format!("+3933300002{i:02}"),
            if i % 2 == 0 { "hi there" } else { "bye" },
        )
        .await;
    }
    let all = app.logs("period=today&limit=100").await;
    assert_eq!(all.iter().filter(|e| e["kind"] == "inbound").count(), 7);
    assert_eq!(app.logs("outcome=no_match").await.len(), 3);
    assert_eq!(app.logs(&format!("workflow_id={wf}")).await.len(), 4);
    // Pages of 4 walk every entry once, newest first.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(&format!("/api/v1/logs?limit=4&cursor={cursor}"))
            .await
            .body;
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    let ids: Vec<String> = all
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, ids);
    assert!(app
        .logs("period=custom&since=2000-01-01&until=2000-01-02")
        .await
        .is_empty());
}

#[tokio::test]
async fn conversations_list_and_agent_replies() {
    let app = TestApp::spawn().await;
    let out = app.inject("+393330000120", "help").await;
    let conv = out["conversation_id"].as_str().unwrap().to_string();
    let list = app.get("/api/v1/conversations").await.body;
    assert_eq!(list["data"][0]["id"], conv.as_str());
    assert_eq!(list["data"][0]["contact_phone"], "+393330000120");
    let sent = app
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"text": "Sono Marco, come posso aiutarti?"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED);
    assert_eq!(
        app.texts_to(out["contact_id"].as_str().unwrap()).await,
        vec!["Sono Marco, come posso aiutarti?"]
    );
    let msgs = app
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await
        .body;
    assert_eq!(msgs["data"].as_array().unwrap().len(), 2);
    app.patch(
        &format!("/api/v1/contacts/{}", out["contact_id"].as_str().unwrap()),
        json!({"blocked": true}),
    )
    .await;
    assert_eq!(
        app.post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"text": "x"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn openapi_lists_every_route_and_each_answers() {
    let app = TestApp::spawn().await;
    let doc = app
        .request_as(None, Method::GET, "/api/v1/openapi.json", None)
        .await
        .body;
    assert_eq!(doc["info"]["title"], "waflow");
    let paths = doc["paths"].as_object().unwrap();
    let operations: usize = paths
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert!(
        paths.len() >= 20 && operations >= 35,
        "{} paths, {operations} operations",
        paths.len()
    );
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = path.replace("{id}", "x").replace("{tag}", "t");
            let r = app.request_as(None, m, &url, None).await;
            if path == "/api/v1/auth/login" {
                // Signing in needs no token: without a body it is a bad request.
                assert!(r.status.is_client_error(), "{method} {path}: {}", r.status);
                continue;
            }
            if path == "/api/v1/setup" {
                // The first-run page needs no token: it says whether an owner is needed, and
                // creating one without a body is a bad request.
                let expected = if method == "get" {
                    StatusCode::OK
                } else {
                    StatusCode::BAD_REQUEST
                };
                assert!(
                    r.status == expected || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                    "{method} {path}: {}",
                    r.status
                );
                continue;
            }
            if path.starts_with("/hooks/") {
                // An integration URL carries its own secret: the route answers for itself.
                assert!(
                    r.status.is_client_error() && r.status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path}: {}",
                    r.status
                );
                let message = r.body["error"]["message"].as_str().unwrap_or_default();
                assert!(
                    !message.contains("no such endpoint"),
                    "{method} {path}: {message}"
                );
                continue;
            }
            if path.starts_with("/webhooks/") {
                // Webhooks carry no token: the route answers for itself (no such number here).
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}");
                let message = r.body["error"]["message"].as_str().unwrap_or_default();
                assert!(
                    message.contains("no Cloud API number"),
                    "{method} {path} is documented but does not exist: {message}"
                );
                continue;
            }
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} is documented but does not exist"
            );
        }
    }
}
