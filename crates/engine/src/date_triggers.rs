//! Workflows started by the clock: `date` triggers (a date in a contact field, with an offset,
//! at a local time; yearly for birthdays) and `conversation_idle` (no reply N minutes after our
//! last message).
//!
//! **Invariant:** a date workflow starts at most once per contact and occurrence (the local day):
//! the claim in `date_trigger_fires` and the run it starts commit in one transaction. A check
//! that runs late (after a restart) still fires the same local day; a day the server was down is
//! not caught up.

use crate::cache::WorkspaceState;
use crate::launch::{launch, wake, Launch};
use crate::{Error, Inner};
use serde_json::json;
use waflow_domain::trigger::{date_matches, Trigger};
use waflow_domain::WorkflowDocument;
use waflow_store::{Workflow, Writes};

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
        let day = occurrence.day.to_string();
        let candidates = inner
            .store
            .contacts_with_field(&wf.workspace_id, field, &wf.id, &day)
            .await?;
        let fallback_number = match doc.scope.number_id() {
            Some(n) => Some(n.to_string()),
            None => inner.first_number(&wf.workspace_id).await?,
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
            let why = format!("{field} {value} matched the date of {day}");
            let extra = json!({"field": field, "value": value, "occurrence": day, "fire_at": occurrence.fire_at});
            if start_run(
                inner,
                &wf,
                &doc,
                &state,
                &contact_id,
                &number_id,
                &day,
                &why,
                extra,
            )
            .await?
            {
                started += 1;
            }
        }
    }
    Ok(started)
}

/// Starts the `conversation_idle` workflows: conversations whose last message is ours and has
/// waited `minutes` without a reply (looking back one day), once per such message.
pub(crate) async fn run_idle(inner: &Inner) -> Result<usize, Error> {
    let now = inner.clock.now();
    let mut started = 0;
    for wf in inner
        .store
        .active_workflows_with_trigger("conversation_idle")
        .await?
    {
        let doc = inner.document(&wf.id, wf.version).await?;
        let Trigger::ConversationIdle { minutes } = &doc.trigger else {
            continue;
        };
        let state = inner
            .cache
            .get(inner.store.as_ref(), &wf.workspace_id)
            .await?;
        let until = now - chrono::Duration::minutes(*minutes);
        let from = until - chrono::Duration::days(1);
        for (contact_id, number_id, message_id) in inner
            .store
            .idle_conversations(&wf.workspace_id, &wf.id, from, until)
            .await?
        {
            if !doc.scope.includes(&number_id) {
                continue;
            }
            let why = format!("no reply for {minutes} min after message {message_id}");
            let extra = json!({"idle_after": message_id, "minutes": minutes});
            if start_run(
                inner,
                &wf,
                &doc,
                &state,
                &contact_id,
                &number_id,
                &message_id,
                &why,
                extra,
            )
            .await?
            {
                started += 1;
            }
        }
    }
    Ok(started)
}

/// Claims `occurrence` for (workflow, contact) and starts a run in the same transaction; false
/// if it had fired already or the contact is blocked or excluded.
#[allow(clippy::too_many_arguments)]
async fn start_run(
    inner: &Inner,
    wf: &Workflow,
    doc: &WorkflowDocument,
    state: &WorkspaceState,
    contact_id: &str,
    number_id: &str,
    occurrence: &str,
    why: &str,
    extra: serde_json::Value,
) -> Result<bool, Error> {
    let now = inner.clock.now();
    let mut tx = inner.store.begin().await?;
    if !tx
        .claim_date_fire(&wf.id, contact_id, occurrence, now)
        .await?
    {
        return Ok(false);
    }
    let mut contact = tx.contact(&wf.workspace_id, contact_id).await?;
    if contact.blocked || contact.excluded_from_automation {
        tx.commit().await?;
        return Ok(false);
    }
    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    let (_, exec) = launch(
        &mut tx,
        &mut writes,
        &mut contact,
        Launch {
            wf: wf.into(),
            doc,
            state,
            number_id,
            vars: Default::default(),
            why: why.to_string(),
            extra,
        },
        now,
    )
    .await?;
    tx.apply(&writes).await?;
    tx.commit().await?;
    wake(inner, &exec);
    Ok(true)
}

/// Checks the clock-started workflows every 30 seconds.
pub(crate) async fn date_loop(inner: std::sync::Arc<Inner>) {
    loop {
        if let Err(e) = run(&inner).await {
            tracing::error!(error = %e, "date triggers failed; retrying");
        }
        if let Err(e) = run_idle(&inner).await {
            tracing::error!(error = %e, "idle-conversation triggers failed; retrying");
        }
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
}
