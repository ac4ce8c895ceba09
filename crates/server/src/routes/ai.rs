//! AI settings and knowledge: `GET/PUT /workspace/ai` (provider, business prompt, language,
//! credits; the API key is sealed and never returned), and the knowledge files
//! (`/workspace/knowledge`: upload a catalogue or a document, list, delete, search).

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody, Params};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use waflow_domain::parse::{Obj, Path};
use waflow_store::{AiSettings, KnowledgeFile, KnowledgeRow};

/// `PUT /workspace/knowledge/{name}`'s answer (201).
#[derive(Serialize, ToSchema)]
pub struct KnowledgeUpload {
    pub file: KnowledgeFile,
    /// The titles of the first three items read.
    pub sample: Vec<String>,
}

/// `GET /workspace/knowledge`'s answer.
#[derive(Serialize, ToSchema)]
pub struct KnowledgeFiles {
    /// By name.
    pub files: Vec<KnowledgeFile>,
    /// Items of all the files.
    pub items: i64,
}

/// A knowledge item and how well it matches the search.
#[derive(Serialize, ToSchema)]
pub struct KnowledgeHit {
    pub item: KnowledgeRow,
    pub score: f32,
}

/// `GET /workspace/knowledge/search`'s answer.
#[derive(Serialize, ToSchema)]
pub struct KnowledgeHits {
    /// Best first.
    pub items: Vec<KnowledgeHit>,
}

/// How credits are counted, as the API states it.
fn credits_formula() -> String {
    format!(
        "an AI reply costs 1 credit per started {} characters (at least 1); only AI replies use credits",
        waflow_engine::CHARS_PER_CREDIT
    )
}

/// `GET` and `PUT /workspace/ai`'s answer: not configured yet, or the provider's settings.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum AiView {
    Configured(AiProvider),
    NotConfigured(AiNotConfigured),
}

/// No AI provider is set yet.
#[derive(Serialize, ToSchema)]
pub struct AiNotConfigured {
    /// Always false.
    pub configured: bool,
    /// How AI replies use credits.
    pub credits_formula: String,
}

/// The AI provider's settings (the API key itself is never returned).
#[derive(Serialize, ToSchema)]
pub struct AiProvider {
    /// Always true.
    pub configured: bool,
    /// An OpenAI-compatible API.
    pub base_url: String,
    pub model: String,
    /// `bearer` or `api-key`.
    pub auth: String,
    /// Whether an API key is stored (sealed).
    pub api_key_set: bool,
    pub timeout_ms: i64,
    pub max_tokens: i64,
    pub transcription_model: String,
    pub business_prompt: String,
    /// The language fixed replies are written in; null: detected.
    pub language: Option<String>,
    /// Credits left; null: no limit.
    pub credits: Option<i64>,
    /// How AI replies use credits.
    pub credits_formula: String,
    pub updated_at: DateTime<Utc>,
}

fn view(s: Option<&AiSettings>) -> Json<AiView> {
    let Some(s) = s else {
        return Json(AiView::NotConfigured(AiNotConfigured {
            configured: false,
            credits_formula: credits_formula(),
        }));
    };
    Json(AiView::Configured(AiProvider {
        configured: true,
        base_url: s.base_url.clone(),
        model: s.model.clone(),
        auth: s.auth.clone(),
        api_key_set: s.api_key_sealed.is_some(),
        timeout_ms: s.timeout_ms,
        max_tokens: s.max_tokens,
        transcription_model: s.transcription_model.clone(),
        business_prompt: s.business_prompt.clone(),
        language: s.language.clone(),
        credits: s.credits,
        credits_formula: credits_formula(),
        updated_at: s.updated_at,
    }))
}

/// `GET /workspace/ai`.
pub async fn show(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<AiView>> {
    Ok(view(
        state
            .store
            .ai_settings(&caller.workspace_id)
            .await?
            .as_ref(),
    ))
}

/// An integer within `range`, or `current`.
fn int_in(
    key: &str,
    given: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
    current: i64,
) -> Result<i64, ApiError> {
    let v = given.unwrap_or(current);
    if !range.contains(&v) {
        return Err(ApiError::invalid(
            key,
            format!("{v} is not between {} and {}", range.start(), range.end()),
        ));
    }
    Ok(v)
}

/// `PUT /workspace/ai`'s body: a field left out keeps its value (the first time, `base_url` and
/// `model` are required); null removes the API key, the language and the credit limit.
#[derive(ToSchema)]
pub struct AiChanges {
    /// An http(s) URL of an OpenAI-compatible API.
    pub base_url: Option<String>,
    pub model: Option<String>,
    /// Sealed when stored, never returned; null removes it.
    #[schema(value_type = Option<String>)]
    pub api_key: Option<Option<String>>,
    /// `bearer` (the default) or `api-key`.
    pub auth: Option<String>,
    /// 1000 to 120000.
    pub timeout_ms: Option<i64>,
    /// 1 to 16384.
    pub max_tokens: Option<i64>,
    pub transcription_model: Option<String>,
    /// At most 20000 characters.
    pub business_prompt: Option<String>,
    /// A language code such as `it`; null: detected.
    #[schema(value_type = Option<String>)]
    pub language: Option<Option<String>>,
    /// 0 or more; null: no limit.
    #[schema(value_type = Option<i64>)]
    pub credits: Option<Option<i64>>,
}

impl AiChanges {
    /// Reads the fields' types; their values are checked against the current settings after.
    fn read(body: &Value) -> ApiResult<Self> {
        let obj = Obj::new(body, Path::root(""))?;
        obj.only(&[
            "base_url",
            "model",
            "api_key",
            "auth",
            "timeout_ms",
            "max_tokens",
            "transcription_model",
            "business_prompt",
            "language",
            "credits",
        ])?;
        // `Obj::opt` reads null as absent; here null means "remove" (key, language, credit limit).
        let raw = |key: &str| body.as_object().and_then(|m| m.get(key));
        let text = |key: &str| -> ApiResult<Option<String>> {
            Ok(obj.opt_str(key)?.map(|v| v.trim().to_string()))
        };
        let int = |key: &str| -> ApiResult<Option<i64>> {
            Ok(if obj.has(key) {
                Some(obj.i64_or(key, 0)?)
            } else {
                None
            })
        };
        let api_key = match raw("api_key") {
            Some(Value::Null) => Some(None),
            Some(Value::String(k)) if !k.trim().is_empty() => Some(Some(k.trim().to_string())),
            Some(v) => {
                return Err(ApiError::invalid(
                    "api_key",
                    format!("{v} is not an API key (a non-empty string, or null to remove it)"),
                ))
            }
            None => None,
        };
        let language = match raw("language") {
            Some(Value::Null) => Some(None),
            Some(Value::String(l))
                if (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()) =>
            {
                Some(Some(l.clone()))
            }
            Some(v) => {
                return Err(ApiError::invalid(
                    "language",
                    format!("{v} is not a language code such as \"it\" (or null to detect it)"),
                ))
            }
            None => None,
        };
        let credits = match raw("credits") {
            Some(Value::Null) => Some(None),
            Some(v) => match v.as_i64() {
                Some(n) if n >= 0 => Some(Some(n)),
                _ => {
                    return Err(ApiError::invalid(
                        "credits",
                        format!("{v} is not a number of credits (0 or more, or null for no limit)"),
                    ))
                }
            },
            None => None,
        };
        Ok(Self {
            base_url: text("base_url")?,
            model: text("model")?,
            api_key,
            auth: text("auth")?,
            timeout_ms: int("timeout_ms")?,
            max_tokens: int("max_tokens")?,
            transcription_model: text("transcription_model")?,
            business_prompt: text("business_prompt")?,
            language,
            credits,
        })
    }
}

/// `PUT /workspace/ai`: changes the given fields (the first time, `base_url` and `model` are
/// required). Every field is checked before anything is stored.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<AiView>> {
    let asked = AiChanges::read(&body)?;
    let current = state.store.ai_settings(&caller.workspace_id).await?;
    let first = |key: &str, given: Option<String>, current: Option<&str>| match (given, current) {
        (Some(v), _) => Ok(v),
        (None, Some(c)) => Ok(c.to_string()),
        (None, None) => Err(ApiError::invalid(
            key,
            "is required the first time the AI provider is set",
        )),
    };
    let base_url = first(
        "base_url",
        asked.base_url,
        current.as_ref().map(|c| c.base_url.as_str()),
    )?
    .trim_end_matches('/')
    .to_string();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://"))
        || base_url.contains(char::is_whitespace)
    {
        return Err(ApiError::invalid(
            "base_url",
            format!("{base_url:?} is not an http:// or https:// URL"),
        ));
    }
    crate::outbound::check_url("base_url", &base_url, state.engine.http_policy()).await?;
    let model = first(
        "model",
        asked.model,
        current.as_ref().map(|c| c.model.as_str()),
    )?;
    if model.is_empty() || model.len() > 200 {
        return Err(ApiError::invalid(
            "model",
            format!("{model:?} is not a model name"),
        ));
    }
    let auth = asked.auth.unwrap_or_else(|| {
        current
            .as_ref()
            .map_or("bearer", |c| c.auth.as_str())
            .to_string()
    });
    if waflow_ai::Auth::parse(&auth).is_none() {
        return Err(ApiError::invalid(
            "auth",
            format!("{auth:?} is not \"bearer\" or \"api-key\""),
        ));
    }
    let api_key_sealed = match asked.api_key {
        Some(key) => key.map(|k| state.cloud.key.seal(&k)),
        None => current.as_ref().and_then(|c| c.api_key_sealed.clone()),
    };
    let timeout_ms = int_in(
        "timeout_ms",
        asked.timeout_ms,
        1_000..=120_000,
        current.as_ref().map_or(30_000, |c| c.timeout_ms),
    )?;
    let max_tokens = int_in(
        "max_tokens",
        asked.max_tokens,
        1..=16_384,
        current.as_ref().map_or(500, |c| c.max_tokens),
    )?;
    let transcription_model = asked.transcription_model.unwrap_or_else(|| {
        current
            .as_ref()
            .map_or("whisper-1", |c| c.transcription_model.as_str())
            .to_string()
    });
    let business_prompt = asked.business_prompt.unwrap_or_else(|| {
        current
            .as_ref()
            .map_or("", |c| c.business_prompt.as_str())
            .to_string()
    });
    if business_prompt.chars().count() > 20_000 {
        return Err(ApiError::invalid(
            "business_prompt",
            "is longer than 20000 characters",
        ));
    }
    let language = match asked.language {
        Some(language) => language,
        None => current.as_ref().and_then(|c| c.language.clone()),
    };
    let credits = match asked.credits {
        Some(credits) => credits,
        None => current.as_ref().and_then(|c| c.credits),
    };
    let settings = AiSettings {
        workspace_id: caller.workspace_id.clone(),
        base_url,
        model,
        api_key_sealed,
        auth,
        timeout_ms,
        max_tokens,
        transcription_model,
        business_prompt,
        language,
        credits,
        updated_at: Utc::now(),
    };
    state.store.put_ai_settings(&settings).await?;
    Ok(view(Some(&settings)))
}

/// The kind of knowledge file a name is: `catalogue` (CSV, JSON) or `document`.
fn file_kind(name: &str) -> Result<&'static str, ApiError> {
    let valid = !name.is_empty()
        && name.chars().count() <= 100
        && !name.contains(['/', '\\'])
        && !name.starts_with('.');
    if !valid {
        return Err(ApiError::invalid(
            "name",
            format!("{name:?} is not a file name (1 to 100 characters, no slashes)"),
        ));
    }
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "json" => Ok("catalogue"),
        "md" | "markdown" | "txt" | "pdf" => Ok("document"),
        _ => Err(ApiError::invalid(
            "name",
            format!(
                "{name:?} has no known extension: .csv or .json (catalogue), .md, .txt or .pdf (documents)"
            ),
        )),
    }
}

/// `PUT /workspace/knowledge/{name}`: the body is the file. A catalogue (CSV — including
/// Shopify and WooCommerce exports — or JSON) or a document (markdown, text, PDF); uploading a
/// name again replaces its items. Nothing is stored unless the whole file reads.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(name): UrlPath<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<KnowledgeUpload>)> {
    let kind = file_kind(&name)?;
    let limit = crate::limits::ByteLimit {
        what: "the knowledge file",
        bytes: state.limits.knowledge_bytes,
        flag: "--max-knowledge-bytes",
    };
    let body = crate::limits::read_body(&headers, body, limit).await?;
    if body.is_empty() {
        return Err(ApiError::invalid("body", "the file is empty"));
    }
    let file_name = name.clone();
    let imported = tokio::task::spawn_blocking(move || {
        if kind == "catalogue" {
            waflow_knowledge::import_catalogue(&body, &file_name)
        } else {
            waflow_knowledge::import_document(&body, &file_name)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the import task failed: {e}")))?
    .map_err(|e| ApiError::invalid("body", e.to_string()))?;
    if imported.is_empty() {
        return Err(ApiError::invalid(
            "body",
            format!("{name} holds no product or text"),
        ));
    }
    let held: i64 = state
        .store
        .knowledge_files(&caller.workspace_id)
        .await?
        .iter()
        .filter(|f| f.name != name)
        .map(|f| f.items)
        .sum();
    let max = state.limits.knowledge_items;
    let total = usize::try_from(held)
        .unwrap_or(usize::MAX)
        .saturating_add(imported.len());
    if total > max {
        return Err(ApiError::invalid(
            "items",
            format!(
                "{name} gives {} items and the workspace holds {held} in its other files: {total} \
                 is more than the limit of {max} knowledge items (--max-knowledge-items sets it)",
                imported.len()
            ),
        ));
    }
    let file = state
        .engine
        .replace_knowledge_file(&caller.workspace_id, &name, kind, &imported)
        .await?;
    let sample = imported.iter().take(3).map(|i| i.title.clone()).collect();
    Ok((StatusCode::CREATED, Json(KnowledgeUpload { file, sample })))
}

/// `GET /workspace/knowledge`: the files and how many items each gave.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<KnowledgeFiles>> {
    let files = state.store.knowledge_files(&caller.workspace_id).await?;
    let items: i64 = files.iter().map(|f| f.items).sum();
    Ok(Json(KnowledgeFiles { files, items }))
}

/// `DELETE /workspace/knowledge/{name}`.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(name): UrlPath<String>,
) -> ApiResult<StatusCode> {
    state
        .engine
        .delete_knowledge_file(&caller.workspace_id, &name)
        .await
        .map_err(|e| match e {
            waflow_engine::Error::Store(waflow_store::Error::NotFound { .. }) => {
                ApiError::not_found("knowledge file", &name)
            }
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /workspace/knowledge/search?q=&limit=`: what an AI reply to `q` would be given.
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<KnowledgeHits>> {
    let q = params
        .get("q")
        .ok_or_else(|| ApiError::invalid("q", "is required: the text to search for"))?;
    let limit = match params.get("limit") {
        None => 8,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    format!("{l:?} is not a number between 1 and 50"),
                ))
            }
        },
    };
    let found = state
        .engine
        .search_knowledge(&caller.workspace_id, q, limit)
        .await?;
    let items = found
        .into_iter()
        .map(|(item, score)| KnowledgeHit {
            item: KnowledgeRow {
                kind: item.kind.as_str().to_string(),
                title: item.title,
                text: item.text,
                source: item.source,
            },
            score,
        })
        .collect();
    Ok(Json(KnowledgeHits { items }))
}
