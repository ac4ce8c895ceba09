//! What a question step accepts as an answer, and the normalized value it saves.
//!
//! **Invariant:** an answer is saved only in its normalized form (an email lower-cased, a number
//! as a number, a phone in E.164, a date as `YYYY-MM-DD`, an option as the option's own text), so
//! later conditions and templates see one spelling.

use crate::parse::{FieldError, Obj, Path};
use crate::phone::PhoneNumber;
use chrono::NaiveDate;
use regex::Regex;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

/// The kinds of answer a question accepts.
#[derive(Debug, Clone)]
pub enum Validation {
    /// Any non-empty text.
    Text,
    /// A number (`12`, `12.5`, `12,5`).
    Number,
    /// An email address.
    Email,
    /// A phone number (E.164, or with 00 / without +).
    Phone,
    /// A date: `YYYY-MM-DD`, `DD/MM/YYYY` or `DD-MM-YYYY`.
    Date,
    /// One of the options, by text (ignoring case) or by its 1-based number.
    Option(Vec<String>),
    /// Text matching the pattern.
    Regex(Regex),
}

const KINDS: &str = "text, number, email, phone, date, option, regex";

impl Serialize for Validation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("validate", self.kind())?;
        match self {
            Validation::Option(options) => map.serialize_entry("options", options)?,
            Validation::Regex(re) => map.serialize_entry("pattern", re.as_str())?,
            _ => {}
        }
        map.end()
    }
}

impl Validation {
    /// The kind's name, e.g. `email`.
    pub fn kind(&self) -> &'static str {
        match self {
            Validation::Text => "text",
            Validation::Number => "number",
            Validation::Email => "email",
            Validation::Phone => "phone",
            Validation::Date => "date",
            Validation::Option(_) => "option",
            Validation::Regex(_) => "regex",
        }
    }

    /// Reads `validate` (default `text`) with its `options` or `pattern` from a step.
    pub fn parse(obj: &Obj, path: &Path) -> Result<Self, FieldError> {
        let kind = obj.opt_str("validate")?.unwrap_or("text");
        let only_for = |key: &str, wanted: &str| -> Result<(), FieldError> {
            if obj.has(key) && kind != wanted {
                return Err(path
                    .key(key)
                    .message(format!("is only for validate \"{wanted}\"")));
            }
            Ok(())
        };
        only_for("options", "option")?;
        only_for("pattern", "regex")?;
        Ok(match kind {
            "text" => Validation::Text,
            "number" => Validation::Number,
            "email" => Validation::Email,
            "phone" => Validation::Phone,
            "date" => Validation::Date,
            "option" => {
                let options = obj.strings("options")?;
                if options.is_empty() {
                    return Err(path.key("options").message("must list at least one option"));
                }
                Validation::Option(options)
            }
            "regex" => {
                let pattern = obj.str("pattern")?;
                let re = Regex::new(pattern).map_err(|e| {
                    path.key("pattern")
                        .error(&json!(pattern), &format!("is not a valid regex: {e}"))
                })?;
                Validation::Regex(re)
            }
            other => {
                return Err(path
                    .key("validate")
                    .error(&json!(other), &format!("is not an answer kind ({KINDS})")))
            }
        })
    }

    /// The normalized value of a valid answer, or why it is not valid.
    pub fn check(&self, answer: &str) -> Result<Value, String> {
        let a = answer.trim();
        if a.is_empty() {
            return Err("the answer is empty".into());
        }
        match self {
            Validation::Text => Ok(json!(a)),
            Validation::Number => a
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                // Whole numbers stay whole: "3" is 3, not 3.0.
                .map(|n| {
                    if n.fract() == 0.0 && n.abs() < 9e15 {
                        json!(n as i64)
                    } else {
                        json!(n)
                    }
                })
                .ok_or_else(|| format!("{a:?} is not a number")),
            Validation::Email => {
                let valid = a.split_once('@').is_some_and(|(user, domain)| {
                    !user.is_empty()
                        && !a.contains(char::is_whitespace)
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains('@')
                });
                if valid {
                    Ok(json!(a.to_lowercase()))
                } else {
                    Err(format!("{a:?} is not an email address"))
                }
            }
            Validation::Phone => PhoneNumber::parse(a)
                .map(|p| json!(p.as_str()))
                .map_err(|_| format!("{a:?} is not a phone number")),
            Validation::Date => ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(a, f).ok())
                .map(|d| json!(d.format("%Y-%m-%d").to_string()))
                .ok_or_else(|| format!("{a:?} is not a date (e.g. 25/12/2026)")),
            Validation::Option(options) => a
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| options.get(i))
                .or_else(|| options.iter().find(|o| o.eq_ignore_ascii_case(a)))
                .map(|o| json!(o))
                .ok_or_else(|| format!("{a:?} is not one of {options:?}")),
            Validation::Regex(re) => {
                if re.is_match(a) {
                    Ok(json!(a))
                } else {
                    Err(format!("{a:?} does not have the expected form"))
                }
            }
        }
    }
}

/// Equal when they accept the same answers: same kind, options and pattern.
impl PartialEq for Validation {
    fn eq(&self, other: &Self) -> bool {
        serde_json::to_value(self).ok() == serde_json::to_value(other).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_and_normalized() {
        assert_eq!(
            Validation::Email.check(" Mario.Rossi@Example.it "),
            Ok(json!("mario.rossi@example.it"))
        );
        assert!(Validation::Email.check("mario@").is_err());
        assert!(Validation::Email.check("non lo so").is_err());
        assert_eq!(Validation::Number.check("12,5"), Ok(json!(12.5)));
        assert!(Validation::Number.check("dodici").is_err());
        assert_eq!(
            Validation::Phone.check("0039 333 123 4567"),
            Ok(json!("+393331234567"))
        );
        assert_eq!(
            Validation::Date.check("25/12/2026"),
            Ok(json!("2026-12-25"))
        );
        assert!(Validation::Date.check("31/02/2026").is_err());
        let options = Validation::Option(vec!["Pizza".into(), "Pasta".into()]);
        assert_eq!(options.check("2"), Ok(json!("Pasta")));
        assert_eq!(options.check("pizza"), Ok(json!("Pizza")));
        assert!(options.check("3").is_err());
        let re = Validation::Regex(Regex::new(r"^[A-Z]-\d+$").unwrap());
        assert!(re.check("A-42").is_ok() && re.check("42").is_err());
        assert!(Validation::Text.check("   ").is_err());
    }
}
