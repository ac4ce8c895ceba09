//! AI settings and knowledge: `GET/PUT /workspace/ai` (provider, business prompt, language,
//! credits; the API key is sealed and never returned), and the knowledge files
//! (`/workspace/knowledge`: upload a catalogue or a document, list, delete, search).

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody, Params};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};
use waflow_domain::parse::{Obj, Path};
use waflow_store::AiSettings;

/// How credits are counted, as the API states it.
fn credits_formula() -> String {
    format!(
        "an AI reply costs 1 credit per started {} characters (at least 1); only AI replies use credits",
        waflow_engine::CHARS_PER_CREDIT
    )
}

fn view(s: Option<&AiSettings>) -> Json<Value> {
    let Some(s) = s else {
        return Json(json!({"configured": false, "credits_formula": credits_formula()}));
    };
    Json(json!({
        "configured": true,
        "base_url": s.base_url,
        "model": s.model,
        "auth": s.auth,
        "api_key_set": s.api_key_sealed.is_some(),
        "timeout_ms": s.timeout_ms,
        "max_tokens": s.max_tokens,
        "transcription_model": s.transcription_model,
        "business_prompt": s.business_prompt,
        "language": s.language,
        "credits": s.credits,
        "credits_formula": credits_formula(),
        "updated_at": s.updated_at,
    }))
}

/// `GET /workspace/ai`.
pub async fn show(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    Ok(view(
        state
            .store
            .ai_settings(&caller.workspace_id)
            .await?
            .as_ref(),
    ))
}

/// An integer at `key` within `range`, or `current`.
fn int_in(
    obj: &Obj<'_>,
    key: &str,
    range: std::ops::RangeInclusive<i64>,
    current: i64,
) -> Result<i64, ApiError> {
    let v = obj.i64_or(key, current)?;
    if !range.contains(&v) {
        return Err(ApiError::invalid(
            key,
            format!("{v} is not between {} and {}", range.start(), range.end()),
        ));
    }
    Ok(v)
}

/// `PUT /workspace/ai`: changes the given fields (the first time, `base_url` and `model` are
/// required). Every field is checked before anything is stored.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let obj = Obj::new(&body, Path::root(""))?;
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
    let current = state.store.ai_settings(&caller.workspace_id).await?;
    // `Obj::opt` reads null as absent; here null means "remove" (key, language, credit limit).
    let raw = |key: &str| body.as_object().and_then(|m| m.get(key));
    let text = |key: &str, current: Option<&str>| -> Result<String, ApiError> {
        match (obj.opt_str(key)?, current) {
            (Some(v), _) => Ok(v.trim().to_string()),
            (None, Some(c)) => Ok(c.to_string()),
            (None, None) => Err(ApiError::invalid(
                key,
                "is required the first time the AI provider is set",
            )),
        }
    };
    let base_url = text("base_url", current.as_ref().map(|c| c.base_url.as_str()))?
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
    let model = text("model", current.as_ref().map(|c| c.model.as_str()))?;
    if model.is_empty() || model.len() > 200 {
        return Err(ApiError::invalid(
            "model",
            format!("{model:?} is not a model name"),
        ));
    }
    let auth = text(
        "auth",
        Some(current.as_ref().map_or("bearer", |c| c.auth.as_str())),
    )?;
    if waflow_ai::Auth::parse(&auth).is_none() {
        return Err(ApiError::invalid(
            "auth",
            format!("{auth:?} is not \"bearer\" or \"api-key\""),
        ));
    }
    let api_key_sealed = match raw("api_key") {
        Some(Value::Null) => None,
        Some(Value::String(k)) if !k.trim().is_empty() => Some(state.cloud.key.seal(k.trim())),
        Some(v) => {
            return Err(ApiError::invalid(
                "api_key",
                format!("{v} is not an API key (a non-empty string, or null to remove it)"),
            ))
        }
        None => current.as_ref().and_then(|c| c.api_key_sealed.clone()),
    };
    let timeout_ms = int_in(
        &obj,
        "timeout_ms",
        1_000..=120_000,
        current.as_ref().map_or(30_000, |c| c.timeout_ms),
    )?;
    let max_tokens = int_in(
        &obj,
        "max_tokens",
        1..=16_384,
        current.as_ref().map_or(500, |c| c.max_tokens),
    )?;
    let transcription_model = text(
        "transcription_model",
        Some(
            current
                .as_ref()
                .map_or("whisper-1", |c| c.transcription_model.as_str()),
        ),
    )?;
    let business_prompt = text(
        "business_prompt",
        Some(current.as_ref().map_or("", |c| c.business_prompt.as_str())),
    )?;
    if business_prompt.chars().count() > 20_000 {
        return Err(ApiError::invalid(
            "business_prompt",
            "is longer than 20000 characters",
        ));
    }
    let language = match raw("language") {
        Some(Value::Null) => None,
        Some(Value::String(l))
            if (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()) =>
        {
            Some(l.clone())
        }
        Some(v) => {
            return Err(ApiError::invalid(
                "language",
                format!("{v} is not a language code such as \"it\" (or null to detect it)"),
            ))
        }
        None => current.as_ref().and_then(|c| c.language.clone()),
    };
    let credits = match raw("credits") {
        Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Some(n),
            _ => {
                return Err(ApiError::invalid(
                    "credits",
                    format!("{v} is not a number of credits (0 or more, or null for no limit)"),
                ))
            }
        },
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
) -> ApiResult<(StatusCode, Json<Value>)> {
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
    let sample: Vec<&str> = imported.iter().take(3).map(|i| i.title.as_str()).collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({"file": file, "sample": sample})),
    ))
}

/// `GET /workspace/knowledge`: the files and how many items each gave.
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let files = state.store.knowledge_files(&caller.workspace_id).await?;
    let items: i64 = files.iter().map(|f| f.items).sum();
    Ok(Json(json!({"files": files, "items": items})))
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
) -> ApiResult<Json<Value>> {
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
    let items: Vec<Value> = found
        .into_iter()
        .map(|(item, score)| json!({"item": item, "score": score}))
        .collect();
    Ok(Json(json!({"items": items})))
}
