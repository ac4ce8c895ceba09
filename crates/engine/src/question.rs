//! A question step receiving its answer: checked, saved, or asked again.
//!
//! **Invariant:** a valid answer is saved (contact field and run variable) in the same
//! transaction that moves the run on; an invalid one is retried at most `max_retries` times, the
//! count kept in the run's variables (`_retries`), so a restart does not reset it.

use crate::compose;
use crate::executor::{self, Burst, Execution};
use serde_json::{json, Value};
use waflow_domain::step::Action;
use waflow_store::{Contact, Run, Writes};

/// What the answer did.
pub(crate) enum Answer {
    /// The run's step is not a question: continue as a plain reply.
    NotAQuestion,
    /// Valid and saved: continue at the next step.
    Valid,
    /// Invalid, asked again: the run keeps waiting.
    Asked(Execution),
    /// Invalid with no retries left: continue here (`None`: end).
    GaveUp(Option<usize>),
    /// A menu choice: continue at the chosen option's step (`None`: end).
    Route(Option<usize>),
}

/// Handles the contact's reply to the question at step `index`.
pub(crate) fn answer(
    writes: &mut Writes,
    run: &mut Run,
    contact: &mut Contact,
    burst: &Burst<'_>,
    index: usize,
    reply_id: Option<&str>,
) -> Answer {
    let step = &burst.doc.steps[index];
    if let Action::Menu {
        content,
        routes,
        otherwise,
    } = &step.action
    {
        let options = executor::menu_options(content);
        let text = burst.message_text.trim();
        let chosen = options
            .iter()
            .find(|(id, _)| Some(id.as_str()) == reply_id)
            .or_else(|| {
                options
                    .iter()
                    .find(|(_, title)| title.eq_ignore_ascii_case(text))
            })
            .or_else(|| {
                text.parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| options.get(i))
            });
        if let (Some((id, title)), Value::Object(vars)) = (chosen, &mut run.variables) {
            vars.insert("choice".into(), json!(id));
            vars.insert("choice_title".into(), json!(title));
        }
        let target = chosen
            .and_then(|(id, _)| routes.get(id))
            .or(otherwise.as_ref());
        return Answer::Route(target.and_then(|t| burst.doc.step_index(t)));
    }
    if let Action::SetField {
        field,
        next_message: true,
        ..
    } = &step.action
    {
        let value = json!(burst.message_text);
        contact.fields.insert(field.clone(), value);
        writes
            .contact_fields
            .insert(contact.id.clone(), contact.fields.clone());
        return Answer::Valid;
    }
    let Action::Question {
        text,
        validate,
        retry_text,
        max_retries,
        save_to,
        var,
        timeout,
        invalid_next,
        ..
    } = &step.action
    else {
        return Answer::NotAQuestion;
    };
    match validate.check(burst.message_text) {
        Ok(value) => {
            if let Some(field) = save_to {
                contact.fields.insert(field.clone(), value.clone());
                writes
                    .contact_fields
                    .insert(contact.id.clone(), contact.fields.clone());
            }
            let name = var.as_ref().or(save_to.as_ref()).unwrap_or(&step.id);
            if let Value::Object(vars) = &mut run.variables {
                vars.insert(name.clone(), value);
                if let Some(Value::Object(r)) = vars.get_mut("_retries") {
                    r.remove(&step.id);
                }
            }
            Answer::Valid
        }
        Err(reason) => {
            let tried = run
                .variables
                .get("_retries")
                .and_then(|r| r.get(&step.id))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if tried >= u64::from(*max_retries) {
                return Answer::GaveUp(
                    invalid_next
                        .as_deref()
                        .and_then(|id| burst.doc.step_index(id)),
                );
            }
            if let Value::Object(vars) = &mut run.variables {
                let retries = vars.entry("_retries").or_insert_with(|| json!({}));
                retries[&step.id] = json!(tried + 1);
                vars.insert("invalid_reason".into(), json!(reason));
            }
            let mut exec = Execution::default();
            let mut entry = json!({"step": step.id, "type": "question", "at": burst.now,
                                   "invalid": reason, "retry": tried + 1});
            let again = retry_text.as_deref().unwrap_or(text);
            if let Err(e) = compose::say(
                writes, &mut exec, run, contact, burst, again, None, &mut entry,
            ) {
                exec.error = Some(e);
            }
            if let Some(t) = timeout {
                let due_at = t.due_at(burst.now, burst.calendar);
                executor::schedule(writes, &mut exec, run, &step.id, "timeout", due_at);
            }
            exec.steps.push(entry);
            run.updated_at = burst.now;
            Answer::Asked(exec)
        }
    }
}
