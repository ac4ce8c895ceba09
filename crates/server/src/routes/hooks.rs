//! Integration URLs: `POST /hooks/{workflow_id}` starts an `integration` workflow for the contact
//! the JSON payload names; `GET /api/v1/workflows/{id}/integration` shows the URL and its secret.
//!
//! **Invariant:** a call without the workflow's secret (`Authorization: Bearer …`, compared in
//! constant time) is refused with 401 and changes nothing; a payload missing a mapped field, or
//! with an invalid phone, is refused with 422 naming the payload path, and changes nothing.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, JsonBody};
use crate::limits::{read_body, ByteLimit};
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use waflow_domain::trigger::Trigger;
use waflow_domain::{PhoneNumber, WorkflowDocument};
use waflow_engine::{IntegrationOutcome, IntegrationStart};

/// An integration call's JSON payload: any object; the workflow's trigger names the paths of the
/// contact's phone, name, fields and variables in it (so the document describes it loosely).
pub struct Payload(pub Value);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Payload {
    type Rejection = ApiError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let JsonBody(value) = JsonBody::from_request(req, state).await?;
        Ok(Payload(value))
    }
}

impl utoipa::PartialSchema for Payload {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .description(Some(
                "Any JSON object: the workflow's integration trigger maps its paths to the \
                 contact's phone, name, fields and the run's variables",
            ))
            .into()
    }
}

impl ToSchema for Payload {
    fn name() -> std::borrow::Cow<'static, str> {
        "IntegrationPayload".into()
    }
}

/// A workflow started for one contact (`POST /hooks/{id}`, 201).
#[derive(Serialize, ToSchema)]
pub struct IntegrationStarted {
    pub contact_id: String,
    /// Null when the contact is blocked or excluded from automation.
    pub run_id: Option<String>,
    /// Messages queued by the run's first steps.
    pub queued: Vec<String>,
}

impl From<IntegrationOutcome> for IntegrationStarted {
    fn from(o: IntegrationOutcome) -> Self {
        Self {
            contact_id: o.contact_id,
            run_id: o.run_id,
            queued: o.queued,
        }
    }
}

/// `GET /workflows/{id}/integration`'s answer.
#[derive(Serialize, ToSchema)]
pub struct IntegrationUrl {
    /// `/hooks/{id}`, on this server.
    pub url: String,
    pub secret: String,
    /// How to send the secret.
    pub header: String,
}

/// `POST /workflows/{id}/start`'s JSON body: exactly one of `phones`, `contact_ids` or `filter`.
#[derive(ToSchema)]
pub struct OutboundTargets {
    /// Phone numbers with their country code.
    pub phones: Option<Vec<String>>,
    pub contact_ids: Option<Vec<String>>,
    /// The contacts with a tag, or in a list.
    pub filter: Option<TargetFilter>,
    /// Variables every run starts with.
    pub vars: Option<Map<String, Value>>,
}

/// Exactly one of `tag` or `list`.
#[derive(ToSchema)]
pub struct TargetFilter {
    pub tag: Option<String>,
    pub list: Option<String>,
}

impl TargetFilter {
    fn read(obj: &waflow_domain::parse::Obj<'_>) -> ApiResult<Self> {
        let (f, p) = obj.req("filter")?;
        let filter = waflow_domain::parse::Obj::new(f, p)?;
        filter.only(&["tag", "list"])?;
        Ok(Self {
            tag: filter.opt_str("tag")?.map(str::to_string),
            list: filter.opt_str("list")?.map(str::to_string),
        })
    }
}

/// `POST /workflows/{id}/start`'s answer.
#[derive(Serialize, ToSchema)]
pub struct OutboundStarted {
    pub started: usize,
    /// Contacts blocked or excluded from automation: no run.
    pub skipped_blocked_or_excluded: usize,
    /// The runs started.
    pub runs: Vec<String>,
}

/// `GET /workspace/webhook-secret`'s answer.
#[derive(Serialize, ToSchema)]
pub struct WebhookSecret {
    pub secret: String,
    /// The header signed webhook steps send.
    pub header: String,
}

fn secret_of(state: &AppState, workflow_id: &str) -> String {
    state
        .cloud
        .key
        .derive(&format!("integration:{workflow_id}"))
}

/// The value at a dotted path of the payload; null counts as missing.
fn at_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    waflow_domain::json_path::at(value, path).filter(|v| !v.is_null())
}

/// Starts the workflow for the payload's contact.
pub async fn receive(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    Payload(body): Payload,
) -> ApiResult<(StatusCode, Json<IntegrationStarted>)> {
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
    if !crate::secrets::same(given.trim(), &secret_of(&state, &id)) {
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
    Ok((StatusCode::CREATED, Json(outcome.into())))
}

/// The integration URL of a workflow and its secret.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<IntegrationUrl>> {
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
    Ok(Json(IntegrationUrl {
        url: format!("/hooks/{id}"),
        secret: secret_of(&state, &id),
        header: "Authorization: Bearer <secret>".into(),
    }))
}

/// One contact to start an outbound workflow for.
struct Target {
    phone: PhoneNumber,
    name: String,
    fields: Map<String, Value>,
}

/// Reads a CSV with a `phone` column (and optionally `name`); other columns become contact
/// fields. Any bad row refuses the whole upload, naming the row and column.
/// The contacts of a CSV upload, at most `max_rows` (422 naming the limit beyond it, without
/// reading further).
fn csv_targets(body: &[u8], max_rows: usize) -> ApiResult<Vec<Target>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| ApiError::invalid("csv", format!("cannot read the header row: {e}")))?
        .clone();
    let phone_col = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case("phone"))
        .ok_or_else(|| ApiError::invalid("csv", "needs a \"phone\" column"))?;
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i == max_rows {
            return Err(too_many_targets(max_rows));
        }
        let row = i + 2;
        let record =
            record.map_err(|e| ApiError::invalid(format!("csv.row[{row}]"), e.to_string()))?;
        let phone_text = record.get(phone_col).unwrap_or_default();
        let phone = PhoneNumber::parse(phone_text)
            .map_err(|m| ApiError::invalid(format!("csv.row[{row}].phone"), m))?;
        let mut fields = Map::new();
        let mut name = String::new();
        for (col, value) in headers.iter().zip(record.iter()) {
            if col.eq_ignore_ascii_case("phone") || value.is_empty() {
                continue;
            }
            if col.eq_ignore_ascii_case("name") {
                name = value.to_string();
            } else {
                fields.insert(col.to_string(), json!(value));
            }
        }
        out.push(Target {
            phone,
            name,
            fields,
        });
    }
    Ok(out)
}

fn too_many_targets(limit: usize) -> ApiError {
    ApiError::invalid(
        "rows",
        format!(
            "more than {limit} contacts; one start of an outbound workflow takes at most {limit} \
             (the limit --max-csv-rows sets): split the list"
        ),
    )
}

/// Starts an `outbound` workflow for the contacts given: `{"phones": [...]}`,
/// `{"contact_ids": [...]}` or `{"filter": {"tag": ...}}` (with optional `vars`), or a CSV upload
/// (`Content-Type: text/csv`, a `phone` column, other columns as contact fields). Everything is
/// checked before any run starts.
pub async fn start_outbound(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Json<OutboundStarted>> {
    let wf = state.store.workflow(&caller.workspace_id, &id).await?;
    if wf.trigger_type != "outbound" {
        return Err(ApiError::Conflict {
            field: None,
            message: format!(
                "workflow {id} is not an outbound workflow (its trigger is {})",
                wf.trigger_type
            ),
        });
    }
    if !wf.active {
        return Err(ApiError::Conflict {
            field: None,
            message: format!("workflow {id} is not active"),
        });
    }
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let limit = ByteLimit {
        what: "the list of contacts",
        bytes: state.limits.csv_bytes,
        flag: "--max-csv-bytes",
    };
    let body = read_body(&headers, body, limit).await?;
    let (targets, vars) = if content_type.contains("csv") {
        (csv_targets(&body, state.limits.csv_rows)?, Map::new())
    } else {
        let value: Value = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
            field: None,
            message: format!("the body is not JSON: {e}"),
        })?;
        json_targets(&state, &caller, &value).await?
    };
    if targets.len() > state.limits.csv_rows {
        return Err(too_many_targets(state.limits.csv_rows));
    }
    let mut runs = Vec::new();
    let mut skipped = 0;
    for t in targets {
        let outcome = state
            .engine
            .start_integration(
                &wf,
                IntegrationStart {
                    phone: t.phone,
                    name: t.name,
                    fields: t.fields,
                    vars: vars.clone(),
                },
            )
            .await?;
        match outcome.run_id {
            Some(run) => runs.push(run),
            None => skipped += 1,
        }
    }
    Ok(Json(OutboundStarted {
        started: runs.len(),
        skipped_blocked_or_excluded: skipped,
        runs,
    }))
}

async fn json_targets(
    state: &AppState,
    caller: &Caller,
    value: &Value,
) -> ApiResult<(Vec<Target>, Map<String, Value>)> {
    let obj = waflow_domain::parse::Obj::new(value, waflow_domain::parse::Path::root(""))?;
    obj.only(&["phones", "contact_ids", "filter", "vars"])?;
    let vars = match value.get("vars") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(ApiError::invalid(
                "vars",
                format!("{other} is not an object"),
            ))
        }
    };
    let given = ["phones", "contact_ids", "filter"]
        .iter()
        .filter(|k| value.get(**k).is_some())
        .count();
    if given != 1 {
        return Err(ApiError::invalid(
            "phones",
            "give exactly one of phones, contact_ids or filter",
        ));
    }
    let asked = OutboundTargets {
        phones: value
            .get("phones")
            .map(|_| obj.strings("phones"))
            .transpose()?,
        contact_ids: value
            .get("contact_ids")
            .map(|_| obj.strings("contact_ids"))
            .transpose()?,
        filter: value
            .get("filter")
            .map(|_| TargetFilter::read(&obj))
            .transpose()?,
        vars: Some(vars),
    };
    let mut targets = Vec::new();
    if let Some(phones) = &asked.phones {
        for (i, p) in phones.iter().enumerate() {
            let phone =
                PhoneNumber::parse(p).map_err(|m| ApiError::invalid(format!("phones[{i}]"), m))?;
            targets.push(Target {
                phone,
                name: String::new(),
                fields: Map::new(),
            });
        }
    } else if let Some(contact_ids) = &asked.contact_ids {
        for (i, cid) in contact_ids.iter().enumerate() {
            let contact = state
                .store
                .contact(&caller.workspace_id, cid)
                .await
                .map_err(|_| {
                    ApiError::invalid(
                        format!("contact_ids[{i}]"),
                        format!("{cid:?} is not a contact of this workspace"),
                    )
                })?;
            let phone = PhoneNumber::parse(&contact.phone)
                .map_err(|m| ApiError::invalid(format!("contact_ids[{i}]"), m))?;
            targets.push(Target {
                phone,
                name: String::new(),
                fields: Map::new(),
            });
        }
    } else if let Some(filter) = asked.filter {
        let (tag, list) = match filter {
            TargetFilter {
                tag: Some(t),
                list: None,
            } => (Some(t), None),
            TargetFilter {
                tag: None,
                list: Some(l),
            } => (None, Some(l)),
            _ => {
                return Err(ApiError::invalid(
                    "filter",
                    "give exactly one of tag or list",
                ))
            }
        };
        let mut after = None;
        loop {
            let page = state
                .store
                .contacts(
                    &caller.workspace_id,
                    &waflow_store::ContactFilter {
                        tag: tag.clone(),
                        list: list.clone(),
                        search: None,
                        after_id: after.clone(),
                        assigned_to: None,
                        limit: 500,
                    },
                )
                .await?;
            let n = page.len();
            after = page.last().map(|c| c.id.clone());
            for c in page {
                if let Ok(phone) = PhoneNumber::parse(&c.phone) {
                    targets.push(Target {
                        phone,
                        name: String::new(),
                        fields: Map::new(),
                    });
                }
            }
            if n < 500 {
                break;
            }
        }
    }
    Ok((targets, asked.vars.unwrap_or_default()))
}

/// The workspace's webhook secret: signed webhook steps send
/// `X-Waflow-Signature: sha256=<HMAC-SHA256(secret, raw body)>`; receivers check it with this.
pub async fn webhook_secret(State(state): State<AppState>, caller: Caller) -> Json<WebhookSecret> {
    let key = state.cloud.key.derive("webhooks");
    Json(WebhookSecret {
        secret: waflow_outbound_http::webhook_secret(&key, &caller.workspace_id),
        header: format!(
            "{}: sha256=<HMAC-SHA256(secret, raw body), hex>",
            waflow_outbound_http::SIGNATURE_HEADER
        ),
    })
}
