//! The supervisor against a scripted connection that pairs, drops, goes silent, gets banned and
//! is logged out — with tokio's paused clock, so the watchdog and the ban's expiry are exact.

use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use waflow_linked_device::status::{Change, LinkStatus, Signal};
use waflow_linked_device::supervisor::{Connection, Options, Report, Supervisor};

/// Records what the supervisor asked of it; the test plays the network.
struct Scripted {
    calls: Mutex<Vec<&'static str>>,
    activity: Mutex<Instant>,
}

impl Scripted {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            calls: Mutex::new(Vec::new()),
            activity: Mutex::new(Instant::now()),
        })
    }
    fn calls(&self) -> Vec<&'static str> {
        self.calls.lock().expect("lock").clone()
    }
    fn record(&self, call: &'static str) {
        self.calls.lock().expect("lock").push(call);
    }
    /// A frame arrived.
    fn heard(&self) {
        *self.activity.lock().expect("lock") = Instant::now();
    }
}

#[async_trait]
impl Connection for Scripted {
    async fn start(&self) {
        self.record("start");
        self.heard();
    }
    async fn reconnect(&self) {
        self.record("reconnect");
    }
    async fn stop(&self) {
        self.record("stop");
    }
    async fn logout(&self) {
        self.record("logout");
    }
    async fn erase(&self) {
        self.record("erase");
    }
    fn last_activity(&self) -> Instant {
        *self.activity.lock().expect("lock")
    }
}

struct Rig {
    connection: Arc<Scripted>,
    signals: mpsc::UnboundedSender<Signal>,
    reports: mpsc::UnboundedReceiver<Report>,
    supervisor: Supervisor,
}

fn rig(status: LinkStatus) -> Rig {
    let connection = Scripted::new();
    let (signals, signal_rx) = mpsc::unbounded_channel();
    let (report_tx, reports) = mpsc::unbounded_channel();
    let supervisor = Supervisor::spawn(
        connection.clone(),
        signal_rx,
        report_tx,
        status,
        Options {
            silence: Duration::from_secs(60),
        },
    );
    Rig {
        connection,
        signals,
        reports,
        supervisor,
    }
}

impl Rig {
    fn send(&self, s: Signal) {
        self.signals.send(s).expect("supervisor alive");
    }
    async fn report(&mut self) -> Report {
        tokio::time::timeout(Duration::from_secs(120), self.reports.recv())
            .await
            .expect("a report within 120 s (of paused time)")
            .expect("supervisor alive")
    }
    async fn status(&mut self) -> Change {
        match self.report().await {
            Report::Status(c) => c,
            other => panic!("expected a status change, got {other:?}"),
        }
    }
    /// Lets the supervisor task run what is queued.
    async fn settle(&self) {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn pairs_then_survives_a_drop_a_silent_socket_a_ban_and_a_logout() {
    let mut r = rig(LinkStatus::Pairing);
    r.settle().await;
    assert_eq!(r.connection.calls(), vec!["start"]);

    // Pairing: the QR codes are reported, the link, then the connection.
    r.send(Signal::Qr {
        code: "2@first".into(),
        valid_for: Duration::from_secs(60),
    });
    assert_eq!(
        r.report().await,
        Report::Qr {
            code: "2@first".into(),
            valid_for: Duration::from_secs(60)
        }
    );
    r.send(Signal::Paired {
        phone: "393331234567".into(),
    });
    assert_eq!(
        r.report().await,
        Report::Paired {
            phone: "393331234567".into()
        }
    );
    r.send(Signal::Connected);
    assert_eq!(r.status().await.status, LinkStatus::Connected);

    // The network drops: disconnected with the reason; the connection reconnects by itself.
    r.send(Signal::Dropped {
        reason: "connection closed: stream ended (EOF)".into(),
    });
    let c = r.status().await;
    assert_eq!(c.status, LinkStatus::Disconnected);
    assert_eq!(
        c.reason.as_deref(),
        Some("connection closed: stream ended (EOF)")
    );
    // Each failed attempt with the same reason is not reported again.
    r.send(Signal::ConnectFailed {
        reason: "connection closed: stream ended (EOF)".into(),
    });
    r.connection.heard();
    r.send(Signal::Connected);
    assert_eq!(r.status().await.status, LinkStatus::Connected);

    // The socket goes silent: within the silence limit plus one watchdog tick it is declared
    // dead and reopened.
    let silent_since = Instant::now();
    let c = r.status().await;
    assert_eq!(c.status, LinkStatus::Disconnected);
    assert!(
        c.reason
            .as_deref()
            .is_some_and(|r| r.starts_with("no data from WhatsApp for")),
        "{c:?}"
    );
    let waited = silent_since.elapsed();
    assert!(
        waited >= Duration::from_secs(60) && waited <= Duration::from_secs(76),
        "declared dead after {waited:?}"
    );
    r.settle().await;
    assert_eq!(r.connection.calls().last(), Some(&"reconnect"));
    r.connection.heard();
    r.send(Signal::Connected);
    assert_eq!(r.status().await.status, LinkStatus::Connected);

    // A temporary ban: stopped, reported with its expiry, started again when it expires.
    r.connection.heard();
    r.send(Signal::Banned {
        expires_in: Duration::from_secs(3600),
        reason: "sent to too many people".into(),
    });
    let c = r.status().await;
    assert_eq!(c.status, LinkStatus::Banned);
    assert_eq!(c.expires_in, Some(Duration::from_secs(3600)));
    r.settle().await;
    assert_eq!(r.connection.calls().last(), Some(&"stop"));
    let starts = |c: &[&str]| c.iter().filter(|c| **c == "start").count();
    assert_eq!(starts(&r.connection.calls()), 1);
    // The socket closing under the ban does not turn it into "disconnected", and a banned
    // session is not judged by the watchdog.
    r.send(Signal::Dropped {
        reason: "closed".into(),
    });
    tokio::time::sleep(Duration::from_secs(3599)).await;
    assert_eq!(
        starts(&r.connection.calls()),
        1,
        "started before the ban expired"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    r.settle().await;
    assert_eq!(
        starts(&r.connection.calls()),
        2,
        "not started after the ban"
    );
    r.connection.heard();
    r.send(Signal::Connected);
    assert_eq!(r.status().await.status, LinkStatus::Connected);

    // Unlinked from the phone: logged out, stopped, the session forgotten (a new QR is needed).
    r.connection.heard();
    r.send(Signal::LoggedOut {
        reason: "logged out by WhatsApp (LoggedOut)".into(),
    });
    let c = r.status().await;
    assert_eq!(c.status, LinkStatus::LoggedOut);
    r.settle().await;
    let calls = r.connection.calls();
    assert_eq!(&calls[calls.len() - 2..], &["stop", "erase"]);
    // Nothing more is reported while it stays logged out, however long.
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(r.reports.try_recv().is_err());

    // Reconnect from waflow = a new QR: stop, erase, pairing, start.
    r.supervisor.repair();
    let c = r.status().await;
    assert_eq!(c.status, LinkStatus::Pairing);
    r.settle().await;
    assert_eq!(r.connection.calls().last(), Some(&"start"));
    r.supervisor.stop().await;
    assert_eq!(r.connection.calls().last(), Some(&"stop"));
}

#[tokio::test(start_paused = true)]
async fn qr_codes_running_out_and_a_refused_link_need_a_new_pairing() {
    let mut r = rig(LinkStatus::Pairing);
    r.send(Signal::QrExhausted);
    let c = r.status().await;
    assert_eq!(c.status, LinkStatus::LoggedOut);
    assert!(c.reason.as_deref().is_some_and(|r| r.contains("expired")));
    r.settle().await;
    assert_eq!(r.connection.calls(), vec!["start", "stop", "erase"]);

    r.supervisor.repair();
    assert_eq!(r.status().await.status, LinkStatus::Pairing);
    r.send(Signal::PairFailed {
        reason: "the phone refused".into(),
    });
    let c = r.status().await;
    assert_eq!(c.status, LinkStatus::LoggedOut);
    assert_eq!(
        c.reason.as_deref(),
        Some("pairing failed: the phone refused")
    );
}

#[tokio::test(start_paused = true)]
async fn logout_from_waflow_unlinks_and_forgets() {
    let Rig {
        connection,
        mut reports,
        supervisor,
        ..
    } = rig(LinkStatus::Connected);
    supervisor.logout().await;
    assert_eq!(connection.calls(), vec!["start", "logout", "erase"]);
    match reports.recv().await {
        Some(Report::Status(c)) => assert_eq!(c.status, LinkStatus::LoggedOut),
        other => panic!("expected logged_out, got {other:?}"),
    }
}
