//! Whether two live workflows would take the same inbound messages: the builder warns before a
//! second flow silently answers the messages a first one already answers.

use crate::document::{Scope, WorkflowDocument};
use crate::trigger::Trigger;

/// Why `a` and `b` would both start for some inbound message, in words; `None` when they cannot
/// (different triggers, numbers or priorities, or triggers not started by messages). Conditions
/// are compared only where that is certain: two flows whose required keywords share none may
/// still both hold for a message carrying a keyword of each, so they overlap too.
pub fn overlap(a: &WorkflowDocument, b: &WorkflowDocument) -> Option<String> {
    if a.priority != b.priority || !scopes_meet(&a.scope, &b.scope) {
        return None;
    }
    let trigger = match (&a.trigger, &b.trigger) {
        (Trigger::MessageReceived, Trigger::MessageReceived) => "both start on any message",
        (Trigger::ContactCreated, Trigger::ContactCreated) => {
            "both start on a new contact's first message"
        }
        (Trigger::ExactPhrase { .. }, Trigger::ExactPhrase { .. })
            if a.trigger.phrase_key() == b.trigger.phrase_key() =>
        {
            "both start on the same exact phrase"
        }
        (Trigger::OutsideBusinessHours, Trigger::OutsideBusinessHours) => {
            "both answer outside business hours"
        }
        (Trigger::Holiday, Trigger::Holiday) => "both answer on holidays",
        _ => return None,
    };
    let keywords = |d: &WorkflowDocument| {
        d.conditions
            .as_ref()
            .and_then(|c| c.required_keywords())
            .map(|(_, words)| words)
    };
    let conditions = match (keywords(a), keywords(b)) {
        (None, None) if a.conditions.is_none() && b.conditions.is_none() => {
            "neither has conditions".to_string()
        }
        (Some(x), Some(y)) => {
            let shared: Vec<&String> = x
                .iter()
                .filter(|w| y.iter().any(|v| v.eq_ignore_ascii_case(w)))
                .collect();
            match shared.first() {
                Some(w) => format!("both need the word \"{w}\""),
                None => format!(
                    "a message with \"{}\" and \"{}\" meets both",
                    x.first().map_or("", String::as_str),
                    y.first().map_or("", String::as_str)
                ),
            }
        }
        _ => "their conditions can hold for the same message".to_string(),
    };
    Some(format!(
        "{trigger}, with the same priority ({}); {conditions}: both would run",
        a.priority
    ))
}

fn scopes_meet(a: &Scope, b: &Scope) -> bool {
    match (a, b) {
        (Scope::Number(x), Scope::Number(y)) => x == y,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(trigger: serde_json::Value, words: &[&str], priority: i64) -> WorkflowDocument {
        let mut d = json!({"name": "x", "priority": priority, "trigger": trigger,
                           "steps": [{"id": "a", "type": "send_text", "text": "hi"}]});
        if !words.is_empty() {
            d["conditions"] = json!({"all": [{"type": "text", "op": "contains", "values": words}]});
        }
        WorkflowDocument::parse(&d).unwrap()
    }

    #[test]
    fn same_trigger_and_priority_overlap_and_the_reason_names_the_shared_word() {
        let any = json!({"type": "message_received"});
        let a = doc(any.clone(), &["prezzo"], 100);
        let b = doc(any.clone(), &["Prezzo", "costo"], 100);
        let reason = overlap(&a, &b).unwrap();
        assert!(reason.contains("\"prezzo\""), "{reason}");
        assert!(overlap(&a, &doc(any.clone(), &["prezzo"], 50)).is_none());
        let phrase = |p: &str| json!({"type": "exact_phrase", "phrase": p});
        assert!(overlap(
            &doc(phrase("Ciao"), &[], 100),
            &doc(phrase("ciao "), &[], 100)
        )
        .is_some());
        assert!(overlap(
            &doc(phrase("ciao"), &[], 100),
            &doc(phrase("stop"), &[], 100)
        )
        .is_none());
        assert!(overlap(&a, &doc(phrase("prezzo"), &[], 100)).is_none());
        let reason = overlap(&doc(any.clone(), &["price"], 100), &a).unwrap();
        assert!(reason.contains("meets both"), "{reason}");
    }
}
