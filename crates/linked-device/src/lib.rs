//! Linked-device numbers: a WhatsApp account (personal or Business app) linked by scanning a QR
//! code, spoken to over the `whatsapp-rust` crate.
//!
//! The crate is heavy and its API moves, so everything that touches it lives here, behind
//! waflow's [`waflow_channels::Channel`] boundary:
//! - [`session_store`]: the crate's storage traits over one file per number in the data
//!   directory, sealed with the master key.
//! - [`status`]: the statuses a linked number can be in, and which of the crate's events move it.
//! - [`inbound`] / [`outbound`]: the crate's messages in waflow's terms and back (buttons and
//!   lists as numbered text menus).
//! - [`service`]: the numbers' sessions as a service with a handle; what a session receives
//!   becomes typed inbound events for the engine's inbox (`received`), what it reports goes to
//!   the server's reporter.
//! - [`leases`]: with several nodes on one database, the node holding a number's lease runs its
//!   session; another takes it over when that node dies.
//! - [`supervisor`]: watches each session — reports every status change, detects a silent
//!   socket, stops on logout and waits out a temporary ban.
//!
//! **Invariant:** no other waflow crate names a `whatsapp-rust` type.

pub mod channel;
pub mod connection;
pub mod governor;
pub mod inbound;
pub mod leases;
pub mod outbound;
mod received;
pub mod service;
pub mod session_store;
pub mod status;
pub mod supervisor;
