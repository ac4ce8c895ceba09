//! [`AiError`]: why a call to the AI provider gave no usable answer, in words an operator can act
//! on (they end up in run logs).

use std::time::Duration;

/// Why a call to the AI provider failed. Messages never contain the API key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AiError {
    /// The whole request (connect and answer) took longer than the settings' timeout.
    #[error("no answer from the AI provider within {}", human(after))]
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The provider could not be reached (connection refused, DNS, TLS, connection dropped):
    /// holds the URL and the cause, e.g. `http://localhost:11434/v1: connection refused`.
    #[error("cannot reach the AI provider at {0}")]
    Unreachable(String),
    /// The provider answered with a non-success status; `message` is the one of OpenAI's
    /// error JSON when there is one, else a preview of the body.
    #[error("the AI provider answered {status}: {message}")]
    Status {
        /// The HTTP status, e.g. 429.
        status: u16,
        /// The provider's explanation, e.g. `Rate limit reached for …`.
        message: String,
    },
    /// The answer is not the expected JSON (not JSON, no `choices`, wrong types).
    #[error("the AI provider's answer is not understood: {0}")]
    Malformed(String),
    /// The answer holds no text (empty, blank or `null` content).
    #[error("the AI provider answered with an empty text")]
    Empty,
    /// The SSRF guard refused the provider's address (e.g. loopback without
    /// `--allow-private-http`): nothing was sent.
    #[error("the AI provider's address is refused: {0}")]
    Refused(waflow_outbound_http::Refused),
}

impl AiError {
    /// Whether trying again later may succeed (timeouts, unreachable, 408/409/429 and 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            AiError::Timeout { .. } | AiError::Unreachable(_) => true,
            AiError::Status { status, .. } => matches!(status, 408 | 409 | 429 | 500..=599),
            AiError::Malformed(_) | AiError::Empty | AiError::Refused(_) => false,
        }
    }
}

/// `20 s`, `1.5 s` or `300 ms`.
fn human(duration: &Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_naturally() {
        let error = AiError::Timeout {
            after: Duration::from_secs(20),
        };
        assert_eq!(
            error.to_string(),
            "no answer from the AI provider within 20 s"
        );
        let error = AiError::Timeout {
            after: Duration::from_millis(300),
        };
        assert_eq!(
            error.to_string(),
            "no answer from the AI provider within 300 ms"
        );
        let error = AiError::Timeout {
            after: Duration::from_millis(1500),
        };
        assert_eq!(
            error.to_string(),
            "no answer from the AI provider within 1.5 s"
        );
    }

    #[test]
    fn statuses_name_the_code_and_the_message() {
        let error = AiError::Status {
            status: 429,
            message: "Rate limit reached".into(),
        };
        assert_eq!(
            error.to_string(),
            "the AI provider answered 429: Rate limit reached"
        );
        assert!(error.is_transient());
        assert!(!AiError::Status {
            status: 401,
            message: String::new()
        }
        .is_transient());
    }
}
