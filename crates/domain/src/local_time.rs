//! A wall-clock time in a time zone, as people schedule messages ("9:00 in Rome"), turned into
//! the UTC instant it means — across daylight-saving changes.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses `2026-03-30T09:00` (or with seconds) in `tz` into UTC. A time the clocks skip (the
/// hour that does not exist when they go forward) is refused with a sentence; a time that
/// happens twice (when they go back) means the first.
pub fn local_to_utc(at: &str, tz: Tz) -> Result<(NaiveDateTime, DateTime<Utc>), String> {
    let naive = NaiveDateTime::parse_from_str(at.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(at.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| format!("\"{at}\" is not a local date and time like 2026-03-30T09:00"))?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok((naive, t.with_timezone(&Utc))),
        LocalResult::Ambiguous(first, _) => Ok((naive, first.with_timezone(&Utc))),
        LocalResult::None => Err(format!(
            "\"{at}\" does not exist in {}: the clocks go forward then; choose another time",
            tz.name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_in_rome_stays_nine_across_the_dst_change() {
        let rome: Tz = "Europe/Rome".parse().unwrap();
        // The day before the change (29 March 2026, clocks forward at 02:00): UTC+1.
        let (_, before) = local_to_utc("2026-03-28T09:00", rome).unwrap();
        assert_eq!(before.to_rfc3339(), "2026-03-28T08:00:00+00:00");
        // The day after: UTC+2, so 09:00 local is 07:00 UTC.
        let (_, after) = local_to_utc("2026-03-30T09:00", rome).unwrap();
        assert_eq!(after.to_rfc3339(), "2026-03-30T07:00:00+00:00");
        // Autumn (25 October 2026, clocks back at 03:00): 09:00 on the 26th is UTC+1 again.
        let (_, autumn) = local_to_utc("2026-10-26T09:00", rome).unwrap();
        assert_eq!(autumn.to_rfc3339(), "2026-10-26T08:00:00+00:00");
    }

    #[test]
    fn skipped_and_repeated_hours() {
        let rome: Tz = "Europe/Rome".parse().unwrap();
        let e = local_to_utc("2026-03-29T02:30", rome).unwrap_err();
        assert!(e.contains("does not exist in Europe/Rome"), "{e}");
        let (_, twice) = local_to_utc("2026-10-25T02:30", rome).unwrap();
        assert_eq!(twice.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        assert!(local_to_utc("tomorrow at nine", rome).is_err());
    }
}
