//! Which numbers this node sends for. Where several nodes share the database, each number's
//! outbox is sent by one node at a time: the holder of lease `send:<number>` — for a channel
//! whose session runs on one node (a linked device), the node where it runs, under the
//! session's own lease. So a number's governor (its rate cap, its in-flight limit, its order
//! per contact) holds in total, not per node.
//!
//! **Invariants:**
//! - A node starts an attempt for a number only while its own record says it holds the number's
//!   lease (`until` ahead of its clock). It renews the lease every [`RENEW_EVERY`] while it has
//!   work for the number; unrenewed, the lease lapses [`SEND_LEASE_TTL`] after its last renewal,
//!   so a dead node's numbers pass to another node within that time. No attempt starts in the
//!   lease's last [`HOLD_MARGIN`], so a slow holder's last send reaches the provider before
//!   another node can take the number.
//! - A node taking a number it did not hold first marks that number's interrupted attempts
//!   (`sending`, left by the dead holder) `uncertain`, as a restarted lone node does for all.
//!   A number with such attempts and no further messages is found by [`SendLeases::sweep`].
//! - A number without work for [`IDLE_RELEASE`] is given up, so that its next messages go to
//!   whichever node sees them first; a stopping node gives every lease up.
//! - Where this node is alone on its database (SQLite) every number is its own and no lease is
//!   asked for.

use crate::{Error, Inner};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use waflow_channels::Channel;

/// How long a send lease lasts unless renewed.
pub(crate) const SEND_LEASE_TTL: Duration = Duration::seconds(15);
/// How often a lease in use is renewed.
const RENEW_EVERY: Duration = Duration::seconds(5);
/// No attempt starts in a lease's last this long: an attempt begun just before the lease
/// lapses must reach the provider before another node may take the number.
const HOLD_MARGIN: Duration = Duration::seconds(5);
/// A number without work for this long is given up.
const IDLE_RELEASE: Duration = Duration::seconds(30);
/// How often a node looks for numbers with interrupted attempts that no node holds.
const SWEEP_EVERY: Duration = Duration::seconds(15);
/// How long a number found held by another node is left out of the outbox read before its
/// lease is asked for again.
const FOREIGN_RETRY: Duration = Duration::seconds(5);

/// The name of `number_id`'s send lease.
pub(crate) fn lease_name(number_id: &str) -> String {
    format!("send:{number_id}")
}

/// Whether another node holds `number_id`'s session lease (`linked:<number>`) at `now`.
async fn session_elsewhere(
    inner: &Inner,
    number_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let name = format!("linked:{number_id}");
    Ok(inner
        .store
        .leases()
        .await?
        .iter()
        .any(|l| l.name == name && l.holder != inner.node_id && l.expires_at > now))
}

/// This node's send leases (see the module's invariants).
pub(crate) struct SendLeases {
    enabled: bool,
    // A std Mutex: held only to read or change the maps, never across an await.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    held: HashMap<String, Held>,
    /// Numbers another node holds, with when that was last seen.
    foreign: HashMap<String, DateTime<Utc>>,
    /// When [`SendLeases::sweep`] last looked.
    swept: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy)]
struct Held {
    /// Until when the lease is ours (`None`: the channel's session lease decides).
    until: Option<DateTime<Utc>>,
    renewed: DateTime<Utc>,
    used: DateTime<Utc>,
}

impl SendLeases {
    /// Leases are asked for only when `enabled` (several nodes may share the database).
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            enabled,
            state: Mutex::new(State::default()),
        }
    }

    /// Whether numbers are owned under leases here.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Numbers another node was seen holding lately: the outbox read leaves them out.
    pub(crate) fn foreign(&self, now: DateTime<Utc>) -> Vec<String> {
        let Ok(mut s) = self.state.lock() else {
            return Vec::new();
        };
        s.foreign.retain(|_, seen| now - *seen < FOREIGN_RETRY);
        s.foreign.keys().cloned().collect()
    }

    /// Whether this node may send `number_id`'s messages now, taking or renewing its lease when
    /// needed; a number newly taken has its interrupted attempts marked first.
    pub(crate) async fn claim(
        &self,
        inner: &Inner,
        number_id: &str,
        channel: &dyn Channel,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        if !self.enabled {
            return Ok(true);
        }
        let known = self.held(number_id);
        if let Some(here) = channel.sends_here(number_id) {
            if !here {
                if session_elsewhere(inner, number_id, now).await? {
                    self.lose(number_id, now);
                    return Ok(false);
                }
                // The session runs nowhere: the channel defers the message with its reason,
                // as on a lone node.
                return Ok(true);
            }
            if known.is_none() {
                super::mark_interrupted(inner, Some(number_id)).await?;
            }
            self.keep_held(number_id, None, now);
            return Ok(true);
        }
        if let Some(Held {
            until: Some(until),
            renewed,
            ..
        }) = known
        {
            if now - renewed < RENEW_EVERY && until > now {
                self.touch(number_id, now);
                return Ok(true);
            }
        }
        let until = now + SEND_LEASE_TTL;
        let name = lease_name(number_id);
        if !inner
            .store
            .take_lease(&name, &inner.node_id, now, until)
            .await?
        {
            self.lose(number_id, now);
            return Ok(false);
        }
        if known.is_none() {
            super::mark_interrupted(inner, Some(number_id)).await?;
        }
        self.keep_held(number_id, Some(until), now);
        Ok(true)
    }

    /// Whether this node holds `number_id`'s lease at `now` by its own record, for longer than
    /// [`HOLD_MARGIN`] (a chain asks before each attempt).
    pub(crate) fn holds(&self, number_id: &str, now: DateTime<Utc>) -> bool {
        !self.enabled
            || self
                .held(number_id)
                .is_some_and(|h| h.until.is_none_or(|until| until - now > HOLD_MARGIN))
    }

    /// Renews the leases of numbers in use (with a chain in `busy`, or work within
    /// [`IDLE_RELEASE`]) that were last renewed [`RENEW_EVERY`] ago, and gives up the idle ones.
    pub(crate) async fn keep(
        &self,
        inner: &Inner,
        now: DateTime<Utc>,
        busy: &HashSet<&str>,
    ) -> Result<(), Error> {
        if !self.enabled {
            return Ok(());
        }
        let due: Vec<(String, Held)> = match self.state.lock() {
            Ok(s) => s
                .held
                .iter()
                .filter(|(_, h)| h.until.is_some() && now - h.renewed >= RENEW_EVERY)
                .map(|(n, h)| (n.clone(), *h))
                .collect(),
            Err(_) => return Ok(()),
        };
        for (number, held) in due {
            let name = lease_name(&number);
            if busy.contains(number.as_str()) || now - held.used < IDLE_RELEASE {
                let until = now + SEND_LEASE_TTL;
                if inner
                    .store
                    .take_lease(&name, &inner.node_id, now, until)
                    .await?
                {
                    self.renewed(&number, until, now);
                } else {
                    self.lose(&number, now);
                }
            } else {
                self.forget(&number);
                inner.store.release_lease(&name, &inner.node_id).await?;
            }
        }
        Ok(())
    }

    /// Every [`SWEEP_EVERY`] (the first time at once): takes each number that has attempts left
    /// `sending` and that no node holds, so that a dead node's interrupted attempts become
    /// `uncertain` even when its numbers get no further message.
    pub(crate) async fn sweep(&self, inner: &Inner, now: DateTime<Utc>) -> Result<(), Error> {
        if !self.enabled {
            return Ok(());
        }
        match self.state.lock() {
            Ok(mut s) if s.swept.is_none_or(|at| now - at >= SWEEP_EVERY) => s.swept = Some(now),
            _ => return Ok(()),
        }
        for (number, kind) in inner.store.numbers_sending().await? {
            if self.held(&number).is_some() {
                continue;
            }
            if let Some(channel) = inner.channels.get(&kind) {
                self.claim(inner, &number, channel.as_ref(), now).await?;
            }
        }
        Ok(())
    }

    /// Gives every send lease up (the node is stopping, its chains have ended).
    pub(crate) async fn release_all(&self, inner: &Inner) {
        let held: Vec<String> = match self.state.lock() {
            Ok(mut s) => s
                .held
                .drain()
                .filter(|(_, h)| h.until.is_some())
                .map(|(n, _)| n)
                .collect(),
            Err(_) => return,
        };
        for number in held {
            if let Err(e) = inner
                .store
                .release_lease(&lease_name(&number), &inner.node_id)
                .await
            {
                tracing::warn!(%number, error = %e, "send lease not released; it lapses by itself");
            }
        }
    }

    fn held(&self, number_id: &str) -> Option<Held> {
        self.state.lock().ok()?.held.get(number_id).copied()
    }

    fn keep_held(&self, number_id: &str, until: Option<DateTime<Utc>>, now: DateTime<Utc>) {
        if let Ok(mut s) = self.state.lock() {
            s.foreign.remove(number_id);
            s.held.insert(
                number_id.to_string(),
                Held {
                    until,
                    renewed: now,
                    used: now,
                },
            );
        }
    }

    fn touch(&self, number_id: &str, now: DateTime<Utc>) {
        if let Ok(mut s) = self.state.lock() {
            if let Some(h) = s.held.get_mut(number_id) {
                h.used = now;
            }
        }
    }

    fn renewed(&self, number_id: &str, until: DateTime<Utc>, now: DateTime<Utc>) {
        if let Ok(mut s) = self.state.lock() {
            if let Some(h) = s.held.get_mut(number_id) {
                h.until = Some(until);
                h.renewed = now;
            }
        }
    }

    fn lose(&self, number_id: &str, now: DateTime<Utc>) {
        if let Ok(mut s) = self.state.lock() {
            s.held.remove(number_id);
            s.foreign.insert(number_id.to_string(), now);
        }
    }

    fn forget(&self, number_id: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.held.remove(number_id);
        }
    }
}
