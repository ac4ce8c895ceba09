//! The team the role tests sign in as, and how they give a contact something to show.

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A server with one workspace's team: an owner, an admin, an agent and the agent's colleague,
/// each signed in (tokens issued directly: no password hashing).
pub struct Team {
    pub app: TestApp,
    pub workspace: String,
    pub owner: String,
    pub owner_id: String,
    pub admin: String,
    pub admin_id: String,
    pub agent: String,
    pub agent_id: String,
    pub colleague_id: String,
}

impl Team {
    pub async fn new() -> Team {
        let app = TestApp::spawn().await;
        let store = app.running.store.clone();
        let workspace = store
            .workspace_by_name_or_create("default")
            .await
            .unwrap()
            .id;
        let mut ids = Vec::new();
        let mut tokens = Vec::new();
        for (name, role) in [
            ("Olga", "owner"),
            ("Adam", "admin"),
            ("Sara", "agent"),
            ("Ugo", "agent"),
        ] {
            let (id, token) = signed_in(&app, &workspace, name, role).await;
            ids.push(id);
            tokens.push(token);
        }
        Team {
            workspace,
            owner: tokens[0].clone(),
            owner_id: ids[0].clone(),
            admin: tokens[1].clone(),
            admin_id: ids[1].clone(),
            agent: tokens[2].clone(),
            agent_id: ids[2].clone(),
            colleague_id: ids[3].clone(),
            app,
        }
    }

    /// A call with `token`.
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        self.app.request_as(Some(token), method, path, body).await
    }

    /// A contact (named, on the sandbox number) that wrote `text`, then assigned to `agent`:
    /// (contact, conversation, message, run, log entry) ids.
    pub async fn contact_that_wrote(
        &self,
        phone: &str,
        name: &str,
        text: &str,
        agent: Option<&str>,
    ) -> [String; 5] {
        let c = self
            .app
            .post("/api/v1/contacts", json!({"phone": phone, "name": name}))
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
        let contact = c.body["id"].as_str().unwrap().to_string();
        let got = self.app.inject(phone, text).await;
        let r = self
            .app
            .patch(
                &format!("/api/v1/contacts/{contact}"),
                json!({"assigned_agent_id": agent}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let id = |v: &Value| v.as_str().expect("an id").to_string();
        [
            contact,
            id(&got["conversation_id"]),
            id(&got["message_id"]),
            id(&got["runs"][0]),
            id(&got["log_id"]),
        ]
    }
}

/// An agent of `workspace` with `role`, and a token issued to them as at sign-in.
pub async fn signed_in(app: &TestApp, workspace: &str, name: &str, role: &str) -> (String, String) {
    let store = app.running.store.as_ref();
    let email = format!("{}@shop.example", name.to_lowercase());
    let agent = store
        .insert_agent(workspace, name, &email, role)
        .await
        .unwrap();
    let token = waflow_server::issue_token(store, workspace, "dashboard", Some(&agent.id), None)
        .await
        .unwrap();
    (agent.id, token)
}

/// A workflow that notifies about, and answers, every message.
pub fn noting_workflow() -> Value {
    json!({"name": "Noting", "trigger": {"type": "message_received"},
           "steps": [{"id": "n", "type": "notify_agent", "text": "{{ contact.phone }} wrote {{ message.text }}"},
                     {"id": "r", "type": "send_text", "text": "ok"}]})
}
