//! Triggers: what starts a workflow.

use crate::message::InboundView;
use crate::parse::{FieldError, Obj};
use serde::Serialize;
use serde_json::Value;

/// What starts a workflow. This catalogue: inbound messages, exact phrases, new contacts and
/// the two fallbacks that fire only when nothing else matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    /// Any inbound message.
    MessageReceived,
    /// The inbound text equals the phrase (trimmed, case-insensitive, whitespace collapsed).
    ExactPhrase { phrase: String },
    /// The first message of an unknown number, or a contact created through the API.
    ContactCreated,
    /// Fallback: an inbound message outside business hours that no other workflow took.
    OutsideBusinessHours,
    /// Fallback: an inbound message on a holiday that no other workflow took.
    Holiday,
}

const TRIGGER_TYPES: &str =
    "message_received, exact_phrase, contact_created, outside_business_hours, holiday";

impl Trigger {
    /// Parses the `trigger` object.
    pub fn parse(obj: &Obj) -> Result<Self, FieldError> {
        let kind = obj.str("type")?;
        let trigger = match kind {
            "message_received" => Trigger::MessageReceived,
            "exact_phrase" => {
                obj.only(&["type", "phrase"])?;
                let phrase = obj.str("phrase")?;
                Trigger::ExactPhrase {
                    phrase: phrase.trim().to_string(),
                }
            }
            "contact_created" => Trigger::ContactCreated,
            "outside_business_hours" => Trigger::OutsideBusinessHours,
            "holiday" => Trigger::Holiday,
            other => {
                return Err(obj.path.key("type").error(
                    &Value::String(other.into()),
                    &format!("is not a trigger ({TRIGGER_TYPES})"),
                ))
            }
        };
        if !matches!(trigger, Trigger::ExactPhrase { .. }) {
            obj.only(&["type"])?;
        }
        Ok(trigger)
    }

    /// The trigger's type name, as stored and filtered on.
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::MessageReceived => "message_received",
            Trigger::ExactPhrase { .. } => "exact_phrase",
            Trigger::ContactCreated => "contact_created",
            Trigger::OutsideBusinessHours => "outside_business_hours",
            Trigger::Holiday => "holiday",
        }
    }

    /// For an exact-phrase trigger, the normalized phrase that inbound text is compared with.
    pub fn phrase_key(&self) -> Option<String> {
        match self {
            Trigger::ExactPhrase { phrase } => Some(InboundView::phrase_key(phrase)),
            _ => None,
        }
    }
}
