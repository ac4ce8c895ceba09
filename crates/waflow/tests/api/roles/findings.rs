//! One test per finding of issue 16 ("who may do what"): each failed before roles were enforced.

use super::team::{noting_workflow, signed_in, Team};
use super::{THEIR_NAME, THEIR_PHONE, THEIR_TEXT};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn role_refusal(r: &crate::harness::Response) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("needs the role"), "{message}");
}

#[tokio::test]
async fn an_agent_cannot_make_itself_owner_nor_create_or_delete_owners() {
    let team = Team::new().await;
    let me = format!("/api/v1/agents/{}", team.agent_id);
    let r = team
        .call(
            &team.agent,
            Method::PATCH,
            &me,
            Some(json!({"role": "owner"})),
        )
        .await;
    role_refusal(&r);
    let r = team
        .call(
            &team.agent,
            Method::POST,
            "/api/v1/agents",
            Some(json!({"name": "Eve", "email": "eve@shop.example", "role": "owner"})),
        )
        .await;
    role_refusal(&r);
    let owner = format!("/api/v1/agents/{}", team.owner_id);
    let r = team.call(&team.agent, Method::DELETE, &owner, None).await;
    role_refusal(&r);
    // An admin may not either.
    let r = team.call(&team.admin, Method::DELETE, &owner, None).await;
    role_refusal(&r);
    let agents = team.app.get("/api/v1/agents").await.body["data"].clone();
    let roles: Vec<(&str, &str)> = agents
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("Olga", "owner"),
            ("Adam", "admin"),
            ("Sara", "agent"),
            ("Ugo", "agent")
        ]
    );
}

#[tokio::test]
async fn an_agent_cannot_change_settings_read_secrets_add_numbers_or_stop_workflows() {
    let team = Team::new().await;
    let app = &team.app;
    let hook = app
        .create_workflow(
            json!({"name": "From the shop", "trigger": {"type": "integration", "phone": "customer.phone"},
                                "steps": [{"id": "r", "type": "send_text", "text": "x"}]}),
        )
        .await;
    let flow = app.create_workflow(noting_workflow()).await;
    let calls: [(Method, String, Option<Value>); 7] = [
        (
            Method::PUT,
            "/api/v1/workspace".into(),
            Some(json!({"time_zone": "Europe/Rome"})),
        ),
        (
            Method::PUT,
            "/api/v1/workspace/ai".into(),
            Some(json!({"base_url": "http://127.0.0.1:9/v1", "model": "m"})),
        ),
        (
            Method::PUT,
            "/api/v1/workspace/events-webhook".into(),
            Some(json!({"url": "https://example.com/x"})),
        ),
        (Method::GET, "/api/v1/workspace/webhook-secret".into(), None),
        (
            Method::GET,
            format!("/api/v1/workflows/{hook}/integration"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/numbers".into(),
            Some(json!({"label": "Mine now"})),
        ),
        (
            Method::POST,
            format!("/api/v1/workflows/{flow}/deactivate"),
            None,
        ),
    ];
    for (method, path, body) in calls {
        let r = team.call(&team.agent, method.clone(), &path, body).await;
        role_refusal(&r);
        assert!(
            !r.body.to_string().contains("secret\":"),
            "{method} {path}: {}",
            r.body
        );
    }
    // Admins manage workflows, not secrets or numbers.
    let r = team
        .call(
            &team.admin,
            Method::GET,
            "/api/v1/workspace/webhook-secret",
            None,
        )
        .await;
    role_refusal(&r);
    let r = team
        .call(
            &team.admin,
            Method::POST,
            &format!("/api/v1/workflows/{flow}/deactivate"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Nothing changed.
    let ws = app.get("/api/v1/workspace").await.body;
    assert_eq!(ws["time_zone"], "UTC");
    assert_eq!(
        app.get("/api/v1/numbers").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let owner = team
        .call(
            &team.owner,
            Method::GET,
            "/api/v1/workspace/webhook-secret",
            None,
        )
        .await;
    assert!(owner.body["secret"].is_string(), "{}", owner.body);
}

#[tokio::test]
async fn an_agent_sees_only_the_logs_contacts_runs_and_notifications_of_their_contacts() {
    let team = Team::new().await;
    let app = &team.app;
    app.create_workflow(noting_workflow()).await;
    let [their_contact, _, _, their_run, their_log] = team
        .contact_that_wrote(
            THEIR_PHONE,
            THEIR_NAME,
            THEIR_TEXT,
            Some(&team.colleague_id),
        )
        .await;
    let [my_contact, _, _, my_run, my_log] = team
        .contact_that_wrote(
            "+393330000202",
            "Own Person",
            "own hello",
            Some(&team.agent_id),
        )
        .await;
    let t = &team;
    let agent = |path: String| async move { t.call(&t.agent, Method::GET, &path, None).await };
    let clean = |r: &crate::harness::Response| {
        let text = r.body.to_string();
        for marker in [THEIR_PHONE, THEIR_NAME, THEIR_TEXT] {
            assert!(!text.contains(marker), "{marker} shown: {text}");
        }
    };
    for list in [
        "/api/v1/logs",
        "/api/v1/contacts",
        "/api/v1/notifications",
        "/api/v1/conversations",
        "/api/v1/tickets",
        "/api/v1/contacts?search=Marker",
    ] {
        let r = agent(list.to_string()).await;
        assert_eq!(r.status, StatusCode::OK, "{list}: {}", r.body);
        clean(&r);
    }
    let logs = agent("/api/v1/logs".into()).await.body["data"].clone();
    assert!(
        logs.as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == my_log.as_str()),
        "{logs}"
    );
    let contacts = agent("/api/v1/contacts".into()).await.body["data"].clone();
    assert_eq!(contacts.as_array().unwrap().len(), 1, "{contacts}");
    assert_eq!(contacts[0]["id"], my_contact.as_str());
    let notes = agent("/api/v1/notifications".into()).await.body["data"].clone();
    assert_eq!(notes.as_array().unwrap().len(), 1, "{notes}");
    for hidden in [
        format!("/api/v1/logs/{their_log}"),
        format!("/api/v1/contacts/{their_contact}"),
        format!("/api/v1/runs/{their_run}"),
        format!("/api/v1/contacts/{their_contact}/runs"),
    ] {
        let r = agent(hidden.clone()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{hidden}: {}", r.body);
        clean(&r);
    }
    for visible in [
        format!("/api/v1/logs/{my_log}"),
        format!("/api/v1/contacts/{my_contact}"),
        format!("/api/v1/runs/{my_run}"),
    ] {
        assert_eq!(
            agent(visible.clone()).await.status,
            StatusCode::OK,
            "{visible}"
        );
    }
    // The admin sees both.
    let all = team
        .call(&team.admin, Method::GET, "/api/v1/contacts", None)
        .await;
    assert_eq!(all.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        team.call(
            &team.admin,
            Method::GET,
            &format!("/api/v1/logs/{their_log}"),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_agent_assigns_contacts_to_themselves_only_when_the_workspace_allows_it() {
    let team = Team::new().await;
    team.app.create_workflow(noting_workflow()).await;
    let [unassigned, conversation, ..] = team
        .contact_that_wrote(THEIR_PHONE, THEIR_NAME, THEIR_TEXT, None)
        .await;
    let [colleagues, ..] = team
        .contact_that_wrote("+393330000303", "Other", "hi", Some(&team.colleague_id))
        .await;
    let t = &team;
    let take = |contact: String| async move {
        let body = json!({"assigned_agent_id": t.agent_id});
        t.call(
            &t.agent,
            Method::PATCH,
            &format!("/api/v1/contacts/{contact}"),
            Some(body),
        )
        .await
    };
    let r = take(unassigned.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(!r.body.to_string().contains(THEIR_NAME));
    let conv = format!("/api/v1/conversations/{conversation}");
    assert_eq!(
        team.call(&team.agent, Method::GET, &conv, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        team.app.contact(&unassigned).await["assigned_agent_id"],
        Value::Null
    );

    // Only an owner turns it on.
    let allow = Some(json!({"agents_may_self_assign": true}));
    role_refusal(
        &team
            .call(&team.admin, Method::PUT, "/api/v1/workspace", allow.clone())
            .await,
    );
    let r = team
        .call(&team.owner, Method::PUT, "/api/v1/workspace", allow)
        .await;
    assert_eq!(r.body["agents_may_self_assign"], true, "{}", r.body);

    // Then an agent takes an unassigned contact, never a colleague's.
    assert_eq!(take(colleagues.clone()).await.status, StatusCode::NOT_FOUND);
    let r = take(unassigned.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["assigned_agent_id"], team.agent_id.as_str());
    assert_eq!(
        team.call(&team.agent, Method::GET, &conv, None)
            .await
            .status,
        StatusCode::OK
    );
    // Having it, they cannot give it away.
    let r = team
        .call(
            &team.agent,
            Method::PATCH,
            &format!("/api/v1/contacts/{unassigned}"),
            Some(json!({"assigned_agent_id": team.colleague_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .split(':')
            .next(),
        Some("assigned_agent_id")
    );
}

#[tokio::test]
async fn nobody_changes_their_own_role_and_the_last_owner_stays() {
    let team = Team::new().await;
    let olga = format!("/api/v1/agents/{}", team.owner_id);
    let r = team
        .call(
            &team.owner,
            Method::PATCH,
            &olga,
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("own role"),
        "{}",
        r.body
    );
    // An API token (the installation's owner) may, but not for the last owner.
    let r = team.app.patch(&olga, json!({"role": "admin"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["error"]["field"], "role");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("last owner"),
        "{}",
        r.body
    );
    let r = team.app.request(Method::DELETE, &olga, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("last owner"),
        "{}",
        r.body
    );
    // With a second owner, one may demote the other; then the demoted one is an admin.
    let (piero, piero_token) = signed_in(&team.app, &team.workspace, "Piero", "owner").await;
    let r = team
        .call(
            &piero_token,
            Method::PATCH,
            &olga,
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    role_refusal(
        &team
            .call(
                &team.owner,
                Method::GET,
                "/api/v1/workspace/webhook-secret",
                None,
            )
            .await,
    );
    let r = team
        .call(
            &piero_token,
            Method::DELETE,
            &format!("/api/v1/agents/{piero}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn a_deleted_agents_token_is_refused() {
    let team = Team::new().await;
    let r = team
        .app
        .request(
            Method::DELETE,
            &format!("/api/v1/agents/{}", team.agent_id),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = team
        .call(&team.agent, Method::GET, "/api/v1/conversations", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}
