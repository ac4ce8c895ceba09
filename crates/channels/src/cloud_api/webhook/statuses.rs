//! One `statuses[]` entry: a delivery status of a message the business sent.

use super::shapes::{decode, invalid, non_empty, timestamp, Status};
use super::WebhookError;
use crate::cloud_api::{ProviderError, StatusUpdate};
use serde_json::Value;

/// Parses the status at `path`; refused (alone) without an id, a status or a valid timestamp.
pub(super) fn parse_status(
    raw: &Value,
    path: &str,
    phone_number_id: &str,
) -> Result<StatusUpdate, WebhookError> {
    let status: Status = decode(raw, path)?;
    let wamid = non_empty(status.id).ok_or_else(|| invalid(format!("{path}.id"), "missing"))?;
    let state =
        non_empty(status.status).ok_or_else(|| invalid(format!("{path}.status"), "missing"))?;
    let timestamp = timestamp(status.timestamp.as_ref(), &format!("{path}.timestamp"))?;
    let errors = status
        .errors
        .into_iter()
        .map(|e| {
            let title = e.title.unwrap_or_default();
            ProviderError {
                code: e.code.unwrap_or_default(),
                message: e.message.unwrap_or_else(|| title.clone()),
                title,
                details: e.error_data.and_then(|d| d.details),
            }
        })
        .collect();
    Ok(StatusUpdate {
        phone_number_id: phone_number_id.to_string(),
        wamid,
        status: state,
        recipient: non_empty(status.recipient_id).or(non_empty(status.recipient_user_id)),
        timestamp,
        errors,
        callback_data: non_empty(status.biz_opaque_callback_data),
    })
}
