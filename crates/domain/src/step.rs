//! Steps: what a run does, one node of the workflow's graph each.

use crate::ai_reply::AiReply;
use crate::condition::Condition;
use crate::parse::{FieldError, Obj, Path};
use crate::question::Validation;
use crate::template;
use crate::when::When;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

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
        /// Translate the text into the contact's language (detected from their messages) when
        /// it differs from the text's; translations are cached per workspace.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        translate: bool,
    },
    /// Reply with AI (see [`AiReply`]).
    AiReply(AiReply),
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
    /// Call an HTTP endpoint (outside any transaction, through the SSRF guard). `url`, header
    /// values and the string leaves of `body` are templates. A 2xx answer continues at `next` with
    /// the `save` paths of its JSON copied into run variables; any other answer or an error at
    /// `on_failure`; no answer within `timeout_ms` at `on_timeout` (else `on_failure`). Without
    /// the edge, the run ends as failed.
    HttpRequest {
        method: String,
        url: String,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        save: BTreeMap<String, String>,
        timeout_ms: u64,
        /// Sign the body (`X-Waflow-Signature: sha256=…` with the workspace's webhook secret).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        sign: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        on_failure: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        on_timeout: Option<String>,
    },
    /// Continue at `then` if the conditions hold (run variables, contact fields, the message...),
    /// else at `else`; a missing edge continues at the next step (`then`) or completes the run
    /// (`else`).
    Branch {
        conditions: Condition,
        #[serde(skip_serializing_if = "Option::is_none")]
        then: Option<String>,
        #[serde(rename = "else", skip_serializing_if = "Option::is_none")]
        otherwise: Option<String>,
    },
    /// Ask (a templated text), wait for the answer, check it (`validate`); a valid answer is
    /// saved (contact field `save_to`, run variable `var`) and the run continues; an invalid one
    /// gets `retry_text` up to `max_retries` times, then the run continues at `invalid_next` (or
    /// ends). An optional `timeout` continues at `timeout_next` (or ends).
    Question {
        text: String,
        #[serde(flatten)]
        validate: Validation,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_text: Option<String>,
        max_retries: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        save_to: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        var: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout: Option<When>,
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout_next: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        invalid_next: Option<String>,
    },
    /// Set a contact field to `value` (a template), or, with `next_message`, to the next message
    /// the contact sends (the run waits for it; stored once).
    SetField {
        field: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        next_message: bool,
    },
    /// Send rich content — buttons, list, media, template, reaction — as the channel's content
    /// JSON (`{"type": "buttons", ...}`); its `body`, `caption`, `header` and `footer` are
    /// templates. The server checks it against WhatsApp's limits when the workflow is saved.
    Send { content: Value },
    /// Send buttons or a list and wait for the choice: the chosen option's id leads to its step in
    /// `routes`; anything else to `otherwise` (or the run ends).
    Menu {
        content: Value,
        routes: BTreeMap<String, String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        otherwise: Option<String>,
    },
    /// Notify an agent (`agent`; by default the contact's assigned agent, or every agent when
    /// there is none) with a templated `text`.
    NotifyAgent {
        #[serde(skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        text: String,
    },
    /// Block the contact: nothing more is sent to them.
    Block,
    /// Unblock the contact.
    Unblock,
    /// End every other run of the contact (this one goes on).
    EndOtherRuns,
    /// Continue at another step.
    GoTo { target: String },
    /// End the run.
    End,
    /// Add the contact to a list (starts the list's `list_added` workflows if they were not in it).
    AddToList { list: String },
    /// Remove the contact from a list.
    RemoveFromList { list: String },
    /// Open a ticket on the contact with a templated `subject`, unless one is already open.
    OpenTicket { subject: String },
    /// Close the contact's open tickets.
    CloseTicket,
}

/// A list name at `key`: trimmed, 1 to 64 characters.
pub(crate) fn list_name(obj: &Obj<'_>, key: &str) -> Result<String, FieldError> {
    let name = obj.str(key)?.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(obj.path.key(key).error(
            &Value::String(name),
            "is not a list name (1 to 64 characters)",
        ));
    }
    Ok(name)
}

fn parse_question(obj: &Obj<'_>, path: &Path) -> Result<Action, FieldError> {
    obj.only(&fields(&[
        "text",
        "validate",
        "options",
        "pattern",
        "retry_text",
        "max_retries",
        "save_to",
        "var",
        "timeout",
        "timeout_next",
        "invalid_next",
    ]))?;
    let text = obj.str("text")?;
    check_template_at(text, &path.key("text"))?;
    let validate = Validation::parse(obj, path)?;
    let retry_text = obj.opt_str("retry_text")?.map(str::to_string);
    if let Some(r) = &retry_text {
        check_template_at(r, &path.key("retry_text"))?;
    }
    let max_retries = obj.i64_or("max_retries", 2)?;
    if !(0..=10).contains(&max_retries) {
        return Err(path
            .key("max_retries")
            .error(&Value::from(max_retries), "is not between 0 and 10"));
    }
    let name = |key: &str| -> Result<Option<String>, FieldError> {
        match obj.opt_str(key)? {
            Some(n) if !valid_id(n) => Err(path.key(key).error(
                &Value::String(n.into()),
                "is not a field name (letters, digits, '-' and '_')",
            )),
            other => Ok(other.map(str::to_string)),
        }
    };
    let timeout = obj
        .opt("timeout")
        .map(|(v, p)| When::parse_duration_value(v, &p))
        .transpose()?;
    let timeout_next = obj.opt_str("timeout_next")?.map(str::to_string);
    if timeout_next.is_some() && timeout.is_none() {
        return Err(path.key("timeout_next").message("needs a timeout"));
    }
    Ok(Action::Question {
        text: text.to_string(),
        validate,
        retry_text,
        max_retries: max_retries as u32,
        save_to: name("save_to")?,
        var: name("var")?,
        timeout,
        timeout_next,
        invalid_next: obj.opt_str("invalid_next")?.map(str::to_string),
    })
}

/// The HTTP methods an HTTP request step may use.
const HTTP_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

fn check_template_at(text: &str, path: &Path) -> Result<(), FieldError> {
    template::check(text).map_err(|e| {
        path.error(
            &Value::String(text.into()),
            &format!("is not a valid template: {e}"),
        )
    })
}

/// Checks every string leaf of a JSON body as a template.
fn check_body_templates(value: &Value, path: &Path) -> Result<(), FieldError> {
    match value {
        Value::String(s) => check_template_at(s, path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_body_templates(v, &path.index(i))),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| check_body_templates(v, &path.key(k))),
        _ => Ok(()),
    }
}

fn parse_http_request(obj: &Obj<'_>, path: &Path, webhook: bool) -> Result<Action, FieldError> {
    obj.only(&fields(&[
        "sign",
        "method",
        "url",
        "headers",
        "body",
        "save",
        "timeout_ms",
        "on_failure",
        "on_timeout",
    ]))?;
    let default_method = if webhook { "POST" } else { "GET" };
    let method = obj
        .opt_str("method")?
        .unwrap_or(default_method)
        .to_ascii_uppercase();
    if !HTTP_METHODS.contains(&method.as_str()) {
        return Err(path.key("method").error(
            &Value::String(method.clone()),
            &format!("is not an HTTP method ({})", HTTP_METHODS.join(", ")),
        ));
    }
    let url = obj.str("url")?;
    let url_path = path.key("url");
    if !(url.starts_with("http://") || url.starts_with("https://") || url.starts_with("{{")) {
        return Err(url_path.error(
            &Value::String(url.into()),
            "must start with http:// or https://",
        ));
    }
    check_template_at(url, &url_path)?;
    let mut headers = BTreeMap::new();
    if let Some((v, p)) = obj.opt("headers") {
        let h = Obj::new(v, p.clone())?;
        for key in v
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let value = h.str(&key)?;
            check_template_at(value, &p.key(&key))?;
            headers.insert(key, value.to_string());
        }
    }
    let body = match obj.opt("body") {
        Some((v, p)) => {
            check_body_templates(v, &p)?;
            Some(v.clone())
        }
        None => None,
    };
    let mut save = BTreeMap::new();
    if let Some((v, p)) = obj.opt("save") {
        let s = Obj::new(v, p.clone())?;
        for key in v
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if !valid_id(&key) {
                return Err(p
                    .key(&key)
                    .message("is not a variable name (letters, digits, '-' and '_')"));
            }
            save.insert(key.clone(), s.str(&key)?.to_string());
        }
    }
    let timeout_ms = obj.i64_or("timeout_ms", 10_000)?;
    if !(100..=60_000).contains(&timeout_ms) {
        return Err(path
            .key("timeout_ms")
            .error(&Value::from(timeout_ms), "is not between 100 and 60000"));
    }
    Ok(Action::HttpRequest {
        method,
        url: url.to_string(),
        headers,
        body,
        save,
        timeout_ms: timeout_ms as u64,
        sign: obj.bool_or("sign", webhook)?,
        on_failure: obj.opt_str("on_failure")?.map(str::to_string),
        on_timeout: obj.opt_str("on_timeout")?.map(str::to_string),
    })
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

/// Every step type, as named in documents (comma-separated).
pub const STEP_TYPES: &str = "send_text, ai_reply, send, menu, add_tag, remove_tag, assign_agent, \
     wait_for_reply, question, branch, http_request, webhook, set_field, block, unblock, end_other_runs, \
     go_to, notify_agent, end, add_to_list, remove_from_list, open_ticket, close_ticket";

/// The texts of rich content that are templates.
pub const CONTENT_TEMPLATE_KEYS: [&str; 4] = ["body", "caption", "header", "footer"];

/// Reads a step's `content`: an object with a `type`, whose text fields are valid templates.
fn content_of(obj: &Obj<'_>, path: &Path) -> Result<Value, FieldError> {
    let (v, p) = obj.req("content")?;
    let content = Obj::new(v, p.clone())?;
    content.str("type")?;
    for key in CONTENT_TEMPLATE_KEYS {
        if let Some(Value::String(s)) = v.get(key) {
            check_template_at(s, &path.key("content").key(key))?;
        }
    }
    Ok(v.clone())
}
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
                obj.only(&fields(&["text", "template_fallback", "translate"]))?;
                let text = obj.str("text")?;
                let p = path.key("text");
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(p.message(format!(
                        "is {} characters long; WhatsApp allows {MAX_TEXT_CHARS}",
                        text.chars().count()
                    )));
                }
                check_template_at(text, &p)?;
                let template_fallback = match obj.opt("template_fallback") {
                    None => None,
                    Some((v, p)) => Some(TemplateFallback::parse(v, p)?),
                };
                Action::SendText {
                    text: text.to_string(),
                    template_fallback,
                    translate: obj.bool_or("translate", false)?,
                }
            }
            "ai_reply" => {
                obj.only(&fields(&crate::ai_reply::FIELDS))?;
                Action::AiReply(AiReply::parse(&obj, path)?)
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
            "http_request" => parse_http_request(&obj, path, false)?,
            // A signed webhook: an HTTP request that POSTs and signs by default.
            "webhook" => parse_http_request(&obj, path, true)?,
            "question" => parse_question(&obj, path)?,
            "branch" => {
                obj.only(&fields(&["conditions", "then", "else"]))?;
                let (v, p) = obj.req("conditions")?;
                Action::Branch {
                    conditions: Condition::parse(v, &p)?,
                    then: obj.opt_str("then")?.map(str::to_string),
                    otherwise: obj.opt_str("else")?.map(str::to_string),
                }
            }
            "set_field" => {
                obj.only(&fields(&["field", "value", "next_message"]))?;
                let field = obj.str("field")?.trim().to_string();
                if !valid_id(&field) {
                    return Err(path.key("field").error(
                        &Value::String(field),
                        "is not a field name (letters, digits, '-' and '_')",
                    ));
                }
                let value = obj.opt_str("value")?.map(str::to_string);
                let next_message = obj.bool_or("next_message", false)?;
                match (&value, next_message) {
                    (Some(_), true) => {
                        return Err(path
                            .key("next_message")
                            .message("give either value or next_message, not both"))
                    }
                    (None, false) => {
                        return Err(path
                            .key("value")
                            .message("is required (or next_message: true)"))
                    }
                    (Some(v), false) => check_template_at(v, &path.key("value"))?,
                    (None, true) => {}
                }
                Action::SetField {
                    field,
                    value,
                    next_message,
                }
            }
            "block" | "unblock" | "end_other_runs" => {
                obj.only(&COMMON)?;
                match kind {
                    "block" => Action::Block,
                    "unblock" => Action::Unblock,
                    _ => Action::EndOtherRuns,
                }
            }
            "send" => {
                obj.only(&fields(&["content"]))?;
                Action::Send {
                    content: content_of(&obj, path)?,
                }
            }
            "menu" => {
                obj.only(&fields(&["content", "routes", "otherwise"]))?;
                let content = content_of(&obj, path)?;
                if !matches!(content["type"].as_str(), Some("buttons" | "list")) {
                    return Err(path
                        .key("content")
                        .key("type")
                        .error(&content["type"], "a menu is \"buttons\" or \"list\""));
                }
                let (routes_value, routes_path) = obj.req("routes")?;
                let routes_obj = Obj::new(routes_value, routes_path.clone())?;
                let mut routes = BTreeMap::new();
                for key in routes_value
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
                {
                    routes.insert(key.clone(), routes_obj.str(&key)?.to_string());
                }
                Action::Menu {
                    content,
                    routes,
                    otherwise: obj.opt_str("otherwise")?.map(str::to_string),
                }
            }
            "notify_agent" => {
                obj.only(&fields(&["agent", "text"]))?;
                let text = obj.str("text")?;
                check_template_at(text, &path.key("text"))?;
                Action::NotifyAgent {
                    agent: obj.opt_str("agent")?.map(str::to_string),
                    text: text.to_string(),
                }
            }
            "add_to_list" | "remove_from_list" => {
                obj.only(&fields(&["list"]))?;
                let list = list_name(&obj, "list")?;
                if kind == "add_to_list" {
                    Action::AddToList { list }
                } else {
                    Action::RemoveFromList { list }
                }
            }
            "open_ticket" => {
                obj.only(&fields(&["subject"]))?;
                let subject = obj.opt_str("subject")?.unwrap_or("").to_string();
                if subject.chars().count() > 200 {
                    return Err(path.key("subject").message("is longer than 200 characters"));
                }
                check_template_at(&subject, &path.key("subject"))?;
                Action::OpenTicket { subject }
            }
            "close_ticket" => {
                obj.only(&COMMON)?;
                Action::CloseTicket
            }
            "go_to" => {
                obj.only(&fields(&["target"]))?;
                Action::GoTo {
                    target: obj.str("target")?.to_string(),
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
        let edges: Vec<(&'static str, Option<&String>)> = match &self.action {
            Action::WaitForReply { timeout_next, .. } => {
                vec![("timeout_next", timeout_next.as_ref())]
            }
            Action::Menu {
                routes, otherwise, ..
            } => routes
                .values()
                .map(|t| ("routes", Some(t)))
                .chain([("otherwise", otherwise.as_ref())])
                .collect(),
            Action::GoTo { target } => vec![("target", Some(target))],
            Action::Branch {
                then, otherwise, ..
            } => vec![("then", then.as_ref()), ("else", otherwise.as_ref())],
            Action::Question {
                timeout_next,
                invalid_next,
                ..
            } => vec![
                ("timeout_next", timeout_next.as_ref()),
                ("invalid_next", invalid_next.as_ref()),
            ],
            Action::HttpRequest {
                on_failure,
                on_timeout,
                ..
            } => vec![
                ("on_failure", on_failure.as_ref()),
                ("on_timeout", on_timeout.as_ref()),
            ],
            Action::AiReply(ai) => vec![("on_failure", ai.on_failure.as_ref())],
            _ => Vec::new(),
        };
        [("next", self.next.as_ref())]
            .into_iter()
            .chain(edges)
            .filter_map(|(field, id)| id.map(|id| (field, id.as_str())))
            .collect()
    }

    /// The step type's name.
    pub fn kind(&self) -> &'static str {
        match self.action {
            Action::SendText { .. } => "send_text",
            Action::AiReply(_) => "ai_reply",
            Action::AddTag { .. } => "add_tag",
            Action::RemoveTag { .. } => "remove_tag",
            Action::AssignAgent { .. } => "assign_agent",
            Action::WaitForReply { .. } => "wait_for_reply",
            Action::HttpRequest { .. } => "http_request",
            Action::Branch { .. } => "branch",
            Action::SetField { .. } => "set_field",
            Action::Block => "block",
            Action::Unblock => "unblock",
            Action::EndOtherRuns => "end_other_runs",
            Action::GoTo { .. } => "go_to",
            Action::Send { .. } => "send",
            Action::NotifyAgent { .. } => "notify_agent",
            Action::Menu { .. } => "menu",
            Action::Question { .. } => "question",
            Action::End => "end",
            Action::AddToList { .. } => "add_to_list",
            Action::RemoveFromList { .. } => "remove_from_list",
            Action::OpenTicket { .. } => "open_ticket",
            Action::CloseTicket => "close_ticket",
        }
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
