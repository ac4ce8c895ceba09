//! One CSV row read into a contact ([`ContactRow`]) — or the reason it cannot be, naming the
//! column and the value — and how a row changes a contact that already exists.

use super::country::{normalize_phone, DefaultCountry};
use super::mapping::{Columns, FieldKind, Target, MAX_NAME_CHARS};
use crate::phone::PhoneNumber;
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

/// What a row says about a contact.
///
/// Guarantees: the phone is E.164; tags and lists are 1 to 64 characters each, without
/// duplicates (compared case-insensitively); field values are text, numbers, `YYYY-MM-DD` dates
/// or booleans.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRow {
    pub phone: PhoneNumber,
    /// `None` when the row has no name (an existing name is kept).
    pub name: Option<String>,
    pub tags: Vec<String>,
    pub lists: Vec<String>,
    /// Fields to set; empty cells set nothing.
    pub fields: Map<String, Value>,
}

/// How to read every row of a file: its columns, the default country for national numbers,
/// and tags and lists given to every contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub columns: Columns,
    pub country: Option<DefaultCountry>,
    pub tags: Vec<String>,
    pub lists: Vec<String>,
}

/// A tag or list name given for the whole import, checked.
pub fn checked_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "\"{name}\" is not a name (1 to {MAX_NAME_CHARS} characters)"
        ));
    }
    Ok(name.to_string())
}

/// Adds `name` unless present (case-insensitively); whether it was added.
fn add_name(names: &mut Vec<String>, name: &str) -> bool {
    if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return false;
    }
    names.push(name.to_string());
    true
}

impl Plan {
    /// Reads one row's cells; the reason it is bad names the column and quotes the value, e.g.
    /// `Telefono: "abc" is not a phone number (e.g. +393331234567)`.
    pub fn row(&self, cells: &[&str]) -> Result<ContactRow, String> {
        let columns = &self.columns;
        if cells.len() != columns.headers.len() {
            return Err(format!(
                "the row has {} columns, the header has {}",
                cells.len(),
                columns.headers.len()
            ));
        }
        let phone_at = columns.phone().unwrap_or_default();
        let phone_cell = cells[phone_at].trim();
        let header = |i: usize| &columns.headers[i];
        if phone_cell.is_empty() {
            return Err(format!("{}: the phone is empty", header(phone_at)));
        }
        let phone = normalize_phone(phone_cell, self.country.as_ref())
            .map_err(|m| format!("{}: {m}", header(phone_at)))?;
        let mut row = ContactRow {
            phone,
            name: None,
            tags: self.tags.clone(),
            lists: self.lists.clone(),
            fields: Map::new(),
        };
        for (i, (target, cell)) in columns.targets.iter().zip(cells).enumerate() {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let bad = |what: &str| format!("{}: \"{cell}\" {what}", header(i));
            match target {
                Target::Phone | Target::Ignore => {}
                Target::Name => row.name = Some(cell.to_string()),
                Target::Tags | Target::Lists => {
                    let names = if *target == Target::Tags {
                        &mut row.tags
                    } else {
                        &mut row.lists
                    };
                    for part in cell.split([',', ';', '|']).map(str::trim) {
                        if part.is_empty() {
                            continue;
                        }
                        if part.chars().count() > MAX_NAME_CHARS {
                            return Err(bad(&format!(
                                "holds a name longer than {MAX_NAME_CHARS} characters"
                            )));
                        }
                        add_name(names, part);
                    }
                }
                Target::Field { name, kind } => {
                    let value = field_value(*kind, cell).map_err(|what| bad(&what))?;
                    row.fields.insert(name.clone(), value);
                }
            }
        }
        Ok(row)
    }
}

/// A cell as a field value of `kind`, or what it is not.
pub fn field_value(kind: FieldKind, cell: &str) -> Result<Value, String> {
    match kind {
        FieldKind::Text => Ok(json!(cell)),
        FieldKind::Number => cell
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|n| {
                // Whole numbers stay whole: "3" is 3, not 3.0.
                if n.fract() == 0.0 && n.abs() < 9e15 {
                    json!(n as i64)
                } else {
                    json!(n)
                }
            })
            .ok_or_else(|| "is not a number".to_string()),
        FieldKind::Date => ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(cell, f).ok())
            .map(|d| json!(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| "is not a date (2026-03-30 or 30/03/2026)".to_string()),
        FieldKind::Bool => match cell.to_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "sì" | "si" | "vero" | "oui" | "vrai" | "ja" | "x" => {
                Ok(json!(true))
            }
            "false" | "no" | "n" | "0" | "falso" | "non" | "faux" | "nein" => Ok(json!(false)),
            _ => Err("is not yes or no (true/false, yes/no, sì/no, 1/0)".to_string()),
        },
    }
}

/// A contact's changeable parts, as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactParts {
    pub name: String,
    pub tags: Vec<String>,
    pub lists: Vec<String>,
    pub fields: Map<String, Value>,
}

impl ContactRow {
    /// Applies the row to a contact: the name replaced when the row has one, tags and lists
    /// united (case-insensitively, existing spellings kept), fields set one by one (others
    /// kept). Whether anything changed.
    pub fn apply(&self, to: &mut ContactParts) -> bool {
        let mut changed = false;
        if let Some(name) = &self.name {
            if to.name != *name {
                to.name = name.clone();
                changed = true;
            }
        }
        for tag in &self.tags {
            changed |= add_name(&mut to.tags, tag);
        }
        for list in &self.lists {
            changed |= add_name(&mut to.lists, list);
        }
        for (key, value) in &self.fields {
            if to.fields.get(key) != Some(value) {
                to.fields.insert(key.clone(), value.clone());
                changed = true;
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::mapping::Mapping;
    use crate::parse::Path;

    fn plan(headers: &[&str], mapping: Option<Value>, country: Option<&str>) -> Plan {
        let mapping = mapping.map(|m| Mapping::parse(&m, &Path::root("mapping")).unwrap());
        Plan {
            columns: Columns::resolve(headers, mapping.as_ref()).unwrap(),
            country: country.map(|c| DefaultCountry::parse(c).unwrap()),
            tags: vec!["imported".into()],
            lists: vec![],
        }
    }

    #[test]
    fn a_row_becomes_a_contact_with_typed_fields() {
        let p = plan(
            &["Telefono", "Nome", "Tags", "Anni", "Nato", "Vip", "Città"],
            Some(json!({"Telefono": "phone", "Nome": "name", "Tags": "tags",
                "Anni": "field:age:number", "Nato": "field:born:date", "Vip": "field:vip:bool",
                "Città": "field:city"})),
            Some("IT"),
        );
        let row = p
            .row(&[
                "333 123 4567",
                " Anna Rossi ",
                "vip; Clienti|vip",
                "42",
                "30/03/1990",
                "sì",
                "",
            ])
            .unwrap();
        assert_eq!(row.phone.as_str(), "+393331234567");
        assert_eq!(row.name.as_deref(), Some("Anna Rossi"));
        assert_eq!(row.tags, vec!["imported", "vip", "Clienti"]);
        assert_eq!(
            Value::Object(row.fields),
            json!({"age": 42, "born": "1990-03-30", "vip": true})
        );
        let p = plan(
            &["phone", "score"],
            Some(json!({"phone": "phone", "score": "field:score:number"})),
            None,
        );
        assert_eq!(
            p.row(&["+33612345678", "2,5"]).unwrap().fields["score"],
            json!(2.5)
        );
    }

    #[test]
    fn bad_rows_name_the_column_and_the_value() {
        let p = plan(
            &["phone", "age", "born", "ok"],
            Some(
                json!({"phone": "phone", "age": "field:age:number", "born": "field:born:date",
                "ok": "field:ok:bool"}),
            ),
            Some("IT"),
        );
        let cases = [
            (
                vec!["abc", "1", "", ""],
                "phone: \"abc\" is not a phone number",
            ),
            (vec!["", "1", "", ""], "phone: the phone is empty"),
            (
                vec!["3331234567", "tanti", "", ""],
                "age: \"tanti\" is not a number",
            ),
            (
                vec!["3331234567", "", "31/02/2020", ""],
                "born: \"31/02/2020\" is not a date",
            ),
            (
                vec!["3331234567", "", "", "forse"],
                "ok: \"forse\" is not yes or no",
            ),
            (
                vec!["3331234567", ""],
                "the row has 2 columns, the header has 4",
            ),
        ];
        for (cells, reason) in cases {
            let e = p.row(&cells).unwrap_err();
            assert!(e.starts_with(reason), "{cells:?}: {e}");
        }
    }

    #[test]
    fn applying_unites_tags_and_lists_and_sets_fields() {
        let p = plan(&["phone", "name", "lists", "city"], None, None);
        let row = p.row(&["+393331234567", "", "VIP, nuovi", "Roma"]).unwrap();
        let mut parts = ContactParts {
            name: "Anna".into(),
            tags: vec!["Imported".into()],
            lists: vec!["vip".into()],
            fields: json!({"city": "Milano", "age": 3})
                .as_object()
                .unwrap()
                .clone(),
        };
        assert!(row.apply(&mut parts));
        assert_eq!(parts.name, "Anna", "an empty name keeps the old one");
        assert_eq!(parts.tags, vec!["Imported"]);
        assert_eq!(parts.lists, vec!["vip", "nuovi"]);
        assert_eq!(
            Value::Object(parts.fields.clone()),
            json!({"city": "Roma", "age": 3})
        );
        assert!(!row.apply(&mut parts), "applying twice changes nothing");
    }
}
