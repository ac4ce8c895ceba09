use super::*;
use serde_json::json;

fn valid() -> Value {
    json!({
        "schema": 1,
        "name": "Shipping price",
        "priority": 10,
        "trigger": {"type": "message_received"},
        "conditions": {"all": [{"type": "text", "op": "contains", "values": ["spedizione", "shipping"]}]},
        "steps": [
            {"id": "reply", "type": "send_text", "text": "Ciao {{contact.first_name}}, la spedizione costa 5 euro."},
            {"id": "tag", "type": "add_tag", "tag": "asked-shipping", "when": "2h"}
        ]
    })
}

#[test]
fn a_valid_document_parses_with_defaults() {
    let doc = WorkflowDocument::parse(&valid()).unwrap();
    assert_eq!(doc.name, "Shipping price");
    assert!(doc.active);
    assert_eq!(doc.scope, Scope::All);
    assert_eq!(doc.steps.len(), 2);
    assert_eq!(doc.next_after(0), Some(1));
    assert_eq!(doc.next_after(1), None);
}

#[test]
fn json_and_yaml_round_trip() {
    let doc = WorkflowDocument::parse(&valid()).unwrap();
    let again = WorkflowDocument::parse(&doc.to_value()).unwrap();
    assert_eq!(doc.to_value(), again.to_value());
    let from_yaml = WorkflowDocument::from_yaml(&doc.to_yaml()).unwrap();
    assert_eq!(doc.to_value(), from_yaml.to_value());
}

/// Sets `pointer` (a JSON pointer) in the valid document to `value`, or removes it when null.
fn with(pointer: &str, value: Value) -> Value {
    let mut doc = valid();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = doc.pointer_mut(parent).unwrap();
    match target {
        Value::Object(m) if value.is_null() => {
            m.remove(key);
        }
        Value::Object(m) => {
            m.insert(key.to_string(), value);
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
        _ => panic!("bad pointer"),
    }
    doc
}

#[test]
fn invalid_documents_name_their_field() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with("/steps/1/when", json!("2 hourz")),
            "steps[1].when",
            "\"2 hourz\" is not a duration",
        ),
        (with("/name", Value::Null), "name", "is required"),
        (with("/name", json!("  ")), "name", "must not be empty"),
        (
            with("/schema", json!(7)),
            "schema",
            "not a supported schema version",
        ),
        (
            with("/priority", json!("high")),
            "priority",
            "must be an integer",
        ),
        (
            with("/trigger/type", json!("on_message")),
            "trigger.type",
            "is not a trigger",
        ),
        (
            with("/trigger", json!({"type": "exact_phrase"})),
            "trigger.phrase",
            "is required",
        ),
        (with("/steps", json!([])), "steps", "at least one step"),
        (
            with("/steps/0/type", json!("send_fax")),
            "steps[0].type",
            "is not a step type",
        ),
        (
            with("/steps/0/text", Value::Null),
            "steps[0].text",
            "is required",
        ),
        (
            with("/steps/0/text", json!("Hi {{ contact.name")),
            "steps[0].text",
            "is not a valid template",
        ),
        (
            with("/steps/1/id", json!("reply")),
            "steps[1].id",
            "is already the id of steps[0]",
        ),
        (
            with("/steps/0/next", json!("nowhere")),
            "steps[0].next",
            "is not the id of a step",
        ),
        (
            with("/conditions/all/0/op", json!("sounds_like")),
            "conditions.all[0].op",
            "is not a text operator",
        ),
        (with("/conditions/all/0/op", json!("regex")), "", ""), // placeholder replaced below
        (
            with("/conditions/all", json!([])),
            "conditions.all",
            "at least one condition",
        ),
        (
            with("/conditions/all/0/type", json!("weather")),
            "conditions.all[0].type",
            "is not a condition type",
        ),
        (
            with("/conditions/all/0/values", json!([])),
            "conditions.all[0].values",
            "at least one value",
        ),
        (
            with("/scope", json!({"numbr": "x"})),
            "scope.numbr",
            "unknown field",
        ),
        (
            with("/stop_on_match", json!("yes")),
            "stop_on_match",
            "must be true or false",
        ),
        (
            with("/steps/0/colour", json!("red")),
            "steps[0].colour",
            "unknown field",
        ),
        (
            with("/steps/1/tag", json!("x".repeat(65))),
            "steps[1].tag",
            "longer than 64",
        ),
    ];
    let mut checked = 0;
    for (doc, path, message) in cases {
        if path.is_empty() {
            continue;
        }
        let err = WorkflowDocument::parse(&doc).expect_err(path);
        assert_eq!(err.path, path, "for {message}: {err}");
        assert!(
            err.message.contains(message),
            "{path}: expected {message:?} in {:?}",
            err.message
        );
        checked += 1;
    }
    let bad_regex = json!({"type":"text","op":"regex","values":["(unclosed"]});
    let err = WorkflowDocument::parse(&with("/conditions/all/0", bad_regex)).unwrap_err();
    assert_eq!(err.path, "conditions.all[0].values[0]");
    assert!(err.message.contains("is not a valid regex"));
    assert!(checked >= 15);
}
