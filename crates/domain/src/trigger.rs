//! Triggers: what starts a workflow.

use crate::calendar::{parse_clock, Calendar};
use crate::message::InboundView;
use crate::parse::{FieldError, Obj};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// What starts a workflow: inbound messages, exact phrases, new contacts, the two fallbacks that
/// fire only when nothing else matched, and dates in contact fields.
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
    /// A call from another system to the workflow's own URL: `phone` (and optional `name`) are
    /// dotted paths into the JSON payload naming the contact; `fields` map contact fields and
    /// `vars` run variables to paths.
    Integration {
        phone: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        fields: BTreeMap<String, String>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        vars: BTreeMap<String, String>,
    },
    /// Started for contacts given through the API: a list, a CSV upload or a contact filter (a
    /// campaign).
    Outbound,
    /// No reply for `minutes` after our last message in a conversation (once per message; our
    /// own follow-up does not start the workflow again).
    ConversationIdle { minutes: i64 },
    /// A date in a contact field (`YYYY-MM-DD`), `offset_days` before (negative) or after, at a
    /// local time in the workspace's time zone; `yearly` compares month and day only (a
    /// birthday; 29 February falls on the 28th in other years).
    Date {
        field: String,
        offset_days: i64,
        #[serde(serialize_with = "serialize_clock")]
        at: NaiveTime,
        yearly: bool,
    },
    /// A contact was added to the list (by a step, the API or an import); adding a whole list's
    /// contacts runs the workflow over the list.
    ListAdded { list: String },
    /// A ticket of the contact changed to `status` (any status when `None`), including opening.
    TicketStatusChanged {
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<String>,
    },
}

/// The statuses a ticket can have.
pub const TICKET_STATUSES: [&str; 3] = ["open", "pending", "closed"];

fn serialize_clock<S: serde::Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.format("%H:%M").to_string())
}

/// What a date trigger fires on today: the contacts whose field matches, and from when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateOccurrence {
    /// The local day it fires (the ledger key: once per contact per occurrence).
    pub day: NaiveDate,
    /// The moment it fires, in UTC.
    pub fire_at: DateTime<Utc>,
    /// Match the field's month and day only (yearly) ...
    pub month_day: Option<(u32, u32)>,
    /// ... or the whole date.
    pub date: Option<NaiveDate>,
}

impl Trigger {
    /// For a date trigger, today's occurrence in the calendar's time zone if its time has come.
    pub fn date_occurrence(
        &self,
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Option<DateOccurrence> {
        let Trigger::Date {
            offset_days,
            at,
            yearly,
            ..
        } = self
        else {
            return None;
        };
        let today = calendar.local(now).date();
        let fire_at = calendar.resolve_local(today.and_time(*at));
        if now < fire_at {
            return None;
        }
        let target = today - Duration::days(*offset_days);
        Some(DateOccurrence {
            day: today,
            fire_at,
            month_day: yearly.then(|| (target.month(), target.day())),
            date: (!yearly).then_some(target),
        })
    }
}

/// Whether a stored date (`YYYY-MM-DD...`) matches an occurrence. A 29 February date matches
/// 28 February in years without one.
pub fn date_matches(value: &str, occurrence: &DateOccurrence) -> bool {
    let Some(date) = value
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    else {
        return false;
    };
    match (occurrence.month_day, occurrence.date) {
        (Some((m, d)), _) => {
            let leap_day_moved = date.month() == 2
                && date.day() == 29
                && m == 2
                && d == 28
                && NaiveDate::from_ymd_opt(occurrence.day.year(), 2, 29).is_none();
            (date.month() == m && date.day() == d) || leap_day_moved
        }
        (None, Some(target)) => date == target,
        _ => false,
    }
}

/// Every trigger type, as named in documents (comma-separated).
pub const TRIGGER_TYPES: &str =
    "message_received, exact_phrase, contact_created, outside_business_hours, holiday, date, \
     conversation_idle, integration, outbound, list_added, ticket_status_changed";

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
            "outbound" => Trigger::Outbound,
            "integration" => {
                obj.only(&["type", "phone", "name", "fields", "vars"])?;
                let phone = obj.str("phone")?.trim().to_string();
                if phone.is_empty() {
                    return Err(obj.path.key("phone").message("must name the payload field holding the phone number, e.g. \"customer.phone\""));
                }
                let map = |key: &str| -> Result<BTreeMap<String, String>, FieldError> {
                    let mut out = BTreeMap::new();
                    if let Some((v, p)) = obj.opt(key) {
                        let o = Obj::new(v, p.clone())?;
                        for k in v
                            .as_object()
                            .map(|m| m.keys().cloned().collect::<Vec<_>>())
                            .unwrap_or_default()
                        {
                            if k.is_empty()
                                || !k
                                    .chars()
                                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                            {
                                return Err(p
                                    .key(&k)
                                    .message("is not a name (letters, digits, '-' and '_')"));
                            }
                            out.insert(k.clone(), o.str(&k)?.to_string());
                        }
                    }
                    Ok(out)
                };
                Trigger::Integration {
                    phone,
                    name: obj.opt_str("name")?.map(str::to_string),
                    fields: map("fields")?,
                    vars: map("vars")?,
                }
            }
            "list_added" => {
                obj.only(&["type", "list"])?;
                Trigger::ListAdded {
                    list: crate::step::list_name(obj, "list")?,
                }
            }
            "ticket_status_changed" => {
                obj.only(&["type", "status"])?;
                let status = match obj.opt_str("status")? {
                    None | Some("any") => None,
                    Some(s) if TICKET_STATUSES.contains(&s) => Some(s.to_string()),
                    Some(s) => {
                        return Err(obj.path.key("status").error(
                            &Value::String(s.into()),
                            "is not a ticket status (open, pending, closed, any)",
                        ))
                    }
                };
                Trigger::TicketStatusChanged { status }
            }
            "conversation_idle" => {
                obj.only(&["type", "minutes"])?;
                let minutes = obj.i64_or("minutes", 0)?;
                if !(1..=60 * 24 * 30).contains(&minutes) {
                    return Err(obj.path.key("minutes").error(
                        &Value::from(minutes),
                        "is not between 1 and 43200 (30 days)",
                    ));
                }
                Trigger::ConversationIdle { minutes }
            }
            "date" => {
                obj.only(&["type", "field", "offset_days", "at", "yearly"])?;
                let field = obj.str("field")?.trim().to_string();
                if field.is_empty()
                    || field.len() > 64
                    || !field
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(obj.path.key("field").error(
                        &Value::String(field),
                        "is not a contact field name (letters, digits, '-' and '_')",
                    ));
                }
                let offset_days = obj.i64_or("offset_days", 0)?;
                if !(-365..=365).contains(&offset_days) {
                    return Err(obj
                        .path
                        .key("offset_days")
                        .error(&Value::from(offset_days), "is not between -365 and 365"));
                }
                let at_text = obj.opt_str("at")?.unwrap_or("09:00");
                let at = parse_clock(at_text).ok_or_else(|| {
                    obj.path.key("at").error(
                        &Value::String(at_text.into()),
                        "is not a time of day (HH:MM)",
                    )
                })?;
                Trigger::Date {
                    field,
                    offset_days,
                    at,
                    yearly: obj.bool_or("yearly", false)?,
                }
            }
            other => {
                return Err(obj.path.key("type").error(
                    &Value::String(other.into()),
                    &format!("is not a trigger ({TRIGGER_TYPES})"),
                ))
            }
        };
        if !matches!(
            trigger,
            Trigger::ExactPhrase { .. }
                | Trigger::Date { .. }
                | Trigger::ConversationIdle { .. }
                | Trigger::Integration { .. }
                | Trigger::ListAdded { .. }
                | Trigger::TicketStatusChanged { .. }
        ) {
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
            Trigger::Date { .. } => "date",
            Trigger::ConversationIdle { .. } => "conversation_idle",
            Trigger::Integration { .. } => "integration",
            Trigger::Outbound => "outbound",
            Trigger::ListAdded { .. } => "list_added",
            Trigger::TicketStatusChanged { .. } => "ticket_status_changed",
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
