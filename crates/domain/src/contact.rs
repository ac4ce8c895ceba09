//! The parts of a contact that conditions and templates look at.

use serde_json::{Map, Value};

/// A contact as the domain sees it: enough to evaluate conditions and render templates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactView {
    pub phone: String,
    pub name: String,
    pub tags: Vec<String>,
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
        // Custom fields are also under `fields`, unless a custom field is itself named so.
        map.entry("fields")
            .or_insert_with(|| Value::Object(self.fields.clone()));
        Value::Object(map)
    }
}
