//! [`ProviderSettings`]: how to reach one OpenAI-compatible provider, and how its URLs are built.

use std::fmt;
use std::time::Duration;

/// How the API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <key>` (OpenAI, vLLM, llama.cpp, most proxies).
    Bearer,
    /// `api-key: <key>` (Azure OpenAI).
    ApiKeyHeader,
}

impl Auth {
    /// Parses the stored form: `bearer` or `api-key`.
    pub fn parse(s: &str) -> Option<Auth> {
        match s {
            "bearer" => Some(Auth::Bearer),
            "api-key" => Some(Auth::ApiKeyHeader),
            _ => None,
        }
    }

    /// The stored form, the inverse of [`Auth::parse`].
    pub fn as_str(&self) -> &'static str {
        match self {
            Auth::Bearer => "bearer",
            Auth::ApiKeyHeader => "api-key",
        }
    }
}

/// How to reach one provider (a workspace's settings, the API key already unsealed).
///
/// `Debug` prints the API key as `***`.
#[derive(Clone)]
pub struct ProviderSettings {
    /// The API's base URL, e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1`, or
    /// Azure's `https://x.openai.azure.com/openai/deployments/d?api-version=2024-06-01`
    /// (endpoint paths are joined before the query string).
    pub base_url: String,
    /// The chat model, e.g. `gpt-4o-mini` or `llama3.1:8b`.
    pub model: String,
    /// The API key; `None` sends no authentication (a local Ollama).
    pub api_key: Option<String>,
    /// How the API key is sent.
    pub auth: Auth,
    /// The bound on a whole request, connection and answer included.
    pub timeout: Duration,
    /// The most tokens a reply may have (`max_tokens`).
    pub max_tokens: u32,
    /// The sampling temperature; `None` leaves the provider's default.
    pub temperature: Option<f32>,
    /// The speech-to-text model, e.g. `whisper-1`.
    pub transcription_model: String,
}

impl ProviderSettings {
    /// Settings for `base_url` and `model` with no key, bearer authentication, a 30 s timeout,
    /// 512 tokens, the provider's temperature and `whisper-1` for transcriptions.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            auth: Auth::Bearer,
            timeout: Duration::from_secs(30),
            max_tokens: 512,
            temperature: None,
            transcription_model: "whisper-1".to_string(),
        }
    }

    /// The URL of endpoint `path` (e.g. `chat/completions`): the base URL's path joined with
    /// `path`, its query string (if any) kept after it.
    pub fn endpoint(&self, path: &str) -> String {
        let (base, query) = match self.base_url.split_once('?') {
            Some((base, query)) => (base, Some(query)),
            None => (self.base_url.as_str(), None),
        };
        let mut url = format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        if let Some(query) = query.filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(query);
        }
        url
    }
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("transcription_model", &self.transcription_model)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_round_trips() {
        for auth in [Auth::Bearer, Auth::ApiKeyHeader] {
            assert_eq!(Auth::parse(auth.as_str()), Some(auth));
        }
        assert_eq!(Auth::parse("basic"), None);
    }

    #[test]
    fn endpoints_join_before_the_query() {
        let settings = ProviderSettings::new("https://api.openai.com/v1/", "m");
        assert_eq!(
            settings.endpoint("chat/completions"),
            "https://api.openai.com/v1/chat/completions"
        );
        let azure = ProviderSettings::new(
            "https://x.openai.azure.com/openai/deployments/d?api-version=2024-06-01",
            "m",
        );
        assert_eq!(
            azure.endpoint("/audio/transcriptions"),
            "https://x.openai.azure.com/openai/deployments/d/audio/transcriptions?api-version=2024-06-01"
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let mut settings = ProviderSettings::new("http://localhost:11434/v1", "m");
        settings.api_key = Some("sk-secret".into());
        let printed = format!("{settings:?}");
        assert!(!printed.contains("sk-secret"));
        assert!(printed.contains("***"));
    }
}
