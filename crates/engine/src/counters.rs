//! Workflow counters on the intake path: gathered in memory and written at most every ten
//! seconds (inside an intake transaction, or when someone reads them), instead of one upsert per batch.
//!
//! **Invariant:** a read through [`crate::Engine::flush_counters`] sees every count; a crash
//! loses at most the last ten seconds of counts (counters are statistics, not state: runs, messages
//! and logs are never affected).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type Counts = BTreeMap<(String, String, &'static str), i64>;

/// How often pending counts ride along in an intake transaction (each flush upserts a row per counter, a few milliseconds under load, so not often).
const FLUSH_EVERY: Duration = Duration::from_secs(10);

/// Counts not yet written.
pub(crate) struct PendingCounters {
    inner: Mutex<(Counts, Instant)>,
}

impl Default for PendingCounters {
    fn default() -> Self {
        Self {
            inner: Mutex::new((Counts::new(), Instant::now())),
        }
    }
}

impl PendingCounters {
    /// Adds counts to write later.
    pub(crate) fn add(&self, counts: Counts) {
        if counts.is_empty() {
            return;
        }
        if let Ok(mut p) = self.inner.lock() {
            for (k, v) in counts {
                *p.0.entry(k).or_insert(0) += v;
            }
        }
    }

    /// The pending counts if a second has passed since the last write (or `force`).
    pub(crate) fn take(&self, force: bool) -> Counts {
        let Ok(mut p) = self.inner.lock() else {
            return Counts::new();
        };
        if p.0.is_empty() || (!force && p.1.elapsed() < FLUSH_EVERY) {
            return Counts::new();
        }
        p.1 = Instant::now();
        std::mem::take(&mut p.0)
    }

    /// Puts back counts whose transaction failed.
    pub(crate) fn restore(&self, counts: Counts) {
        self.add(counts);
    }
}
