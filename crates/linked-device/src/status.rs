//! The statuses of a linked number and the signals that move it, in waflow's words.
//!
//! [`signal_of`] is the one place that reads the crate's connection events; [`next`] is the pure
//! status machine the [`crate::supervisor`] runs. **Invariant:** [`next`] has no I/O and no clock,
//! so every transition is unit-tested with the crate's real event types.

use std::time::Duration;
use whatsapp_rust::types::events::Event;

/// Where a linked number stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    /// Waiting for a QR scan or a phone-number code.
    Pairing,
    /// Linked, socket open and alive.
    Connected,
    /// Linked, but the socket is down (network); reconnecting with backoff.
    Disconnected,
    /// Unlinked from the phone, or pairing failed: a new QR scan is needed.
    LoggedOut,
    /// Temporarily banned by WhatsApp until an expiry.
    Banned,
}

impl LinkStatus {
    /// The status as stored on numbers and shown by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pairing => "pairing",
            Self::Connected => "connected",
            Self::Disconnected => "disconnected",
            Self::LoggedOut => "logged_out",
            Self::Banned => "banned",
        }
    }

    /// The status stored as `s` (the inverse of [`LinkStatus::as_str`]); anything else — a
    /// status of another channel — counts as disconnected.
    pub fn from_stored(s: &str) -> Self {
        match s {
            "pairing" => Self::Pairing,
            "connected" => Self::Connected,
            "logged_out" => Self::LoggedOut,
            "banned" => Self::Banned,
            _ => Self::Disconnected,
        }
    }
}

/// Something that happened to a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A QR code to scan, valid for a while before the next one rotates in.
    Qr { code: String, valid_for: Duration },
    /// A code to type on the phone (pairing by phone number).
    PairCode { code: String, valid_for: Duration },
    /// The phone accepted the link; `phone` is the account's number (digits).
    Paired { phone: String },
    /// The phone refused or the link failed.
    PairFailed { reason: String },
    /// Every QR code expired unscanned.
    QrExhausted,
    /// The socket is open and logged in.
    Connected,
    /// An open socket closed.
    Dropped { reason: String },
    /// A socket could not be opened (DNS, refused, TLS, timeout).
    ConnectFailed { reason: String },
    /// WhatsApp ended the link (removed from the phone, account locked, ...).
    LoggedOut { reason: String },
    /// WhatsApp banned the number for a while.
    Banned {
        expires_in: Duration,
        reason: String,
    },
}

/// The crate's event as a [`Signal`], for the events that concern the connection.
pub fn signal_of(event: &Event) -> Option<Signal> {
    Some(match event {
        Event::PairingQrCode(q) => Signal::Qr {
            code: q.code.clone(),
            valid_for: q.timeout,
        },
        Event::PairingCode(p) => Signal::PairCode {
            code: p.code.clone(),
            valid_for: p.timeout,
        },
        Event::PairSuccess(p) => Signal::Paired {
            phone: p.id.user.to_string(),
        },
        Event::PairError(p) => Signal::PairFailed {
            reason: p.error.clone(),
        },
        Event::PairingQrCodesExhausted(_) => Signal::QrExhausted,
        Event::QrScannedWithoutMultidevice(_) => Signal::PairFailed {
            reason: "the phone scanned the code without multi-device support".into(),
        },
        Event::Connected(_) => Signal::Connected,
        Event::Disconnected(d) => Signal::Dropped {
            reason: format!("connection closed: {}", d.reason),
        },
        Event::StreamReplaced(_) => Signal::Dropped {
            reason: "another client took over this session".into(),
        },
        Event::LoggedOut(l) => Signal::LoggedOut {
            reason: format!("logged out by WhatsApp ({:?})", l.reason),
        },
        Event::TemporaryBan(b) => Signal::Banned {
            expires_in: b.expire.to_std().unwrap_or_default(),
            reason: match &b.message {
                Some(m) => format!("{} ({m})", b.code),
                None => b.code.to_string(),
            },
        },
        Event::ConnectFailure(f) => Signal::ConnectFailed {
            reason: match &f.message {
                Some(m) => format!("WhatsApp refused the connection ({:?}: {m})", f.reason),
                None => format!("WhatsApp refused the connection ({:?})", f.reason),
            },
        },
        Event::ClientOutdated(_) => Signal::ConnectFailed {
            reason: "WhatsApp says this client version is outdated".into(),
        },
        _ => return None,
    })
}

/// A status change to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub status: LinkStatus,
    /// Why, in words (none for `connected` and `pairing`).
    pub reason: Option<String>,
    /// For `banned`: how long from now.
    pub expires_in: Option<Duration>,
}

/// What the supervisor must do after a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing: the connection carries on (reconnecting by itself after a drop).
    None,
    /// Close the socket and forget the session (a new QR scan is needed).
    StopAndErase,
    /// Close the socket, and start again after the delay (a temporary ban).
    StopUntil(Duration),
}

/// The status machine: given the current status and reason, what a signal changes and what to do.
/// Returns no change when the status and reason stay the same (a repeated failure is not news).
pub fn next(
    current: LinkStatus,
    current_reason: Option<&str>,
    signal: &Signal,
) -> (Option<Change>, Action) {
    let change = |status, reason: Option<String>| {
        (status != current || reason.as_deref() != current_reason).then_some(Change {
            status,
            reason,
            expires_in: None,
        })
    };
    match signal {
        Signal::Qr { .. } | Signal::PairCode { .. } => {
            (change(LinkStatus::Pairing, None), Action::None)
        }
        Signal::Paired { .. } => (None, Action::None),
        Signal::PairFailed { reason } => (
            change(
                LinkStatus::LoggedOut,
                Some(format!("pairing failed: {reason}")),
            ),
            Action::StopAndErase,
        ),
        Signal::QrExhausted => (
            change(
                LinkStatus::LoggedOut,
                Some("every QR code expired unscanned; start pairing again".into()),
            ),
            Action::StopAndErase,
        ),
        Signal::Connected => (change(LinkStatus::Connected, None), Action::None),
        Signal::Dropped { reason } | Signal::ConnectFailed { reason } => {
            if matches!(current, LinkStatus::LoggedOut | LinkStatus::Banned) {
                // The socket closing after a logout or a ban is not a new status.
                return (None, Action::None);
            }
            (
                change(LinkStatus::Disconnected, Some(reason.clone())),
                Action::None,
            )
        }
        Signal::LoggedOut { reason } => (
            change(LinkStatus::LoggedOut, Some(reason.clone())),
            Action::StopAndErase,
        ),
        Signal::Banned { expires_in, reason } => (
            Some(Change {
                status: LinkStatus::Banned,
                reason: Some(reason.clone()),
                expires_in: Some(*expires_in),
            }),
            Action::StopUntil(*expires_in),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use whatsapp_rust::types::events::{
        Connected, Disconnected, LoggedOut, PairSuccess, PairingQrCode, PairingQrCodesExhausted,
        TemporaryBan,
    };
    use whatsapp_rust::wacore::net::DisconnectReason;
    use whatsapp_rust::wacore::types::events::{ConnectFailureReason, TempBanReason};
    use whatsapp_rust::Jid;

    fn signal(e: Event) -> Signal {
        signal_of(&e).expect("a connection event")
    }

    #[test]
    fn the_crates_connection_events_become_signals() {
        let qr = signal(Event::PairingQrCode(
            PairingQrCode::builder()
                .code("2@abc,def".into())
                .timeout(Duration::from_secs(60))
                .build(),
        ));
        assert_eq!(
            qr,
            Signal::Qr {
                code: "2@abc,def".into(),
                valid_for: Duration::from_secs(60)
            }
        );
        let jid: Jid = "393331234567@s.whatsapp.net".parse().expect("jid");
        let lid: Jid = "123456789@lid".parse().expect("lid");
        let paired = signal(Event::PairSuccess(
            PairSuccess::builder()
                .id(jid)
                .lid(lid)
                .business_name(String::new())
                .platform("android".into())
                .build(),
        ));
        assert_eq!(
            paired,
            Signal::Paired {
                phone: "393331234567".into()
            }
        );
        assert_eq!(
            signal(Event::Connected(Connected::builder().build())),
            Signal::Connected
        );
        let dropped = signal(Event::Disconnected(
            Disconnected::builder()
                .reason(DisconnectReason::StreamEnded)
                .build(),
        ));
        assert_eq!(
            dropped,
            Signal::Dropped {
                reason: "connection closed: stream ended (EOF)".into()
            }
        );
        let out = signal(Event::LoggedOut(
            LoggedOut::builder()
                .on_connect(true)
                .reason(ConnectFailureReason::LoggedOut)
                .build(),
        ));
        assert!(matches!(out, Signal::LoggedOut { ref reason } if reason.contains("LoggedOut")));
        let ban = signal(Event::TemporaryBan(
            TemporaryBan::builder()
                .code(TempBanReason::SentToTooManyPeople)
                .expire(whatsapp_rust::wacore::chrono::Duration::seconds(3600))
                .build(),
        ));
        assert!(
            matches!(ban, Signal::Banned { expires_in, .. } if expires_in == Duration::from_secs(3600))
        );
        assert_eq!(
            signal(Event::PairingQrCodesExhausted(
                PairingQrCodesExhausted::builder()
                    .disconnected(true)
                    .build()
            )),
            Signal::QrExhausted
        );
    }

    #[test]
    fn the_status_machine_reports_changes_once_and_says_what_to_do() {
        let qr = Signal::Qr {
            code: "c".into(),
            valid_for: Duration::from_secs(20),
        };
        let (c, a) = next(LinkStatus::Disconnected, Some("new"), &qr);
        assert_eq!(c.map(|c| c.status), Some(LinkStatus::Pairing));
        assert_eq!(a, Action::None);
        // A rotated QR code is not a new status.
        assert_eq!(next(LinkStatus::Pairing, None, &qr).0, None);

        let failed = Signal::ConnectFailed {
            reason: "dns error".into(),
        };
        let (c, a) = next(LinkStatus::Pairing, None, &failed);
        let c = c.expect("a change");
        assert_eq!(c.status, LinkStatus::Disconnected);
        assert_eq!(c.reason.as_deref(), Some("dns error"));
        assert_eq!(a, Action::None);
        // The same failure again is not news; a different one is.
        assert_eq!(
            next(LinkStatus::Disconnected, Some("dns error"), &failed).0,
            None
        );
        let other = Signal::Dropped {
            reason: "closed".into(),
        };
        assert!(next(LinkStatus::Disconnected, Some("dns error"), &other)
            .0
            .is_some());

        let (c, a) = next(LinkStatus::Connected, None, &Signal::QrExhausted);
        assert_eq!(c.map(|c| c.status), Some(LinkStatus::LoggedOut));
        assert_eq!(a, Action::StopAndErase);
        let (c, a) = next(
            LinkStatus::Connected,
            None,
            &Signal::LoggedOut {
                reason: "removed from the phone".into(),
            },
        );
        assert_eq!(c.map(|c| c.status), Some(LinkStatus::LoggedOut));
        assert_eq!(a, Action::StopAndErase);
        // The socket closing after a logout does not turn it into "disconnected".
        assert_eq!(
            next(LinkStatus::LoggedOut, Some("removed"), &other),
            (None, Action::None)
        );
        let ban = Signal::Banned {
            expires_in: Duration::from_secs(90),
            reason: "too many messages".into(),
        };
        let (c, a) = next(LinkStatus::Connected, None, &ban);
        let c = c.expect("a change");
        assert_eq!(
            (c.status, c.expires_in),
            (LinkStatus::Banned, Some(Duration::from_secs(90)))
        );
        assert_eq!(a, Action::StopUntil(Duration::from_secs(90)));
        let (c, _) = next(LinkStatus::Disconnected, Some("x"), &Signal::Connected);
        assert_eq!(
            c,
            Some(Change {
                status: LinkStatus::Connected,
                reason: None,
                expires_in: None
            })
        );
    }
}
