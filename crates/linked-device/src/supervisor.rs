//! The supervisor of one linked-device session.
//!
//! `whatsapp-rust` reconnects by itself and only logs why it could not; the supervisor turns what
//! happens into waflow's statuses ([`crate::status`]), reports every change, and acts where the
//! crate would not: a socket that went silent is dropped and reopened, a logout stops the session
//! and forgets it, a temporary ban stops it until the ban expires.
//!
//! **Invariant:** every status change is reported exactly once, in order, on the report channel;
//! the supervisor never blocks on the connection's network I/O for longer than the connection's
//! own calls take (each of which is bounded by the connection).

use crate::status::{next, Action, Change, LinkStatus, Signal};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// One session, as the supervisor drives it. The real one is [`crate::connection`]; tests script
/// their own.
#[async_trait]
pub trait Connection: Send + Sync + 'static {
    /// Opens the session (pairing when it has none); what happens is sent as [`Signal`]s.
    async fn start(&self);
    /// Drops the socket; the connection opens a new one by itself.
    async fn reconnect(&self);
    /// Closes the socket and keeps the session.
    async fn stop(&self);
    /// Unlinks the device from the phone (best effort) and closes the socket.
    async fn logout(&self);
    /// Forgets the stored session: the next start pairs again.
    async fn erase(&self);
    /// When the socket last received anything.
    fn last_activity(&self) -> Instant;
}

/// What the supervisor tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// The number's status changed.
    Status(Change),
    /// A QR code to show (it replaces the previous one).
    Qr { code: String, valid_for: Duration },
    /// A phone-number pairing code to show.
    PairCode { code: String, valid_for: Duration },
    /// The phone accepted the link.
    Paired { phone: String },
}

/// How the supervisor judges a session.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A connected socket that received nothing for this long is dead (WhatsApp's keepalive
    /// answers every 20–30 s on a live one).
    pub silence: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            silence: Duration::from_secs(75),
        }
    }
}

enum Command {
    /// Forget the session and pair again (a new QR code).
    Repair,
    /// Unlink, forget, stop.
    Logout,
    /// Close and stop supervising (the process is shutting down).
    Stop,
}

/// A running supervisor; dropping it leaves the task running until [`Supervisor::stop`].
pub struct Supervisor {
    commands: mpsc::UnboundedSender<Command>,
    task: tokio::task::JoinHandle<()>,
}

impl Supervisor {
    /// Starts the connection and supervises it: `signals` come from the connection, reports go
    /// to `reports`. `status` is where the number stands now (e.g. `pairing` for a new one).
    pub fn spawn(
        connection: Arc<dyn Connection>,
        signals: mpsc::UnboundedReceiver<Signal>,
        reports: mpsc::UnboundedSender<Report>,
        status: LinkStatus,
        options: Options,
    ) -> Self {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let watch = Watch {
            connection,
            reports,
            status,
            reason: None,
            options,
            restart_at: None,
        };
        let task = tokio::spawn(watch.run(signals, command_rx));
        Self { commands, task }
    }

    /// Forgets the session and starts pairing again (a new QR code).
    pub fn repair(&self) {
        let _ = self.commands.send(Command::Repair);
    }

    /// Unlinks the device from the phone, forgets the session and stops; waits until done.
    pub async fn logout(self) {
        let _ = self.commands.send(Command::Logout);
        let _ = self.task.await;
    }

    /// Closes the socket (the session is kept) and stops; waits until done.
    pub async fn stop(self) {
        let _ = self.commands.send(Command::Stop);
        let _ = self.task.await;
    }
}

struct Watch {
    connection: Arc<dyn Connection>,
    reports: mpsc::UnboundedSender<Report>,
    status: LinkStatus,
    reason: Option<String>,
    options: Options,
    /// When a banned session starts again.
    restart_at: Option<Instant>,
}

impl Watch {
    async fn run(
        mut self,
        mut signals: mpsc::UnboundedReceiver<Signal>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        self.connection.start().await;
        let mut watchdog = tokio::time::interval(self.options.silence / 4);
        watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut signals_open = true;
        loop {
            let restart_at = self.restart_at;
            tokio::select! {
                signal = signals.recv(), if signals_open => match signal {
                    Some(signal) => self.on_signal(signal).await,
                    None => signals_open = false,
                },
                command = commands.recv() => match command {
                    Some(Command::Repair) => self.repair().await,
                    Some(Command::Logout) => {
                        self.connection.logout().await;
                        self.connection.erase().await;
                        self.set(Change {
                            status: LinkStatus::LoggedOut,
                            reason: Some("unlinked from waflow".into()),
                            expires_in: None,
                        });
                        return;
                    }
                    Some(Command::Stop) | None => {
                        self.connection.stop().await;
                        return;
                    }
                },
                _ = watchdog.tick() => self.check_silence().await,
                _ = sleep_until(restart_at), if restart_at.is_some() => {
                    self.restart_at = None;
                    tracing::info!("the temporary ban expired; connecting again");
                    self.connection.start().await;
                }
            }
        }
    }

    async fn on_signal(&mut self, signal: Signal) {
        match &signal {
            Signal::Qr { code, valid_for } => self.report(Report::Qr {
                code: code.clone(),
                valid_for: *valid_for,
            }),
            Signal::PairCode { code, valid_for } => self.report(Report::PairCode {
                code: code.clone(),
                valid_for: *valid_for,
            }),
            Signal::Paired { phone } => self.report(Report::Paired {
                phone: phone.clone(),
            }),
            _ => {}
        }
        let (change, action) = next(self.status, self.reason.as_deref(), &signal);
        if let Some(change) = change {
            self.set(change);
        }
        match action {
            Action::None => {}
            Action::StopAndErase => {
                self.connection.stop().await;
                self.connection.erase().await;
            }
            Action::StopUntil(delay) => {
                self.connection.stop().await;
                self.restart_at = Some(Instant::now() + delay);
            }
        }
    }

    /// A connected socket that received nothing for too long is dropped; the connection opens a
    /// new one.
    async fn check_silence(&mut self) {
        if self.status != LinkStatus::Connected {
            return;
        }
        let quiet = self.connection.last_activity().elapsed();
        if quiet < self.options.silence {
            return;
        }
        self.set(Change {
            status: LinkStatus::Disconnected,
            reason: Some(format!(
                "no data from WhatsApp for {} s; reconnecting",
                quiet.as_secs()
            )),
            expires_in: None,
        });
        self.connection.reconnect().await;
    }

    async fn repair(&mut self) {
        self.restart_at = None;
        self.connection.stop().await;
        self.connection.erase().await;
        self.set(Change {
            status: LinkStatus::Pairing,
            reason: None,
            expires_in: None,
        });
        self.connection.start().await;
    }

    fn set(&mut self, change: Change) {
        tracing::info!(
            status = change.status.as_str(),
            reason = change.reason.as_deref().unwrap_or(""),
            "linked number status changed"
        );
        self.status = change.status;
        self.reason = change.reason.clone();
        self.report(Report::Status(change));
    }

    fn report(&self, report: Report) {
        // The owner went away: nothing to tell, the session still runs until stopped.
        let _ = self.reports.send(report);
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
