//! Workflows started by another system: the `integration` trigger. The server checks the
//! workflow's secret and maps the payload; here the contact is found or created (with the mapped
//! fields) and the run starts with the mapped variables, in one transaction.
//!
//! **Invariant:** the contact's fields, the run and its first effects commit together; a
//! blocked or excluded contact gets the fields but no run.

use crate::launch::{launch, wake, Launch, WorkflowRef};
use crate::{Error, Inner};
use serde_json::{json, Map, Value};
use waflow_domain::PhoneNumber;
use waflow_store::{ContactKey, Workflow, Writes};

/// What an integration call asks for.
pub struct IntegrationStart {
    pub phone: PhoneNumber,
    pub name: String,
    pub fields: Map<String, Value>,
    pub vars: Map<String, Value>,
}

/// The result: the contact and, unless it is blocked or excluded, the run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IntegrationOutcome {
    pub contact_id: String,
    pub run_id: Option<String>,
    pub queued: Vec<String>,
}

pub(crate) async fn start(
    inner: &Inner,
    wf: &Workflow,
    request: IntegrationStart,
) -> Result<IntegrationOutcome, Error> {
    start_on(
        inner,
        wf.into(),
        None,
        request,
        "started by an integration call",
    )
    .await
}

/// Starts version `wf` for the contact of `request` (found or created with its fields) on
/// `number` (by default the workflow's scope, else the workspace's first number).
pub(crate) async fn start_on(
    inner: &Inner,
    wf: WorkflowRef<'_>,
    number: Option<String>,
    request: IntegrationStart,
    why: &str,
) -> Result<IntegrationOutcome, Error> {
    let now = inner.clock.now();
    let doc = inner.document(wf.id, wf.version).await?;
    let state = inner
        .cache
        .get(inner.store.as_ref(), wf.workspace_id)
        .await?;
    let number_id = match (number, doc.scope.number_id()) {
        (Some(n), _) => n,
        (None, Some(n)) => n.to_string(),
        (None, None) => inner
            .first_number(wf.workspace_id)
            .await?
            .ok_or_else(|| Error::Unavailable("the workspace has no number".into()))?,
    };
    let mut tx = inner.store.begin().await?;
    let key = ContactKey {
        workspace_id: wf.workspace_id.to_string(),
        phone: request.phone.as_str().to_string(),
        name: request.name.clone(),
    };
    let (mut contact, _) = tx
        .upsert_contacts(&[key], now)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Unavailable("contact not stored".into()))?;
    let mut writes = Writes {
        at: Some(now),
        ..Default::default()
    };
    if !request.fields.is_empty() {
        contact.fields.extend(request.fields.clone());
        writes
            .contact_fields
            .insert(contact.id.clone(), contact.fields.clone());
    }
    let mut outcome = IntegrationOutcome {
        contact_id: contact.id.clone(),
        run_id: None,
        queued: Vec::new(),
    };
    if contact.blocked || contact.excluded_from_automation {
        tx.apply(&writes).await?;
        tx.commit().await?;
        return Ok(outcome);
    }
    let (run_id, exec) = launch(
        &mut tx,
        &mut writes,
        &mut contact,
        Launch {
            wf,
            doc: &doc,
            state: &state,
            number_id: &number_id,
            vars: request.vars.clone(),
            why: why.into(),
            extra: json!({"fields": request.fields, "vars": request.vars}),
        },
        now,
    )
    .await?;
    outcome.run_id = Some(run_id);
    outcome.queued = exec.sent.clone();
    tx.apply(&writes).await?;
    tx.commit().await?;
    wake(inner, &exec);
    Ok(outcome)
}
