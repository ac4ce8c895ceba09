//! The per-number send governor of linked devices: a gap between two sends with random jitter
//! (a regular beat is what spam filters look for), and a daily cap that grows while a newly
//! linked number warms up. A send over the limit is deferred — it stays queued — never dropped.
//!
//! **Invariant:** pure: time, the number's age and the jitter are parameters, so the pacing is
//! unit-tested exactly.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How fast a linked number may send.
#[derive(Debug, Clone)]
pub struct Pacing {
    /// The shortest gap between two sends of one number.
    pub min_gap: Duration,
    /// Up to this much is added to each gap, at random.
    pub jitter: Duration,
    /// The daily cap on day 0, 1, 2, ... after linking; after the last day, `daily_cap`.
    pub warm_up: Vec<u32>,
    /// The daily cap of a warmed-up number (`None`: no cap).
    pub daily_cap: Option<u32>,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            min_gap: Duration::from_millis(1500),
            jitter: Duration::from_millis(2500),
            warm_up: vec![50, 100, 200, 400, 800],
            daily_cap: Some(2000),
        }
    }
}

#[derive(Debug, Default)]
struct Line {
    /// Milliseconds (on the caller's clock) before which the next send waits.
    next_at_ms: u64,
    day: u64,
    sent_today: u32,
}

/// The governor of every linked number of the process.
#[derive(Debug, Default)]
pub struct Governor {
    pacing: Pacing,
    lines: Mutex<HashMap<String, Line>>,
}

/// Milliseconds in a day.
const DAY_MS: u64 = 86_400_000;

impl Governor {
    pub fn new(pacing: Pacing) -> Self {
        Self {
            pacing,
            lines: Mutex::new(HashMap::new()),
        }
    }

    /// The pacing it applies.
    pub fn pacing(&self) -> &Pacing {
        &self.pacing
    }

    /// The daily cap of a number linked `age_days` ago.
    pub fn cap(&self, age_days: u64) -> Option<u32> {
        usize::try_from(age_days)
            .ok()
            .and_then(|d| self.pacing.warm_up.get(d).copied())
            .or(self.pacing.daily_cap)
    }

    /// May `number` send now (`now_ms`: Unix milliseconds)? `Ok` counts the send; `Err` says how
    /// long to wait. `jitter` in `[0, 1)` picks this gap's share of the jitter.
    pub fn admit(
        &self,
        number: &str,
        now_ms: u64,
        linked_at_ms: u64,
        jitter: f64,
    ) -> Result<(), Duration> {
        let Ok(mut lines) = self.lines.lock() else {
            return Ok(());
        };
        let line = lines.entry(number.to_string()).or_default();
        let day = now_ms / DAY_MS;
        if line.day != day {
            line.day = day;
            line.sent_today = 0;
        }
        if now_ms < line.next_at_ms {
            return Err(Duration::from_millis(line.next_at_ms - now_ms));
        }
        let age_days = now_ms.saturating_sub(linked_at_ms) / DAY_MS;
        if let Some(cap) = self.cap(age_days) {
            if line.sent_today >= cap {
                return Err(Duration::from_millis((day + 1) * DAY_MS - now_ms));
            }
        }
        line.sent_today += 1;
        let gap = self.pacing.min_gap + self.pacing.jitter.mul_f64(jitter.clamp(0.0, 1.0));
        line.next_at_ms = now_ms + u64::try_from(gap.as_millis()).unwrap_or(u64::MAX);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_790_000_000_000 - 1_790_000_000_000 % DAY_MS + 8 * 3_600_000;

    fn governor() -> Governor {
        Governor::new(Pacing {
            min_gap: Duration::from_secs(2),
            jitter: Duration::from_secs(2),
            warm_up: vec![3, 5],
            daily_cap: Some(10),
        })
    }

    #[test]
    fn sends_are_spaced_by_the_gap_plus_jitter() {
        let g = governor();
        assert_eq!(g.admit("n1", T0, T0 - 30 * DAY_MS, 0.5), Ok(()));
        // The gap is 2 s + half of the 2 s jitter.
        assert_eq!(
            g.admit("n1", T0 + 1000, T0 - 30 * DAY_MS, 0.0),
            Err(Duration::from_millis(2000))
        );
        assert_eq!(g.admit("n1", T0 + 3000, T0 - 30 * DAY_MS, 0.0), Ok(()));
        // Another number has its own pace.
        assert_eq!(g.admit("n2", T0 + 1000, T0 - 30 * DAY_MS, 0.0), Ok(()));
        // Different jitter samples give different gaps.
        assert_eq!(
            g.admit("n2", T0 + 1001, T0 - 30 * DAY_MS, 0.99),
            Err(Duration::from_millis(1999))
        );
    }

    #[test]
    fn a_new_number_warms_up_day_by_day() {
        let g = governor();
        let linked = T0;
        let mut sent = 0;
        let mut t = T0;
        let deferred = loop {
            match g.admit("new", t, linked, 0.0) {
                Ok(()) => sent += 1,
                Err(wait) if wait > Duration::from_secs(60) => break wait,
                Err(_) => {}
            }
            t += 2000;
        };
        assert_eq!(sent, 3, "day 0 allows 3");
        // Deferred until the next day starts, not dropped.
        assert_eq!(
            deferred,
            Duration::from_millis((T0 / DAY_MS + 1) * DAY_MS - t)
        );
        // A day after linking (the calendar day changed at midnight, the age at 24 hours).
        let day1 = T0 + DAY_MS;
        let sent_day1 = (0..20)
            .filter(|i| g.admit("new", day1 + i * 5000, linked, 0.0).is_ok())
            .count();
        assert_eq!(sent_day1, 5, "day 1 allows 5");
        assert_eq!(g.cap(2), Some(10), "warmed up: the daily cap");
    }
}
