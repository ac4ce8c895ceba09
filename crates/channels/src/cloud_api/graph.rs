//! The Graph API client of the Cloud API channel: sending messages, read receipts, media
//! lookup, download and upload, and listing message templates.
//!
//! **Guarantees:** every failure comes back as a [`GraphError`] classified as
//! [`ErrorKind::Retryable`] (rate limits, Meta's transient errors, HTTP 5xx, timeouts,
//! connection errors) or [`ErrorKind::Permanent`] (everything else), with Meta's error code and
//! message when Meta sent them. Content is validated before it is sent. The access token only
//! ever travels in the `Authorization` header: it is never logged, never put in an error, and
//! never sent to a host other than the client's base URL, except by [`GraphClient::download`]
//! to the media URL Meta returned.

use super::content::Content;
use super::ProviderError;
use crate::SendError;
use reqwest::{Method, RequestBuilder, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::time::Duration;
use waflow_outbound_http::{FetchError, Fetcher, Guard, Limits, Policy, MAX_REDIRECTS};

/// The guarded downloader of media URLs: `policy`, plus the configured base URL's origin.
fn media_fetcher(base_url: &str, policy: Policy) -> Fetcher {
    Fetcher::new(Guard::new(policy).trusting(base_url), MAX_REDIRECTS)
}

/// Meta's Graph API host.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// The Graph API version waflow is written against.
pub const DEFAULT_API_VERSION: &str = "v21.0";
/// The largest media file [`GraphClient::download`] accepts (Meta's limit for documents).
pub const MAX_DOWNLOAD_BYTES: usize = 100 * 1024 * 1024;
/// How many template pages [`GraphClient::templates`] follows at most.
const MAX_TEMPLATE_PAGES: usize = 100;

/// Meta error codes that mean "try again later".
const RETRYABLE_CODES: &[i64] = &[
    4,      // application request limit reached
    80007,  // WhatsApp Business Account rate limit
    130429, // throughput (messages per second) limit
    131000, // something went wrong
    131016, // service unavailable
    131056, // too many messages to the same recipient (pair rate limit)
];

/// Meta error codes that are known to be final, whatever the HTTP status.
fn is_permanent_code(code: i64) -> bool {
    matches!(code, 100 | 190 | 131026 | 131047 | 131049 | 131051)
        || (132000..133000).contains(&code)
}

/// The credentials of one business phone number.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The Graph API id of the business phone number (not the number itself).
    pub phone_number_id: String,
    /// A system-user or user access token with `whatsapp_business_messaging`.
    pub access_token: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("phone_number_id", &self.phone_number_id)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

/// What Meta reports about an uploaded or received media file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// A short-lived URL to download the file from (with the bearer token).
    pub url: String,
    /// The file's MIME type.
    #[serde(default)]
    pub mime_type: String,
    /// The SHA-256 of the file, hex.
    #[serde(default)]
    pub sha256: String,
    /// The file size in bytes.
    #[serde(default, deserialize_with = "number_or_string")]
    pub file_size: u64,
}

/// A message template of a WhatsApp Business Account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// The template name.
    pub name: String,
    /// The language code, e.g. `it` or `en_US`.
    #[serde(default)]
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    #[serde(default)]
    pub category: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, ...
    #[serde(default)]
    pub status: String,
    /// The template's components as Meta describes them.
    #[serde(default)]
    pub components: Value,
}

/// Whether a failed call can succeed if tried again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Temporary: rate limits, Meta's transient errors, 5xx, timeouts, connection errors.
    Retryable,
    /// Final: invalid content or recipient, policy, expired token, template errors, ...
    Permanent,
    /// The request left but no answer came (a timeout, or the connection lost after sending):
    /// Meta may have acted on it. Retryable for reads; a send becomes `uncertain`.
    Unknown,
}

/// A failed Graph API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    /// Whether trying again can help.
    pub kind: ErrorKind,
    /// Meta's error (`code` 0 when the failure happened before Meta answered, or its answer
    /// was not an error object).
    pub error: ProviderError,
    /// The HTTP status of Meta's answer, if there was one.
    pub http_status: Option<u16>,
    /// Meta's `fbtrace_id`, to quote to Meta's support.
    pub fbtrace_id: Option<String>,
}

impl GraphError {
    /// Whether trying again can help.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Retryable | ErrorKind::Unknown)
    }

    pub(crate) fn local(kind: ErrorKind, title: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            error: ProviderError {
                code: 0,
                title: title.to_string(),
                message: message.into(),
                details: None,
            },
            http_status: None,
            fbtrace_id: None,
        }
    }

    /// A transport failure; the URL is stripped (it may carry a token in its query). A failed
    /// connection sent nothing ([`ErrorKind::Retryable`]); a timeout or a failure after the
    /// connection was made may have reached Meta ([`ErrorKind::Unknown`]).
    fn transport(e: reqwest::Error) -> Self {
        let kind = if e.is_connect() {
            ErrorKind::Retryable
        } else if e.is_timeout() || e.is_request() || e.is_body() || e.is_decode() {
            ErrorKind::Unknown
        } else {
            ErrorKind::Permanent
        };
        let title = if e.is_timeout() {
            "timeout"
        } else if e.is_connect() {
            "connection"
        } else {
            "transport"
        };
        Self::local(kind, title, e.without_url().to_string())
    }

    /// Classifies Meta's answer to a failed call.
    fn from_answer(status: u16, body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Envelope {
            error: MetaError,
        }
        #[derive(Deserialize)]
        struct MetaError {
            #[serde(default)]
            message: String,
            #[serde(default, rename = "type")]
            kind: String,
            #[serde(default)]
            code: i64,
            #[serde(default)]
            error_user_title: Option<String>,
            #[serde(default)]
            error_data: Option<ErrorData>,
            #[serde(default)]
            fbtrace_id: Option<String>,
        }
        #[derive(Deserialize)]
        struct ErrorData {
            #[serde(default)]
            details: Option<String>,
        }

        let status_retryable = status >= 500 || status == 429;
        match serde_json::from_slice::<Envelope>(body) {
            Ok(Envelope { error: e }) => {
                let kind = if RETRYABLE_CODES.contains(&e.code) {
                    ErrorKind::Retryable
                } else if is_permanent_code(e.code) {
                    ErrorKind::Permanent
                } else if status_retryable {
                    ErrorKind::Retryable
                } else {
                    ErrorKind::Permanent
                };
                let title = e
                    .error_user_title
                    .filter(|t| !t.is_empty())
                    .unwrap_or(e.kind);
                Self {
                    kind,
                    error: ProviderError {
                        code: e.code,
                        title,
                        message: e.message,
                        details: e.error_data.and_then(|d| d.details),
                    },
                    http_status: Some(status),
                    fbtrace_id: e.fbtrace_id,
                }
            }
            Err(_) => {
                let kind = if status_retryable {
                    ErrorKind::Retryable
                } else {
                    ErrorKind::Permanent
                };
                let text = String::from_utf8_lossy(body);
                let snippet: String = text.chars().take(200).collect();
                let mut error = Self::local(kind, "http", format!("HTTP {status}: {snippet}"));
                error.http_status = Some(status);
                error
            }
        }
    }

    /// A 2xx answer that is not what the endpoint documents.
    pub(super) fn unexpected(status: u16, what: &str) -> Self {
        let mut error = Self::local(
            ErrorKind::Permanent,
            "unexpected_answer",
            format!("the Graph API answer has no {what}"),
        );
        error.http_status = Some(status);
        error
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ErrorKind::Retryable => "retryable",
            ErrorKind::Permanent => "permanent",
            ErrorKind::Unknown => "unanswered",
        };
        write!(f, "graph API {kind} error")?;
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status})")?;
        }
        if self.error.code != 0 {
            write!(f, " {}", self.error.code)?;
        }
        if !self.error.title.is_empty() {
            write!(f, " [{}]", self.error.title)?;
        }
        write!(f, ": {}", self.error.message)?;
        if let Some(details) = &self.error.details {
            write!(f, " ({details})")?;
        }
        if let Some(trace) = &self.fbtrace_id {
            write!(f, " fbtrace_id={trace}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}

impl From<GraphError> for SendError {
    fn from(e: GraphError) -> Self {
        match e.kind {
            ErrorKind::Retryable => SendError::Retryable(e.to_string()),
            ErrorKind::Permanent => SendError::Permanent(e.to_string()),
            ErrorKind::Unknown => SendError::Uncertain(e.to_string()),
        }
    }
}

/// A client of the Graph API; cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base_url: String,
    version: String,
    /// Downloads the media URLs Meta answers with, through the SSRF guard (see
    /// [`GraphClient::download`]).
    media: Fetcher,
}

impl GraphClient {
    /// A client for `base_url` (e.g. [`DEFAULT_BASE_URL`]) and API `version` (e.g.
    /// [`DEFAULT_API_VERSION`]), with a 10 s connect timeout and a 60 s request timeout.
    pub fn new(
        base_url: impl Into<String>,
        version: impl Into<String>,
    ) -> Result<Self, GraphError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("waflow/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                GraphError::local(ErrorKind::Permanent, "client", e.without_url().to_string())
            })?;
        Ok(Self::with_http_client(http, base_url, version))
    }

    /// A client for Meta's Graph API at [`DEFAULT_BASE_URL`] and [`DEFAULT_API_VERSION`].
    pub fn meta() -> Result<Self, GraphError> {
        Self::new(DEFAULT_BASE_URL, DEFAULT_API_VERSION)
    }

    /// A client using a preconfigured `reqwest::Client` (timeouts, proxy, TLS).
    pub fn with_http_client(
        http: reqwest::Client,
        base_url: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_string();
        let version = version.into().trim_matches('/').to_string();
        let media = media_fetcher(&base_url, Policy::default());
        Self {
            http,
            base_url,
            version,
            media,
        }
    }

    /// The same client, downloading media under the operator's `policy` (`allow_private`: media
    /// URLs on private addresses are fetched too). The configured base URL's own origin is
    /// always trusted.
    pub fn with_media_policy(mut self, policy: Policy) -> Self {
        self.media = media_fetcher(&self.base_url, policy);
        self
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API version, e.g. `v21.0`.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}/{}/{}", self.base_url, self.version, path)
    }

    pub(super) fn request(&self, method: Method, url: &str, token: &str) -> RequestBuilder {
        self.http.request(method, url).bearer_auth(token)
    }

    /// Sends a request; a non-2xx answer becomes a classified [`GraphError`].
    async fn execute(&self, request: RequestBuilder) -> Result<Response, GraphError> {
        let response = request.send().await.map_err(GraphError::transport)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.bytes().await.unwrap_or_default();
        let error = GraphError::from_answer(status.as_u16(), &body);
        tracing::debug!(
            http_status = status.as_u16(),
            code = error.error.code,
            retryable = error.is_retryable(),
            "graph API call failed"
        );
        Err(error)
    }

    pub(super) async fn execute_json(
        &self,
        request: RequestBuilder,
    ) -> Result<(u16, Value), GraphError> {
        let response = self.execute(request).await?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(GraphError::transport)?;
        let value = serde_json::from_slice(&body)
            .map_err(|_| GraphError::unexpected(status, "JSON body"))?;
        Ok((status, value))
    }

    /// Validates `content` and sends it to `to`; returns the `wamid` Meta assigned.
    /// For [`Content::MarkRead`] it marks the message read and returns its `message_id`.
    pub async fn send(
        &self,
        creds: &Credentials,
        to: &str,
        content: &Content,
    ) -> Result<String, GraphError> {
        self.send_tagged(creds, to, content, None).await
    }

    /// [`Self::send`], with `callback_data` (at most 512 characters) as the message's
    /// `biz_opaque_callback_data`: Meta echoes it in every status webhook of the message, so a
    /// send whose answer was lost can be recognised later.
    pub async fn send_tagged(
        &self,
        creds: &Credentials,
        to: &str,
        content: &Content,
        callback_data: Option<&str>,
    ) -> Result<String, GraphError> {
        content.validate().map_err(|e| {
            GraphError::local(ErrorKind::Permanent, "invalid_content", e.to_string())
        })?;
        if let Content::MarkRead { message_id } = content {
            self.mark_read(creds, message_id).await?;
            return Ok(message_id.clone());
        }
        let url = self.url(&format!("{}/messages", creds.phone_number_id));
        let mut body = content.to_graph_json(to);
        if let (Some(data), Some(object)) = (callback_data, body.as_object_mut()) {
            object.insert("biz_opaque_callback_data".into(), Value::from(data));
        }
        let request = self
            .request(Method::POST, &url, &creds.access_token)
            .json(&body);
        let (status, answer) = self.execute_json(request).await?;
        answer
            .get("messages")
            .and_then(|m| m.get(0))
            .and_then(|m| m.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| GraphError::unexpected(status, "messages[0].id"))
    }

    /// Marks the received message `message_id` (and the ones before it) as read.
    pub async fn mark_read(&self, creds: &Credentials, message_id: &str) -> Result<(), GraphError> {
        let url = self.url(&format!("{}/messages", creds.phone_number_id));
        let body = Content::MarkRead {
            message_id: message_id.to_string(),
        }
        .to_graph_json("");
        let request = self
            .request(Method::POST, &url, &creds.access_token)
            .json(&body);
        let (status, answer) = self.execute_json(request).await?;
        match answer.get("success").and_then(Value::as_bool) {
            Some(true) => Ok(()),
            _ => Err(GraphError::unexpected(status, "\"success\": true")),
        }
    }

    /// Looks up a media id: its short-lived download URL, MIME type, hash and size.
    pub async fn media_url(
        &self,
        creds: &Credentials,
        media_id: &str,
    ) -> Result<MediaInfo, GraphError> {
        let url = self.url(media_id);
        let request = self.request(Method::GET, &url, &creds.access_token);
        let (status, answer) = self.execute_json(request).await?;
        serde_json::from_value(answer).map_err(|_| GraphError::unexpected(status, "media url"))
    }

    /// Downloads a media file from the URL [`GraphClient::media_url`] returned (the token is
    /// sent as a bearer, and not on to another host after a redirect). The URL and every
    /// redirect hop go through the SSRF guard: the configured base URL's origin is trusted,
    /// any other private address is refused unless allowed ([`GraphClient::with_media_policy`]);
    /// the file is read in chunks and the download stopped as soon as it passes
    /// [`MAX_DOWNLOAD_BYTES`], or at the 60 s limit.
    pub async fn download(&self, creds: &Credentials, url: &str) -> Result<Vec<u8>, GraphError> {
        let limits = Limits {
            max_bytes: MAX_DOWNLOAD_BYTES,
            timeout: Duration::from_secs(60),
        };
        let fetched = self
            .media
            .get(url, Some(&creds.access_token), limits)
            .await
            .map_err(|e| match e {
                FetchError::Refused { refused, .. } => GraphError::local(
                    ErrorKind::Permanent,
                    "refused",
                    format!("the media URL is refused: {refused}"),
                ),
                FetchError::TooLarge { .. } => GraphError::local(
                    ErrorKind::Permanent,
                    "too_large",
                    format!("the media file is larger than {MAX_DOWNLOAD_BYTES} bytes"),
                ),
                FetchError::TimedOut { .. } => GraphError::local(
                    ErrorKind::Unknown,
                    "timeout",
                    format!(
                        "the media file did not arrive within {} s",
                        limits.timeout.as_secs()
                    ),
                ),
                FetchError::Transport { source, .. } => GraphError::transport(source),
                FetchError::Client(why) => GraphError::local(ErrorKind::Permanent, "client", why),
            })?;
        if !(200..300).contains(&fetched.status) {
            return Err(GraphError::from_answer(fetched.status, &fetched.body));
        }
        Ok(fetched.body)
    }

    /// Uploads a media file for this phone number; returns its media id, usable in
    /// [`super::content::MediaSource::Id`].
    pub async fn upload_media(
        &self,
        creds: &Credentials,
        bytes: Vec<u8>,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, GraphError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(filename.to_string())
            .mime_str(mime_type)
            .map_err(|_| {
                GraphError::local(
                    ErrorKind::Permanent,
                    "invalid_mime_type",
                    format!("{mime_type:?} is not a MIME type"),
                )
            })?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime_type.to_string())
            .part("file", part);
        let url = self.url(&format!("{}/media", creds.phone_number_id));
        let request = self
            .request(Method::POST, &url, &creds.access_token)
            .multipart(form);
        let (status, answer) = self.execute_json(request).await?;
        answer
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| GraphError::unexpected(status, "id"))
    }

    /// Lists the message templates of a WhatsApp Business Account, following `paging.next`.
    pub async fn templates(
        &self,
        waba_id: &str,
        access_token: &str,
    ) -> Result<Vec<Template>, GraphError> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            data: Vec<Template>,
            #[serde(default)]
            paging: Option<Paging>,
        }
        #[derive(Deserialize)]
        struct Paging {
            #[serde(default)]
            next: Option<String>,
        }

        let mut url = self.url(&format!(
            "{waba_id}/message_templates?fields=name,language,category,status,components&limit=100"
        ));
        let mut templates = Vec::new();
        for _ in 0..MAX_TEMPLATE_PAGES {
            let request = self.request(Method::GET, &url, access_token);
            let (status, answer) = self.execute_json(request).await?;
            let page: Page = serde_json::from_value(answer)
                .map_err(|_| GraphError::unexpected(status, "template list"))?;
            templates.extend(page.data);
            match page.paging.and_then(|p| p.next) {
                Some(next) => {
                    // Only follow links back to the Graph API: the token must not leak elsewhere.
                    let same_origin = next
                        .strip_prefix(&self.base_url)
                        .is_some_and(|rest| rest.starts_with('/'));
                    if !same_origin {
                        return Err(GraphError::local(
                            ErrorKind::Permanent,
                            "unexpected_answer",
                            "paging.next points outside the Graph API base URL",
                        ));
                    }
                    url = next;
                }
                None => return Ok(templates),
            }
        }
        Err(GraphError::local(
            ErrorKind::Permanent,
            "unexpected_answer",
            format!("more than {MAX_TEMPLATE_PAGES} pages of templates"),
        ))
    }
}

/// Meta sends `file_size` as a number or a string of digits.
fn number_or_string<'de, D>(deserializer: D) -> Result<u64, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| serde::de::Error::custom("file_size is not a size")),
        Value::String(s) => s
            .parse()
            .map_err(|_| serde::de::Error::custom("file_size is not a size")),
        Value::Null => Ok(0),
        _ => Err(serde::de::Error::custom("file_size is not a size")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_follows_meta_codes() {
        let answer = |code: i64| {
            format!(r#"{{"error":{{"message":"m","type":"OAuthException","code":{code}}}}}"#)
        };
        for code in [4, 80007, 130429, 131000, 131016, 131056] {
            let e = GraphError::from_answer(400, answer(code).as_bytes());
            assert_eq!(e.kind, ErrorKind::Retryable, "code {code}");
        }
        for code in [
            100, 190, 131026, 131047, 131049, 131051, 132000, 132001, 132012, 368,
        ] {
            let e = GraphError::from_answer(400, answer(code).as_bytes());
            assert_eq!(e.kind, ErrorKind::Permanent, "code {code}");
        }
        // A known permanent code stays permanent on a 5xx; an unknown one is retried.
        assert_eq!(
            GraphError::from_answer(500, answer(131047).as_bytes()).kind,
            ErrorKind::Permanent
        );
        assert_eq!(
            GraphError::from_answer(503, answer(1).as_bytes()).kind,
            ErrorKind::Retryable
        );
        assert_eq!(
            GraphError::from_answer(502, b"<html>bad gateway</html>").kind,
            ErrorKind::Retryable
        );
        assert_eq!(
            GraphError::from_answer(404, b"not json").kind,
            ErrorKind::Permanent
        );
    }

    #[test]
    fn credentials_debug_hides_the_token() {
        let creds = Credentials {
            phone_number_id: "123".into(),
            access_token: "EAAG-secret".into(),
        };
        assert!(!format!("{creds:?}").contains("EAAG-secret"));
    }
}
