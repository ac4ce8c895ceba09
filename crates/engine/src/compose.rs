//! What a step says: its templates rendered within their limits, and the message queued in the
//! outbox.
//!
//! **Invariant:** every render here is bounded by `template::RENDER_FUEL`, `template::RANGE_LIMIT`
//! and an `OutputLimit` chosen for its use (these renders run inside the intake's or the timer
//! worker's write transaction). A render over a limit fails its step with an error naming the
//! step, the limit and the value, and nothing is queued.

use crate::executor::{contact_view, Burst, Execution};
use serde_json::{json, Value};
use waflow_domain::template::{self, OutputLimit};
use waflow_store::{new_id, Contact, NewOutbound, Run, Writes};

/// Why a step's template did not render, naming the step (and the part of its content).
pub(crate) fn failure(step_id: &str, part: Option<&str>, error: &template::Error) -> String {
    match part {
        Some(part) => format!("the template `{part}` of step `{step_id}` {error}"),
        None => format!("the template of step `{step_id}` {error}"),
    }
}

/// The id of the step an entry is about (every step entry names its step).
fn step_of(entry: &Value) -> &str {
    entry["step"].as_str().unwrap_or("?")
}

/// Renders a step's template with the contact, the run's variables and the message; a plain
/// text skips building the contact's template value.
pub(crate) fn render(
    text: &str,
    contact: &Contact,
    run: &Run,
    burst: &Burst<'_>,
    limit: OutputLimit,
) -> Result<String, template::Error> {
    let view = if template::is_plain(text) {
        Value::Null
    } else {
        contact_view(contact).template_value()
    };
    template::render(text, &view, &run.variables, burst.message_text, limit)
}

/// Like [`render`], but a template that fails on a value (not on a limit) gives its raw text,
/// for steps whose text is a note rather than a message (agent notifications, ticket subjects).
pub(crate) fn render_or_raw(
    text: &str,
    contact: &Contact,
    run: &Run,
    burst: &Burst<'_>,
    limit: OutputLimit,
) -> Result<String, template::Error> {
    match render(text, contact, run, burst, limit) {
        Err(e) if e.is_limit() => Err(e),
        Err(_) => Ok(text.to_string()),
        Ok(rendered) => Ok(rendered),
    }
}

/// The stored form of a text's template fallback: `{"fallback": <template content>}`, with the
/// body parameters rendered now (they were checked when the workflow was saved; should one still
/// fail on a value, its raw text is sent; over a limit, the step fails).
fn fallback_payload(
    f: &waflow_domain::step::TemplateFallback,
    contact: &Contact,
    vars: &Value,
    message_text: &str,
) -> Result<Value, template::Error> {
    let view = contact_view(contact).template_value();
    let body = f
        .body
        .iter()
        .map(|p| {
            let text =
                match template::render(p, &view, vars, message_text, OutputLimit::MESSAGE_TEXT) {
                    Err(e) if e.is_limit() => return Err(e),
                    Err(_) => p.clone(),
                    Ok(text) => text,
                };
            Ok(json!({"type": "text", "text": text}))
        })
        .collect::<Result<Vec<Value>, _>>()?;
    Ok(
        json!({"fallback": {"type": "template", "name": f.name, "language": f.language, "body": body}}),
    )
}

/// Notes a failure in the step's log entry and returns it.
fn failed(entry: &mut Value, error: String) -> String {
    entry["result"] = json!("failed");
    entry["error"] = json!(error);
    error
}

/// Renders `text` and queues it for the run's contact (skipped for a blocked contact), noting
/// the result in `entry`, the step's log entry; an error is a template that failed to render
/// (noted in `entry` too).
#[allow(clippy::too_many_arguments)]
pub(crate) fn say(
    writes: &mut Writes,
    exec: &mut Execution,
    run: &Run,
    contact: &Contact,
    burst: &Burst<'_>,
    text: &str,
    fallback: Option<&waflow_domain::step::TemplateFallback>,
    entry: &mut Value,
) -> Result<(), String> {
    if contact.blocked {
        entry["result"] = json!("skipped: the contact is blocked");
        return Ok(());
    }
    let step = step_of(entry).to_string();
    let body = render(text, contact, run, burst, OutputLimit::MESSAGE_TEXT)
        .map_err(|e| failed(entry, failure(&step, None, &e)))?;
    let payload = fallback
        .map(|f| fallback_payload(f, contact, &run.variables, burst.message_text))
        .transpose()
        .map_err(|e| failed(entry, failure(&step, Some("fallback"), &e)))?;
    queue(
        writes,
        exec,
        run,
        burst,
        "text",
        body.clone(),
        payload,
        entry,
    );
    entry["text"] = json!(body);
    Ok(())
}

/// Queues a message of the run in the outbox and notes it in `entry`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn queue(
    writes: &mut Writes,
    exec: &mut Execution,
    run: &Run,
    burst: &Burst<'_>,
    message_type: &str,
    text: String,
    payload: Option<Value>,
    entry: &mut Value,
) {
    let id = new_id("msg");
    writes.outbound.push(NewOutbound {
        id: id.clone(),
        workspace_id: run.workspace_id.clone(),
        conversation_id: run.conversation_id.clone(),
        number_id: run.number_id.clone(),
        contact_id: run.contact_id.clone(),
        message_type: message_type.to_string(),
        text,
        payload,
        sender_kind: "workflow",
        sender_ref: Some(run.id.clone()),
        at: burst.now,
    });
    entry["result"] = json!("queued");
    entry["message_id"] = json!(id);
    exec.sent.push(id);
}

/// Renders rich content's text fields and queues it (skipped for a blocked contact); an error
/// is noted in `entry`.
pub(crate) fn send_content(
    writes: &mut Writes,
    exec: &mut Execution,
    run: &Run,
    contact: &Contact,
    burst: &Burst<'_>,
    content: &Value,
    entry: &mut Value,
) -> Result<(), String> {
    if contact.blocked {
        entry["result"] = json!("skipped: the contact is blocked");
        return Ok(());
    }
    let step = step_of(entry).to_string();
    let view = contact_view(contact).template_value();
    let mut rendered = content.clone();
    for key in waflow_domain::step::CONTENT_TEMPLATE_KEYS {
        if let Some(Value::String(s)) = content.get(key) {
            let text = template::render(
                s,
                &view,
                &run.variables,
                burst.message_text,
                OutputLimit::MESSAGE_TEXT,
            )
            .map_err(|e| failed(entry, failure(&step, Some(key), &e)))?;
            rendered[key] = json!(text);
        }
    }
    let parsed: waflow_channels::cloud_api::content::Content =
        serde_json::from_value(rendered.clone())
            .map_err(|e| failed(entry, format!("the content cannot be sent: {e}")))?;
    queue(
        writes,
        exec,
        run,
        burst,
        parsed.kind(),
        parsed.summary(),
        Some(rendered),
        entry,
    );
    entry["content"] = json!(parsed.kind());
    Ok(())
}
