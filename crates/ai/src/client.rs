//! [`AiClient`]: the HTTP client of an OpenAI-compatible provider — chat completions and audio
//! transcriptions — with one bound on each whole request and errors an operator can read.
//!
//! **Invariants:** the API key is only ever put in a request header, never in a log line or an
//! error; no provider answer can make this module panic; every request goes through the SSRF
//! guard (`waflow_outbound_http::Guard`: a provider on a private address needs
//! `--allow-private-http`), follows no redirect, and its answer is read within
//! [`MAX_ANSWER_BYTES`] and the settings' timeout.

use crate::error::AiError;
use crate::message::{ChatMessage, Completion};
use crate::settings::{Auth, ProviderSettings};
use crate::wire;
use reqwest::{RequestBuilder, StatusCode};
use std::time::{Duration, Instant};
use waflow_outbound_http::{read_body, refusal, BodyError, Guard, Policy};

/// The largest answer read from a provider; a longer one is [`AiError::Malformed`].
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// The client of OpenAI-compatible providers; one connection pool for all of them, cheap to
/// clone. Each call takes the provider's settings, so one client serves every workspace.
#[derive(Debug, Clone)]
pub struct AiClient {
    /// The guarded client, or why it could not be built (reported on each call: never an
    /// unguarded fallback).
    http: Result<reqwest::Client, String>,
    guard: Guard,
}

impl Default for AiClient {
    fn default() -> Self {
        Self::new()
    }
}

impl AiClient {
    /// A client under the default policy: providers on private addresses are refused.
    pub fn new() -> AiClient {
        Self::with_policy(Policy::default())
    }

    /// A client under the operator's `policy` (`allow_private` for a local Ollama).
    pub fn with_policy(policy: Policy) -> AiClient {
        Self::guarded(Guard::new(policy))
    }

    /// A client whose requests all go through `guard`, with its own connection pool (https
    /// through rustls with the Mozilla roots).
    pub fn guarded(guard: Guard) -> AiClient {
        let http = guard
            .client_builder(0)
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("waflow/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                // Only a broken TLS backend makes the builder fail: each call reports it.
                tracing::warn!(%error, "cannot configure the AI HTTP client");
                error.without_url().to_string()
            });
        Self { http, guard }
    }

    fn http(&self, url: &str) -> Result<&reqwest::Client, AiError> {
        self.http
            .as_ref()
            .map_err(|e| AiError::Unreachable(format!("{}: {e}", without_query(url))))
    }

    /// Asks the model for the reply to `messages` (`POST {base}/chat/completions`).
    pub async fn chat(
        &self,
        settings: &ProviderSettings,
        messages: &[ChatMessage],
    ) -> Result<Completion, AiError> {
        let url = settings.endpoint("chat/completions");
        let body = wire::ChatRequest {
            model: &settings.model,
            messages: messages
                .iter()
                .map(wire::WireMessage::from_message)
                .collect(),
            max_tokens: settings.max_tokens,
            temperature: settings.temperature,
        };
        tracing::debug!(
            url = %without_query(&url),
            model = %settings.model,
            messages = messages.len(),
            "AI chat request"
        );
        let request = authorized(self.http(&url)?.post(&url), settings).json(&body);
        let body = self.exchange(settings, &url, request).await?;
        let completion = wire::parse_completion(&body, &settings.model)?;
        tracing::debug!(
            model = %completion.model,
            finish_reason = ?completion.finish_reason,
            prompt_tokens = ?completion.prompt_tokens,
            completion_tokens = ?completion.completion_tokens,
            "AI chat reply"
        );
        Ok(completion)
    }

    /// Turns speech into text (`POST {base}/audio/transcriptions`, multipart `file`, `model` =
    /// the settings' transcription model, `response_format=json`); the transcript is trimmed
    /// and an empty one is [`AiError::Empty`].
    pub async fn transcribe(
        &self,
        settings: &ProviderSettings,
        audio: Vec<u8>,
        file_name: &str,
        mime: &str,
    ) -> Result<String, AiError> {
        let url = settings.endpoint("audio/transcriptions");
        tracing::debug!(
            url = %without_query(&url),
            model = %settings.transcription_model,
            bytes = audio.len(),
            mime,
            "AI transcription request"
        );
        // An unparsable MIME type would drop the part: check it on an empty part first.
        let mime = if reqwest::multipart::Part::bytes(Vec::new())
            .mime_str(mime)
            .is_ok()
        {
            mime
        } else {
            "application/octet-stream"
        };
        let file = reqwest::multipart::Part::bytes(audio)
            .file_name(file_name.to_string())
            .mime_str(mime)
            .map_err(|e| AiError::Unreachable(format!("{}: {e}", without_query(&url))))?;
        let form = reqwest::multipart::Form::new()
            .part("file", file)
            .text("model", settings.transcription_model.clone())
            .text("response_format", "json");
        let request = authorized(self.http(&url)?.post(&url), settings).multipart(form);
        let body = self.exchange(settings, &url, request).await?;
        wire::parse_transcription(&body)
    }

    /// Checks `url` with the guard, sends `request` and reads the answer (at most
    /// [`MAX_ANSWER_BYTES`]) within the settings' timeout; a non-success status becomes
    /// [`AiError::Status`].
    async fn exchange(
        &self,
        settings: &ProviderSettings,
        url: &str,
        request: RequestBuilder,
    ) -> Result<Vec<u8>, AiError> {
        self.guard.check_url(url).map_err(AiError::Refused)?;
        let started = Instant::now();
        let call = async {
            let mut response = request.send().await?;
            let status = response.status();
            let body = read_body(&mut response, MAX_ANSWER_BYTES).await?;
            Ok::<_, BodyError>((status, body))
        };
        let (status, body) = match tokio::time::timeout(settings.timeout, call).await {
            Err(_) => {
                return Err(AiError::Timeout {
                    after: settings.timeout,
                })
            }
            Ok(Err(BodyError::TooLarge { limit })) => {
                return Err(AiError::Malformed(format!(
                    "the answer is larger than {limit} bytes"
                )))
            }
            Ok(Err(BodyError::Transport(error))) => {
                return Err(transport_error(error, url, settings.timeout))
            }
            Ok(Ok(answer)) => answer,
        };
        tracing::debug!(
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "AI provider answered"
        );
        if !status.is_success() {
            return Err(status_error(status, &body));
        }
        Ok(body)
    }
}

/// Adds the API key, if any, the way the provider expects it.
fn authorized(request: RequestBuilder, settings: &ProviderSettings) -> RequestBuilder {
    match (&settings.api_key, settings.auth) {
        (None, _) => request,
        (Some(key), Auth::Bearer) => request.bearer_auth(key),
        (Some(key), Auth::ApiKeyHeader) => request.header("api-key", key),
    }
}

fn status_error(status: StatusCode, body: &[u8]) -> AiError {
    AiError::Status {
        status: status.as_u16(),
        message: wire::error_message(body, status.canonical_reason().unwrap_or("no reason")),
    }
}

fn transport_error(error: reqwest::Error, url: &str, timeout: Duration) -> AiError {
    if let Some(refused) = refusal(&error) {
        return AiError::Refused(refused);
    }
    if error.is_timeout() {
        return AiError::Timeout { after: timeout };
    }
    // The URL is named once, without its query string: drop reqwest's copy.
    let error = error.without_url();
    // reqwest's and hyper's own messages ("error sending request", "client error (Connect)")
    // hide the cause: name the causes below them instead.
    let mut causes: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(current) = next {
        let text = current.to_string();
        let generic = text == "error sending request" || text.starts_with("client error (");
        if !generic && !causes.iter().any(|c| c.contains(&text)) {
            causes.push(text);
        }
        next = current.source();
    }
    let cause = if causes.is_empty() {
        error.to_string()
    } else {
        causes.join(": ")
    };
    AiError::Unreachable(format!("{}: {cause}", without_query(url)))
}

/// `url` without its query string (which may carry a key on some gateways).
fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(base, _)| base)
}
