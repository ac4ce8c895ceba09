//! Test doubles for the services waflow talks to, run as real local servers so that the
//! production HTTP clients are exercised end to end.
//!
//! - [`FakeGraph`]: Meta's Graph API (messages, media, templates), scriptable and recording.
//!
//! **Guarantee:** nothing here reaches the network beyond `127.0.0.1`.

pub mod graph;

pub use graph::{FakeGraph, RecordedRequest};
