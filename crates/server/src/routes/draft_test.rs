//! The builder's test chat: a message typed there is decided for the workflow's draft exactly as
//! live would decide it — stored, a waiting test run of this workflow resumed, else the draft's
//! trigger and conditions evaluated, the "why" spelled out when nothing runs — while no other
//! workflow sees it. And `GET /workflows/{id}/overlaps`: the live workflows that would also take
//! the messages this one takes.

use super::versions::TestRun;
use crate::error::{ApiError, ApiResult};
use crate::extract::Caller;
use crate::routes::logs::Explainer;
use crate::AppState;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use waflow_domain::{InboundContent, InboundEvent, MessageType, PhoneNumber, WorkflowDocument};
use waflow_store::{new_id, Number, Workflow};

/// A test-chat message, read from the test request.
pub(super) struct TestMessage {
    phone: PhoneNumber,
    name: String,
    number_id: String,
    kind: MessageType,
    text: String,
}

impl TestMessage {
    /// `text` (required for a text message, at most 4096 characters) and `type` (default text).
    pub(super) fn read(asked: &TestRun, number: &Number) -> ApiResult<Self> {
        let kind = match asked.kind.as_deref() {
            None => MessageType::Text,
            Some(t) => MessageType::parse(t)
                .ok_or_else(|| ApiError::invalid("type", format!("{t:?} is not a message type")))?,
        };
        let text = asked.text.clone().unwrap_or_default();
        if kind == MessageType::Text && text.trim().is_empty() {
            return Err(ApiError::invalid("text", "is required for a text message"));
        }
        if text.chars().count() > 4096 {
            return Err(ApiError::invalid("text", "is longer than 4096 characters"));
        }
        Ok(Self {
            phone: asked.from.clone(),
            name: asked.name.as_deref().unwrap_or("").trim().to_string(),
            number_id: number.id.clone(),
            kind,
            text,
        })
    }
}

/// One condition the draft checked, for the test chat's "why".
#[derive(Serialize, utoipa::ToSchema)]
pub struct Why {
    /// Where the condition is in the document, e.g. `conditions.all[0]`.
    pub path: String,
    /// The condition in words.
    pub condition: Option<String>,
    pub passed: bool,
    /// The value compared (the message text for text conditions).
    pub value: Value,
}

/// `POST /workflows/{id}/test`'s answer: 201 when a run of the draft started, 200 otherwise.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TestAnswer {
    /// `started`, `resumed` (the test chat's message resumed the waiting test run) or
    /// `not_matched` (nothing ran: `reason` and `why` say which condition failed).
    pub outcome: &'static str,
    /// The hidden version the test runs (below 1).
    pub test_version: i64,
    pub number_id: String,
    pub contact_id: String,
    /// The test chat's conversation (with `text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Null when nothing runs (a blocked or excluded contact, or a message the draft does not take).
    pub run_id: Option<String>,
    /// Messages queued by the run's steps.
    pub queued: Vec<String>,
    /// The log entry of the test chat's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_id: Option<String>,
    /// Why nothing ran, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Each condition checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Vec<Why>>,
}

impl TestAnswer {
    /// An answer with its outcome and ids, nothing queued.
    pub(super) fn new(
        outcome: &'static str,
        test_version: i64,
        number_id: String,
        contact_id: String,
    ) -> Self {
        Self {
            outcome,
            test_version,
            number_id,
            contact_id,
            conversation_id: None,
            run_id: None,
            queued: Vec::new(),
            log_id: None,
            reason: None,
            why: None,
        }
    }
}

/// Decides `message` for the draft `doc` of `wf` (see the module doc). 201 with
/// `outcome: "started"`; 200 with `outcome: "resumed"`, or `"not_matched"` and the why.
pub(super) async fn try_message(
    state: &AppState,
    caller: &Caller,
    wf: &Workflow,
    doc: WorkflowDocument,
    message: TestMessage,
) -> ApiResult<(StatusCode, Json<TestAnswer>)> {
    let version = test_version(state, &caller.workspace_id, &wf.id, &doc).await?;
    let event = InboundEvent {
        workspace_id: caller.workspace_id.clone(),
        number_id: message.number_id.clone(),
        automation: true,
        from: message.phone.into(),
        user_id: None,
        contact_name: message.name,
        channel_message_id: new_id("test"),
        content: InboundContent::text(message.kind, message.text),
        reply_to: None,
        notice: None,
    };
    let out = state
        .engine
        .test_inbound(&wf.id, version, doc, event)
        .await?;
    let mut answer = TestAnswer {
        conversation_id: Some(out.conversation_id),
        run_id: out.runs.first().cloned(),
        queued: out.queued,
        log_id: Some(out.log_id.clone()),
        ..TestAnswer::new("started", version, message.number_id, out.contact_id)
    };
    match out.outcome.as_str() {
        "matched" => Ok((StatusCode::CREATED, Json(answer))),
        "resumed" => {
            answer.outcome = "resumed";
            Ok((StatusCode::OK, Json(answer)))
        }
        _ => {
            let (reason, why) = explain(state, &caller.workspace_id, &out.log_id).await?;
            answer.outcome = "not_matched";
            answer.reason = Some(reason);
            answer.why = Some(why);
            Ok((StatusCode::OK, Json(answer)))
        }
    }
}

/// The test version holding `doc`: the latest one when it holds the same document (a chat of
/// several messages makes one version), else a new one.
async fn test_version(
    state: &AppState,
    workspace_id: &str,
    workflow_id: &str,
    doc: &WorkflowDocument,
) -> ApiResult<i64> {
    let value = doc.to_value();
    if let Some((latest, stored)) = state
        .store
        .latest_test_version(workspace_id, workflow_id)
        .await?
    {
        if stored == value {
            return Ok(latest);
        }
    }
    Ok(state
        .store
        .insert_test_version(workspace_id, workflow_id, &value)
        .await?)
}

/// Why the draft did not run, from the intake's log entry: a sentence naming the first failing
/// condition (or why nothing was evaluated), and each condition checked.
async fn explain(
    state: &AppState,
    workspace_id: &str,
    log_id: &str,
) -> ApiResult<(String, Vec<Why>)> {
    let mut entry = state.store.log(workspace_id, log_id).await?;
    Explainer::new(state, workspace_id)
        .explain(&mut entry)
        .await?;
    let evaluation = &entry.detail["evaluation"];
    let item = evaluation["considered"]
        .get(0)
        .or_else(|| evaluation["skipped"].get(0));
    let Some(item) = item else {
        return Ok((entry.summary, Vec::new()));
    };
    let why = item["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .map(|c| Why {
                    path: c["path"].as_str().unwrap_or("").to_string(),
                    condition: c["condition"].as_str().map(str::to_string),
                    passed: c["held"].as_bool().unwrap_or(false),
                    value: match &c["actual"] {
                        Value::Null => entry.detail["text"].clone(),
                        v => v.clone(),
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let reason = item["reason"]
        .as_str()
        .map(|r| format!("the draft did not start: {r}"))
        .unwrap_or(entry.summary);
    Ok((reason, why))
}

/// One live workflow that would also take this workflow's messages.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Overlap {
    pub workflow_id: String,
    pub name: String,
    /// Why both would run, in words.
    pub reason: String,
}

/// `GET /workflows/{id}/overlaps`'s answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Overlaps {
    pub overlaps: Vec<Overlap>,
}

/// The other active workflows that would start for the same messages as this one's draft (or its
/// live version without a draft): same trigger, overlapping number scope, same priority.
pub async fn overlaps(
    State(state): State<AppState>,
    caller: Caller,
    UrlPath(id): UrlPath<String>,
) -> ApiResult<Json<Overlaps>> {
    let wf = state.store.workflow(&caller.workspace_id, &id).await?;
    let value = state
        .store
        .workflow_draft(&caller.workspace_id, &id)
        .await?
        .unwrap_or(wf.document);
    let Ok(mine) = WorkflowDocument::parse(&value) else {
        return Ok(Json(Overlaps {
            overlaps: Vec::new(),
        }));
    };
    let mut overlaps = Vec::new();
    for other in state.store.workflows(&caller.workspace_id).await? {
        if other.id == id || !other.active {
            continue;
        }
        let Ok(theirs) = WorkflowDocument::parse(&other.document) else {
            continue;
        };
        if let Some(reason) = waflow_domain::overlap::overlap(&mine, &theirs) {
            overlaps.push(Overlap {
                workflow_id: other.id,
                name: other.name,
                reason,
            });
        }
    }
    Ok(Json(Overlaps { overlaps }))
}
