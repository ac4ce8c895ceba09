//! Everything the routes name, created once for the generated test, and how each route is
//! called: its URL with real ids, a minimal valid body, a fresh resource for each DELETE.

use super::team::{noting_workflow, signed_in, Team};
use super::{THEIR_NAME, THEIR_PHONE, THEIR_SUBJECT, THEIR_TEXT};
use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A contact's resources to put into paths: the same names as the path segments before `{id}`.
struct Resources {
    contact: String,
    conversation: String,
    message: String,
    run: String,
    log: String,
    ticket: String,
    notification: String,
}

/// The team plus everything the routes name: a workflow, a saved template, a knowledge file,
/// and the resources of a contact assigned to the colleague (`theirs`) and to the agent (`mine`).
pub struct World {
    pub team: Team,
    other_workspace: String,
    workflow: String,
    template: String,
    scheduled: String,
    campaign: String,
    /// A contact import.
    import: String,
    theirs: Resources,
    mine: Resources,
    serial: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Who {
    Nobody,
    OtherWorkspace,
    /// The agent, with the colleague's contact in the path.
    AgentTheirs,
    /// The agent, with their own contact in the path.
    AgentMine,
    Admin,
    Owner,
}

impl World {
    pub async fn new() -> World {
        let team = Team::new().await;
        let app = &team.app;
        let workflow = app.create_workflow(noting_workflow()).await;
        let theirs = team
            .contact_that_wrote(
                THEIR_PHONE,
                THEIR_NAME,
                THEIR_TEXT,
                Some(&team.colleague_id),
            )
            .await;
        let mine = team
            .contact_that_wrote(
                "+393330000202",
                "Own Person",
                "own hello",
                Some(&team.agent_id),
            )
            .await;
        let notes = app.get("/api/v1/notifications").await.body["data"].clone();
        let t = app
            .post(
                "/api/v1/workflow-templates",
                json!({"workflow_id": workflow, "name": "Saved"}),
            )
            .await;
        assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
        let knowledge = upload_knowledge(app, "faq.md").await;
        assert_eq!(knowledge, StatusCode::CREATED);
        let import: Value = app
            .client
            .post(format!("{}/api/v1/contacts/imports", app.base))
            .bearer_auth(&app.token)
            .header("content-type", "text/csv")
            .body("phone\n+393330000909\n")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let import = import["id"].as_str().expect("an import").to_string();
        let resources = |[contact, conversation, message, run, log]: [String; 5],
                         subject: &'static str| {
            let notes = notes.clone();
            let contact_id = contact.clone();
            async move {
                let t = app
                    .post(
                        "/api/v1/tickets",
                        json!({"contact_id": contact_id, "subject": subject}),
                    )
                    .await;
                assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
                let notification = notes
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|n| n["contact_id"] == contact_id.as_str())
                    .expect("a notification about the contact")["id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                Resources {
                    ticket: t.body["id"].as_str().unwrap().to_string(),
                    contact,
                    conversation,
                    message,
                    run,
                    log,
                    notification,
                }
            }
        };
        let theirs = resources(theirs, THEIR_SUBJECT).await;
        let mine = resources(mine, "own ticket").await;
        let other_workspace = app.token_for("elsewhere").await;
        let template = t.body["id"].as_str().unwrap().to_string();
        let sandbox = team.app.sandbox.clone();
        let made = team
            .app
            .post(
                "/api/v1/scheduled",
                json!({"number_id": sandbox, "phone": "+393330009999", "at": "2040-01-01T09:00", "text": "later"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let scheduled = made.body["id"].as_str().unwrap().to_string();
        team.app
            .patch(
                &format!("/api/v1/numbers/{sandbox}"),
                json!({"marketing": true}),
            )
            .await;
        let made = team
            .app
            .post(
                "/api/v1/campaigns",
                json!({"name": "Nobody", "audience": {"tag": "no-one-has-this"}, "number_ids": [sandbox],
                       "content": {"text": "hi"}}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let campaign = made.body["id"].as_str().unwrap().to_string();
        World {
            scheduled,
            campaign,
            other_workspace,
            template,
            import,
            workflow,
            theirs,
            mine,
            team,
            serial: Default::default(),
        }
    }

    fn next(&self) -> usize {
        self.serial
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }

    pub fn token(&self, who: Who) -> Option<String> {
        let t = &self.team;
        match who {
            Who::Nobody => None,
            Who::OtherWorkspace => Some(self.other_workspace.clone()),
            Who::AgentTheirs | Who::AgentMine => Some(t.agent.clone()),
            Who::Admin => Some(t.admin.clone()),
            Who::Owner => Some(t.owner.clone()),
        }
    }

    /// A new resource of the kind a DELETE removes, so that one caller's deletion does not
    /// change what the next one finds.
    async fn fresh(&self, path: &str) -> Option<String> {
        let app = &self.team.app;
        let n = self.next();
        let id = |r: Response| {
            assert!(r.status.is_success(), "{path}: {}", r.body);
            r.body["id"].as_str().map(str::to_string)
        };
        match path {
            "/api/v1/agents/{id}" => Some(
                signed_in(app, &self.team.workspace, &format!("Temp{n}"), "agent")
                    .await
                    .0,
            ),
            "/api/v1/numbers/{id}" => id(app
                .post("/api/v1/numbers", json!({"label": format!("Temp {n}")}))
                .await),
            "/api/v1/contacts/{id}" => id(app
                .post(
                    "/api/v1/contacts",
                    json!({"phone": format!("+39333100{n:04}"),
                    "assigned_agent_id": self.team.colleague_id}),
                )
                .await),
            "/api/v1/workflows/{id}" => Some(app.create_workflow(made_here(n)).await),
            "/api/v1/workflow-templates/{id}" => id(app
                .post(
                    "/api/v1/workflow-templates",
                    json!({"workflow_id": self.workflow, "name": format!("T{n}")}),
                )
                .await),
            "/api/v1/workspace/knowledge/{name}" => {
                assert_eq!(
                    upload_knowledge(app, &format!("k{n}.md")).await,
                    StatusCode::CREATED
                );
                Some(format!("k{n}.md"))
            }
            _ => None,
        }
    }

    /// The token `who` calls `method path` with: for signing out, a spare one of the same
    /// caller, so that the caller's usual token stays valid for the next routes.
    pub async fn token_for(&self, method: &str, path: &str, who: Who) -> Option<String> {
        if (method, path) != ("POST", "/api/v1/auth/logout") {
            return self.token(who);
        }
        let t = &self.team;
        let store = t.app.running.store.as_ref();
        let (workspace, agent) = match who {
            Who::Nobody => return None,
            Who::OtherWorkspace => return Some(t.app.token_for("elsewhere").await),
            Who::AgentTheirs | Who::AgentMine => (&t.workspace, &t.agent_id),
            Who::Admin => (&t.workspace, &t.admin_id),
            Who::Owner => (&t.workspace, &t.owner_id),
        };
        let token = waflow_server::issue_token(store, workspace, "dashboard", Some(agent), None)
            .await
            .unwrap();
        Some(token)
    }

    /// A new token of `who`'s own (anybody may revoke their own; another workspace's caller
    /// gets one of this workspace's owner), as its id.
    async fn own_token(&self, who: Who) -> Option<String> {
        let t = &self.team;
        let agent = match who {
            Who::AgentTheirs | Who::AgentMine => &t.agent_id,
            Who::Admin => &t.admin_id,
            Who::Owner | Who::Nobody | Who::OtherWorkspace => &t.owner_id,
        };
        let store = t.app.running.store.as_ref();
        let name = format!("spare{}", self.next());
        waflow_server::issue_token(store, &t.workspace, &name, Some(agent), None)
            .await
            .unwrap();
        let list = t
            .call(&t.owner, Method::GET, "/api/v1/auth/tokens", None)
            .await;
        let items = list.body["data"].as_array().cloned().unwrap_or_default();
        let found = items.iter().find(|i| i["name"] == name.as_str());
        let id = found.and_then(|i| i["id"].as_str()).map(str::to_string);
        assert!(id.is_some(), "the spare token is listed: {}", list.body);
        id
    }

    /// The URL of `path` for `who`, with real ids of the first workspace and the query some
    /// routes need.
    pub async fn url(&self, method: &str, path: &str, who: Who) -> String {
        let res = if who == Who::AgentMine {
            &self.mine
        } else {
            &self.theirs
        };
        let fresh = match (method, path) {
            ("DELETE", "/api/v1/auth/tokens/{id}") => self.own_token(who).await,
            ("DELETE", _) => self.fresh(path).await,
            _ => None,
        };
        let mut out = String::new();
        let mut previous = "";
        for segment in path.split('/').skip(1) {
            let value = match segment {
                "{id}" | "{name}" if fresh.is_some() => fresh.clone().unwrap(),
                "{id}" => match previous {
                    "agents" => self.team.colleague_id.clone(),
                    "numbers" | "cloud_api" => self.team.app.sandbox.clone(),
                    "contacts" => res.contact.clone(),
                    "runs" => res.run.clone(),
                    "tickets" => res.ticket.clone(),
                    "conversations" => res.conversation.clone(),
                    "notifications" => res.notification.clone(),
                    "logs" => res.log.clone(),
                    "workflows" | "hooks" => self.workflow.clone(),
                    "workflow-templates" => self.template.clone(),
                    "scheduled" => self.scheduled.clone(),
                    "campaigns" => self.campaign.clone(),
                    "imports" => self.import.clone(),
                    other => panic!("no id for {path} (after {other})"),
                },
                "{message_id}" => res.message.clone(),
                "{version}" => "1".into(),
                "{tag}" => "vip".into(),
                "{name}" if previous == "knowledge" => "faq.md".into(),
                "{name}" => "vips".into(),
                other => other.to_string(),
            };
            out.push('/');
            out.push_str(&value);
            previous = segment;
        }
        let query = match path {
            "/api/v1/messages" => "?status=queued",
            "/api/v1/workspace/knowledge/search" => "?q=shipping",
            "/api/v1/workflows/{id}/diff" => "?from=1&to=1",
            _ => "",
        };
        format!("{out}{query}")
    }

    /// A minimal valid body for the routes that read one.
    pub fn body(&self, method: &str, path: &str, who: Who) -> Option<Value> {
        let n = self.next();
        let res = if who == Who::AgentMine {
            &self.mine
        } else {
            &self.theirs
        };
        let phone = format!("+39333200{n:04}");
        Some(match (method, path) {
            ("POST", "/api/v1/auth/login") => {
                json!({"email": "nobody@shop.example", "password": "not the password"})
            }
            ("PUT", "/api/v1/workspace") => json!({"time_zone": "UTC"}),
            ("PUT", "/api/v1/workspace/events-webhook") => json!({"url": null}),
            ("PUT", "/api/v1/workspace/ai") => json!({"model": "small"}),
            ("POST", "/api/v1/agents") => {
                json!({"name": "New", "email": format!("new{n}@shop.example")})
            }
            ("PATCH", "/api/v1/agents/{id}") => json!({"name": "Ugo"}),
            ("POST", "/api/v1/numbers") => json!({"label": format!("Extra {n}")}),
            ("PATCH", "/api/v1/numbers/{id}") => json!({"label": "Sandbox"}),
            ("POST", "/api/v1/numbers/{id}/sandbox/inbound") => {
                json!({"from": phone, "text": "hello"})
            }
            ("POST", "/api/v1/contacts") => json!({"phone": phone}),
            ("PATCH", "/api/v1/contacts/{id}") => json!({"fields": {"note": "x"}}),
            ("POST", "/api/v1/contacts/{id}/tags") => json!({"tags": ["vip"]}),
            ("POST", "/api/v1/contacts/{id}/lists") => json!({"add": ["vips"]}),
            ("POST", "/api/v1/lists/{name}/contacts") => json!({"contact_ids": [res.contact]}),
            ("POST", "/api/v1/tickets") => json!({"contact_id": res.contact, "subject": "help"}),
            ("PATCH", "/api/v1/tickets/{id}") => json!({"status": "pending"}),
            ("POST", "/api/v1/conversations/{id}/messages") => json!({"text": "hi"}),
            ("POST", "/api/v1/workflows") | ("PUT", "/api/v1/workflows/{id}/draft") => made_here(n),
            ("PUT", "/api/v1/workflows/{id}") => noting_workflow(),
            ("POST", "/api/v1/workflows/bulk") => {
                json!({"action": "activate", "ids": [self.workflow]})
            }
            ("POST", "/api/v1/workflows/{id}/test") | ("POST", "/api/v1/workflows/{id}/start") => {
                json!({"from": phone})
            }
            ("PUT", "/api/v1/workflows/{id}/priority") => json!({"priority": 5}),
            ("POST", "/api/v1/workflow-templates") => {
                json!({"workflow_id": self.workflow, "name": "Again"})
            }
            ("POST", "/api/v1/workflow-templates/{id}/use") => {
                json!({"name": format!("From template {n}")})
            }
            ("POST", _) | ("PUT", _) | ("PATCH", _) => json!({}),
            _ => return None,
        })
    }
}

/// A workflow nobody's message starts (its phrase is never sent).
fn made_here(n: usize) -> Value {
    json!({"name": format!("Made here {n}"), "trigger": {"type": "exact_phrase", "phrase": format!("never sent {n}")},
           "steps": [{"id": "r", "type": "send_text", "text": "x"}]})
}

/// Uploads a small markdown knowledge file; its status.
async fn upload_knowledge(app: &TestApp, name: &str) -> StatusCode {
    app.client
        .put(format!("{}/api/v1/workspace/knowledge/{name}", app.base))
        .bearer_auth(&app.token)
        .header("content-type", "text/markdown")
        .body("# Shipping\n\nShipping takes two days.\n")
        .send()
        .await
        .unwrap()
        .status()
}
