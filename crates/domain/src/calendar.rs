//! The workspace calendar: time zone, weekly business hours and holidays.
//!
//! Every question about local time ("is it inside business hours?", "when is the next business day
//! at 09:00?") is answered here, from a UTC instant passed in, so that daylight-saving changes are
//! handled in one place by `chrono-tz`.

use crate::parse::{FieldError, Path};
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One opening interval within a day, `from` inclusive, `to` exclusive. When `to <= from` the
/// interval runs past midnight into the next day (`22:00-02:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

impl Interval {
    fn wraps(&self) -> bool {
        self.to <= self.from
    }

    fn render(&self) -> String {
        format!("{}-{}", self.from.format("%H:%M"), self.to.format("%H:%M"))
    }
}

/// Opening intervals per weekday, in local time. An empty schedule is never open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklySchedule {
    days: BTreeMap<u8, Vec<Interval>>,
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(name: &str) -> Option<u8> {
    DAY_NAMES.iter().position(|d| *d == name).map(|i| i as u8)
}

/// Parses `HH:MM` (also `H:MM`), or `24:00` meaning the end of the day.
pub fn parse_clock(text: &str) -> Option<NaiveTime> {
    if text == "24:00" {
        return NaiveTime::from_hms_opt(23, 59, 59);
    }
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

impl WeeklySchedule {
    /// Parses `{"mon": ["09:00-13:00", "14:00-18:00"], "sat": ["10:00-12:00"]}`.
    pub fn parse(value: &Value, path: &Path) -> Result<Self, FieldError> {
        let map = value.as_object().ok_or_else(|| {
            path.error(
                value,
                "must be an object of weekday -> [\"HH:MM-HH:MM\", ...]",
            )
        })?;
        let mut days = BTreeMap::new();
        for (name, intervals) in map {
            let day_path = path.key(name);
            let index = day_index(name).ok_or_else(|| {
                day_path.error(
                    &Value::String(name.clone()),
                    "is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
                )
            })?;
            let list = intervals.as_array().ok_or_else(|| {
                day_path.error(intervals, "must be a list of \"HH:MM-HH:MM\" intervals")
            })?;
            let mut parsed = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                let item_path = day_path.index(i);
                let text = item.as_str().unwrap_or("");
                let interval = text
                    .split_once('-')
                    .and_then(|(a, b)| {
                        Some(Interval {
                            from: parse_clock(a.trim())?,
                            to: parse_clock(b.trim())?,
                        })
                    })
                    .filter(|iv| iv.from != iv.to)
                    .ok_or_else(|| {
                        item_path.error(item, "is not an interval like \"09:00-18:00\"")
                    })?;
                parsed.push(interval);
            }
            days.insert(index, parsed);
        }
        Ok(Self { days })
    }

    /// The schedule in the same JSON shape that [`WeeklySchedule::parse`] reads.
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (day, intervals) in &self.days {
            let list: Vec<Value> = intervals
                .iter()
                .map(|iv| Value::String(iv.render()))
                .collect();
            map.insert(DAY_NAMES[*day as usize].to_string(), Value::Array(list));
        }
        Value::Object(map)
    }

    /// Whether any interval is defined on this weekday.
    pub fn has_hours_on(&self, weekday: Weekday) -> bool {
        self.days
            .get(&(weekday.num_days_from_monday() as u8))
            .is_some_and(|v| !v.is_empty())
    }

    /// Whether the schedule is empty (no day has any interval).
    pub fn is_empty(&self) -> bool {
        self.days.values().all(|v| v.is_empty())
    }

    /// Whether a local wall-clock moment falls inside the schedule.
    pub fn contains_local(&self, local: NaiveDateTime) -> bool {
        let today = local.weekday().num_days_from_monday() as u8;
        let yesterday = (today + 6) % 7;
        let time = local.time();
        let open_today = self.days.get(&today).into_iter().flatten().any(|iv| {
            if iv.wraps() {
                time >= iv.from
            } else {
                time >= iv.from && time < iv.to
            }
        });
        let spill_from_yesterday = self
            .days
            .get(&yesterday)
            .into_iter()
            .flatten()
            .any(|iv| iv.wraps() && time < iv.to);
        open_today || spill_from_yesterday
    }
}

/// A holiday: one date, or a month-day that repeats every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    Once(NaiveDate),
    Yearly { month: u32, day: u32 },
}

impl Holiday {
    /// Parses `"2026-12-08"` (that date) or `"12-25"` (every year).
    pub fn parse(value: &Value, path: &Path) -> Result<Self, FieldError> {
        let text = value.as_str().unwrap_or("");
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Holiday::Once(date));
        }
        if let Some((m, d)) = text.split_once('-') {
            if let (Ok(month), Ok(day)) = (m.parse::<u32>(), d.parse::<u32>()) {
                // 2024 is a leap year, so 02-29 is accepted as a yearly date.
                if m.len() == 2
                    && d.len() == 2
                    && NaiveDate::from_ymd_opt(2024, month, day).is_some()
                {
                    return Ok(Holiday::Yearly { month, day });
                }
            }
        }
        Err(path.error(
            value,
            "is not a holiday date (\"YYYY-MM-DD\" once, or \"MM-DD\" every year)",
        ))
    }

    fn render(&self) -> String {
        match self {
            Holiday::Once(d) => d.format("%Y-%m-%d").to_string(),
            Holiday::Yearly { month, day } => format!("{month:02}-{day:02}"),
        }
    }

    fn falls_on(&self, date: NaiveDate) -> bool {
        match self {
            Holiday::Once(d) => *d == date,
            Holiday::Yearly { month, day } => date.month() == *month && date.day() == *day,
        }
    }
}

/// A workspace's notion of local time: its time zone, business hours and holidays.
///
/// Guarantees: all conversions from local wall-clock times to UTC go through
/// [`Calendar::resolve_local`], which picks the earlier instant of an ambiguous time (autumn) and
/// moves a non-existent time (spring gap) forward by the gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub time_zone: Tz,
    pub business_hours: WeeklySchedule,
    pub holidays: Vec<Holiday>,
}

impl Default for Calendar {
    fn default() -> Self {
        Self {
            time_zone: chrono_tz::UTC,
            business_hours: WeeklySchedule::default(),
            holidays: Vec::new(),
        }
    }
}

impl Calendar {
    /// Parses a time zone name such as `Europe/Rome`.
    pub fn parse_time_zone(value: &Value, path: &Path) -> Result<Tz, FieldError> {
        value
            .as_str()
            .and_then(|s| s.parse::<Tz>().ok())
            .ok_or_else(|| path.error(value, "is not an IANA time zone (e.g. \"Europe/Rome\")"))
    }

    /// Parses the holiday list.
    pub fn parse_holidays(value: &Value, path: &Path) -> Result<Vec<Holiday>, FieldError> {
        let list = value
            .as_array()
            .ok_or_else(|| path.error(value, "must be a list of dates"))?;
        list.iter()
            .enumerate()
            .map(|(i, v)| Holiday::parse(v, &path.index(i)))
            .collect()
    }

    /// The holiday list in the JSON shape [`Calendar::parse_holidays`] reads.
    pub fn holidays_json(&self) -> Value {
        json!(self
            .holidays
            .iter()
            .map(Holiday::render)
            .collect::<Vec<_>>())
    }

    /// The local wall-clock time of a UTC instant.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.time_zone).naive_local()
    }

    /// Converts a local wall-clock time to UTC (see the type's guarantee for DST edge cases).
    pub fn resolve_local(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let tz = self.time_zone;
        match tz.from_local_datetime(&local).earliest() {
            Some(t) => t.with_timezone(&Utc),
            None => {
                // Inside a spring-forward gap: step forward minute by minute to the first valid time.
                let mut probe = local;
                for _ in 0..180 {
                    probe += Duration::minutes(1);
                    if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                        return t.with_timezone(&Utc);
                    }
                }
                Utc.from_utc_datetime(&local)
            }
        }
    }

    /// Whether the local date of `at` is a holiday.
    pub fn is_holiday(&self, at: DateTime<Utc>) -> bool {
        let date = self.local(at).date();
        self.holidays.iter().any(|h| h.falls_on(date))
    }

    /// Whether `at` is inside business hours (holidays are closed all day).
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        !self.is_holiday(at) && self.business_hours.contains_local(self.local(at))
    }

    fn is_business_day(&self, date: NaiveDate) -> bool {
        let working = if self.business_hours.is_empty() {
            !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
        } else {
            self.business_hours.has_hours_on(date.weekday())
        };
        working && !self.holidays.iter().any(|h| h.falls_on(date))
    }

    /// The first business day strictly after the local date of `from`, at local `time`.
    /// A business day has business hours (Monday to Friday when none are set) and is no holiday.
    pub fn next_business_day_at(&self, from: DateTime<Utc>, time: NaiveTime) -> DateTime<Utc> {
        let mut date = self.local(from).date();
        for _ in 0..400 {
            date = date.succ_opt().unwrap_or(date);
            if self.is_business_day(date) {
                break;
            }
        }
        self.resolve_local(date.and_time(time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rome_office() -> Calendar {
        let path = Path::root("business_hours");
        let hours = json!({"mon": ["09:00-13:00", "14:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"],
                           "thu": ["09:00-18:00"], "fri": ["09:00-18:00"]});
        Calendar {
            time_zone: chrono_tz::Europe::Rome,
            business_hours: WeeklySchedule::parse(&hours, &path).unwrap(),
            holidays: Calendar::parse_holidays(
                &json!(["12-25", "2026-12-08"]),
                &Path::root("holidays"),
            )
            .unwrap(),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn business_hours_follow_rome_across_dst() {
        let cal = rome_office();
        // Friday 27 March 2026, CET (UTC+1): 08:30 UTC is 09:30 local.
        assert!(cal.is_open(utc("2026-03-27T08:30:00Z")));
        // Monday 30 March 2026, CEST (UTC+2): 07:30 UTC is 09:30 local, open; 07:30 UTC on a CET day is not.
        assert!(cal.is_open(utc("2026-03-30T07:30:00Z")));
        assert!(!cal.is_open(utc("2026-03-27T07:30:00Z")));
        // Lunch break on Monday.
        assert!(!cal.is_open(utc("2026-03-30T11:30:00Z")));
    }

    #[test]
    fn holidays_close_the_day() {
        let cal = rome_office();
        assert!(cal.is_holiday(utc("2026-12-25T10:00:00Z")));
        assert!(cal.is_holiday(utc("2027-12-25T10:00:00Z")));
        assert!(cal.is_holiday(utc("2026-12-08T10:00:00Z")));
        assert!(!cal.is_holiday(utc("2027-12-08T10:00:00Z")));
        assert!(!cal.is_open(utc("2026-12-08T10:00:00Z")));
    }

    #[test]
    fn next_business_day_skips_weekend_and_holiday_and_keeps_local_time() {
        let cal = rome_office();
        // Friday 27 March 2026 17:00 local -> Monday 30 March 09:00 CEST = 07:00 UTC.
        let due = cal.next_business_day_at(
            utc("2026-03-27T16:00:00Z"),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        );
        assert_eq!(due, utc("2026-03-30T07:00:00Z"));
        // Thursday 24 December 2026 -> Friday 25 is Christmas -> Monday 28 at 09:00 CET = 08:00 UTC.
        let due = cal.next_business_day_at(
            utc("2026-12-24T12:00:00Z"),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        );
        assert_eq!(due, utc("2026-12-28T08:00:00Z"));
    }

    #[test]
    fn spring_gap_moves_forward() {
        let cal = rome_office();
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(cal.resolve_local(gap), utc("2026-03-29T01:00:00Z"));
    }

    #[test]
    fn overnight_interval_spills_into_next_day() {
        let s = WeeklySchedule::parse(&json!({"fri": ["22:00-02:00"]}), &Path::root("s")).unwrap();
        let fri_late = NaiveDate::from_ymd_opt(2026, 3, 27)
            .unwrap()
            .and_hms_opt(23, 0, 0)
            .unwrap();
        let sat_early = NaiveDate::from_ymd_opt(2026, 3, 28)
            .unwrap()
            .and_hms_opt(1, 0, 0)
            .unwrap();
        let sat_late = NaiveDate::from_ymd_opt(2026, 3, 28)
            .unwrap()
            .and_hms_opt(3, 0, 0)
            .unwrap();
        assert!(s.contains_local(fri_late));
        assert!(s.contains_local(sat_early));
        assert!(!s.contains_local(sat_late));
    }

    #[test]
    fn bad_settings_name_their_field() {
        let err = WeeklySchedule::parse(&json!({"monday": []}), &Path::root("business_hours"))
            .unwrap_err();
        assert_eq!(err.path, "business_hours.monday");
        let err = WeeklySchedule::parse(&json!({"mon": ["9-5"]}), &Path::root("business_hours"))
            .unwrap_err();
        assert_eq!(err.path, "business_hours.mon[0]");
        let err = Calendar::parse_time_zone(&json!("Mars/Olympus"), &Path::root("time_zone"))
            .unwrap_err();
        assert!(err.message.contains("Mars/Olympus"));
    }
}
