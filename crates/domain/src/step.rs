//! Steps: what a run does, one node of the workflow's graph each.

use crate::parse::{FieldError, Obj, Path};
use crate::template;
use crate::when::When;
use serde::Serialize;
use serde_json::Value;

/// One step of a workflow. `next` names the following step; when absent the next step in the list
/// follows, and after the last one the run completes.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: String,
    pub when: When,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(flatten)]
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Send a text message, rendered as a template with `contact`, `vars` and `message`; outside
    /// the channel's service window (the Cloud API's 24 hours), send `template_fallback` instead
    /// if there is one.
    SendText {
        text: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        template_fallback: Option<TemplateFallback>,
    },
    /// Add a tag to the contact.
    AddTag { tag: String },
    /// Remove a tag from the contact.
    RemoveTag { tag: String },
    /// Assign the contact to an agent, or unassign when `agent` is null.
    AssignAgent { agent: Option<String> },
    /// Wait for the contact's next message, then continue; optionally give up after `timeout`
    /// and continue at `timeout_next` (or end).
    WaitForReply {
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout: Option<When>,
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout_next: Option<String>,
    },
    /// End the run.
    End,
}

/// An approved WhatsApp template sent in place of a free-form text when the contact has not
/// written for too long. Body parameters are templates, like the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateFallback {
    pub name: String,
    pub language: String,
    pub body: Vec<String>,
}

impl TemplateFallback {
    fn parse(value: &Value, path: Path) -> Result<Self, FieldError> {
        let obj = Obj::new(value, path.clone())?;
        obj.only(&["name", "language", "body"])?;
        let name = obj.str("name")?;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(path.key("name").error(
                &Value::String(name.into()),
                "is not a template name (lower-case letters, digits and '_')",
            ));
        }
        let language = obj.str("language")?.trim();
        if language.is_empty() || language.len() > 16 {
            return Err(path.key("language").error(
                &Value::String(language.into()),
                "is not a language code such as \"it\"",
            ));
        }
        let body = if obj.has("body") {
            obj.strings("body")?
        } else {
            Vec::new()
        };
        for (i, param) in body.iter().enumerate() {
            template::check(param).map_err(|e| {
                path.key("body").index(i).error(
                    &Value::String(param.clone()),
                    &format!("is not a valid template: {e}"),
                )
            })?;
        }
        Ok(Self {
            name: name.to_string(),
            language: language.to_string(),
            body,
        })
    }
}

const STEP_TYPES: &str = "send_text, add_tag, remove_tag, assign_agent, wait_for_reply, end";
const COMMON: [&str; 4] = ["id", "type", "when", "next"];

fn fields<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    COMMON
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect()
}

/// The longest text a WhatsApp text message may carry.
pub const MAX_TEXT_CHARS: usize = 4096;

impl Step {
    /// Parses step number `index` at `path`.
    pub fn parse(value: &Value, path: &Path, index: usize) -> Result<Self, FieldError> {
        let obj = Obj::new(value, path.clone())?;
        let id = match obj.opt("id") {
            None => format!("step-{}", index + 1),
            Some((v, p)) => match v.as_str() {
                Some(s) if valid_id(s) => s.to_string(),
                _ => {
                    return Err(p.error(
                        v,
                        "is not a step id (letters, digits, '-' and '_', at most 64)",
                    ))
                }
            },
        };
        let when = match obj.opt("when") {
            None => When::default(),
            Some((v, p)) => When::parse(v, &p)?,
        };
        let next = obj.opt_str("next")?.map(str::to_string);
        let kind = obj.str("type")?;
        let action = match kind {
            "send_text" => {
                obj.only(&fields(&["text", "template_fallback"]))?;
                let text = obj.str("text")?;
                let p = path.key("text");
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(p.message(format!(
                        "is {} characters long; WhatsApp allows {MAX_TEXT_CHARS}",
                        text.chars().count()
                    )));
                }
                template::check(text).map_err(|e| {
                    p.error(
                        &Value::String(text.into()),
                        &format!("is not a valid template: {e}"),
                    )
                })?;
                let template_fallback = match obj.opt("template_fallback") {
                    None => None,
                    Some((v, p)) => Some(TemplateFallback::parse(v, p)?),
                };
                Action::SendText {
                    text: text.to_string(),
                    template_fallback,
                }
            }
            "add_tag" | "remove_tag" => {
                obj.only(&fields(&["tag"]))?;
                let tag = obj.str("tag")?.trim().to_string();
                if tag.chars().count() > 64 {
                    return Err(path
                        .key("tag")
                        .error(&Value::String(tag), "is longer than 64 characters"));
                }
                if kind == "add_tag" {
                    Action::AddTag { tag }
                } else {
                    Action::RemoveTag { tag }
                }
            }
            "assign_agent" => {
                obj.only(&fields(&["agent"]))?;
                if !value.as_object().is_some_and(|m| m.contains_key("agent")) {
                    return Err(path
                        .key("agent")
                        .message("is required (an agent id, or null to unassign)"));
                }
                Action::AssignAgent {
                    agent: obj.opt_str("agent")?.map(str::to_string),
                }
            }
            "wait_for_reply" => {
                obj.only(&fields(&["timeout", "timeout_next"]))?;
                let timeout = obj
                    .opt("timeout")
                    .map(|(v, p)| When::parse_duration_value(v, &p))
                    .transpose()?;
                let timeout_next = obj.opt_str("timeout_next")?.map(str::to_string);
                if timeout_next.is_some() && timeout.is_none() {
                    return Err(path.key("timeout_next").message("needs a timeout"));
                }
                Action::WaitForReply {
                    timeout,
                    timeout_next,
                }
            }
            "end" => {
                obj.only(&COMMON)?;
                Action::End
            }
            other => {
                return Err(path.key("type").error(
                    &Value::String(other.into()),
                    &format!("is not a step type ({STEP_TYPES})"),
                ))
            }
        };
        Ok(Step {
            id,
            when,
            next,
            action,
        })
    }

    /// The step ids this step can lead to, with the field naming each.
    pub fn targets(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        if let Some(n) = &self.next {
            out.push(("next", n.as_str()));
        }
        if let Action::WaitForReply {
            timeout_next: Some(t),
            ..
        } = &self.action
        {
            out.push(("timeout_next", t.as_str()));
        }
        out
    }

    /// The step type's name.
    pub fn kind(&self) -> &'static str {
        match self.action {
            Action::SendText { .. } => "send_text",
            Action::AddTag { .. } => "add_tag",
            Action::RemoveTag { .. } => "remove_tag",
            Action::AssignAgent { .. } => "assign_agent",
            Action::WaitForReply { .. } => "wait_for_reply",
            Action::End => "end",
        }
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
