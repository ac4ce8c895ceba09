//! The OpenAPI document names every route's bodies, and its references resolve.

use super::bodies::{Answer, Request};
use super::*;
use serde_json::Value;

/// Every route of the table has its request and answer named, and no row names a route that
/// is not in the table.
#[test]
fn openapi_names_the_request_and_answer_of_every_route() {
    let typed = typed();
    let missing: Vec<String> = ROUTES
        .iter()
        .filter(|r| !typed.iter().any(|t| t.method == r.0 && t.path == r.1))
        .map(|r| format!("{} {}", r.0, r.1))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without their request and answer types in openapi::typed(): {missing:#?}"
    );
    for t in &typed {
        assert!(
            ROUTES.iter().any(|r| r.0 == t.method && r.1 == t.path),
            "{} {} has types but is not in ROUTES",
            t.method,
            t.path
        );
        assert_eq!(
            typed
                .iter()
                .filter(|o| o.method == t.method && o.path == t.path)
                .count(),
            1,
            "{} {} has two rows",
            t.method,
            t.path
        );
        let reads = !matches!(t.request, Request::Bodyless);
        assert!(
            !(reads && matches!(t.method, "get" | "delete")),
            "{} {} reads a body",
            t.method,
            t.path
        );
    }
    let doc = serde_json::to_value(build()).unwrap();
    let mut wrong = Vec::new();
    for (verb, path, _, _) in ROUTES {
        let op = &doc["paths"][path][verb];
        let t = typed
            .iter()
            .find(|t| t.method == *verb && t.path == *path)
            .unwrap();
        let responses = op["responses"].as_object().unwrap();
        let success: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
        if success != [t.answer.status()] {
            wrong.push(format!("{verb} {path}: success answers {success:?}"));
        }
        let content = &op["responses"][t.answer.status()]["content"];
        if !matches!(t.answer, Answer::Empty(_)) && !content.is_object() {
            wrong.push(format!("{verb} {path}: no answer body"));
        }
        if matches!(t.request, Request::Bodyless) != op["requestBody"].is_null() {
            wrong.push(format!("{verb} {path}: request body"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Collects every `$ref` in a JSON value.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn openapi_refs_resolve_and_schema_names_are_unique() {
    let doc = serde_json::to_value(build()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 100, "{} refs", found.len());
    let unresolved: Vec<&&str> = found
        .iter()
        .filter(|r| {
            r.strip_prefix("#/components/schemas/")
                .is_none_or(|name| !schemas.contains_key(name))
        })
        .collect();
    assert!(unresolved.is_empty(), "unresolved: {unresolved:?}");
    // Two Rust types under one schema name would silently replace each other.
    let mut seen: BTreeMap<String, RefOr<Schema>> = BTreeMap::new();
    for t in typed() {
        for body in t.request.bodies().into_iter().chain(t.answer.bodies()) {
            for (name, schema) in &body.schemas {
                let before = seen.insert(name.clone(), schema.clone());
                assert!(
                    before.is_none_or(|b| b == *schema),
                    "two types are named {name}"
                );
            }
        }
    }
}

#[test]
fn openapi_schemas_are_the_rust_types() {
    let doc = serde_json::to_value(build()).unwrap();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "LoginRequest",
        "LoginAnswer",
        "TokenList",
        "TokenItem",
        "Agent",
        "Contact",
    ] {
        assert!(schemas[name].is_object(), "{name} missing: {schemas}");
    }
    let item = &schemas["TokenItem"]["properties"];
    assert!(
        item["expires_at"].is_object() && item["token"].is_null(),
        "{item}"
    );
    // Serde's view: skipped fields are absent, dates are date-times.
    let campaign = &schemas["Campaign"]["properties"];
    assert!(campaign["workspace_id"].is_null(), "{campaign}");
    assert_eq!(campaign["created_at"]["format"], "date-time");
    let login = &doc["paths"]["/api/v1/auth/login"]["post"];
    assert_eq!(
        login["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LoginRequest"
    );
    assert!(login["responses"]["429"]["headers"]["Retry-After"].is_object());
    let logout = &doc["paths"]["/api/v1/auth/logout"]["post"]["responses"];
    assert!(
        logout["204"].is_object() && logout["200"].is_null(),
        "{logout}"
    );
    let export = &doc["paths"]["/api/v1/campaigns/{id}/export"]["get"]["responses"]["200"];
    assert!(export["content"]["text/csv"].is_object(), "{export}");
}
