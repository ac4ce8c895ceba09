//! Workflows started by the clock: `date` triggers (a date in a contact field, with an offset,
//! at a local time; yearly for birthdays).
//!
//! **Invariant:** a date workflow starts at most once per contact and occurrence (the local day):
//! the claim in `date_trigger_fires` and the run it starts commit in one transaction. A check
//! that runs late (after a restart) still fires the same local day; a day the server was down is
//! not caught up.

use crate::executor::{self, Burst, RunTarget};
use crate::log::{describe, entry, Log};
use crate::{Error, Inner};
use serde_json::json;
use waflow_domain::trigger::{date_matches, Trigger};
use waflow_store::{ConversationKey, Writes};

/// Starts the date workflows whose time has come; returns how many runs started.
pub(crate) async fn run(inner: &Inner) -> Result<usize, Error> {
    let now = inner.clock.now();
    let mut started = 0;
    for wf in inner.store.active_workflows_with_trigger("date").await? {
        let doc = inner.document(&wf.id, wf.version).await?;
        let state = inner
            .cache
            .get(inner.store.as_ref(), &wf.workspace_id)
            .await?;
        let Some(occurrence) = doc.trigger.date_occurrence(&state.calendar, now) else {
            continue;
        };
        let Trigger::Date { field, .. } = &doc.trigger else {
            continue;
        };
        let candidates = inner
            .store
            .contacts_with_field(&wf.workspace_id, field)
            .await?;
        let fallback_number = match doc.scope.number_id() {
            Some(n) => Some(n.to_string()),
            None => inner
                .store
                .numbers(&wf.workspace_id)
                .await?
                .into_iter()
                .next()
                .map(|n| n.id),
        };
        for (contact_id, value, latest_number) in candidates {
            if !date_matches(&value, &occurrence) {
                continue;
            }
            let number_id = match (doc.scope.number_id(), latest_number) {
                (Some(scoped), _) => scoped.to_string(),
                (None, Some(latest)) => latest,
                (None, None) => match &fallback_number {
                    Some(n) => n.clone(),
                    None => continue,
                },
            };
            let mut tx = inner.store.begin().await?;
            let day = occurrence.day.to_string();
            if !tx.claim_date_fire(&wf.id, &contact_id, &day, now).await? {
                continue;
            }
            let mut contact = tx.contact(&wf.workspace_id, &contact_id).await?;
            let log = Log {
                workspace_id: &wf.workspace_id,
                number_id: &number_id,
                contact_id: &contact_id,
                message_id: None,
                now,
            };
            let mut writes = Writes {
                at: Some(now),
                ..Default::default()
            };
            if contact.blocked || contact.excluded_from_automation {
                tx.commit().await?;
                continue;
            }
            let key = ConversationKey {
                workspace_id: wf.workspace_id.clone(),
                number_id: number_id.clone(),
                contact_id: contact_id.clone(),
            };
            let conversation_id = tx.ensure_conversation(&key, now).await?;
            let target = RunTarget {
                workspace_id: &wf.workspace_id,
                workflow_id: &wf.id,
                version: wf.version,
                contact_id: &contact_id,
                number_id: &number_id,
                conversation_id: &conversation_id,
            };
            let mut run = executor::new_run(&target, now);
            let burst = Burst {
                doc: &doc,
                calendar: &state.calendar,
                now,
                message_text: "",
            };
            let exec =
                executor::advance(&mut writes, &mut run, &mut contact, &burst, Some(0), false);
            let summary = format!(
                "{}: {field} {value} matched the date of {day}; run started, {}",
                doc.name,
                describe(&run, &exec)
            );
            let detail = json!({"workflow": doc.name, "version": wf.version, "trigger": "date",
                                "field": field, "value": value, "occurrence": day,
                                "fire_at": occurrence.fire_at, "steps": exec.steps, "state": run.state});
            log.write_run(&mut writes, &run, entry("run", "started", summary, detail));
            writes.new_runs.push(run);
            tx.apply(&writes).await?;
            tx.commit().await?;
            started += 1;
            if !exec.sent.is_empty() {
                inner.sender_wake.notify_one();
            }
            if !exec.timers.is_empty() {
                inner.worker_wake.notify_one();
            }
        }
    }
    Ok(started)
}

/// Checks the date workflows every 30 seconds.
pub(crate) async fn date_loop(inner: std::sync::Arc<Inner>) {
    loop {
        if let Err(e) = run(&inner).await {
            tracing::error!(error = %e, "date triggers failed; retrying");
        }
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
}
