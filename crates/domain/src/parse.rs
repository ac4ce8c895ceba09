//! Path-tracking parsing of JSON values into domain types.
//!
//! Every error names the field by its path from the document root and quotes the offending value,
//! e.g. `steps[2].when: "2 hourz" is not a duration`. Parsing is strict: unknown fields are refused,
//! so a typo never silently drops a setting.

use serde_json::{Map, Value};
use std::fmt;

/// A refusal naming the bad field by its path and saying what is wrong with its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FieldError {
    /// Path from the document root, e.g. `steps[2].when`.
    pub path: String,
    /// What is wrong, quoting the value, e.g. `"2 hourz" is not a duration`.
    pub message: String,
}

/// The location of a value inside a document, built up while descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(String);

/// Renders a value for an error message: strings quoted, long values shortened.
pub fn quote(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let short: String = text.chars().take(77).collect();
        format!("{short}...")
    } else {
        text
    }
}

impl Path {
    /// A path starting at a named top-level field.
    pub fn root(name: &str) -> Self {
        Self(name.to_string())
    }

    /// The path of a field inside this object.
    pub fn key(&self, key: &str) -> Self {
        if self.0.is_empty() {
            Self(key.to_string())
        } else {
            Self(format!("{}.{key}", self.0))
        }
    }

    /// The path of an item inside this list.
    pub fn index(&self, i: usize) -> Self {
        Self(format!("{}[{i}]", self.0))
    }

    /// An error about the value found at this path.
    pub fn error(&self, value: &Value, what: &str) -> FieldError {
        FieldError {
            path: self.0.clone(),
            message: format!("{} {what}", quote(value)),
        }
    }

    /// An error with a message that does not quote the value.
    pub fn message(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            path: self.0.clone(),
            message: message.into(),
        }
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSON object being parsed, with its path, that refuses fields it was not asked about.
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    /// The object's own path.
    pub path: Path,
}

impl<'a> Obj<'a> {
    /// Views `value` as an object, or refuses it.
    pub fn new(value: &'a Value, path: Path) -> Result<Self, FieldError> {
        match value.as_object() {
            Some(map) => Ok(Self { map, path }),
            None => Err(path.error(value, "must be an object")),
        }
    }

    /// Refuses any field not in `allowed`, naming it and the accepted ones.
    pub fn only(&self, allowed: &[&str]) -> Result<(), FieldError> {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(self.path.key(key).message(format!(
                    "unknown field \"{key}\" (expected one of: {})",
                    allowed.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Whether the field is present, even as null (null means "clear" in patches).
    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Whether the field is present (and not null).
    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    /// A present, non-null field with its path.
    pub fn opt(&self, key: &str) -> Option<(&'a Value, Path)> {
        self.map
            .get(key)
            .filter(|v| !v.is_null())
            .map(|v| (v, self.path.key(key)))
    }

    /// A required field with its path.
    pub fn req(&self, key: &str) -> Result<(&'a Value, Path), FieldError> {
        self.opt(key)
            .ok_or_else(|| self.path.key(key).message("is required"))
    }

    /// A required non-empty string.
    pub fn str(&self, key: &str) -> Result<&'a str, FieldError> {
        let (v, p) = self.req(key)?;
        match v.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(p.error(v, "must not be empty")),
            None => Err(p.error(v, "must be a string")),
        }
    }

    /// An optional string.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, FieldError> {
        match self.opt(key) {
            None => Ok(None),
            Some((v, p)) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| p.error(v, "must be a string")),
        }
    }

    /// An optional boolean with a default.
    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, FieldError> {
        match self.opt(key) {
            None => Ok(default),
            Some((v, p)) => v
                .as_bool()
                .ok_or_else(|| p.error(v, "must be true or false")),
        }
    }

    /// An optional integer with a default.
    pub fn i64_or(&self, key: &str, default: i64) -> Result<i64, FieldError> {
        match self.opt(key) {
            None => Ok(default),
            Some((v, p)) => v.as_i64().ok_or_else(|| p.error(v, "must be an integer")),
        }
    }

    /// A required non-empty list of non-empty strings.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, FieldError> {
        let (v, p) = self.req(key)?;
        let list = v
            .as_array()
            .ok_or_else(|| p.error(v, "must be a list of strings"))?;
        if list.is_empty() {
            return Err(p.message("must list at least one value"));
        }
        list.iter()
            .enumerate()
            .map(|(i, item)| match item.as_str() {
                Some(s) if !s.is_empty() => Ok(s.to_string()),
                _ => Err(p.index(i).error(item, "must be a non-empty string")),
            })
            .collect()
    }
}
