//! Test doubles for the services waflow talks to, run as real local servers so that the
//! production HTTP clients are exercised end to end.
//!
//! - [`FakeGraph`]: Meta's Graph API (messages, media, templates), scriptable and recording.
//! - [`FakeAi`]: an OpenAI-compatible AI provider (chat completions, transcriptions), scriptable
//!   and recording.
//!
//! **Guarantee:** nothing here reaches the network beyond `127.0.0.1`.

pub mod ai;
pub mod graph;
mod server;

pub use ai::{openai_error, AiRequest, FakeAi};
pub use graph::{FakeGraph, RecordedRequest};
