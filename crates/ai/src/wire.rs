//! OpenAI's JSON shapes for chat completions and transcriptions, and their conversion from and
//! to [`ChatMessage`] and [`Completion`].
//!
//! **Invariant:** only this module knows the provider's JSON; parsing never panics, whatever
//! the provider answers.

use crate::error::AiError;
use crate::message::{ChatMessage, Completion, Part};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The body of `POST /chat/completions`.
#[derive(Debug, Serialize)]
pub(crate) struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: Vec<WireMessage>,
    pub max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

/// One message as OpenAI reads it.
#[derive(Debug, Serialize)]
pub(crate) struct WireMessage {
    role: &'static str,
    content: Content,
}

/// A message's content: a plain string whenever there is no image, because some local servers
/// (older llama.cpp and Ollama builds) only read string contents.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<WirePart>),
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WirePart {
    Text { text: String },
    ImageUrl { image_url: ImageUrl },
}

#[derive(Debug, Serialize)]
struct ImageUrl {
    url: String,
}

impl WireMessage {
    pub fn from_message(message: &ChatMessage) -> Self {
        match message {
            ChatMessage::System(text) => Self {
                role: "system",
                content: Content::Text(text.clone()),
            },
            ChatMessage::Assistant(text) => Self {
                role: "assistant",
                content: Content::Text(text.clone()),
            },
            ChatMessage::User(parts) => Self {
                role: "user",
                content: user_content(parts),
            },
        }
    }
}

fn user_content(parts: &[Part]) -> Content {
    let has_image = parts.iter().any(|p| matches!(p, Part::Image { .. }));
    if !has_image {
        let texts: Vec<&str> = parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(text) => Some(text.as_str()),
                Part::Image { .. } => None,
            })
            .collect();
        return Content::Text(texts.join("\n"));
    }
    let parts = parts
        .iter()
        .map(|part| match part {
            Part::Text(text) => WirePart::Text { text: text.clone() },
            Part::Image { mime, data } => WirePart::ImageUrl {
                image_url: ImageUrl {
                    url: data_url(mime, data),
                },
            },
        })
        .collect();
    Content::Parts(parts)
}

/// `data:<mime>;base64,<bytes>`.
pub(crate) fn data_url(mime: &str, data: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(data)
    )
}

/// The answer of `POST /chat/completions`; every field optional so that a partial answer is
/// reported precisely instead of failing deserialization.
#[derive(Debug, Deserialize)]
struct ChatResponse {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<AnswerMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AnswerMessage {
    /// A string, `null`, or (some servers) an array of `{"type":"text","text":…}` parts.
    #[serde(default)]
    content: Value,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

/// Reads a successful chat answer; `requested_model` names the model when the answer does not.
pub(crate) fn parse_completion(body: &[u8], requested_model: &str) -> Result<Completion, AiError> {
    let response: ChatResponse = serde_json::from_slice(body)
        .map_err(|e| AiError::Malformed(format!("{e}; the answer began with {}", preview(body))))?;
    let choice = response
        .choices
        .and_then(|choices| choices.into_iter().next())
        .ok_or_else(|| AiError::Malformed("the answer has no choices".to_string()))?;
    let text = choice
        .message
        .map(|m| content_text(&m.content))
        .unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Err(AiError::Empty);
    }
    let usage = response.usage;
    Ok(Completion {
        text: text.to_string(),
        model: response
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| requested_model.to_string()),
        finish_reason: choice.finish_reason,
        prompt_tokens: usage.as_ref().and_then(|u| u.prompt_tokens),
        completion_tokens: usage.as_ref().and_then(|u| u.completion_tokens),
    })
}

fn content_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| match part {
                Value::String(text) => Some(text.as_str()),
                part => part.get("text").and_then(Value::as_str),
            })
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// The answer of `POST /audio/transcriptions` with `response_format=json`.
#[derive(Debug, Deserialize)]
struct TranscriptionResponse {
    #[serde(default)]
    text: Option<String>,
}

/// Reads a successful transcription answer: its trimmed text, never empty.
pub(crate) fn parse_transcription(body: &[u8]) -> Result<String, AiError> {
    let response: TranscriptionResponse = serde_json::from_slice(body)
        .map_err(|e| AiError::Malformed(format!("{e}; the answer began with {}", preview(body))))?;
    let text = response
        .text
        .ok_or_else(|| AiError::Malformed("the answer has no text".to_string()))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AiError::Empty);
    }
    Ok(text.to_string())
}

/// The explanation of a failed answer: OpenAI's `{"error":{"message"}}`, Ollama's
/// `{"error":"…"}`, a top-level `{"message"}` or `{"detail"}`, else a preview of the body, else
/// the status' reason.
pub(crate) fn error_message(body: &[u8], reason: &str) -> String {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let message = value
            .pointer("/error/message")
            .or_else(|| value.get("error").filter(|e| e.is_string()))
            .or_else(|| value.get("message"))
            .or_else(|| value.get("detail"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|m| !m.is_empty());
        if let Some(message) = message {
            return message.to_string();
        }
    }
    let preview = preview(body);
    if preview.is_empty() {
        reason.to_string()
    } else {
        preview
    }
}

/// The first 200 characters of a body, on one line.
pub(crate) fn preview(body: &[u8]) -> String {
    const MAX_CHARS: usize = 200;
    let text = String::from_utf8_lossy(body);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_CHARS {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn to_json(message: &ChatMessage) -> Value {
        serde_json::to_value(WireMessage::from_message(message)).unwrap()
    }

    #[test]
    fn text_only_user_messages_are_strings() {
        let message = ChatMessage::User(vec![Part::Text("a".into()), Part::Text("b".into())]);
        assert_eq!(
            to_json(&message),
            json!({"role": "user", "content": "a\nb"})
        );
    }

    #[test]
    fn images_make_an_array_of_parts() {
        let message = ChatMessage::User(vec![
            Part::Text("what is this?".into()),
            Part::Image {
                mime: "image/png".into(),
                data: vec![1, 2, 3],
            },
        ]);
        assert_eq!(
            to_json(&message),
            json!({"role": "user", "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AQID"}},
            ]})
        );
    }

    #[test]
    fn content_may_be_an_array_or_null() {
        let body = br#"{"choices":[{"message":{"content":[{"type":"text","text":" Hi "},{"type":"text","text":"there"}]}}]}"#;
        let completion = parse_completion(body, "m").unwrap();
        assert_eq!(completion.text, "Hi there");
        assert_eq!(completion.model, "m");
        let body = br#"{"choices":[{"message":{"content":null},"finish_reason":"length"}]}"#;
        assert_eq!(parse_completion(body, "m"), Err(AiError::Empty));
    }

    #[test]
    fn odd_answers_are_malformed_not_panics() {
        for body in [
            &b"<html>"[..],
            b"{}",
            b"{\"choices\":[]}",
            b"{\"choices\":7}",
            b"[1,2]",
            b"",
        ] {
            assert!(
                matches!(parse_completion(body, "m"), Err(AiError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn error_messages_come_from_the_json_or_the_body() {
        let openai = br#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;
        assert_eq!(
            error_message(openai, "Too Many Requests"),
            "Rate limit reached"
        );
        assert_eq!(
            error_message(br#"{"error":"model 'x' not found"}"#, ""),
            "model 'x' not found"
        );
        assert_eq!(
            error_message(b"<h1>Bad\n gateway</h1>", ""),
            "<h1>Bad gateway</h1>"
        );
        assert_eq!(error_message(b"", "Bad Gateway"), "Bad Gateway");
        assert!(preview("é".repeat(500).as_bytes()).ends_with('…'));
    }
}
