//! The built-in workflow templates ("starters") of the template gallery: welcome new contacts,
//! reply outside business hours, assign to an agent. Each is a valid workflow document, except
//! that `"$AGENT"` stands for an agent id the user gives when using it.

use serde_json::{json, Value};

/// A built-in template.
pub struct Starter {
    /// Stable id, prefixed `builtin:` in the API.
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub document: fn() -> Value,
}

/// The placeholder for an agent id in a starter's document.
pub const AGENT_PLACEHOLDER: &str = "$AGENT";

/// Every built-in template.
pub const STARTERS: [Starter; 3] = [
    Starter {
        id: "welcome",
        name: "Welcome new contacts",
        description: "Greets a contact on their first message and tags them \"new\".",
        document: welcome,
    },
    Starter {
        id: "out_of_hours",
        name: "Out-of-hours reply",
        description: "When no other workflow answers outside business hours, says when you open again.",
        document: out_of_hours,
    },
    Starter {
        id: "assign_agent",
        name: "Assign to an agent",
        description: "Assigns unassigned conversations to an agent, tells the contact and notifies the agent.",
        document: assign_agent,
    },
];

fn welcome() -> Value {
    json!({
        "name": "Welcome new contacts",
        "trigger": {"type": "contact_created"},
        "steps": [
            {"id": "greet", "type": "send_text",
             "text": "Hi {{contact.first_name}}, thanks for writing to us! How can we help you?"},
            {"id": "tag", "type": "add_tag", "tag": "new"}
        ]
    })
}

fn out_of_hours() -> Value {
    json!({
        "name": "Out-of-hours reply",
        "trigger": {"type": "outside_business_hours"},
        "steps": [
            {"id": "reply", "type": "send_text",
             "text": "[automatic reply] We are closed right now. We will answer as soon as we open again."}
        ]
    })
}

fn assign_agent() -> Value {
    json!({
        "name": "Assign to an agent",
        "trigger": {"type": "message_received"},
        "conditions": {"type": "assigned_agent", "agent": "none"},
        "steps": [
            {"id": "assign", "type": "assign_agent", "agent": AGENT_PLACEHOLDER},
            {"id": "tell", "type": "send_text", "text": "Thanks! One of our team will answer you shortly."},
            {"id": "notify", "type": "notify_agent", "text": "{{contact.name}} ({{contact.phone}}) is waiting for an answer."}
        ]
    })
}

/// Replaces every `"$AGENT"` string in `doc` with `agent`; whether there was one.
pub fn fill_agent(doc: &mut Value, agent: &str) -> bool {
    match doc {
        Value::String(s) if s == AGENT_PLACEHOLDER => {
            *s = agent.to_string();
            true
        }
        Value::Array(items) => {
            let mut found = false;
            for v in items {
                found |= fill_agent(v, agent);
            }
            found
        }
        Value::Object(map) => {
            let mut found = false;
            for v in map.values_mut() {
                found |= fill_agent(v, agent);
            }
            found
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WorkflowDocument;

    #[test]
    fn every_starter_is_a_valid_document() {
        for s in &STARTERS {
            let mut doc = (s.document)();
            fill_agent(&mut doc, "ag_1");
            WorkflowDocument::parse(&doc).unwrap_or_else(|e| panic!("{}: {e}", s.id));
        }
    }

    #[test]
    fn only_the_assign_starter_needs_an_agent() {
        let needs: Vec<&str> = STARTERS
            .iter()
            .filter(|s| fill_agent(&mut (s.document)(), "ag_1"))
            .map(|s| s.id)
            .collect();
        assert_eq!(needs, vec!["assign_agent"]);
    }
}
