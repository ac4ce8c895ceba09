//! Message contents given to the API (a conversation's message, a scheduled message): read and
//! checked against WhatsApp's limits and the number's synced templates.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use serde_json::Value;
use waflow_channels::cloud_api::content::Content;

/// Checks a template message against the number's synced templates, when it has any: the
/// template must exist in that language, be approved, and get the parameters it declares.
pub(crate) async fn check_template(
    state: &AppState,
    workspace_id: &str,
    number_id: &str,
    content: &Content,
) -> ApiResult<()> {
    let Content::Template { name, language, .. } = content else {
        return Ok(());
    };
    let templates = state.store.templates(workspace_id, number_id).await?;
    if templates.is_empty() {
        return Ok(());
    }
    let found = templates
        .iter()
        .find(|t| &t.name == name && &t.language == language)
        .ok_or_else(|| {
            ApiError::invalid(
                "content.name",
                format!("template {name} ({language}) is not among this number's templates; sync them with POST /numbers/{number_id}/templates/sync"),
            )
        })?;
    waflow_channels::cloud_api::templates::check(content, &found.status, &found.components)
        .map_err(|e| ApiError::invalid(format!("content.{}", e.field), e.message))
}

/// Reads and checks a rich message (buttons, list, media, template, reaction) against WhatsApp's
/// limits; every refusal names the field under `content`.
pub(crate) fn rich(value: &Value) -> ApiResult<Content> {
    let content: Content = serde_json::from_value(value.clone())
        .map_err(|e| ApiError::invalid("content", format!("is not a message content: {e}")))?;
    if matches!(content, Content::MarkRead { .. }) {
        return Err(ApiError::invalid(
            "content.type",
            "mark_read is not a message; it cannot be sent in a conversation",
        ));
    }
    content
        .validate()
        .map_err(|e| ApiError::invalid(format!("content.{}", e.field), e.message))?;
    Ok(content)
}

/// The same refusal with its field under another name (`content.x` → `fallback.x`), for a content
/// read in another place of a body.
pub(crate) fn rename(e: ApiError, from: &str, to: &str) -> ApiError {
    match e {
        ApiError::Invalid { field, message } => ApiError::Invalid {
            field: field.replacen(from, to, 1),
            message,
        },
        other => other,
    }
}
