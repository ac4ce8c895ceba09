//! [`FakeAi`]: a local HTTP server that answers like an OpenAI-compatible AI provider for the
//! endpoints waflow uses, records every request, and can be scripted to fail, to be slow or to
//! answer garbage.
//!
//! | request | answer |
//! | --- | --- |
//! | `POST …/chat/completions` | a `chat.completion`: the next queued reply, else the default one |
//! | `POST …/audio/transcriptions` (multipart) | `{"text": …}` |
//!
//! Any path ending with one of these is accepted, so Azure-style deployment paths work too, and
//! the query string (Azure's `?api-version=`) is accepted and recorded.
//!
//! **Guarantees:** every request is recorded, with the moment it arrived, before it is answered,
//! including the ones that are refused; errors use OpenAI's error JSON shape
//! (`{"error":{"message","type","code"}}`); a delayed answer never holds up other requests;
//! the server stops when the [`FakeAi`] is dropped.

use crate::server::{answer, serve, Serving};
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The largest request body read (images travel inline as base64).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The transcript answered until [`FakeAi::set_transcription`] is called.
pub const DEFAULT_TRANSCRIPT: &str = "fake transcript";

/// The start of the default chat reply, followed by the last user message's text.
pub const DEFAULT_REPLY_PREFIX: &str = "Fake reply to: ";

/// One request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct AiRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path without the query string, e.g. `/v1/chat/completions`.
    pub path: String,
    /// The raw query string, if any, e.g. `api-version=2024-06-01`.
    pub query: Option<String>,
    /// The headers, names in lower case (a repeated header keeps its last value).
    pub headers: BTreeMap<String, String>,
    /// The body: the JSON document (a string when it is not JSON, `null` when empty), or for a
    /// multipart request an object of its text fields with each file as
    /// `{"file_name", "size", "mime"}`.
    pub body: Value,
    /// When the request arrived (for latency measurements).
    pub at: Instant,
}

impl AiRequest {
    /// The value of header `name` (any case), if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Whether this is a chat completion request.
    pub fn is_chat(&self) -> bool {
        self.path.ends_with("/chat/completions")
    }

    /// Whether this is a transcription request.
    pub fn is_transcription(&self) -> bool {
        self.path.ends_with("/audio/transcriptions")
    }
}

/// An OpenAI error answer: `{"error":{"message","type","param","code"}}`.
pub fn openai_error(message: &str, kind: &str, code: &str) -> Value {
    json!({
        "error": {
            "message": message,
            "type": kind,
            "param": null,
            "code": code,
        }
    })
}

/// A scripted answer that replaces the normal one.
enum Scripted {
    /// An HTTP status with a JSON body (usually [`openai_error`]).
    Failure(u16, Value),
    /// An HTTP status with a body sent as is.
    Raw(u16, String),
}

#[derive(Default)]
struct Inner {
    requests: Vec<AiRequest>,
    replies: VecDeque<String>,
    default_reply: Option<String>,
    transcription: Option<String>,
    scripted: VecDeque<Scripted>,
    delay: Option<Duration>,
    api_key: Option<String>,
    next_id: u64,
}

type Shared = crate::server::Shared<Inner>;

/// A fake OpenAI-compatible AI provider on `127.0.0.1`, for tests of the AI client and of the
/// AI steps of workflows.
pub struct FakeAi {
    shared: Arc<Shared>,
    _server: Serving,
}

impl FakeAi {
    /// Starts the server on a free port of `127.0.0.1`.
    pub async fn start() -> std::io::Result<Self> {
        let (shared, server) = serve("/v1", handle).await?;
        Ok(Self {
            shared,
            _server: server,
        })
    }

    /// The provider's base URL, `http://127.0.0.1:PORT/v1`, to give an AI client.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Queues `text` as the content of the next chat answer; queued replies are used in order
    /// before the default one.
    pub fn queue_reply(&self, text: impl Into<String>) {
        self.shared.lock().replies.push_back(text.into());
    }

    /// Sets the content of chat answers once the queue is empty (initially
    /// [`DEFAULT_REPLY_PREFIX`] followed by the last user message's text).
    pub fn set_default_reply(&self, text: impl Into<String>) {
        self.shared.lock().default_reply = Some(text.into());
    }

    /// Sets the text of transcription answers (initially [`DEFAULT_TRANSCRIPT`]).
    pub fn set_transcription(&self, text: impl Into<String>) {
        self.shared.lock().transcription = Some(text.into());
    }

    /// Delays every chat answer by `delay` (`None` answers at once); other requests are
    /// answered meanwhile.
    pub fn set_delay(&self, delay: Option<Duration>) {
        self.shared.lock().delay = delay;
    }

    /// Makes the next `n` requests (chat or transcription) fail with `http_status` and
    /// `error_json` as the body (see [`openai_error`]); calls queue up in order, together with
    /// [`FakeAi::raw_next`].
    pub fn fail_next(&self, n: usize, http_status: u16, error_json: Value) {
        let mut inner = self.shared.lock();
        for _ in 0..n {
            inner
                .scripted
                .push_back(Scripted::Failure(http_status, error_json.clone()));
        }
    }

    /// Makes the next request (chat or transcription) answer `status` with `body` sent as is
    /// (e.g. HTML or truncated JSON); queues up with [`FakeAi::fail_next`].
    pub fn raw_next(&self, status: u16, body: impl Into<String>) {
        self.shared
            .lock()
            .scripted
            .push_back(Scripted::Raw(status, body.into()));
    }

    /// Refuses, with 401 and OpenAI's `invalid_api_key` error, requests that carry neither
    /// `Authorization: Bearer <key>` nor `api-key: <key>`.
    pub fn require_key(&self, key: impl Into<String>) {
        self.shared.lock().api_key = Some(key.into());
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<AiRequest> {
        self.shared.lock().requests.clone()
    }

    /// The JSON bodies of the chat requests received so far, in order.
    pub fn chat_requests(&self) -> Vec<Value> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.is_chat())
            .map(|r| r.body.clone())
            .collect()
    }

    /// How many chat requests were received so far (refused ones included).
    pub fn chat_count(&self) -> usize {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.is_chat())
            .count()
    }

    /// How many transcription requests were received so far (refused ones included).
    pub fn transcription_count(&self) -> usize {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.is_transcription())
            .count()
    }

    /// Forgets the recorded requests (the script — replies, failures, delay, key — is kept).
    pub fn clear(&self) {
        self.shared.lock().requests.clear();
    }
}

fn invalid(message: &str) -> Response {
    answer(
        400,
        openai_error(message, "invalid_request_error", "invalid_request"),
    )
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let headers = request.headers().clone();
    let path = uri.path().trim_end_matches('/').to_string();
    let chat = path.ends_with("/chat/completions");
    let transcription = path.ends_with("/audio/transcriptions");

    let body = if transcription {
        match Multipart::from_request(request, &()).await {
            Ok(multipart) => read_multipart(multipart).await,
            Err(rejection) => Value::String(format!("not multipart: {rejection}")),
        }
    } else {
        match axum::body::to_bytes(request.into_body(), BODY_LIMIT).await {
            Ok(bytes) if bytes.is_empty() => Value::Null,
            Ok(bytes) => serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
            Err(error) => Value::String(format!("unreadable body: {error}")),
        }
    };

    let delay = {
        let mut inner = shared.lock();
        inner.requests.push(AiRequest {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: lower_case_headers(&headers),
            body: body.clone(),
            at: Instant::now(),
        });
        inner.delay.filter(|_| chat)
    };
    // The lock is released: other requests are served while this one waits.
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }

    if !authorized(&shared, &headers) {
        return answer(
            401,
            openai_error(
                "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            ),
        );
    }
    if method != Method::POST || !(chat || transcription) {
        return answer(
            404,
            openai_error(
                &format!("Invalid URL ({method} {})", uri.path()),
                "invalid_request_error",
                "not_found",
            ),
        );
    }
    let scripted = shared.lock().scripted.pop_front();
    match scripted {
        Some(Scripted::Failure(status, body)) => return answer(status, body),
        Some(Scripted::Raw(status, body)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, Body::from(body)).into_response();
        }
        None => {}
    }
    if chat {
        chat_completion(&shared, &body)
    } else {
        transcribe(&shared, &body)
    }
}

fn lower_case_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(expected) = shared.lock().api_key.clone() else {
        return true;
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let api_key = headers.get("api-key").and_then(|v| v.to_str().ok());
    bearer == Some(expected.as_str()) || api_key == Some(expected.as_str())
}

fn chat_completion(shared: &Shared, body: &Value) -> Response {
    let Some(model) = body.get("model").and_then(Value::as_str) else {
        return invalid("you must provide a model parameter");
    };
    let Some(messages) = body.get("messages").and_then(Value::as_array) else {
        return invalid("'messages' is a required property");
    };
    if messages.is_empty() {
        return invalid("'messages' must contain at least one message");
    }
    let (content, id) = {
        let mut inner = shared.lock();
        inner.next_id += 1;
        let content = match inner.replies.pop_front() {
            Some(reply) => reply,
            None => match &inner.default_reply {
                Some(reply) => reply.clone(),
                None => format!("{DEFAULT_REPLY_PREFIX}{}", last_user_text(messages)),
            },
        };
        (content, inner.next_id)
    };
    let prompt_tokens: usize = messages.iter().map(|m| words(&message_text(m))).sum();
    let completion_tokens = words(&content);
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    answer(
        200,
        json!({
            "id": format!("chatcmpl-fake{id:08}"),
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": content },
                "finish_reason": "stop",
            }],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }),
    )
}

fn transcribe(shared: &Shared, fields: &Value) -> Response {
    if fields.get("file").and_then(|f| f.get("size")).is_none() {
        return invalid("1 validation error for Request: body -> file: field required");
    }
    if fields.get("model").and_then(Value::as_str).is_none() {
        return invalid("you must provide a model parameter");
    }
    let text = shared
        .lock()
        .transcription
        .clone()
        .unwrap_or_else(|| DEFAULT_TRANSCRIPT.to_string());
    answer(200, json!({ "text": text }))
}

/// The text of a message: its string content, or its text parts joined by newlines.
fn message_text(message: &Value) -> String {
    match message.get("content") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn last_user_text(messages: &[Value]) -> String {
    messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(message_text)
        .unwrap_or_default()
}

/// A rough token count: the number of words.
fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The fields of a multipart body: text fields as strings, files as
/// `{"file_name", "size", "mime"}`.
async fn read_multipart(mut multipart: Multipart) -> Value {
    let mut fields = Map::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                fields.insert("_error".to_string(), json!(error.to_string()));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let mime = field.content_type().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => {
                fields.insert("_error".to_string(), json!(error.to_string()));
                break;
            }
        };
        let value = match file_name {
            Some(file_name) => json!({
                "file_name": file_name,
                "size": bytes.len(),
                "mime": mime.unwrap_or_else(|| "application/octet-stream".to_string()),
            }),
            None => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        };
        fields.insert(name, value);
    }
    Value::Object(fields)
}
