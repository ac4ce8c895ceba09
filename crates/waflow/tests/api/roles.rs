//! Roles: every route of the OpenAPI document called as {no token, another workspace, agent,
//! admin, owner} and the answer checked against the role table (`waflow_server::roles::TABLE`);
//! `findings.rs`: one test per finding of issue 16.

mod findings;
mod team;
mod world;

use crate::harness::*;
use reqwest::{Method, StatusCode};
use std::collections::BTreeSet;
use waflow_server::roles::{Access, TABLE};
use world::{Who, World};

/// What of the colleague's contact must never reach a caller who may not see it.
pub const THEIR_PHONE: &str = "+393330000101";
pub const THEIR_NAME: &str = "Marker Person";
pub const THEIR_TEXT: &str = "marker-secret-text";
pub const THEIR_SUBJECT: &str = "marker-ticket-subject";
const MARKERS: [&str; 4] = [THEIR_PHONE, THEIR_NAME, THEIR_TEXT, THEIR_SUBJECT];

/// Rows of the table the OpenAPI document does not list (yet): not API operations, or routes
/// added by work in progress.
const UNDOCUMENTED: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/{*path}"),
    ("GET", "/api/v1/openapi.json"),
    ("PATCH", "/api/v1/workspace"),
];

/// What the role layer says when it refuses: none of it may come from a route that is allowed.
fn refused_by_layer(r: &Response) -> bool {
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    (r.status == StatusCode::UNAUTHORIZED && message.contains("Authorization"))
        || (r.status == StatusCode::FORBIDDEN
            && (message.contains("needs the role") || message.contains("role table")))
}

fn leaks(r: &Response) -> Option<&'static str> {
    let text = r.body.to_string();
    MARKERS.into_iter().find(|m| text.contains(m))
}

/// Checks one answer against the table; a description of the mismatch, if any.
fn check(access: Access, who: Who, has_id: bool, r: &Response) -> Result<(), String> {
    let allowed = |r: &Response| {
        let past = !refused_by_layer(r)
            && ![
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::NOT_FOUND,
                StatusCode::METHOD_NOT_ALLOWED,
            ]
            .contains(&r.status);
        past.then_some(())
            .ok_or_else(|| format!("refused ({}): {}", r.status, r.body))
    };
    let hidden = |r: &Response| match (r.status, leaks(r)) {
        (StatusCode::NOT_FOUND, None) => Ok(()),
        (status, leak) => Err(format!(
            "expected a 404 saying nothing, got {status} (leaks {leak:?}): {}",
            r.body
        )),
    };
    let unseen = |r: &Response| match leaks(r) {
        None if !refused_by_layer(r) => Ok(()),
        None => Err(format!("refused ({}): {}", r.status, r.body)),
        Some(m) => Err(format!("shows {m:?} ({}): {}", r.status, r.body)),
    };
    let forbidden = |r: &Response| match (r.status, leaks(r)) {
        (StatusCode::FORBIDDEN, None) if refused_by_layer(r) => Ok(()),
        (status, _) => Err(format!(
            "expected the role layer's 403, got {status}: {}",
            r.body
        )),
    };
    match (access, who) {
        (Access::Public, _) => match refused_by_layer(r) {
            false => Ok(()),
            true => Err(format!(
                "a public route was refused ({}): {}",
                r.status, r.body
            )),
        },
        (_, Who::Nobody) => match r.status {
            StatusCode::UNAUTHORIZED => Ok(()),
            s => Err(format!("expected 401 without a token, got {s}: {}", r.body)),
        },
        (_, Who::OtherWorkspace) if has_id => hidden(r),
        (_, Who::OtherWorkspace) => unseen(r),
        (Access::Owner, Who::AgentTheirs | Who::AgentMine | Who::Admin) => forbidden(r),
        (Access::Admin, Who::AgentTheirs | Who::AgentMine) => forbidden(r),
        (Access::Assigned, Who::AgentTheirs) if has_id => hidden(r),
        (Access::Assigned, Who::AgentTheirs) => unseen(r),
        _ => allowed(r),
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_table_says() {
    let world = World::new().await;
    let app = &world.team.app;
    let doc = app
        .request_as(None, Method::GET, "/api/v1/openapi.json", None)
        .await
        .body;
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let rows: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the role table: {missing:?}"
    );
    let extra: Vec<_> = rows
        .difference(&documented)
        .filter(|(m, p)| !UNDOCUMENTED.contains(&(m.as_str(), p.as_str())))
        .collect();
    assert!(
        extra.is_empty(),
        "rows for routes the OpenAPI document does not list: {extra:?}"
    );

    let mut failures = Vec::new();
    let mut calls = 0;
    for (method, path) in &documented {
        let access = TABLE
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap()
            .access;
        for who in [
            Who::Nobody,
            Who::OtherWorkspace,
            Who::AgentTheirs,
            Who::AgentMine,
            Who::Admin,
            Who::Owner,
        ] {
            let url = world.url(method, path, who).await;
            let body = world.body(method, path, who);
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let r = app
                .request_as(
                    world.token_for(method, path, who).await.as_deref(),
                    m,
                    &url,
                    body,
                )
                .await;
            calls += 1;
            if let Err(why) = check(access, who, path.contains("{id}"), &r) {
                failures.push(format!("{method} {path} as {who:?} ({access:?}): {why}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} calls disagree with the role table:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        documented.len() >= 80,
        "only {} documented routes",
        documented.len()
    );
}
