//! The role table: every route of the router (method and path template, exactly as routed) with
//! who may call it. [`super::enforce`] reads it before any handler runs; the README prints it
//! (a test checks the README's copy is [`markdown`]'s output).

use super::Access::{self, Admin, Assigned, Owner, Public, Signed};

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE` (a `HEAD` is looked up as its `GET`).
    pub method: &'static str,
    /// The path template as the router has it, e.g. `/api/v1/contacts/{id}`.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

const fn r(method: &'static str, path: &'static str, access: Access) -> Rule {
    Rule {
        method,
        path,
        access,
    }
}

/// Every route and who may call it. A route missing here is refused to everyone (deny by default).
pub const TABLE: &[Rule] = &[
    // Public: no token. Each of these answers for itself (own secret, signature or nothing to hide).
    r("GET", "/healthz", Public),
    r("GET", "/readyz", Public),
    r("GET", "/{*path}", Public),
    r("GET", "/api/v1/openapi.json", Public),
    r("POST", "/api/v1/auth/login", Public),
    r("GET", "/api/v1/setup", Public),
    r("POST", "/api/v1/setup", Public),
    r("POST", "/hooks/{id}", Public),
    r("GET", "/webhooks/cloud_api/{id}", Public),
    r("POST", "/webhooks/cloud_api/{id}", Public),
    // Who am I, my tokens.
    r("GET", "/api/v1/auth/me", Signed),
    r("POST", "/api/v1/auth/logout", Signed),
    r("GET", "/api/v1/auth/tokens", Signed),
    r("DELETE", "/api/v1/auth/tokens/{id}", Signed),
    // Workspace settings, secrets, AI.
    r("GET", "/api/v1/workspace", Signed),
    r("PUT", "/api/v1/workspace", Owner),
    r("PATCH", "/api/v1/workspace", Owner),
    r("GET", "/api/v1/workspace/webhook-secret", Owner),
    r("PUT", "/api/v1/workspace/events-webhook", Owner),
    r("GET", "/api/v1/cluster", Admin),
    r("GET", "/api/v1/workspace/ai", Admin),
    r("PUT", "/api/v1/workspace/ai", Owner),
    r("GET", "/api/v1/workspace/knowledge", Admin),
    r("GET", "/api/v1/workspace/knowledge/search", Admin),
    r("PUT", "/api/v1/workspace/knowledge/{name}", Admin),
    r("DELETE", "/api/v1/workspace/knowledge/{name}", Admin),
    r("GET", "/api/v1/workspace/opt-out", Admin),
    r("PUT", "/api/v1/workspace/opt-out", Admin),
    // Scheduled messages and campaigns.
    r("GET", "/api/v1/scheduled", Admin),
    r("POST", "/api/v1/scheduled", Admin),
    r("GET", "/api/v1/scheduled/{id}", Admin),
    r("PATCH", "/api/v1/scheduled/{id}", Admin),
    r("POST", "/api/v1/scheduled/{id}/cancel", Admin),
    r("GET", "/api/v1/campaigns", Admin),
    r("POST", "/api/v1/campaigns", Admin),
    r("POST", "/api/v1/campaigns/preview", Admin),
    r("GET", "/api/v1/campaigns/{id}", Admin),
    r("POST", "/api/v1/campaigns/{id}/pause", Admin),
    r("POST", "/api/v1/campaigns/{id}/resume", Admin),
    r("POST", "/api/v1/campaigns/{id}/cancel", Admin),
    r("GET", "/api/v1/campaigns/{id}/recipients", Admin),
    r("GET", "/api/v1/campaigns/{id}/export", Admin),
    // Agents and their notifications.
    r("GET", "/api/v1/agents", Signed),
    r("POST", "/api/v1/agents", Owner),
    r("GET", "/api/v1/agents/{id}", Signed),
    r("PATCH", "/api/v1/agents/{id}", Owner),
    r("DELETE", "/api/v1/agents/{id}", Owner),
    r("GET", "/api/v1/notifications", Assigned),
    r("POST", "/api/v1/notifications/{id}/read", Assigned),
    // Numbers and their credentials.
    r("GET", "/api/v1/numbers", Signed),
    r("POST", "/api/v1/numbers", Owner),
    r("GET", "/api/v1/numbers/{id}", Signed),
    r("PATCH", "/api/v1/numbers/{id}", Owner),
    r("DELETE", "/api/v1/numbers/{id}", Owner),
    r("GET", "/api/v1/numbers/{id}/qr", Owner),
    r("GET", "/api/v1/numbers/{id}/session", Owner),
    r("GET", "/api/v1/numbers/{id}/events", Owner),
    r("POST", "/api/v1/numbers/{id}/reconnect", Owner),
    r("POST", "/api/v1/numbers/{id}/sandbox/inbound", Admin),
    r("GET", "/api/v1/numbers/{id}/sandbox/outbox", Admin),
    r("GET", "/api/v1/numbers/{id}/templates", Signed),
    r("POST", "/api/v1/numbers/{id}/templates/sync", Admin),
    r("POST", "/api/v1/numbers/{id}/check", Admin),
    r("GET", "/api/v1/onboarding", Admin),
    r("GET", "/api/v1/stats", Admin),
    r("POST", "/api/v1/numbers/{id}/media", Signed),
    // Contacts, their runs, lists and tickets.
    r("GET", "/api/v1/contacts", Assigned),
    r("POST", "/api/v1/contacts", Admin),
    r("GET", "/api/v1/contacts/{id}", Assigned),
    r("PATCH", "/api/v1/contacts/{id}", Assigned),
    r("DELETE", "/api/v1/contacts/{id}", Admin),
    r("GET", "/api/v1/contacts/imports", Admin),
    r("POST", "/api/v1/contacts/imports", Admin),
    r("GET", "/api/v1/contacts/imports/{id}", Admin),
    r("POST", "/api/v1/contacts/{id}/tags", Assigned),
    r("DELETE", "/api/v1/contacts/{id}/tags/{tag}", Assigned),
    r("GET", "/api/v1/contacts/{id}/runs", Assigned),
    r("DELETE", "/api/v1/contacts/{id}/runs", Assigned),
    r("POST", "/api/v1/contacts/{id}/lists", Assigned),
    r("GET", "/api/v1/runs/{id}", Assigned),
    r("GET", "/api/v1/lists", Signed),
    r("POST", "/api/v1/lists/{name}/contacts", Admin),
    r("GET", "/api/v1/tickets", Assigned),
    r("POST", "/api/v1/tickets", Assigned),
    r("GET", "/api/v1/tickets/{id}", Assigned),
    r("PATCH", "/api/v1/tickets/{id}", Assigned),
    // Conversations and messages.
    r("GET", "/api/v1/conversations", Assigned),
    r("GET", "/api/v1/conversations/{id}", Assigned),
    r("POST", "/api/v1/conversations/{id}/read", Assigned),
    r(
        "POST",
        "/api/v1/conversations/{id}/automation/resume",
        Assigned,
    ),
    r("GET", "/api/v1/conversations/{id}/messages", Assigned),
    r("POST", "/api/v1/conversations/{id}/messages", Assigned),
    r(
        "POST",
        "/api/v1/conversations/{id}/messages/{message_id}/resend",
        Assigned,
    ),
    r("GET", "/api/v1/messages", Assigned),
    // Workflows, their versions, templates and integrations.
    r("GET", "/api/v1/workflows", Admin),
    r("POST", "/api/v1/workflows", Admin),
    r("POST", "/api/v1/workflows/bulk", Admin),
    r("GET", "/api/v1/workflows/{id}", Admin),
    r("PUT", "/api/v1/workflows/{id}", Admin),
    r("DELETE", "/api/v1/workflows/{id}", Admin),
    r("GET", "/api/v1/workflows/{id}/draft", Admin),
    r("PUT", "/api/v1/workflows/{id}/draft", Admin),
    r("DELETE", "/api/v1/workflows/{id}/draft", Admin),
    r("POST", "/api/v1/workflows/{id}/publish", Admin),
    r("POST", "/api/v1/workflows/{id}/test", Admin),
    r("GET", "/api/v1/workflows/{id}/overlaps", Admin),
    r("GET", "/api/v1/workflows/{id}/versions", Admin),
    r("GET", "/api/v1/workflows/{id}/versions/{version}", Admin),
    r("GET", "/api/v1/workflows/{id}/diff", Admin),
    r("GET", "/api/v1/workflows/{id}/counters", Admin),
    r("GET", "/api/v1/workflows/{id}/integration", Owner),
    r("POST", "/api/v1/workflows/{id}/start", Admin),
    r("POST", "/api/v1/workflows/{id}/activate", Admin),
    r("POST", "/api/v1/workflows/{id}/deactivate", Admin),
    r("PUT", "/api/v1/workflows/{id}/priority", Admin),
    r("GET", "/api/v1/workflow-templates", Admin),
    r("POST", "/api/v1/workflow-templates", Admin),
    r("DELETE", "/api/v1/workflow-templates/{id}", Admin),
    r("POST", "/api/v1/workflow-templates/{id}/use", Admin),
    // Logs.
    r("GET", "/api/v1/logs", Assigned),
    r("GET", "/api/v1/logs/{id}", Assigned),
];

/// The row of a method (`HEAD` counts as `GET`) and a path template, if the table has one.
pub fn rule(method: &str, path: &str) -> Option<&'static Rule> {
    let method = if method.eq_ignore_ascii_case("HEAD") {
        "GET"
    } else {
        method
    };
    TABLE
        .iter()
        .find(|r| r.path == path && r.method.eq_ignore_ascii_case(method))
}

/// The table as markdown, in table order: the README's copy.
pub fn markdown() -> String {
    let mut out = String::from("| Method | Path | Who may call it |\n|---|---|---|\n");
    for rule in TABLE {
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            rule.method,
            rule.path,
            rule.access.describe()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- roles:begin (generated from crates/server/src/roles/table.rs) -->\n";
    const END: &str = "<!-- roles:end -->";

    #[test]
    fn every_row_is_unique_and_well_formed() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(
                ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&a.method),
                "{a:?}"
            );
            assert!(a.path.starts_with('/'), "{a:?}");
            for b in &TABLE[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "two rows for {} {}",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn a_route_without_a_row_is_refused() {
        assert!(rule("GET", "/api/v1/not-in-the-table").is_none());
        assert!(rule("POST", "/api/v1/workspace").is_none());
        assert_eq!(rule("HEAD", "/healthz").unwrap().access, Public);
        assert_eq!(rule("put", "/api/v1/workspace").unwrap().access, Owner);
    }

    /// The README prints the table; `WAFLOW_WRITE_README=1` rewrites its copy.
    #[test]
    fn the_readme_prints_this_table() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md");
        let (Some(start), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
            panic!("README.md has no {BEGIN:?} … {END:?} section");
        };
        let current = &readme[start + BEGIN.len()..end];
        let expected = markdown();
        if current != expected && std::env::var_os("WAFLOW_WRITE_README").is_some() {
            let updated = format!("{}{BEGIN}{expected}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).expect("README.md written");
            return;
        }
        assert_eq!(
            current, expected,
            "README.md's role table differs from crates/server/src/roles/table.rs; \
             run `WAFLOW_WRITE_README=1 cargo nextest run --workspace the_readme_prints_this_table` to rewrite it"
        );
    }
}
