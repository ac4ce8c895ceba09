//! How stored states read to a person, computed the same on every backend: a campaign
//! recipient's status, a scheduled message's state, and a campaign's totals from them.

use crate::CampaignTotals;

/// A recipient's status as listed: its own state until queued, then its message's.
pub fn recipient_status(state: &str, message_status: Option<&str>, replied: bool) -> &'static str {
    match (state, message_status) {
        ("pending", _) => "pending",
        ("skipped", _) => "skipped",
        ("started", _) => "started",
        ("cancelled", _) | (_, Some("cancelled")) => "cancelled",
        (_, Some("failed")) => "failed",
        (_, Some("uncertain")) => "uncertain",
        (_, Some("sent" | "delivered" | "read")) if replied => "replied",
        (_, Some("sent")) => "sent",
        (_, Some("delivered")) => "delivered",
        (_, Some("read")) => "read",
        _ => "queued",
    }
}

/// A scheduled message's state as a person reads it: the row's own until its message is
/// queued, then the message's.
pub fn scheduled_state(state: &str, message_status: Option<&str>) -> &'static str {
    match (state, message_status) {
        ("pending", _) => "pending",
        ("cancelled", _) => "cancelled",
        ("failed", _) | (_, Some("failed")) => "failed",
        (_, Some("sent" | "delivered" | "read")) => "sent",
        _ => "sending",
    }
}

impl CampaignTotals {
    /// Counts `n` recipients in `state` whose message is in `message_status`, `replied` of
    /// which got an answer (a delivered message was also sent; a read one also delivered).
    pub fn add(&mut self, state: &str, message_status: Option<&str>, n: i64, replied: i64) {
        self.recipients += n;
        self.replied += replied;
        match recipient_status(state, message_status, false) {
            "pending" => self.pending += n,
            "skipped" => self.skipped += n,
            "cancelled" => self.cancelled += n,
            "failed" => self.failed += n,
            "uncertain" => self.uncertain += n,
            "queued" => self.queued += n,
            "started" | "sent" => self.sent += n,
            "delivered" => {
                self.sent += n;
                self.delivered += n;
            }
            _ => {
                self.sent += n;
                self.delivered += n;
                self.read += n;
            }
        }
    }
}
