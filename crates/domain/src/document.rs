//! The workflow document: what a user writes (JSON or YAML), versioned by `schema`.

use crate::condition::Condition;
use crate::parse::{FieldError, Obj, Path};
use crate::step::Step;
use crate::trigger::Trigger;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::HashMap;

/// The document schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Which numbers a workflow listens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Number(String),
}

impl Scope {
    /// Whether a message on `number_id` is in this scope.
    pub fn includes(&self, number_id: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Number(n) => n == number_id,
        }
    }

    /// Whether two scopes share a number.
    pub fn overlaps(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::Number(a), Scope::Number(b)) => a == b,
            _ => true,
        }
    }

    /// The number id, when scoped to one number.
    pub fn number_id(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Number(n) => Some(n),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Scope::All => serializer.serialize_str("all"),
            Scope::Number(n) => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("number", n)?;
                map.end()
            }
        }
    }
}

/// A workflow: trigger, optional conditions and a graph of steps, with its evaluation settings.
///
/// Guarantees (established by [`WorkflowDocument::parse`]): at least one step; step ids are unique;
/// every `next`/`timeout_next` names an existing step; regexes compile; templates parse.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowDocument {
    pub schema: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub active: bool,
    /// Lower numbers are evaluated first.
    pub priority: i64,
    pub scope: Scope,
    pub stop_on_match: bool,
    /// Keeps running while a person has taken the conversation over (e.g. an opt-out reply);
    /// by default a takeover pauses the workflow for that contact.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub during_takeover: bool,
    pub trigger: Trigger,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Condition>,
    pub steps: Vec<Step>,
    /// What the flow builder keeps with the document (node positions...); never read by the
    /// engine, kept as given (an object of at most 64 KiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ui: Option<Value>,
}

/// The largest `ui` object kept, in bytes of JSON.
const MAX_UI_BYTES: usize = 64 * 1024;

const TOP_LEVEL: [&str; 12] = [
    "schema",
    "name",
    "description",
    "active",
    "priority",
    "scope",
    "stop_on_match",
    "during_takeover",
    "trigger",
    "conditions",
    "steps",
    "ui",
];

/// The most steps one workflow may have.
pub const MAX_STEPS: usize = 200;

impl WorkflowDocument {
    /// Parses a document from YAML text.
    pub fn from_yaml(text: &str) -> Result<Self, FieldError> {
        let value: Value = serde_yaml::from_str(text)
            .map_err(|e| Path::root("").message(format!("the document is not valid YAML: {e}")))?;
        Self::parse(&value)
    }

    /// The document as JSON, in the shape [`WorkflowDocument::parse`] reads.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The document as YAML text.
    pub fn to_yaml(&self) -> String {
        // Through a JSON value so that enums come out as plain maps, not YAML tags.
        serde_yaml::to_string(&self.to_value()).unwrap_or_default()
    }

    /// Parses and validates a document; the error names the first bad field by its path.
    pub fn parse(value: &Value) -> Result<Self, FieldError> {
        let root = Obj::new(value, Path::root(""))?;
        root.only(&TOP_LEVEL)?;
        let schema = root.i64_or("schema", SCHEMA_VERSION)?;
        if schema != SCHEMA_VERSION {
            return Err(Path::root("schema").error(
                &Value::from(schema),
                &format!("is not a supported schema version (this waflow reads {SCHEMA_VERSION})"),
            ));
        }
        let name = root.str("name")?.trim().to_string();
        if name.chars().count() > 200 {
            return Err(Path::root("name").message("is longer than 200 characters"));
        }
        let description = root.opt_str("description")?.map(str::to_string);
        let active = root.bool_or("active", true)?;
        let priority = root.i64_or("priority", 100)?;
        if !(0..=1_000_000).contains(&priority) {
            return Err(Path::root("priority")
                .error(&Value::from(priority), "must be between 0 and 1000000"));
        }
        let scope = parse_scope(root.opt("scope"))?;
        let stop_on_match = root.bool_or("stop_on_match", false)?;
        let during_takeover = root.bool_or("during_takeover", false)?;
        let (trigger_value, trigger_path) = root.req("trigger")?;
        let trigger = Trigger::parse(&Obj::new(trigger_value, trigger_path)?)?;
        let conditions = root
            .opt("conditions")
            .map(|(v, p)| Condition::parse(v, &p))
            .transpose()?;
        let steps = parse_steps(&root)?;
        let ui = match root.opt("ui") {
            None | Some((Value::Null, _)) => None,
            Some((v @ Value::Object(_), p)) => {
                if v.to_string().len() > MAX_UI_BYTES {
                    return Err(p.message(format!("is larger than {MAX_UI_BYTES} bytes")));
                }
                Some(v.clone())
            }
            Some((v, p)) => return Err(p.error(v, "must be an object")),
        };
        Ok(Self {
            schema,
            name,
            description,
            active,
            priority,
            scope,
            stop_on_match,
            during_takeover,
            trigger,
            conditions,
            steps,
            ui,
        })
    }

    /// The index of the step with this id.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// The step that follows step `index` on its default path, if any.
    pub fn next_after(&self, index: usize) -> Option<usize> {
        match &self.steps[index].next {
            Some(id) => self.step_index(id),
            None => (index + 1 < self.steps.len()).then_some(index + 1),
        }
    }
}

fn parse_scope(scope: Option<(&Value, Path)>) -> Result<Scope, FieldError> {
    let Some((value, path)) = scope else {
        return Ok(Scope::All);
    };
    if value.as_str() == Some("all") {
        return Ok(Scope::All);
    }
    let obj = Obj::new(value, path.clone())
        .map_err(|_| path.error(value, "must be \"all\" or {\"number\": \"<number id>\"}"))?;
    obj.only(&["number"])?;
    Ok(Scope::Number(obj.str("number")?.to_string()))
}

fn parse_steps(root: &Obj) -> Result<Vec<Step>, FieldError> {
    let (value, path) = root.req("steps")?;
    let list = value
        .as_array()
        .ok_or_else(|| path.error(value, "must be a list of steps"))?;
    if list.is_empty() {
        return Err(path.message("must contain at least one step"));
    }
    if list.len() > MAX_STEPS {
        return Err(path.message(format!(
            "has {} steps; at most {MAX_STEPS} are allowed",
            list.len()
        )));
    }
    let steps: Vec<Step> = list
        .iter()
        .enumerate()
        .map(|(i, v)| Step::parse(v, &path.index(i), i))
        .collect::<Result<_, _>>()?;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        if let Some(first) = seen.insert(step.id.as_str(), i) {
            return Err(path.index(i).key("id").error(
                &Value::String(step.id.clone()),
                &format!("is already the id of steps[{first}]"),
            ));
        }
    }
    for (i, step) in steps.iter().enumerate() {
        for (field, target) in step.targets() {
            if !seen.contains_key(target) {
                return Err(path.index(i).key(field).error(
                    &Value::String(target.into()),
                    "is not the id of a step in this workflow",
                ));
            }
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests;
