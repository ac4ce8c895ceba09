//! `when`: the delay before a step runs, counted from the end of the previous step.

use crate::calendar::{parse_clock, Calendar};
use crate::parse::{FieldError, Path};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// When a step runs. Parsed from text such as `immediately`, `30m`, `2h`, `1h30m`, `after 2 hours`,
/// `3 days`, `next business day 09:00`.
///
/// Guarantees: a `When` always renders back to exactly the text it was parsed from, so documents
/// round-trip unchanged; durations are positive and at most 366 days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    kind: WhenKind,
    source: String,
}

/// The meaning of a [`When`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenKind {
    Immediately,
    After(Duration),
    NextBusinessDayAt(NaiveTime),
}

impl Default for When {
    fn default() -> Self {
        Self {
            kind: WhenKind::Immediately,
            source: "immediately".into(),
        }
    }
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

fn unit_seconds(unit: &str) -> Option<i64> {
    Some(match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 7 * 86_400,
        _ => return None,
    })
}

/// Parses a sum of `<number><unit>` terms: `2h`, `1h30m`, `2 hours`, `1 day 6 hours`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut total: i64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let amount: i64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = unit_seconds(&rest[..unit_len].to_ascii_lowercase())?;
        total = total.checked_add(amount.checked_mul(unit)?)?;
        rest = rest[unit_len..]
            .trim_start()
            .trim_start_matches(',')
            .trim_start();
        rest = rest.strip_prefix("and ").unwrap_or(rest).trim_start();
    }
    (total > 0 && total <= 366 * 86_400).then(|| Duration::seconds(total))
}

impl When {
    /// Parses the text of a `when` field.
    pub fn parse_text(text: &str) -> Option<Self> {
        let lower = text.trim().to_ascii_lowercase();
        let kind = if matches!(lower.as_str(), "immediately" | "now" | "0" | "0s") {
            WhenKind::Immediately
        } else if let Some(rest) = lower.strip_prefix("next business day") {
            let rest = rest.trim();
            let rest = rest.strip_prefix("at").unwrap_or(rest).trim();
            WhenKind::NextBusinessDayAt(parse_clock(rest)?)
        } else {
            let rest = lower.strip_prefix("after").unwrap_or(&lower);
            WhenKind::After(parse_duration(rest)?)
        };
        Some(Self {
            kind,
            source: text.trim().to_string(),
        })
    }

    /// Parses a `when` value, naming its path when it is not one.
    pub fn parse(value: &Value, path: &Path) -> Result<Self, FieldError> {
        value.as_str().and_then(Self::parse_text).ok_or_else(|| {
            path.error(value, "is not a duration (use \"immediately\", \"30m\", \"2h\", \"1d\" or \"next business day 09:00\")")
        })
    }

    /// A positive duration only (no calendar forms), for timeouts.
    pub fn parse_duration_value(value: &Value, path: &Path) -> Result<Self, FieldError> {
        match value.as_str().and_then(Self::parse_text) {
            Some(w) if matches!(w.kind, WhenKind::After(_)) => Ok(w),
            _ => Err(path.error(value, "is not a duration (e.g. \"30m\", \"2h\", \"1d\")")),
        }
    }

    /// What this `when` means.
    pub fn kind(&self) -> WhenKind {
        self.kind
    }

    /// Whether the step runs without any delay.
    pub fn is_immediate(&self) -> bool {
        self.kind == WhenKind::Immediately
    }

    /// The instant at which a step with this `when` is due, counted from `from`.
    pub fn due_at(&self, from: DateTime<Utc>, calendar: &Calendar) -> DateTime<Utc> {
        match self.kind {
            WhenKind::Immediately => from,
            WhenKind::After(d) => from + d,
            WhenKind::NextBusinessDayAt(t) => calendar.next_business_day_at(from, t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let h = |n| WhenKind::After(Duration::hours(n));
        assert_eq!(When::parse_text("2h").unwrap().kind(), h(2));
        assert_eq!(When::parse_text("after 2 hours").unwrap().kind(), h(2));
        assert_eq!(
            When::parse_text("1h30m").unwrap().kind(),
            WhenKind::After(Duration::minutes(90))
        );
        assert_eq!(When::parse_text("1 day, 6 hours").unwrap().kind(), h(30));
        assert_eq!(
            When::parse_text("immediately").unwrap().kind(),
            WhenKind::Immediately
        );
        assert_eq!(
            When::parse_text("next business day at 9:00")
                .unwrap()
                .kind(),
            WhenKind::NextBusinessDayAt(NaiveTime::from_hms_opt(9, 0, 0).unwrap())
        );
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            "2 hourz",
            "",
            "h",
            "-2h",
            "0h",
            "400d",
            "next business day",
            "next business day 25:00",
            "2h x",
        ] {
            assert!(When::parse_text(bad).is_none(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn error_names_path_and_value() {
        let err = When::parse(
            &Value::String("2 hourz".into()),
            &Path::root("steps").index(2).key("when"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string().split(" (").next().unwrap(),
            "steps[2].when: \"2 hourz\" is not a duration"
        );
    }
}
