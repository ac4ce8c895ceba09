//! Failed sign-ins counted per key (an account's email, a client address) in a sliding window,
//! with lockouts that double while the failures go on.
//!
//! **Invariant:** with a limit of N per window, at most N attempts for one key are answered
//! (pass or fail) within any window without a success: attempts in flight count, so N + 1
//! concurrent attempts cannot all pass. The (N + 1)th is refused with how long to wait.
//! Time is a parameter (`now`), so the clock is tested without waiting.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Past this many keys, keys whose failures are over are forgotten (and if that is not enough,
/// every key that is not locked or in flight), so that many addresses or emails cannot grow
/// memory without bound.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Default)]
struct Entry {
    /// The failures within the window, oldest first (never more than the limit).
    failures: VecDeque<Instant>,
    /// Attempts begun and not yet ended.
    pending: u32,
    locked_until: Option<Instant>,
    /// Lockouts so far; the next lasts `window × 2^lockouts`.
    lockouts: u32,
    last_failure: Option<Instant>,
}

impl Entry {
    fn forget_before(&mut self, start: Option<Instant>) {
        while self
            .failures
            .front()
            .is_some_and(|t| start.is_some_and(|s| *t <= s))
        {
            self.failures.pop_front();
        }
    }

    fn idle(&self) -> bool {
        self.pending == 0
            && self.failures.is_empty()
            && self.locked_until.is_none()
            && self.lockouts == 0
    }
}

/// Counts failures per key; see the module documentation.
#[derive(Debug)]
pub struct Limiter {
    limit: u32,
    window: Duration,
    max_lockout: Duration,
    keys: Mutex<HashMap<String, Entry>>,
}

/// One attempt in flight: end it with [`Attempt::failed`] or [`Attempt::succeeded`]; dropped
/// otherwise (the request was refused for another reason), it counts for nothing.
#[must_use]
pub struct Attempt<'a> {
    limiter: &'a Limiter,
    key: String,
    ended: bool,
}

impl Limiter {
    /// At most `limit` failures per key within `window`; the first lockout lasts `window`, each
    /// next one twice the last, at most `max_lockout` (or `window`, if that is longer).
    pub fn new(limit: u32, window: Duration, max_lockout: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
            max_lockout: max_lockout.max(window),
            keys: Mutex::default(),
        }
    }

    fn keys(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves counts that are still counts.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn window_start(&self, now: Instant) -> Option<Instant> {
        now.checked_sub(self.window)
    }

    /// Begins an attempt for `key` at `now`, or answers how long to wait before trying again.
    pub fn begin(&self, key: &str, now: Instant) -> Result<Attempt<'_>, Duration> {
        let mut keys = self.keys();
        if keys.len() >= MAX_KEYS && !keys.contains_key(key) {
            self.prune(&mut keys, now);
        }
        let entry = keys.entry(key.to_string()).or_default();
        if let Some(until) = entry.locked_until {
            if until > now {
                return Err(until - now);
            }
            entry.locked_until = None;
        }
        entry.forget_before(self.window_start(now));
        if entry.failures.len() as u32 + entry.pending >= self.limit {
            // Only attempts in flight can be ahead of the limit here: wait for the oldest failure
            // to leave the window, or a second for those in flight to end.
            let wait = entry
                .failures
                .front()
                .map(|t| (*t + self.window).saturating_duration_since(now))
                .unwrap_or_default();
            return Err(wait.max(Duration::from_secs(1)));
        }
        entry.pending += 1;
        Ok(Attempt {
            limiter: self,
            key: key.to_string(),
            ended: false,
        })
    }

    fn prune(&self, keys: &mut HashMap<String, Entry>, now: Instant) {
        let quiet_since = now.checked_sub(self.max_lockout + self.window);
        keys.retain(|_, e| {
            e.pending > 0
                || e.locked_until.is_some_and(|t| t > now)
                || e.last_failure
                    .is_some_and(|t| quiet_since.is_none_or(|q| t > q))
        });
        if keys.len() >= MAX_KEYS {
            keys.retain(|_, e| e.pending > 0 || e.locked_until.is_some_and(|t| t > now));
        }
    }

    fn end(&self, key: &str, update: impl FnOnce(&mut Entry)) {
        let mut keys = self.keys();
        if let Some(entry) = keys.get_mut(key) {
            entry.pending = entry.pending.saturating_sub(1);
            update(entry);
            if entry.idle() {
                keys.remove(key);
            }
        }
    }

    fn fail(&self, entry: &mut Entry, now: Instant) {
        entry.forget_before(self.window_start(now));
        if entry
            .last_failure
            .is_some_and(|t| now.saturating_duration_since(t) > self.max_lockout + self.window)
        {
            entry.lockouts = 0;
        }
        entry.failures.push_back(now);
        entry.last_failure = Some(now);
        if entry.failures.len() as u32 >= self.limit {
            let factor = 1u32 << entry.lockouts.min(20);
            let lockout = self.window.saturating_mul(factor).min(self.max_lockout);
            entry.locked_until = Some(now + lockout);
            entry.lockouts = entry.lockouts.saturating_add(1);
            entry.failures.clear();
        }
    }

    /// The failures counted for `key` within the window ending at `now` (for tests and logs).
    pub fn failures(&self, key: &str, now: Instant) -> usize {
        let start = self.window_start(now);
        self.keys().get(key).map_or(0, |e| {
            e.failures
                .iter()
                .filter(|t| start.is_none_or(|s| **t > s))
                .count()
        })
    }
}

impl Attempt<'_> {
    /// The attempt failed at `now`: it counts, and the limit reached locks the key.
    pub fn failed(mut self, now: Instant) {
        self.ended = true;
        let limiter = self.limiter;
        limiter.end(&self.key, |e| limiter.fail(e, now));
    }

    /// The attempt succeeded: the key's failures and lockouts are forgotten.
    pub fn succeeded(mut self) {
        self.ended = true;
        self.limiter.end(&self.key, |e| {
            e.failures.clear();
            e.lockouts = 0;
            e.last_failure = None;
        });
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.limiter.end(&self.key, |_| {});
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    fn fail_n(limiter: &Limiter, key: &str, n: u32, at: Instant) {
        for _ in 0..n {
            limiter.begin(key, at).expect("not limited yet").failed(at);
        }
    }

    #[test]
    fn the_attempt_after_the_limit_waits_for_the_window() {
        let limiter = Limiter::new(60, MINUTE, HOUR);
        let t0 = Instant::now();
        fail_n(&limiter, "a@b.c", 60, t0);
        assert_eq!(limiter.begin("a@b.c", t0).err(), Some(MINUTE));
        let later = t0 + Duration::from_secs(20);
        assert_eq!(
            limiter.begin("a@b.c", later).err(),
            Some(Duration::from_secs(40))
        );
        // Other keys are not affected.
        limiter.begin("d@e.f", t0).unwrap().failed(t0);
        // After the lockout, attempts are answered again; a success forgets the failures.
        let after = t0 + MINUTE;
        limiter.begin("a@b.c", after).unwrap().succeeded();
        assert_eq!(limiter.failures("a@b.c", after), 0);
    }

    #[test]
    fn failures_leave_the_window() {
        let limiter = Limiter::new(3, MINUTE, HOUR);
        let t0 = Instant::now();
        fail_n(&limiter, "k", 2, t0);
        let t1 = t0 + Duration::from_secs(61);
        fail_n(&limiter, "k", 2, t1);
        assert_eq!(limiter.failures("k", t1), 2);
        assert!(limiter.begin("k", t1).is_ok());
    }

    #[test]
    fn lockouts_double_up_to_the_maximum_and_reset_after_quiet() {
        let limiter = Limiter::new(2, MINUTE, Duration::from_secs(300));
        let mut t = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..5 {
            fail_n(&limiter, "k", 2, t);
            let wait = limiter.begin("k", t).err().expect("locked");
            waits.push(wait.as_secs());
            t += wait;
        }
        assert_eq!(waits, [60, 120, 240, 300, 300]);
        // Quiet for longer than the longest lockout and a window: back to the first.
        t += Duration::from_secs(361);
        fail_n(&limiter, "k", 2, t);
        assert_eq!(limiter.begin("k", t).err(), Some(MINUTE));
    }

    #[test]
    fn attempts_in_flight_count_against_the_limit() {
        let limiter = Limiter::new(3, MINUTE, HOUR);
        let t0 = Instant::now();
        let a = limiter.begin("k", t0).unwrap();
        let b = limiter.begin("k", t0).unwrap();
        let c = limiter.begin("k", t0).unwrap();
        assert_eq!(limiter.begin("k", t0).err(), Some(Duration::from_secs(1)));
        // A dropped attempt (refused for another reason) counts for nothing.
        drop(a);
        let d = limiter.begin("k", t0).unwrap();
        b.failed(t0);
        c.failed(t0);
        d.failed(t0);
        assert_eq!(limiter.begin("k", t0).err(), Some(MINUTE));
    }

    #[test]
    fn idle_keys_are_not_kept() {
        let limiter = Limiter::new(3, MINUTE, HOUR);
        let t0 = Instant::now();
        limiter.begin("k", t0).unwrap().succeeded();
        drop(limiter.begin("j", t0).unwrap());
        assert!(limiter.keys().is_empty());
    }
}
