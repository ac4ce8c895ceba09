//! The HTTP request step: the call itself (made by the timer worker outside any transaction,
//! through the SSRF guard) and how its outcome continues the run.
//!
//! **Invariant:** the request is made at least once per firing: a crash after the call and
//! before the commit makes it again after the lease expires (like any webhook, receivers should
//! be idempotent). A refused address sends nothing and takes the failure edge with the reason.

use crate::executor::contact_view;
use crate::{Error, Inner};
use serde_json::{json, Value};
use std::time::Duration;
use waflow_domain::step::Action;
use waflow_domain::template::{self, OutputLimit};
use waflow_domain::WorkflowDocument;
use waflow_outbound_http::{Outcome, Request};
use waflow_store::{DueStep, Run};

/// A call made for a due step.
pub(crate) struct Call {
    pub method: String,
    pub url: String,
    pub outcome: Outcome,
}

/// Renders one templated part of the request.
fn render_part(source: &str, contact: &Value, vars: &Value) -> Result<String, template::Error> {
    template::render(source, contact, vars, "", OutputLimit::HTTP_REQUEST_PART)
}

fn render_body(value: &Value, contact: &Value, vars: &Value) -> Result<Value, template::Error> {
    Ok(match value {
        Value::String(s) => Value::String(render_part(s, contact, vars)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_body(v, contact, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_body(v, contact, vars)?)))
                .collect::<Result<_, template::Error>>()?,
        ),
        other => other.clone(),
    })
}

/// Makes the call of an `http` due step, if its run is still at that step.
pub(crate) async fn call(inner: &Inner, due: &DueStep) -> Result<Option<Call>, Error> {
    let Some((run, doc, index)) = inner.at_step(due).await? else {
        return Ok(None);
    };
    let Action::HttpRequest {
        method,
        url,
        headers,
        body,
        timeout_ms,
        sign,
        ..
    } = &doc.steps[index].action
    else {
        return Ok(None);
    };
    let contact = inner
        .store
        .contact(&run.workspace_id, &run.contact_id)
        .await?;
    let view = contact_view(&contact).template_value();
    let vars = &run.variables;
    let rendered = (|| -> Result<Request, template::Error> {
        let mut request = Request {
            method: method.clone(),
            url: render_part(url, &view, vars)?,
            headers: headers
                .iter()
                .map(|(k, v)| Ok((k.clone(), render_part(v, &view, vars)?)))
                .collect::<Result<_, template::Error>>()?,
            body: body
                .as_ref()
                .map(|b| render_body(b, &view, vars).map(|v| v.to_string()))
                .transpose()?,
            timeout: Duration::from_millis(*timeout_ms),
        };
        if *sign {
            // A signed webhook without a body sends the event: workflow, run, contact, variables.
            let payload = request.body.take().unwrap_or_else(|| {
                json!({"event": "workflow.webhook", "workspace_id": run.workspace_id,
                       "workflow": {"id": run.workflow_id, "name": doc.name, "version": run.workflow_version},
                       "run_id": run.id, "step": due.step_id,
                       "contact": {"id": contact.id, "phone": contact.phone, "name": contact.name,
                                   "tags": contact.tags, "fields": contact.fields},
                       "vars": run.variables})
                .to_string()
            });
            let secret =
                waflow_outbound_http::webhook_secret(&inner.webhook_key, &run.workspace_id);
            request.headers.push((
                waflow_outbound_http::SIGNATURE_HEADER.to_string(),
                waflow_outbound_http::sign(&secret, payload.as_bytes()),
            ));
            request.body = Some(payload);
        }
        Ok(request)
    })();
    Ok(Some(match rendered {
        Ok(request) => Call {
            method: request.method.clone(),
            url: request.url.clone(),
            outcome: waflow_outbound_http::send(&request, inner.http_policy).await,
        },
        Err(e) => Call {
            method: method.clone(),
            url: url.clone(),
            outcome: Outcome::Failed(format!(
                "the request could not be rendered: {}",
                crate::compose::failure(&due.step_id, None, &e)
            )),
        },
    }))
}

/// Applies a call's outcome to the run (saved variables) and returns the step to continue at
/// (`None`: no edge for this outcome) with a description for the log.
pub(crate) fn continue_after(
    doc: &WorkflowDocument,
    index: usize,
    run: &mut Run,
    call: &Call,
) -> (Option<usize>, bool, Value) {
    let Action::HttpRequest {
        save,
        on_failure,
        on_timeout,
        ..
    } = &doc.steps[index].action
    else {
        return (None, false, Value::Null);
    };
    let failure = |edge: &Option<String>| edge.as_deref().and_then(|id| doc.step_index(id));
    let request = json!({"method": call.method, "url": call.url});
    match &call.outcome {
        Outcome::Answered { status, json, body } if (200..300).contains(status) => {
            let mut saved = serde_json::Map::new();
            if let Value::Object(vars) = &mut run.variables {
                for (var, path) in save {
                    let value = json
                        .as_ref()
                        .and_then(|j| waflow_domain::json_path::at(j, path))
                        .cloned()
                        .unwrap_or(Value::Null);
                    vars.insert(var.clone(), value.clone());
                    saved.insert(var.clone(), value);
                }
                vars.insert("http_status".into(), json!(status));
            }
            let preview: String = body.chars().take(200).collect();
            let detail = json!({"request": request, "status": status, "saved": saved, "body": preview, "edge": "next"});
            (doc.next_after(index), true, detail)
        }
        Outcome::Answered { status, body, .. } => {
            if let Value::Object(vars) = &mut run.variables {
                vars.insert("http_status".into(), json!(status));
            }
            let preview: String = body.chars().take(200).collect();
            let detail = json!({"request": request, "status": status, "body": preview, "edge": "on_failure"});
            (failure(on_failure), false, detail)
        }
        Outcome::TimedOut => {
            let edge = if on_timeout.is_some() {
                on_timeout
            } else {
                on_failure
            };
            let detail = json!({"request": request, "error": "no answer before the timeout", "edge": if on_timeout.is_some() { "on_timeout" } else { "on_failure" }});
            (failure(edge), false, detail)
        }
        Outcome::Failed(e) => {
            let detail = json!({"request": request, "error": e, "edge": "on_failure"});
            (failure(on_failure), false, detail)
        }
        Outcome::Refused(r) => {
            let detail = json!({"request": request, "error": r.to_string(), "refused": true, "edge": "on_failure"});
            (failure(on_failure), false, detail)
        }
    }
}
