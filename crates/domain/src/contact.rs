//! The parts of a contact that conditions and templates look at.

use serde_json::{Map, Value};

/// A contact as the domain sees it: enough to evaluate conditions and render templates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactView {
    pub phone: String,
    pub name: String,
    pub tags: Vec<String>,
    /// The lists the contact is in.
    pub lists: Vec<String>,
    pub assigned_agent_id: Option<String>,
    /// Custom ("dynamic") fields by name.
    pub fields: Map<String, Value>,
}

impl ContactView {
    /// The first word of the name, or empty.
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or("")
    }

    /// Whether the contact has this tag (tags compare case-insensitively).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
    }

    /// Whether the contact is in this list (names compare case-insensitively).
    pub fn in_list(&self, list: &str) -> bool {
        self.lists.iter().any(|l| l.eq_ignore_ascii_case(list))
    }

    /// The template variables for `{{contact.*}}`: name, first_name, last_name, phone, tags and
    /// every custom field by its own name.
    pub fn template_value(&self) -> Value {
        let mut map = self.fields.clone();
        let last = self
            .name
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ");
        map.insert("name".into(), Value::String(self.name.clone()));
        map.insert(
            "first_name".into(),
            Value::String(self.first_name().to_string()),
        );
        map.insert("last_name".into(), Value::String(last));
        map.insert("phone".into(), Value::String(self.phone.clone()));
        map.insert("tags".into(), Value::from(self.tags.clone()));
        map.insert("lists".into(), Value::from(self.lists.clone()));
        // Custom fields are also under `fields`, unless a custom field is itself named so.
        map.entry("fields")
            .or_insert_with(|| Value::Object(self.fields.clone()));
        Value::Object(map)
    }
}

/// What conditions may know about the conversation a message arrived in. Computed only when a
/// workspace's workflows have a condition that needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationStats {
    /// Messages in the conversation, both directions, including the one being evaluated.
    pub messages: i64,
    /// When we last sent a message (any sender: workflow, agent, campaign).
    pub last_outbound_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the contact wrote before the message being evaluated.
    pub previous_inbound_at: Option<chrono::DateTime<chrono::Utc>>,
}
