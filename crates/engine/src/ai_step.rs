//! The "reply with AI" step, done by the timer worker in two halves.
//!
//! [`prepare`] runs outside any transaction, holding only the step's lease: it waits for the
//! contact to pause (debounce: the timer is moved to the end of the pause), claims the burst so
//! that one run answers it, checks the credits, builds the prompt (business prompt, retrieved
//! knowledge, history, helpers, media) and asks the provider. [`finish`] runs in the step's
//! transaction: the pre-send check (the contact wrote again / a person replied since the
//! answered message → nothing is sent, a "collision avoided" is logged), then the reply is
//! queued, its credits taken and the run continues; a failure takes the fallback edge.
//!
//! **Invariant:** a burst gets at most one AI reply: the first run to claim its last message
//! answers it, the others stand down; the check and the send happen in one transaction, so
//! nothing the contact or an agent sent before that commit is talked over.

use crate::ai_service::Lookup;
use crate::executor::{self, Burst, Execution};
use crate::media;
use crate::{Error, Inner};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use waflow_ai::prompt::{self, Prompt, Speaker, Turn};
use waflow_ai::AiError;
use waflow_domain::step::{Action, MAX_TEXT_CHARS};
use waflow_store::{Contact, DueStep, Message, Run, RunState, Tx, Writes};

/// The most messages of a burst answered together (the latest ones).
const MAX_BURST: usize = 10;
/// The most knowledge items and characters of knowledge put in a prompt.
const KNOWLEDGE_ITEMS: usize = 8;
const KNOWLEDGE_CHARS: usize = 4_000;
/// Characters of reply per credit: a reply costs `ceil(chars / CHARS_PER_CREDIT)` credits, at
/// least one.
pub const CHARS_PER_CREDIT: usize = 100;

/// The credits a reply of `text` costs.
pub fn credits_for(text: &str) -> i64 {
    text.chars().count().div_ceil(CHARS_PER_CREDIT).max(1) as i64
}

/// What the first half decided.
pub(crate) enum Prepared {
    /// The contact is still writing: look again at this time.
    Wait(DateTime<Utc>),
    /// Another run answers the same burst.
    StandDown { answered: String },
    /// A reply answering the conversation's messages up to `answered`.
    Reply {
        text: String,
        answered: String,
        detail: Value,
    },
    /// No reply (`outcome`: `failed`, `timeout`, `no_credits`, `not_configured`).
    Failed {
        outcome: &'static str,
        error: String,
        detail: Value,
    },
}

/// The first half, for a due `ai` step (`None`: the run moved on, the timer is obsolete).
pub(crate) async fn prepare(inner: &Inner, due: &DueStep) -> Result<Option<Prepared>, Error> {
    let Some((run, doc, index)) = inner.at_step(due).await? else {
        return Ok(None);
    };
    let Action::AiReply(step) = &doc.steps[index].action else {
        return Ok(None);
    };
    let now = inner.clock.now();
    let limit = (step.history as usize + MAX_BURST + 20) as i64;
    let messages = inner
        .store
        .recent_messages(&run.workspace_id, &run.conversation_id, limit)
        .await?;
    let failed = |outcome, error: String| {
        Ok(Some(Prepared::Failed {
            outcome,
            error,
            detail: json!({}),
        }))
    };
    let Some(last) = messages.iter().rev().find(|m| m.direction == "inbound") else {
        return failed(
            "failed",
            "the conversation has no message from the contact to answer".into(),
        );
    };
    let pause_ends = last.created_at + Duration::milliseconds(step.debounce_ms as i64);
    if pause_ends > now {
        return Ok(Some(Prepared::Wait(pause_ends)));
    }
    if !inner
        .store
        .claim_ai_answer(&run.conversation_id, &last.id, &run.id)
        .await?
    {
        return Ok(Some(Prepared::StandDown {
            answered: last.id.clone(),
        }));
    }
    let provider = match inner
        .ai
        .provider(inner.store.as_ref(), &run.workspace_id)
        .await?
    {
        Lookup::Unusable(e) => return failed("failed", e),
        Lookup::NotConfigured => {
            return failed(
                "not_configured",
                "no AI provider is configured for this workspace (PUT /api/v1/workspace/ai)".into(),
            )
        }
        Lookup::Ready(p) => p,
    };
    if provider.settings.credits.is_some_and(|c| c <= 0) {
        return failed("no_credits", "the workspace has no AI credits left".into());
    }
    // The burst: the contact's messages since the business last spoke (this run's own
    // messages, e.g. a greeting just before this step, do not end it).
    let start = messages
        .iter()
        .rposition(|m| m.direction == "outbound" && m.sender_ref.as_deref() != Some(&run.id))
        .map_or(0, |i| i + 1);
    let burst: Vec<&Message> = messages[start..]
        .iter()
        .filter(|m| m.direction == "inbound")
        .collect();
    let burst = &burst[burst.len().saturating_sub(MAX_BURST)..];
    let earlier: Vec<&Message> = messages[..start]
        .iter()
        .filter(|m| m.status != "failed")
        .collect();
    let history: Vec<Turn> = earlier[earlier.len().saturating_sub(step.history as usize)..]
        .iter()
        .map(|m| Turn {
            speaker: if m.direction == "inbound" {
                Speaker::Contact
            } else {
                Speaker::Business
            },
            text: media::described(m),
        })
        .collect();
    let mut current = Vec::new();
    let mut media_notes = Vec::new();
    for m in burst {
        let (parts, note) = media::parts(inner, &provider.provider, m).await;
        current.extend(parts);
        if let Some(note) = note {
            media_notes.push(note);
        }
    }
    let query: String = current
        .iter()
        .filter_map(|p| match p {
            waflow_ai::Part::Text(t) => Some(t.as_str()),
            waflow_ai::Part::Image { .. } => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    let index = inner
        .ai
        .index(inner.store.as_ref(), &run.workspace_id)
        .await?;
    let selected = index.select(&query, KNOWLEDGE_ITEMS, KNOWLEDGE_CHARS);
    let knowledge_titles: Vec<&str> = selected.iter().map(|i| i.title.as_str()).collect();
    let prompt = Prompt {
        system_prefix: step.system_prefix.clone(),
        business_prompt: provider.settings.business_prompt.clone(),
        knowledge: selected
            .iter()
            .map(|i| format!("{}: {}", i.title, i.text))
            .collect(),
        helpers: step.helpers.clone(),
        history,
        current,
    };
    let detail = json!({
        "answered": last.id,
        "burst": burst.len(),
        "history": prompt.history.len(),
        "knowledge": knowledge_titles,
        "media": media_notes,
        "model": provider.provider.model,
    });
    let started = std::time::Instant::now();
    let answer = inner
        .ai
        .client()
        .chat(&provider.provider, &prompt::build(&prompt))
        .await;
    let mut detail = detail;
    detail["generation_ms"] = json!(started.elapsed().as_millis() as u64);
    Ok(Some(match answer {
        Ok(completion) => {
            let text: String = completion.text.chars().take(MAX_TEXT_CHARS).collect();
            detail["completion_tokens"] = json!(completion.completion_tokens);
            detail["prompt_tokens"] = json!(completion.prompt_tokens);
            Prepared::Reply {
                text,
                answered: last.id.clone(),
                detail,
            }
        }
        Err(e) => Prepared::Failed {
            outcome: if matches!(e, AiError::Timeout { .. }) {
                "timeout"
            } else {
                "failed"
            },
            error: e.to_string(),
            detail,
        },
    }))
}

/// What the second half did, for the timer worker's log entry.
pub(crate) struct Finished {
    pub exec: Execution,
    pub summary: String,
}

/// The second half, in the step's transaction: the pre-send check, then the reply or the
/// fallback edge. Writes the `ai` log entry.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn finish(
    tx: &mut dyn Tx,
    writes: &mut Writes,
    log: &crate::log::Log<'_>,
    run: &mut Run,
    contact: &mut Contact,
    burst: &Burst<'_>,
    index: usize,
    prepared: Prepared,
) -> Result<Finished, Error> {
    let doc = burst.doc;
    let Action::AiReply(step) = &doc.steps[index].action else {
        return Ok(Finished {
            exec: Execution::default(),
            summary: String::new(),
        });
    };
    let step_id = doc.steps[index].id.clone();
    let ai_entry = |outcome: &'static str, summary: String, detail: Value| {
        crate::log::entry("ai", outcome, summary, detail)
    };
    match prepared {
        Prepared::Wait(at) => {
            let mut exec = Execution::default();
            executor::schedule(writes, &mut exec, run, &step_id, "ai", at);
            run.state = RunState::Active;
            run.updated_at = burst.now;
            let summary = format!(
                "{}: the contact is still writing; the AI reply waits until {at}",
                doc.name
            );
            Ok(Finished { exec, summary })
        }
        Prepared::StandDown { answered } => {
            end(run, burst.now);
            let summary = format!(
                "{}: another run answers these messages with AI; this one stands down",
                doc.name
            );
            log.write_run(
                writes,
                run,
                ai_entry("merged", summary.clone(), json!({"answered": answered})),
            );
            Ok(Finished {
                exec: Execution::default(),
                summary,
            })
        }
        Prepared::Failed {
            outcome,
            error,
            mut detail,
        } => {
            let next = step.on_failure.as_deref().and_then(|id| doc.step_index(id));
            detail["error"] = json!(error);
            detail["edge"] = json!(if next.is_some() { "on_failure" } else { "none" });
            let exec = fallback(writes, run, contact, burst, next);
            let summary = format!(
                "{}: no AI reply: {error}; {}",
                doc.name,
                if next.is_some() {
                    format!(
                        "continued on on_failure; {}",
                        crate::log::describe(run, &exec)
                    )
                } else {
                    "no on_failure edge, run failed".to_string()
                }
            );
            log.write_run(writes, run, ai_entry(outcome, summary.clone(), detail));
            Ok(Finished { exec, summary })
        }
        Prepared::Reply {
            text,
            answered,
            mut detail,
        } => {
            let after = tx.after_message(&run.conversation_id, &answered).await?;
            let collision = if step.cancel_if_contact_wrote && after.contact_wrote {
                Some("the contact wrote again while the reply was generated")
            } else if step.cancel_if_agent_replied && after.agent_replied {
                Some("an agent replied while the reply was generated")
            } else {
                None
            };
            if let Some(why) = collision {
                end(run, burst.now);
                detail["reply"] = json!(text);
                detail["reason"] = json!(why);
                let summary = format!("{}: collision avoided: AI reply not sent, {why}", doc.name);
                log.write_run(
                    writes,
                    run,
                    ai_entry("collision_avoided", summary.clone(), detail),
                );
                return Ok(Finished {
                    exec: Execution::default(),
                    summary,
                });
            }
            // A blocked contact is sent nothing, so nothing is charged.
            let credits = if contact.blocked {
                0
            } else {
                credits_for(&text)
            };
            if credits > 0 {
                writes
                    .credits_used
                    .push((run.workspace_id.clone(), credits));
            }
            detail["credits"] = json!(credits);
            let prepared = executor::Prepared::AiReply(&text);
            let burst = Burst {
                prepared: Some((&step_id, prepared)),
                ..*burst
            };
            let exec = executor::advance(writes, run, contact, &burst, Some(index), true);
            detail["message_id"] = json!(exec.sent.first());
            let summary = format!(
                "{}: AI reply queued ({} characters, {credits} credits); {}",
                doc.name,
                text.chars().count(),
                crate::log::describe(run, &exec)
            );
            log.write_run(writes, run, ai_entry("replied", summary.clone(), detail));
            Ok(Finished { exec, summary })
        }
    }
}

fn end(run: &mut Run, now: DateTime<Utc>) {
    run.state = RunState::Ended;
    run.updated_at = now;
}

/// Continues at the fallback edge, or fails the run when there is none.
fn fallback(
    writes: &mut Writes,
    run: &mut Run,
    contact: &mut Contact,
    burst: &Burst<'_>,
    next: Option<usize>,
) -> Execution {
    if next.is_some() {
        executor::advance(writes, run, contact, burst, next, false)
    } else {
        run.state = RunState::Failed;
        run.updated_at = burst.now;
        Execution::default()
    }
}

#[cfg(test)]
mod tests {
    use super::credits_for;

    #[test]
    fn credits_follow_the_reply_length() {
        assert_eq!(credits_for("ok"), 1);
        assert_eq!(credits_for(&"a".repeat(100)), 1);
        assert_eq!(credits_for(&"a".repeat(101)), 2);
        assert_eq!(credits_for(&"è".repeat(450)), 5);
    }
}
