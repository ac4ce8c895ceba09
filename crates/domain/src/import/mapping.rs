//! Which CSV column fills which part of a contact: a mapping given by the user (header →
//! target), or the headers recognised by their names; resolved against the file's header row
//! into [`Columns`].

use crate::parse::{FieldError, Path};
use serde_json::Value;

/// The kind of a custom field's values: what a cell must be and how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Stored as the cell's text.
    Text,
    /// A number (`3`, `2.5`, `2,5`), stored as a JSON number.
    Number,
    /// A date (`2026-03-30`, `30/03/2026`, `30-03-2026`, `30.03.2026`, day first), stored as
    /// `YYYY-MM-DD`.
    Date,
    /// Yes or no (`true`/`false`, `yes`/`no`, `1`/`0`, `sì`/`no`, `oui`/`non`, ...), stored as a
    /// JSON boolean.
    Bool,
}

impl FieldKind {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "text" => FieldKind::Text,
            "number" => FieldKind::Number,
            "date" => FieldKind::Date,
            "bool" => FieldKind::Bool,
            _ => return None,
        })
    }
}

/// What a column fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Phone,
    Name,
    /// Tags, several in a cell separated by `,` `;` or `|`; added to the contact's.
    Tags,
    /// Lists, like tags.
    Lists,
    /// A custom field of that name and kind; set (other fields are kept).
    Field {
        name: String,
        kind: FieldKind,
    },
    /// Not read.
    Ignore,
}

const TARGETS: &str =
    "phone, name, tags, lists, field:<name>, field:<name>:<text|number|date|bool>, ignore";

/// The longest field, tag or list name.
pub const MAX_NAME_CHARS: usize = 64;

impl Target {
    /// `phone`, `name`, `tags`, `lists`, `ignore`, `field:<name>` or `field:<name>:<kind>`.
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(match text {
            "phone" => Target::Phone,
            "name" => Target::Name,
            "tags" => Target::Tags,
            "lists" => Target::Lists,
            "ignore" => Target::Ignore,
            other => {
                let Some(rest) = other.strip_prefix("field:") else {
                    return Err(format!("\"{text}\" is not a target ({TARGETS})"));
                };
                let (name, kind) = match rest.rsplit_once(':') {
                    Some((name, kind)) => match FieldKind::parse(kind) {
                        Some(k) => (name, k),
                        None => {
                            return Err(format!(
                            "\"{text}\": \"{kind}\" is not a field kind (text, number, date, bool)"
                        ))
                        }
                    },
                    None => (rest, FieldKind::Text),
                };
                Target::Field {
                    name: field_name(name).map_err(|e| format!("\"{text}\": {e}"))?,
                    kind,
                }
            }
        })
    }

    /// The target a header names by itself (in English, Italian, French or Spanish); any other
    /// header is a text field of its own name.
    pub fn recognise(header: &str) -> Self {
        match header.trim().to_lowercase().as_str() {
            "phone" | "telefono" | "téléphone" | "telephone" | "teléfono" | "mobile"
            | "cellulare" | "cell" | "phone number" => Target::Phone,
            "name" | "nome" | "nom" | "nombre" => Target::Name,
            "tags" | "tag" => Target::Tags,
            "lists" | "list" | "liste" => Target::Lists,
            "" => Target::Ignore,
            _ => Target::Field {
                name: header.trim().to_string(),
                kind: FieldKind::Text,
            },
        }
    }
}

fn field_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "\"{name}\" is not a field name (1 to {MAX_NAME_CHARS} characters)"
        ));
    }
    Ok(name.to_string())
}

/// A user's mapping: CSV header → target, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mapping(Vec<(String, Target)>);

impl Mapping {
    /// Reads `{"<header>": "<target>", ...}`; errors name `<path>.<header>`.
    pub fn parse(value: &Value, path: &Path) -> Result<Self, FieldError> {
        let obj = value
            .as_object()
            .ok_or_else(|| path.error(value, "must be an object of CSV header -> target"))?;
        let mut out = Vec::with_capacity(obj.len());
        for (header, target) in obj {
            let at = path.key(header);
            let text = target
                .as_str()
                .ok_or_else(|| at.error(target, &format!("is not a target ({TARGETS})")))?;
            out.push((
                header.trim().to_string(),
                Target::parse(text).map_err(|m| at.message(m))?,
            ));
        }
        Ok(Self(out))
    }
}

/// A header row resolved: the target of each column.
///
/// Guarantees: exactly one column is the phone, at most one the name, no field is filled by two
/// columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The header of each column, as in the file (trimmed).
    pub headers: Vec<String>,
    /// The target of each column.
    pub targets: Vec<Target>,
}

impl Columns {
    /// Resolves `headers` with `mapping` (columns it does not name are ignored) or, without one,
    /// by [`Target::recognise`]. Errors name `mapping` (or `mapping.<header>`) and the value.
    pub fn resolve(headers: &[&str], mapping: Option<&Mapping>) -> Result<Self, FieldError> {
        let root = Path::root("mapping");
        let headers: Vec<String> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = h.trim();
                // A byte-order mark before the first header (Excel's "CSV UTF-8").
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                };
                h.to_string()
            })
            .collect();
        let listed = || {
            headers
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let targets: Vec<Target> = match mapping {
            None => headers.iter().map(|h| Target::recognise(h)).collect(),
            Some(Mapping(pairs)) => {
                let mut targets = vec![Target::Ignore; headers.len()];
                for (header, target) in pairs {
                    let at: Vec<usize> = (0..headers.len())
                        .filter(|&i| headers[i] == *header)
                        .collect();
                    match at.as_slice() {
                        [i] => targets[*i] = target.clone(),
                        [] => {
                            return Err(root.key(header).message(format!(
                                "the file has no column \"{header}\" (its header: {})",
                                listed()
                            )))
                        }
                        _ => {
                            return Err(root.key(header).message(format!(
                                "the file has {} columns named \"{header}\"",
                                at.len()
                            )))
                        }
                    }
                }
                targets
            }
        };
        let columns = Self { headers, targets };
        columns.check(mapping.is_some(), &root)?;
        Ok(columns)
    }

    fn check(&self, mapped: bool, root: &Path) -> Result<(), FieldError> {
        let path_of = |i: usize| {
            if mapped {
                root.key(&self.headers[i])
            } else {
                root.clone()
            }
        };
        for (i, target) in self.targets.iter().enumerate() {
            let earlier = self.targets[..i].iter().position(|t| match (t, target) {
                (Target::Phone, Target::Phone) | (Target::Name, Target::Name) => true,
                (Target::Field { name: a, .. }, Target::Field { name: b, .. }) => a == b,
                _ => false,
            });
            if let Some(j) = earlier {
                let what = match target {
                    Target::Field { name, .. } => format!("the field \"{name}\""),
                    Target::Phone => "the phone".into(),
                    _ => "the name".into(),
                };
                let hint = if mapped { "" } else { "; give a mapping" };
                return Err(path_of(i).message(format!(
                    "columns \"{}\" and \"{}\" would both fill {what}{hint}",
                    self.headers[j], self.headers[i]
                )));
            }
        }
        if self.phone().is_none() {
            let hint = if mapped {
                "map one column to \"phone\""
            } else {
                "name it phone (or telefono, téléphone, teléfono, mobile, cellulare), or give a \
                 mapping such as {\"Cell\": \"phone\"}"
            };
            return Err(root.message(format!(
                "no column is the phone (the header: {}): {hint}",
                self.headers
                    .iter()
                    .map(|h| format!("\"{h}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(())
    }

    /// The index of the phone column.
    pub fn phone(&self) -> Option<usize> {
        self.targets.iter().position(|t| *t == Target::Phone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapping(value: Value) -> Result<Mapping, FieldError> {
        Mapping::parse(&value, &Path::root("mapping"))
    }

    #[test]
    fn targets_parse_with_kinds() {
        assert_eq!(Target::parse("phone").unwrap(), Target::Phone);
        assert_eq!(
            Target::parse("field:birthday:date").unwrap(),
            Target::Field {
                name: "birthday".into(),
                kind: FieldKind::Date
            }
        );
        assert_eq!(
            Target::parse("field:city").unwrap(),
            Target::Field {
                name: "city".into(),
                kind: FieldKind::Text
            }
        );
        assert!(Target::parse("field:").unwrap_err().contains("field name"));
        assert!(Target::parse("field:age:integer")
            .unwrap_err()
            .contains("\"integer\""));
        assert!(Target::parse("phon")
            .unwrap_err()
            .contains("\"phon\" is not a target"));
    }

    #[test]
    fn headers_are_recognised_in_four_languages() {
        let cols = Columns::resolve(&["\u{feff}Telefono", "Nome", "Città", "tags"], None).unwrap();
        assert_eq!(cols.headers[0], "Telefono");
        assert_eq!(
            cols.targets,
            vec![
                Target::Phone,
                Target::Name,
                Target::Field {
                    name: "Città".into(),
                    kind: FieldKind::Text
                },
                Target::Tags
            ]
        );
        for phone in ["téléphone", "Teléfono", "MOBILE", "cellulare"] {
            assert_eq!(Columns::resolve(&[phone], None).unwrap().phone(), Some(0));
        }
    }

    #[test]
    fn a_mapping_names_its_columns_and_ignores_the_others() {
        let m = mapping(json!({"Cell": "phone", "Anni": "field:age:number"})).unwrap();
        let cols = Columns::resolve(&["Cell", "Nome", "Anni"], Some(&m)).unwrap();
        assert_eq!(cols.targets[1], Target::Ignore);
        assert_eq!(cols.phone(), Some(0));
    }

    #[test]
    fn mapping_errors_name_the_header_and_the_value() {
        let e = mapping(json!({"Cell": "phon"})).unwrap_err();
        assert_eq!(e.path, "mapping.Cell");
        assert!(e.message.contains("\"phon\""), "{e}");
        let e = mapping(json!(["phone"])).unwrap_err();
        assert_eq!(e.path, "mapping");
        let m = mapping(json!({"Telefono": "phone"})).unwrap();
        let e = Columns::resolve(&["Cell"], Some(&m)).unwrap_err();
        assert_eq!(e.path, "mapping.Telefono");
        assert!(e.message.contains("\"Cell\""), "{e}");
        let m = mapping(json!({"Nome": "name"})).unwrap();
        let e = Columns::resolve(&["Cell", "Nome"], Some(&m)).unwrap_err();
        assert_eq!(e.path, "mapping");
        assert!(e.message.contains("no column is the phone"), "{e}");
        let e = Columns::resolve(&["email", "city"], None).unwrap_err();
        assert!(e.message.contains("\"email\", \"city\""), "{e}");
        let e = Columns::resolve(&["phone", "mobile"], None).unwrap_err();
        assert!(e.message.contains("\"phone\" and \"mobile\""), "{e}");
        let m = mapping(json!({"a": "field:x", "b": "field:x:number", "p": "phone"})).unwrap();
        let e = Columns::resolve(&["p", "a", "b"], Some(&m)).unwrap_err();
        assert_eq!(e.path, "mapping.b");
    }
}
