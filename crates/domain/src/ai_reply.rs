//! The "reply with AI" step's settings: how long to wait for the contact to pause, how much of the
//! conversation the model sees, the workflow's helpers and system prefix, the pre-send check and
//! the fallback edge.
//!
//! **Invariant:** an `AiReply` exists only with values in range (debounce 0–60 s, history 0–50
//! messages, at most 20 helpers of at most 500 characters).

use crate::parse::{FieldError, Obj, Path};
use serde::Serialize;
use serde_json::Value;

/// The longest the AI step may wait for the contact to pause.
pub const MAX_DEBOUNCE_MS: i64 = 60_000;
/// The most previous messages the model may be shown.
pub const MAX_HISTORY: i64 = 50;

/// What a `ai_reply` step does: wait until the contact pauses for `debounce_ms`, answer every
/// message of the burst in one reply built from the workspace's business prompt and knowledge,
/// the last `history` messages, the `helpers` and the `system_prefix`; just before sending,
/// cancel if the contact wrote again (`cancel_if_contact_wrote`) or an agent replied
/// (`cancel_if_agent_replied`). A provider error, a timeout, a missing provider or a workspace
/// out of credits continues at `on_failure` (the fallback edge), or ends the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AiReply {
    pub debounce_ms: u64,
    pub history: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub helpers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_prefix: Option<String>,
    pub cancel_if_contact_wrote: bool,
    pub cancel_if_agent_replied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
}

/// The fields an `ai_reply` step has beyond the common ones.
pub(crate) const FIELDS: [&str; 7] = [
    "debounce_ms",
    "history",
    "helpers",
    "system_prefix",
    "cancel_if_contact_wrote",
    "cancel_if_agent_replied",
    "on_failure",
];

impl AiReply {
    /// Reads the step's fields (the caller checked that no other field is present).
    pub(crate) fn parse(obj: &Obj<'_>, path: &Path) -> Result<Self, FieldError> {
        let debounce_ms = obj.i64_or("debounce_ms", 3_000)?;
        if !(0..=MAX_DEBOUNCE_MS).contains(&debounce_ms) {
            return Err(path.key("debounce_ms").error(
                &Value::from(debounce_ms),
                &format!("is not between 0 and {MAX_DEBOUNCE_MS}"),
            ));
        }
        let history = obj.i64_or("history", 10)?;
        if !(0..=MAX_HISTORY).contains(&history) {
            return Err(path.key("history").error(
                &Value::from(history),
                &format!("is not between 0 and {MAX_HISTORY} messages"),
            ));
        }
        let helpers = if obj.has("helpers") {
            obj.strings("helpers")?
        } else {
            Vec::new()
        };
        if helpers.len() > 20 {
            return Err(path.key("helpers").message("has more than 20 phrases"));
        }
        for (i, h) in helpers.iter().enumerate() {
            if h.trim().is_empty() || h.chars().count() > 500 {
                return Err(path.key("helpers").index(i).error(
                    &Value::String(h.clone()),
                    "is not a phrase (1 to 500 characters)",
                ));
            }
        }
        let system_prefix = obj
            .opt_str("system_prefix")?
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        if let Some(p) = &system_prefix {
            if p.chars().count() > 200 {
                return Err(path
                    .key("system_prefix")
                    .error(&Value::String(p.clone()), "is longer than 200 characters"));
            }
        }
        Ok(Self {
            debounce_ms: debounce_ms as u64,
            history: history as u32,
            helpers,
            system_prefix,
            cancel_if_contact_wrote: obj.bool_or("cancel_if_contact_wrote", true)?,
            cancel_if_agent_replied: obj.bool_or("cancel_if_agent_replied", true)?,
            on_failure: obj.opt_str("on_failure")?.map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::Path;
    use crate::step::{Action, Step};
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<Step, String> {
        Step::parse(&v, &Path::root("steps").index(0), 0).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_are_the_recommended_ones() {
        let step = parse(json!({"type": "ai_reply"})).unwrap();
        let Action::AiReply(ai) = step.action else {
            panic!("not an AI reply: {step:?}")
        };
        assert_eq!(ai.debounce_ms, 3_000);
        assert_eq!(ai.history, 10);
        assert!(ai.cancel_if_contact_wrote && ai.cancel_if_agent_replied);
        assert!(ai.helpers.is_empty() && ai.system_prefix.is_none());
    }

    #[test]
    fn settings_are_read_and_edges_listed() {
        let step = parse(json!({"type": "ai_reply", "debounce_ms": 500, "history": 4,
            "helpers": ["Spediamo in 24 ore"], "system_prefix": "[Risposta automatica]",
            "cancel_if_agent_replied": false, "on_failure": "sorry"}))
        .unwrap();
        assert_eq!(step.targets(), vec![("on_failure", "sorry")]);
        let Action::AiReply(ai) = &step.action else {
            panic!("not an AI reply")
        };
        assert_eq!((ai.debounce_ms, ai.history), (500, 4));
        assert_eq!(ai.helpers, vec!["Spediamo in 24 ore"]);
        assert_eq!(ai.system_prefix.as_deref(), Some("[Risposta automatica]"));
        assert!(ai.cancel_if_contact_wrote && !ai.cancel_if_agent_replied);
        assert_eq!(step.kind(), "ai_reply");
    }

    #[test]
    fn out_of_range_values_are_refused_by_name() {
        let e = parse(json!({"type": "ai_reply", "debounce_ms": 90000})).unwrap_err();
        assert!(
            e.contains("steps[0].debounce_ms") && e.contains("90000"),
            "{e}"
        );
        let e = parse(json!({"type": "ai_reply", "history": -1})).unwrap_err();
        assert!(e.contains("steps[0].history"), "{e}");
        let e = parse(json!({"type": "ai_reply", "helpers": ["ok", " "]})).unwrap_err();
        assert!(e.contains("steps[0].helpers[1]"), "{e}");
        let e = parse(json!({"type": "ai_reply", "model": "gpt"})).unwrap_err();
        assert!(e.contains("model"), "{e}");
    }
}
