//! The client of any OpenAI-compatible AI provider (OpenAI, Azure OpenAI, Ollama, vLLM,
//! llama.cpp server) and the assembly of the prompts waflow sends it.
//!
//! - [`AiClient`]: chat completions, audio transcriptions and translations over HTTP.
//! - [`ProviderSettings`]: where a workspace's provider is and how to authenticate.
//! - [`prompt`]: the conversation an AI reply is built from (pure).
//! - [`translation_messages`] / [`language_name`]: the translation prompt.
//!
//! **Invariants:** only this crate knows the providers' JSON (in `wire`); the API key never
//! appears in logs, errors or `Debug` output; no provider answer makes it panic — every failure
//! is an [`AiError`]; every request goes through the SSRF guard of `waflow-outbound-http`.

mod client;
mod error;
mod message;
pub mod prompt;
mod settings;
mod translate;
mod wire;

pub use client::{AiClient, MAX_ANSWER_BYTES};
pub use error::AiError;
pub use message::{ChatMessage, Completion, Part};
pub use settings::{Auth, ProviderSettings};
pub use translate::{language_name, translation_messages};
