//! [`FakeGraph`]: a local HTTP server that answers like Meta's Graph API for the endpoints the
//! Cloud API channel uses, records every request, and can be scripted to fail or to be slow.
//!
//! Endpoints (any `v*` version segment is accepted):
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /{version}/{phone_number_id}/messages` | a `wamid` for a message, `{"success":true}` for a read receipt |
//! | `GET /{version}/{media_id}` | the media's download URL (on this server), MIME type, SHA-256, size |
//! | `GET /media-bytes/{media_id}` | the media's bytes |
//! | `POST /{version}/{phone_number_id}/media` | stores the multipart `file`; `{"id": ...}` |
//! | `GET /{version}/{waba_id}/message_templates` | the templates, two per page, with `paging.next` |
//! | `GET /{version}/{phone_number_id}?fields=verified_name,...` | the number's verified name, display number and quality rating |
//!
//! **Guarantees:** every request is recorded before it is answered, including the ones that are
//! refused; every endpoint needs an `Authorization: Bearer` header (and the exact token once
//! [`FakeGraph::require_token`] is called), refused with Meta's code 190 otherwise; errors use
//! Meta's error JSON shape. The server stops when the [`FakeGraph`] is dropped.

use crate::server::{answer, serve, Serving};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// How many templates one page of `message_templates` holds.
pub const TEMPLATES_PER_PAGE: usize = 2;

/// One request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path, e.g. `/v21.0/1234/messages`.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The `Authorization` header as sent, e.g. `Bearer EAAG...`.
    pub authorization: Option<String>,
    /// The body: the JSON document, or for a multipart upload an object of its text fields
    /// with the file as `{"filename", "content_type", "size"}`; `None` when empty.
    pub body: Option<Value>,
}

/// A Graph API error answer: `{"error":{"message","type","code","fbtrace_id"}}`.
pub fn graph_error(code: i64, message: &str) -> Value {
    json!({
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "FakeGraphTrace",
        }
    })
}

struct Media {
    mime_type: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct Inner {
    requests: Vec<RecordedRequest>,
    sent: Vec<(std::time::Instant, Value)>,
    /// The `wamid` answered for each of `sent`, in the same order.
    wamids: Vec<String>,
    failures: VecDeque<(u16, Value)>,
    delay: Option<Duration>,
    /// Delays for one phone number id's requests, over `delay`.
    delay_for: HashMap<String, Duration>,
    media: HashMap<String, Media>,
    templates: Vec<Value>,
    access_token: Option<String>,
    next_id: u64,
}

type Shared = crate::server::Shared<Inner>;

/// A fake of Meta's Graph API on `127.0.0.1`, for tests of the Cloud API channel.
pub struct FakeGraph {
    shared: Arc<Shared>,
    _server: Serving,
}

impl FakeGraph {
    /// Starts the server on a free port of `127.0.0.1`.
    pub async fn start() -> std::io::Result<Self> {
        let (shared, server) = serve("", handle).await?;
        Ok(Self {
            shared,
            _server: server,
        })
    }

    /// The server's base URL, `http://127.0.0.1:PORT`, to give a Graph client.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Makes media `id` available for lookup and download.
    pub fn add_media(
        &self,
        id: impl Into<String>,
        mime_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) {
        self.shared.lock().media.insert(
            id.into(),
            Media {
                mime_type: mime_type.into(),
                bytes: bytes.into(),
            },
        );
    }

    /// The bytes of media `id` (added or uploaded), if it exists.
    pub fn media_bytes(&self, id: &str) -> Option<Vec<u8>> {
        self.shared.lock().media.get(id).map(|m| m.bytes.clone())
    }

    /// Replaces the templates listed by `message_templates` (served two per page).
    pub fn set_templates(&self, templates: Vec<Value>) {
        self.shared.lock().templates = templates;
    }

    /// Makes the next `n` requests to `/messages` (sends and read receipts) fail with
    /// `http_status` and `error_json` as the body; calls queue up in order.
    pub fn fail_next(&self, n: usize, http_status: u16, error_json: Value) {
        let mut inner = self.shared.lock();
        for _ in 0..n {
            inner.failures.push_back((http_status, error_json.clone()));
        }
    }

    /// Delays every answer by `delay` (`None` answers at once).
    pub fn set_delay(&self, delay: Option<Duration>) {
        self.shared.lock().delay = delay;
    }

    /// Delays the answers to requests naming `phone_number_id` (its sends) by `delay` instead
    /// of the common delay; `None` goes back to the common delay.
    pub fn set_delay_for(&self, phone_number_id: &str, delay: Option<Duration>) {
        let mut inner = self.shared.lock();
        match delay {
            Some(d) => inner.delay_for.insert(phone_number_id.to_string(), d),
            None => inner.delay_for.remove(phone_number_id),
        };
    }

    /// Refuses requests whose bearer token is not exactly `token` (Meta's code 190).
    pub fn require_token(&self, token: impl Into<String>) {
        self.shared.lock().access_token = Some(token.into());
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The JSON bodies of the messages accepted so far (answered with a `wamid`), in order.
    pub fn sent_messages(&self) -> Vec<Value> {
        self.shared
            .lock()
            .sent
            .iter()
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// How many messages were accepted so far (cheap: nothing is copied).
    pub fn sent_count(&self) -> usize {
        self.shared.lock().sent.len()
    }

    /// The accepted messages with the `wamid` each was given, in order.
    pub fn sent_with_wamids(&self) -> Vec<(String, Value)> {
        let inner = self.shared.lock();
        inner
            .wamids
            .iter()
            .cloned()
            .zip(inner.sent.iter().map(|(_, v)| v.clone()))
            .collect()
    }

    /// The accepted messages with the moment each arrived, in order (for latency measurements).
    pub fn sent_with_times(&self) -> Vec<(std::time::Instant, Value)> {
        self.shared.lock().sent.clone()
    }
}

fn invalid(message: &str) -> Response {
    answer(400, graph_error(100, &format!("(#100) {message}")))
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (parsed, file) = parse_body(&content_type, &body);
    let delay = {
        let mut inner = shared.lock();
        inner.requests.push(RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            authorization: authorization.clone(),
            body: parsed.clone(),
        });
        let number = uri.path().trim_matches('/').split('/').nth(1).unwrap_or("");
        inner.delay_for.get(number).copied().or(inner.delay)
    };
    // Like Meta, the request is acted on when it arrives; the delay is the answer's way back
    // (a caller that gives up waiting does not undo the send).
    let answer = act(&shared, method, &uri, authorization, parsed, file);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    answer
}

fn act(
    shared: &Shared,
    method: Method,
    uri: &Uri,
    authorization: Option<String>,
    parsed: Option<Value>,
    file: Option<(String, Vec<u8>)>,
) -> Response {
    let token = authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty());
    let expected = shared.lock().access_token.clone();
    let authorized = match (token, expected) {
        (None, _) => false,
        (Some(token), Some(expected)) => token == expected,
        (Some(_), None) => true,
    };
    if !authorized {
        return answer(
            401,
            graph_error(
                190,
                "Invalid OAuth access token - Cannot parse access token",
            ),
        );
    }

    let path = uri.path().trim_matches('/').to_string();
    let segments: Vec<&str> = path.split('/').collect();
    match (method, segments.as_slice()) {
        (Method::GET, ["media-bytes", id]) => media_bytes(shared, id),
        (Method::POST, [version, _, "messages"]) if version.starts_with('v') => {
            messages(shared, parsed)
        }
        (Method::POST, [version, _, "media"]) if version.starts_with('v') => {
            upload(shared, parsed, file)
        }
        (Method::GET, [version, waba, "message_templates"]) if version.starts_with('v') => {
            templates(shared, version, waba, uri.query())
        }
        (Method::GET, [version, id])
            if version.starts_with('v')
                && uri.query().is_some_and(|q| q.contains("verified_name")) =>
        {
            answer(
                200,
                json!({"verified_name": "Bottega Test", "display_phone_number": "+39 333 000 0000",
                       "quality_rating": "GREEN", "id": id}),
            )
        }
        (Method::GET, [version, id]) if version.starts_with('v') => media_info(shared, id),
        _ => invalid("Unsupported request: no such endpoint on the fake Graph API"),
    }
}

fn messages(shared: &Shared, body: Option<Value>) -> Response {
    let mut inner = shared.lock();
    if let Some((status, error)) = inner.failures.pop_front() {
        return answer(status, error);
    }
    let Some(body) = body else {
        return invalid("The request body is empty");
    };
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return invalid("The parameter messaging_product is required and must be whatsapp");
    }
    if body.get("status").and_then(Value::as_str) == Some("read") {
        if body.get("message_id").and_then(Value::as_str).is_none() {
            return invalid("The parameter message_id is required");
        }
        return answer(200, json!({ "success": true }));
    }
    // Meta takes a phone in `to` or a business-scoped user id in `recipient`; `to` wins.
    let phone = body
        .get("to")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty());
    let user_id = body
        .get("recipient")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty());
    let to = match phone.or(user_id) {
        Some(to) => to.to_string(),
        None => return invalid("The parameter to is required"),
    };
    let by_phone = phone.is_some();
    let kind = match body.get("type").and_then(Value::as_str) {
        Some(kind) => kind.to_string(),
        None => return invalid("The parameter type is required"),
    };
    if body.get(&kind).is_none() {
        return invalid(&format!("The parameter {kind} is required"));
    }
    inner.next_id += 1;
    let wamid = format!("wamid.FAKE{:016X}", inner.next_id);
    inner.sent.push((std::time::Instant::now(), body));
    inner.wamids.push(wamid.clone());
    let contact = if by_phone {
        let wa_id: String = to.chars().filter(char::is_ascii_digit).collect();
        json!({ "input": to, "wa_id": wa_id })
    } else {
        json!({ "input": to, "user_id": to })
    };
    answer(
        200,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{ "id": wamid }],
        }),
    )
}

fn media_info(shared: &Shared, id: &str) -> Response {
    let inner = shared.lock();
    match inner.media.get(id) {
        Some(media) => answer(
            200,
            json!({
                "messaging_product": "whatsapp",
                "url": format!("{}/media-bytes/{id}", shared.base_url),
                "mime_type": media.mime_type,
                "sha256": sha256_hex(&media.bytes),
                "file_size": media.bytes.len(),
                "id": id,
            }),
        ),
        None => invalid(&format!(
            "Unsupported get request. Object with ID '{id}' does not exist"
        )),
    }
}

fn media_bytes(shared: &Shared, id: &str) -> Response {
    let inner = shared.lock();
    match inner.media.get(id) {
        Some(media) => (
            [(header::CONTENT_TYPE, media.mime_type.clone())],
            Body::from(media.bytes.clone()),
        )
            .into_response(),
        None => answer(404, graph_error(100, "media not found")),
    }
}

fn upload(shared: &Shared, fields: Option<Value>, file: Option<(String, Vec<u8>)>) -> Response {
    let product = fields
        .as_ref()
        .and_then(|f| f.get("messaging_product"))
        .and_then(Value::as_str);
    if product != Some("whatsapp") {
        return invalid("The parameter messaging_product is required and must be whatsapp");
    }
    let Some((mime_type, bytes)) = file else {
        return invalid("The parameter file is required");
    };
    let mut inner = shared.lock();
    inner.next_id += 1;
    let id = format!("{}", 900_000_000_000_000u64 + inner.next_id);
    inner.media.insert(id.clone(), Media { mime_type, bytes });
    answer(200, json!({ "id": id }))
}

fn templates(shared: &Shared, version: &str, waba: &str, query: Option<&str>) -> Response {
    let inner = shared.lock();
    let start = query
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0)
        .min(inner.templates.len());
    let end = (start + TEMPLATES_PER_PAGE).min(inner.templates.len());
    let data: Vec<Value> = inner.templates[start..end].to_vec();
    let mut page = json!({
        "data": data,
        "paging": { "cursors": { "before": start.to_string(), "after": end.to_string() } },
    });
    if end < inner.templates.len() {
        page["paging"]["next"] = json!(format!(
            "{}/{version}/{waba}/message_templates?limit={TEMPLATES_PER_PAGE}&after={end}",
            shared.base_url
        ));
    }
    answer(200, page)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The recorded form of a body, and for a multipart upload its file (MIME type, bytes).
fn parse_body(content_type: &str, body: &[u8]) -> (Option<Value>, Option<(String, Vec<u8>)>) {
    if body.is_empty() {
        return (None, None);
    }
    if content_type.starts_with("multipart/form-data") {
        if let Some(boundary) = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
        {
            let (fields, file) = parse_multipart(body, boundary.trim_matches('"'));
            return (Some(fields), file);
        }
    }
    let value = serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
    (Some(value), None)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A minimal `multipart/form-data` reader: text fields become strings, file parts become
/// `{"filename", "content_type", "size"}`; the first file part is also returned.
fn parse_multipart(body: &[u8], boundary: &str) -> (Value, Option<(String, Vec<u8>)>) {
    let delimiter = format!("--{boundary}");
    let mut fields = serde_json::Map::new();
    let mut file = None;
    let mut rest = body;
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let part_end = find(rest, delimiter.as_bytes()).unwrap_or(rest.len());
        let part = &rest[..part_end];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let mut name = None;
        let mut filename = None;
        let mut part_type = None;
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for attribute in line.split(';').skip(1) {
                    let attribute = attribute.trim();
                    if let Some(v) = attribute.strip_prefix("name=") {
                        name = Some(v.trim_matches('"').to_string());
                    } else if let Some(v) = attribute.strip_prefix("filename=") {
                        filename = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if lower.starts_with("content-type:") {
                part_type = line.split_once(':').map(|(_, v)| v.trim().to_string());
            }
        }
        let Some(name) = name else { continue };
        match filename {
            Some(filename) => {
                let mime = part_type.unwrap_or_else(|| "application/octet-stream".to_string());
                fields.insert(
                    name,
                    json!({ "filename": filename, "content_type": mime, "size": content.len() }),
                );
                if file.is_none() {
                    file = Some((mime, content.to_vec()));
                }
            }
            None => {
                fields.insert(
                    name,
                    Value::String(String::from_utf8_lossy(content).into_owned()),
                );
            }
        }
    }
    (Value::Object(fields), file)
}
