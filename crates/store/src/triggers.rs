//! [`Triggers`]: what triggers look up: live workflows by trigger or phrase, and the rows the clock-started triggers scan.
//! Every [`crate::Store`] is also `Triggers`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What triggers look up: live workflows by trigger or phrase, and the rows the clock-started triggers scan.
#[async_trait]
pub trait Triggers: Send + Sync {
    /// Active workflows with this trigger type, in every workspace (for triggers started by the
    /// clock).
    async fn active_workflows_with_trigger(&self, trigger_type: &str) -> Result<Vec<Workflow>>;
    /// The active workflow (other than `except_id`) with this exact phrase, if any.
    async fn active_workflows_with_phrase(
        &self,
        workspace_id: &str,
        phrase_key: &str,
        except_id: Option<&str>,
    ) -> Result<Vec<Workflow>>;
    /// Conversations whose last message is ours (outbound, not sent by a run of
    /// `workflow_id`), was written between `from` and `until`, and has not started
    /// `workflow_id` yet: (contact id, number id, that message's id).
    async fn idle_conversations(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(String, String, String)>>;
    /// Contacts with a value in custom field `field` for whom `workflow_id` has not fired on
    /// `occurrence` yet: (contact id, the value as text, the number of their latest
    /// conversation).
    async fn contacts_with_field(
        &self,
        workspace_id: &str,
        field: &str,
        workflow_id: &str,
        occurrence: &str,
    ) -> Result<Vec<(String, String, Option<String>)>>;
}
