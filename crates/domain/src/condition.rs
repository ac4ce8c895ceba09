//! Conditions: a tree of `all` / `any` / `not` groups over leaves, evaluated with a trace.
//!
//! Guarantees: evaluation is pure (the contact, message, calendar and instant are inputs) and every
//! leaf that was evaluated appears in the trace with its path, whether it held and the value it
//! compared, so the log can say exactly why a workflow did or did not run. `all` stops at the
//! first leaf that fails and `any` at the first that holds, so the last failing check of a failed
//! tree is the first failing condition.
//!
//! The trace is kept small on the hot path: a check records no description, and a text check no
//! value (it compared the message text). [`explain`] adds both when a log entry is read, from the
//! (immutable) workflow version and the message.

use crate::calendar::{Calendar, WeeklySchedule};
use crate::contact::{ContactView, ConversationStats};
use crate::message::{InboundView, MessageType};
use crate::parse::{FieldError, Obj, Path};
use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

/// A node of a condition tree.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    #[serde(untagged)]
    Leaf(Leaf),
}

/// A single test, optionally negated.
#[derive(Debug, Clone, Serialize)]
pub struct Leaf {
    #[serde(flatten)]
    pub test: Test,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub negate: bool,
}

/// How a text condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
    Equals,
    Regex,
}

impl TextOp {
    fn parse(value: &Value, path: &Path) -> Result<Self, FieldError> {
        Ok(match value.as_str().unwrap_or("") {
            "contains" => Self::Contains,
            "starts_with" => Self::StartsWith,
            "ends_with" => Self::EndsWith,
            "equals" => Self::Equals,
            "regex" => Self::Regex,
            _ => {
                return Err(path.error(
                    value,
                    "is not a text operator (contains, starts_with, ends_with, equals, regex)",
                ))
            }
        })
    }

    fn describe(&self) -> &'static str {
        match self {
            Self::Contains => "contains",
            Self::StartsWith => "starts with",
            Self::EndsWith => "ends with",
            Self::Equals => "equals",
            Self::Regex => "matches",
        }
    }
}

/// A pattern list compiled for matching. Serializes as the list of values.
#[derive(Debug, Clone)]
pub struct Patterns {
    pub values: Vec<String>,
    /// Values lower-cased when the comparison ignores case.
    folded: Vec<String>,
    regexes: Vec<Regex>,
}

impl Serialize for Patterns {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.values.serialize(serializer)
    }
}

/// Whose assignment an `assigned_agent` condition expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentIs {
    None,
    Any,
    Agent(String),
}

impl Serialize for AgentIs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Self::None => "none",
            Self::Any => "any",
            Self::Agent(id) => id,
        })
    }
}

/// How a tag condition combines its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TagMode {
    Any,
    All,
    None,
}

/// A weekly schedule inside a condition; serializes in its JSON shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule(pub WeeklySchedule);

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.to_json().serialize(serializer)
    }
}

/// The tests a leaf can make.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Test {
    /// The message text compared with any of the values.
    Text {
        op: TextOp,
        values: Patterns,
        case_sensitive: bool,
    },
    /// The message type is one of these.
    MessageType { types: Vec<MessageType> },
    /// The contact's tags, by mode.
    Tags { mode: TagMode, tags: Vec<String> },
    /// The current local time is inside this weekly schedule.
    Schedule { hours: Schedule },
    /// The current local time is inside the workspace's business hours (and not a holiday).
    BusinessHours,
    /// The contact's assigned agent.
    AssignedAgent { agent: AgentIs },
    /// A run variable (e.g. saved from an HTTP answer or a question) compared with a value.
    Variable {
        name: String,
        op: ValueOp,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    /// A contact field compared with a value.
    ContactField {
        field: String,
        op: ValueOp,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    /// The contact's phone number is one of `values`, or starts with one (a country prefix);
    /// compared as digits only.
    Phone { op: PhoneOp, values: Vec<String> },
    /// The number (line) the message arrived on is one of these ids.
    Number { numbers: Vec<String> },
    /// The number of messages in the conversation, both directions, this one included.
    MessageCount { op: Compare, value: f64 },
    /// The message text's length in characters.
    MessageLength { op: Compare, value: f64 },
    /// Minutes since our last message, or since the contact's previous message.
    TimeSince {
        since: Since,
        op: Compare,
        minutes: f64,
    },
    /// The contact is in any / all / none of the lists.
    InList { mode: TagMode, lists: Vec<String> },
}

/// How a phone number is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneOp {
    Is,
    StartsWith,
}

/// What a `time_since` condition measures from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Since {
    /// Our last message in the conversation (workflow, agent or campaign).
    OurLastMessage,
    /// The contact's message before the one being evaluated.
    ContactLastMessage,
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    Equals,
    GreaterThan,
    LessThan,
    AtLeast,
    AtMost,
}

impl Compare {
    fn parse(obj: &Obj) -> Result<Self, FieldError> {
        let (v, p) = obj.req("op")?;
        Ok(match v.as_str().unwrap_or("") {
            "equals" => Self::Equals,
            "greater_than" => Self::GreaterThan,
            "less_than" => Self::LessThan,
            "at_least" => Self::AtLeast,
            "at_most" => Self::AtMost,
            _ => {
                return Err(p.error(
                    v,
                    "is not a comparison (equals, greater_than, less_than, at_least, at_most)",
                ))
            }
        })
    }

    fn holds(&self, actual: f64, expected: f64) -> bool {
        match self {
            Self::Equals => (actual - expected).abs() < f64::EPSILON,
            Self::GreaterThan => actual > expected,
            Self::LessThan => actual < expected,
            Self::AtLeast => actual >= expected,
            Self::AtMost => actual <= expected,
        }
    }

    fn describe(&self, value: f64) -> String {
        let op = match self {
            Self::Equals => "is",
            Self::GreaterThan => "is greater than",
            Self::LessThan => "is less than",
            Self::AtLeast => "is at least",
            Self::AtMost => "is at most",
        };
        format!("{op} {value}")
    }
}

/// A required non-negative number at `key`.
fn number_at(obj: &Obj, key: &str) -> Result<f64, FieldError> {
    let (v, p) = obj.req(key)?;
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.is_finite() => Ok(n),
        _ => Err(p.error(v, "must be a number, 0 or more")),
    }
}

fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// How a variable or field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueOp {
    /// Equal as text, ignoring case.
    Equals,
    /// Contains the value as text, ignoring case.
    Contains,
    /// Set and not empty.
    Exists,
    /// A number greater than the value.
    GreaterThan,
    /// A number less than the value.
    LessThan,
}

impl ValueOp {
    fn parse(obj: &Obj) -> Result<(Self, Option<String>), FieldError> {
        let (v, p) = obj.req("op")?;
        let op = match v.as_str().unwrap_or("") {
            "equals" => Self::Equals,
            "contains" => Self::Contains,
            "exists" => Self::Exists,
            "greater_than" => Self::GreaterThan,
            "less_than" => Self::LessThan,
            _ => {
                return Err(p.error(
                    v,
                    "is not an operator (equals, contains, exists, greater_than, less_than)",
                ))
            }
        };
        let value = match (op, obj.opt("value")) {
            (Self::Exists, _) => None,
            (_, None) => {
                return Err(obj
                    .path
                    .key("value")
                    .message("is required for this operator"))
            }
            (_, Some((Value::String(s), _))) => Some(s.clone()),
            (_, Some((Value::Number(n), _))) => Some(n.to_string()),
            (_, Some((Value::Bool(b), _))) => Some(b.to_string()),
            (_, Some((other, p))) => return Err(p.error(other, "must be a string or a number")),
        };
        if matches!(op, Self::GreaterThan | Self::LessThan)
            && value
                .as_deref()
                .and_then(|v| v.parse::<f64>().ok())
                .is_none()
        {
            return Err(obj
                .path
                .key("value")
                .error(&json!(value), "must be a number for this operator"));
        }
        Ok((op, value))
    }

    /// Compares an actual value (null when unset).
    fn holds(&self, actual: &Value, expected: Option<&str>) -> bool {
        let text = match actual {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        let expected = expected.unwrap_or("");
        let number = |s: &str| s.trim().replace(',', ".").parse::<f64>().ok();
        match (self, text) {
            (_, None) => false,
            (Self::Exists, Some(t)) => !t.trim().is_empty(),
            (Self::Equals, Some(t)) => t.trim().eq_ignore_ascii_case(expected.trim()),
            (Self::Contains, Some(t)) => t.to_lowercase().contains(&expected.to_lowercase()),
            (Self::GreaterThan, Some(t)) => {
                number(&t).zip(number(expected)).is_some_and(|(a, b)| a > b)
            }
            (Self::LessThan, Some(t)) => {
                number(&t).zip(number(expected)).is_some_and(|(a, b)| a < b)
            }
        }
    }

    fn describe(&self, value: Option<&str>) -> String {
        let v = value.unwrap_or("");
        match self {
            Self::Equals => format!("equals {v:?}"),
            Self::Contains => format!("contains {v:?}"),
            Self::Exists => "is set".to_string(),
            Self::GreaterThan => format!("is greater than {v}"),
            Self::LessThan => format!("is less than {v}"),
        }
    }
}

/// Everything a condition may look at.
pub struct EvalContext<'a> {
    /// The message being evaluated; `None` for events that carry no message.
    pub message: Option<&'a InboundView>,
    pub contact: &'a ContactView,
    pub calendar: &'a Calendar,
    pub now: DateTime<Utc>,
    /// The run's variables, for conditions inside a run (a branch step); `None` when a message
    /// is matched against workflows.
    pub vars: Option<&'a Value>,
    /// The number (line) id the message arrived on or the run runs on.
    pub number_id: Option<&'a str>,
    /// The conversation's counts and times, when known.
    pub conversation: Option<&'a ConversationStats>,
}

/// One evaluated leaf: where it is, whether it held, what it saw, and (once explained) what it
/// tested.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Check {
    pub path: String,
    pub held: bool,
    /// The value compared; null for text checks, which compared the message text.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub actual: Value,
    /// What the leaf tests, in words; filled by [`explain`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// Fills each check's description, and the message text as the value of text checks, from the
/// condition tree they were evaluated against. Returns the first failing condition in words.
pub fn explain(checks: &mut [Check], tree: &Condition, text: &str) -> Option<String> {
    for check in checks.iter_mut() {
        if let Some(leaf) = tree.leaf_at(&check.path) {
            let described = leaf.describe();
            check.condition = Some(if check.path.ends_with(".not") {
                format!("not ({described})")
            } else {
                described
            });
            if matches!(leaf.test, Test::Text { .. }) {
                check.actual = json!(text);
            }
        }
    }
    checks.iter().rev().find(|c| !c.held).map(|c| {
        format!(
            "{} = {} ({})",
            c.path,
            c.condition.as_deref().unwrap_or("?"),
            c.actual
        )
    })
}

/// Every condition (leaf) type, as named in documents (comma-separated).
pub const LEAF_TYPES: &str = "text, message_type, tags, schedule, business_hours, assigned_agent, \
     variable, contact_field, phone, number, message_count, message_length, time_since, in_list";

impl Condition {
    /// Parses a condition node at `path`.
    pub fn parse(value: &Value, path: &Path) -> Result<Self, FieldError> {
        let obj = Obj::new(value, path.clone())?;
        for group in ["all", "any"] {
            if let Some((list, p)) = obj.opt(group) {
                obj.only(&[group])?;
                let items = list
                    .as_array()
                    .ok_or_else(|| p.error(list, "must be a list of conditions"))?;
                if items.is_empty() {
                    return Err(p.message("must contain at least one condition"));
                }
                let children = items
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Condition::parse(c, &p.index(i)))
                    .collect::<Result<_, _>>()?;
                return Ok(if group == "all" {
                    Condition::All(children)
                } else {
                    Condition::Any(children)
                });
            }
        }
        if let Some((inner, p)) = obj.opt("not") {
            obj.only(&["not"])?;
            return Ok(Condition::Not(Box::new(Condition::parse(inner, &p)?)));
        }
        Leaf::parse(&obj).map(Condition::Leaf)
    }

    /// Evaluates the tree, appending every evaluated leaf to `trace`.
    pub fn evaluate(&self, ctx: &EvalContext, path: &Path, trace: &mut Vec<Check>) -> bool {
        match self {
            Condition::All(items) => {
                let p = path.key("all");
                items
                    .iter()
                    .enumerate()
                    .all(|(i, c)| c.evaluate(ctx, &p.index(i), trace))
            }
            Condition::Any(items) => {
                let p = path.key("any");
                items
                    .iter()
                    .enumerate()
                    .any(|(i, c)| c.evaluate(ctx, &p.index(i), trace))
            }
            Condition::Not(inner) => {
                let first = trace.len();
                let held = !inner.evaluate(ctx, &path.key("not"), trace);
                // A negated leaf reports the result of the `not`, so the trace shows what decided.
                if let (Condition::Leaf(_), Some(check)) = (inner.as_ref(), trace.get_mut(first)) {
                    check.held = held;
                }
                held
            }
            Condition::Leaf(leaf) => {
                let (held, actual) = leaf.test.evaluate(ctx);
                let held = held != leaf.negate;
                trace.push(Check {
                    path: path.as_str().to_string(),
                    held,
                    actual,
                    condition: None,
                });
                held
            }
        }
    }

    /// The leaf at a trace path such as `conditions.all[1].any[0].not`.
    pub fn leaf_at(&self, path: &str) -> Option<&Leaf> {
        let mut node = self;
        let mut rest = path.strip_prefix("conditions")?;
        loop {
            if rest.is_empty() {
                return match node {
                    Condition::Leaf(leaf) => Some(leaf),
                    _ => None,
                };
            }
            rest = rest.strip_prefix('.')?;
            if let Some(r) = rest.strip_prefix("not") {
                node = match node {
                    Condition::Not(inner) => inner,
                    _ => return None,
                };
                rest = r;
                continue;
            }
            let (items, r) = match node {
                Condition::All(items) => (items, rest.strip_prefix("all[")?),
                Condition::Any(items) => (items, rest.strip_prefix("any[")?),
                _ => return None,
            };
            let close = r.find(']')?;
            node = items.get(r[..close].parse::<usize>().ok()?)?;
            rest = &r[close + 1..];
        }
    }

    /// Keywords of which at least one must appear (case-insensitively) in the message text for this
    /// tree to hold, if the tree guarantees that: a non-negated text leaf at the root or directly
    /// inside a root `all`. Used to skip workflows without evaluating them.
    pub fn required_keywords(&self) -> Option<(String, Vec<String>)> {
        let leaf_keywords = |leaf: &Leaf| match &leaf.test {
            Test::Text { op, values, .. } if !leaf.negate && *op != TextOp::Regex => Some(
                values
                    .values
                    .iter()
                    .map(|v| v.to_lowercase())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        };
        match self {
            Condition::Leaf(leaf) => leaf_keywords(leaf).map(|k| ("conditions".to_string(), k)),
            Condition::All(items) => items.iter().enumerate().find_map(|(i, c)| match c {
                Condition::Leaf(leaf) => {
                    leaf_keywords(leaf).map(|k| (format!("conditions.all[{i}]"), k))
                }
                _ => None,
            }),
            _ => None,
        }
    }
}

/// Equal when they have the same JSON form (compiled regexes compare by their source).
impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        serde_json::to_value(self).ok() == serde_json::to_value(other).ok()
    }
}

impl Leaf {
    /// What the leaf tests, in words, e.g. `text contains any of ["spedizione"] (ignoring case)`.
    pub fn describe(&self) -> String {
        let text = self.test.describe();
        if self.negate {
            format!("not ({text})")
        } else {
            text
        }
    }

    fn parse(obj: &Obj) -> Result<Self, FieldError> {
        let (kind, kind_path) = obj.req("type").map_err(|_| {
            obj.path.message(format!(
                "must be a group (all, any, not) or a condition with a \"type\" ({LEAF_TYPES})"
            ))
        })?;
        let negate = obj.bool_or("negate", false)?;
        let test = match kind.as_str().unwrap_or("") {
            "text" => {
                obj.only(&["type", "negate", "op", "values", "case_sensitive"])?;
                let (op_value, op_path) = obj.req("op")?;
                let op = TextOp::parse(op_value, &op_path)?;
                let case_sensitive = obj.bool_or("case_sensitive", false)?;
                let values = obj.strings("values")?;
                let patterns =
                    Patterns::compile(values, op, case_sensitive, &obj.path.key("values"))?;
                Test::Text {
                    op,
                    values: patterns,
                    case_sensitive,
                }
            }
            "message_type" => {
                obj.only(&["type", "negate", "types"])?;
                let names = obj.strings("types")?;
                let types = names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        MessageType::parse(n).ok_or_else(|| {
                            obj.path
                                .key("types")
                                .index(i)
                                .error(&json!(n), "is not a message type")
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Test::MessageType { types }
            }
            "tags" => {
                obj.only(&["type", "negate", "mode", "tags"])?;
                Test::Tags {
                    mode: TagMode::parse(obj)?,
                    tags: obj.strings("tags")?,
                }
            }
            "schedule" => {
                obj.only(&["type", "negate", "hours"])?;
                let (v, p) = obj.req("hours")?;
                let schedule = WeeklySchedule::parse(v, &p)?;
                if schedule.is_empty() {
                    return Err(p.message("must open on at least one day"));
                }
                Test::Schedule {
                    hours: Schedule(schedule),
                }
            }
            "business_hours" => {
                obj.only(&["type", "negate"])?;
                Test::BusinessHours
            }
            "assigned_agent" => {
                obj.only(&["type", "negate", "agent"])?;
                let agent = match obj.str("agent")? {
                    "none" => AgentIs::None,
                    "any" => AgentIs::Any,
                    id => AgentIs::Agent(id.to_string()),
                };
                Test::AssignedAgent { agent }
            }
            "variable" => {
                obj.only(&["type", "negate", "name", "op", "value"])?;
                let name = obj.str("name")?.trim().to_string();
                let (op, value) = ValueOp::parse(obj)?;
                Test::Variable { name, op, value }
            }
            "contact_field" => {
                obj.only(&["type", "negate", "field", "op", "value"])?;
                let field = obj.str("field")?.trim().to_string();
                let (op, value) = ValueOp::parse(obj)?;
                Test::ContactField { field, op, value }
            }
            "phone" => {
                obj.only(&["type", "negate", "op", "values"])?;
                let (v, p) = obj.req("op")?;
                let op = match v.as_str().unwrap_or("") {
                    "is" => PhoneOp::Is,
                    "starts_with" => PhoneOp::StartsWith,
                    _ => return Err(p.error(v, "is not a phone operator (is, starts_with)")),
                };
                let values = obj.strings("values")?;
                for (i, value) in values.iter().enumerate() {
                    if digits(value).is_empty() {
                        return Err(obj
                            .path
                            .key("values")
                            .index(i)
                            .error(&json!(value), "has no digits"));
                    }
                }
                Test::Phone { op, values }
            }
            "number" => {
                obj.only(&["type", "negate", "numbers"])?;
                Test::Number {
                    numbers: obj.strings("numbers")?,
                }
            }
            "message_count" | "message_length" => {
                obj.only(&["type", "negate", "op", "value"])?;
                let op = Compare::parse(obj)?;
                let value = number_at(obj, "value")?;
                if kind.as_str() == Some("message_count") {
                    Test::MessageCount { op, value }
                } else {
                    Test::MessageLength { op, value }
                }
            }
            "time_since" => {
                obj.only(&["type", "negate", "since", "op", "minutes"])?;
                let (v, p) = obj.req("since")?;
                let since = match v.as_str().unwrap_or("") {
                    "our_last_message" => Since::OurLastMessage,
                    "contact_last_message" => Since::ContactLastMessage,
                    _ => {
                        return Err(p.error(
                            v,
                            "is not a starting point (our_last_message, contact_last_message)",
                        ))
                    }
                };
                Test::TimeSince {
                    since,
                    op: Compare::parse(obj)?,
                    minutes: number_at(obj, "minutes")?,
                }
            }
            "in_list" => {
                obj.only(&["type", "negate", "mode", "lists"])?;
                Test::InList {
                    mode: TagMode::parse(obj)?,
                    lists: obj.strings("lists")?,
                }
            }
            _ => {
                return Err(
                    kind_path.error(kind, &format!("is not a condition type ({LEAF_TYPES})"))
                )
            }
        };
        Ok(Leaf { test, negate })
    }
}

impl Patterns {
    fn compile(
        values: Vec<String>,
        op: TextOp,
        case_sensitive: bool,
        path: &Path,
    ) -> Result<Self, FieldError> {
        let mut regexes = Vec::new();
        if op == TextOp::Regex {
            for (i, v) in values.iter().enumerate() {
                let re = RegexBuilder::new(v)
                    .case_insensitive(!case_sensitive)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        path.index(i)
                            .error(&json!(v), &format!("is not a valid regex: {e}"))
                    })?;
                regexes.push(re);
            }
        }
        let folded = values
            .iter()
            .map(|v| {
                if case_sensitive {
                    v.clone()
                } else {
                    v.to_lowercase()
                }
            })
            .collect();
        Ok(Self {
            values,
            folded,
            regexes,
        })
    }
}

impl Test {
    /// Evaluates the test: (held, the value compared; null for text, which compares the message).
    fn evaluate(&self, ctx: &EvalContext) -> (bool, Value) {
        match self {
            Test::Text {
                op,
                values,
                case_sensitive,
            } => {
                let text = ctx.message.map(|m| m.text.as_str()).unwrap_or("");
                let folded;
                let subject = if *case_sensitive {
                    text.trim()
                } else {
                    folded = text.to_lowercase();
                    folded.trim()
                };
                let held = match op {
                    TextOp::Regex => values.regexes.iter().any(|r| r.is_match(text)),
                    TextOp::Contains => values.folded.iter().any(|v| subject.contains(v.as_str())),
                    TextOp::StartsWith => values
                        .folded
                        .iter()
                        .any(|v| subject.starts_with(v.as_str())),
                    TextOp::EndsWith => values.folded.iter().any(|v| subject.ends_with(v.as_str())),
                    TextOp::Equals => values.folded.iter().any(|v| subject == v.trim()),
                };
                (held, Value::Null)
            }
            Test::MessageType { types } => {
                let actual = ctx.message.map(|m| m.message_type);
                (
                    actual.is_some_and(|t| types.contains(&t)),
                    json!(actual.map(|t| t.as_str())),
                )
            }
            Test::Tags { mode, tags } => {
                let count = tags.iter().filter(|t| ctx.contact.has_tag(t)).count();
                let held = match mode {
                    TagMode::Any => count > 0,
                    TagMode::All => count == tags.len(),
                    TagMode::None => count == 0,
                };
                (held, json!(ctx.contact.tags))
            }
            Test::Schedule { hours } => {
                let local = ctx.calendar.local(ctx.now);
                (
                    hours.0.contains_local(local),
                    json!(local.format("%a %Y-%m-%d %H:%M").to_string()),
                )
            }
            Test::BusinessHours => {
                let local = ctx.calendar.local(ctx.now);
                (
                    ctx.calendar.is_open(ctx.now),
                    json!(local.format("%a %Y-%m-%d %H:%M").to_string()),
                )
            }
            Test::AssignedAgent { agent } => {
                let actual = ctx.contact.assigned_agent_id.as_deref();
                let held = match agent {
                    AgentIs::None => actual.is_none(),
                    AgentIs::Any => actual.is_some(),
                    AgentIs::Agent(id) => actual == Some(id.as_str()),
                };
                (held, json!(actual))
            }
            Test::Variable { name, op, value } => {
                let actual = ctx
                    .vars
                    .and_then(|v| v.get(name))
                    .cloned()
                    .unwrap_or(Value::Null);
                (op.holds(&actual, value.as_deref()), actual)
            }
            Test::ContactField { field, op, value } => {
                let actual = ctx
                    .contact
                    .fields
                    .get(field)
                    .cloned()
                    .unwrap_or(Value::Null);
                (op.holds(&actual, value.as_deref()), actual)
            }
            Test::Phone { op, values } => {
                let phone = digits(&ctx.contact.phone);
                let held = values.iter().map(|v| digits(v)).any(|v| match op {
                    PhoneOp::Is => phone == v,
                    PhoneOp::StartsWith => phone.starts_with(&v),
                });
                (held, json!(ctx.contact.phone))
            }
            Test::Number { numbers } => {
                let actual = ctx.number_id;
                (
                    actual.is_some_and(|n| numbers.iter().any(|x| x == n)),
                    json!(actual),
                )
            }
            Test::MessageCount { op, value } => match ctx.conversation {
                Some(c) => (op.holds(c.messages as f64, *value), json!(c.messages)),
                None => (false, Value::Null),
            },
            Test::MessageLength { op, value } => {
                let n = ctx.message.map(|m| m.text.chars().count()).unwrap_or(0);
                (op.holds(n as f64, *value), json!(n))
            }
            Test::TimeSince { since, op, minutes } => {
                let at = ctx.conversation.and_then(|c| match since {
                    Since::OurLastMessage => c.last_outbound_at,
                    Since::ContactLastMessage => c.previous_inbound_at,
                });
                match at {
                    Some(at) => {
                        let elapsed = (ctx.now - at).num_seconds() as f64 / 60.0;
                        let rounded = (elapsed * 10.0).round() / 10.0;
                        (op.holds(elapsed, *minutes), json!(rounded))
                    }
                    // Never: infinitely long ago.
                    None => (
                        matches!(op, Compare::GreaterThan | Compare::AtLeast)
                            && ctx.conversation.is_some(),
                        Value::Null,
                    ),
                }
            }
            Test::InList { mode, lists } => {
                let count = lists.iter().filter(|l| ctx.contact.in_list(l)).count();
                let held = match mode {
                    TagMode::Any => count > 0,
                    TagMode::All => count == lists.len(),
                    TagMode::None => count == 0,
                };
                (held, json!(ctx.contact.lists))
            }
        }
    }

    /// Whether evaluating the test needs [`ConversationStats`].
    pub fn needs_conversation(&self) -> bool {
        matches!(self, Test::MessageCount { .. } | Test::TimeSince { .. })
    }

    /// What the test checks, in words.
    fn describe(&self) -> String {
        match self {
            Test::Text {
                op,
                values,
                case_sensitive,
            } => {
                let case = if *case_sensitive {
                    ""
                } else {
                    " (ignoring case)"
                };
                format!("text {} any of {:?}{case}", op.describe(), values.values)
            }
            Test::MessageType { types } => {
                let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
                format!("message type is one of {names:?}")
            }
            Test::Tags { mode, tags } => {
                let mode = match mode {
                    TagMode::Any => "any",
                    TagMode::All => "all",
                    TagMode::None => "none",
                };
                format!("contact has {mode} of tags {tags:?}")
            }
            Test::Schedule { hours } => format!("local time is inside {}", hours.0.to_json()),
            Test::BusinessHours => "local time is inside business hours".to_string(),
            Test::AssignedAgent { agent } => match agent {
                AgentIs::None => "assigned to no agent".to_string(),
                AgentIs::Any => "assigned to any agent".to_string(),
                AgentIs::Agent(id) => format!("assigned to agent {id}"),
            },
            Test::Variable { name, op, value } => {
                format!("variable {name} {}", op.describe(value.as_deref()))
            }
            Test::ContactField { field, op, value } => {
                format!("contact field {field} {}", op.describe(value.as_deref()))
            }
            Test::Phone { op, values } => match op {
                PhoneOp::Is => format!("phone is one of {values:?}"),
                PhoneOp::StartsWith => format!("phone starts with one of {values:?}"),
            },
            Test::Number { numbers } => format!("number is one of {numbers:?}"),
            Test::MessageCount { op, value } => {
                format!("messages in the conversation {}", op.describe(*value))
            }
            Test::MessageLength { op, value } => {
                format!("message length {}", op.describe(*value))
            }
            Test::TimeSince { since, op, minutes } => {
                let what = match since {
                    Since::OurLastMessage => "our last message",
                    Since::ContactLastMessage => "the contact's previous message",
                };
                format!("minutes since {what} {}", op.describe(*minutes))
            }
            Test::InList { mode, lists } => {
                let mode = match mode {
                    TagMode::Any => "any",
                    TagMode::All => "all",
                    TagMode::None => "none",
                };
                format!("contact is in {mode} of lists {lists:?}")
            }
        }
    }
}

#[cfg(test)]
mod tests;

impl TagMode {
    /// The optional `mode` (default `any`).
    fn parse(obj: &Obj) -> Result<Self, FieldError> {
        Ok(match obj.opt("mode") {
            None => TagMode::Any,
            Some((v, p)) => match v.as_str().unwrap_or("") {
                "any" => TagMode::Any,
                "all" => TagMode::All,
                "none" => TagMode::None,
                _ => return Err(p.error(v, "is not a mode (any, all, none)")),
            },
        })
    }
}

impl Condition {
    /// Whether any leaf needs [`ConversationStats`] to be evaluated.
    pub fn needs_conversation(&self) -> bool {
        match self {
            Condition::All(items) | Condition::Any(items) => {
                items.iter().any(Condition::needs_conversation)
            }
            Condition::Not(inner) => inner.needs_conversation(),
            Condition::Leaf(leaf) => leaf.test.needs_conversation(),
        }
    }

    /// Whether some `message_type` test of this tree (negated or not) names `kind`: the way a
    /// workflow asks for notice messages (reactions, edits, revokes, system notices).
    pub fn names_message_type(&self, kind: MessageType) -> bool {
        match self {
            Condition::All(items) | Condition::Any(items) => {
                items.iter().any(|c| c.names_message_type(kind))
            }
            Condition::Not(inner) => inner.names_message_type(kind),
            Condition::Leaf(leaf) => {
                matches!(&leaf.test, Test::MessageType { types } if types.contains(&kind))
            }
        }
    }
}
