//! Integration URLs: `POST /hooks/{workflow_id}` starts an `integration` workflow for the contact
//! the JSON payload names; `GET /api/v1/workflows/{id}/integration` shows the URL and its secret.
//!
//! **Invariant:** a call without the workflow's secret (`Authorization: Bearer …`, compared in
//! constant time) is refused with 401 and changes nothing; a payload missing a mapped field, or
//! with an invalid phone, is refused with 422 naming the payload path, and changes nothing.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Map, Value};
use waflow_domain::trigger::Trigger;
use waflow_domain::{PhoneNumber, WorkflowDocument};
use waflow_engine::IntegrationStart;

fn secret_of(state: &AppState, workflow_id: &str) -> String {
    state
        .cloud
        .key
        .derive(&format!("integration:{workflow_id}"))
}

/// The value at a dotted path (`customer.phone`, `items.0.id`).
fn at_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(value, |v, key| match v {
            Value::Object(m) => m.get(key),
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
        .filter(|v| !v.is_null())
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Starts the workflow for the payload's contact.
pub async fn receive(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let unknown = || ApiError::NotFound(format!("no integration workflow {id:?}"));
    let wf = state
        .store
        .workflow_by_id(&id)
        .await
        .map_err(|_| unknown())?;
    let doc =
        WorkflowDocument::parse(&wf.document).map_err(|e| ApiError::Internal(e.to_string()))?;
    let Trigger::Integration {
        phone,
        name,
        fields,
        vars,
    } = &doc.trigger
    else {
        return Err(unknown());
    };
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same(given.trim(), &secret_of(&state, &id)) {
        return Err(ApiError::Unauthorized(
            "this integration URL needs its secret as Authorization: Bearer <secret>".into(),
        ));
    }
    if !wf.active {
        return Err(ApiError::Conflict {
            field: None,
            message: format!("workflow {id} is not active"),
        });
    }
    let phone_value = at_path(&body, phone).ok_or_else(|| {
        ApiError::invalid(
            phone.clone(),
            "is missing from the payload (the contact's phone number)",
        )
    })?;
    let phone_text = match phone_value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(ApiError::invalid(
                phone.clone(),
                format!("{other} is not a phone number"),
            ))
        }
    };
    let phone_number =
        PhoneNumber::parse(&phone_text).map_err(|m| ApiError::invalid(phone.clone(), m))?;
    let mapped =
        |map: &std::collections::BTreeMap<String, String>| -> ApiResult<Map<String, Value>> {
            let mut out = Map::new();
            for (key, path) in map {
                let v = at_path(&body, path).ok_or_else(|| {
                    ApiError::invalid(
                        path.clone(),
                        format!("is missing from the payload (mapped to {key})"),
                    )
                })?;
                out.insert(key.clone(), v.clone());
            }
            Ok(out)
        };
    let fields = mapped(fields)?;
    let vars = mapped(vars)?;
    let name = name
        .as_ref()
        .and_then(|p| at_path(&body, p))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let outcome = state
        .engine
        .start_integration(
            &wf,
            IntegrationStart {
                phone: phone_number,
                name,
                fields,
                vars,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(outcome))))
}

/// The integration URL of a workflow and its secret.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Value>> {
    let wf = state.store.workflow(&caller.workspace_id, &id).await?;
    if wf.trigger_type != "integration" {
        return Err(ApiError::Conflict {
            field: None,
            message: format!(
                "workflow {id} is not started by an integration (its trigger is {})",
                wf.trigger_type
            ),
        });
    }
    Ok(Json(json!({
        "url": format!("/hooks/{id}"),
        "secret": secret_of(&state, &id),
        "header": "Authorization: Bearer <secret>",
    })))
}
