//! The storage traits. [`Store`] answers the API and hands out transactions; [`Tx`] is the unit of
//! durable work of the engine: everything written through one `Tx` commits together or not at all.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A unit of work: all writes commit together in [`Tx::commit`], or none do if it is dropped.
#[async_trait]
pub trait Tx: Send {
    /// Finds or creates each contact; returns them in input order with `true` when created.
    async fn upsert_contacts(
        &mut self,
        keys: &[ContactKey],
        at: DateTime<Utc>,
    ) -> Result<Vec<(Contact, bool)>>;
    /// Reads a contact.
    async fn contact(&mut self, workspace_id: &str, contact_id: &str) -> Result<Contact>;
    /// Records that a date trigger fired for a contact on an occurrence; false if it already had.
    async fn claim_date_fire(
        &mut self,
        workflow_id: &str,
        contact_id: &str,
        occurrence: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// The conversation of a (number, contact), created if needed but not touched (a run started
    /// by the clock is not a message from the contact); its id.
    async fn ensure_conversation(
        &mut self,
        key: &ConversationKey,
        at: DateTime<Utc>,
    ) -> Result<String>;
    /// The conversation of each (number, contact), created if needed and touched; ids in input order.
    async fn touch_conversations(
        &mut self,
        keys: &[ConversationKey],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>>;
    /// Stores inbound messages; for each, its new id, or `None` when this number already has
    /// that channel message id (a duplicate).
    async fn insert_inbound(&mut self, messages: &[NewInbound]) -> Result<Vec<Option<String>>>;
    /// The runs waiting for a reply of any of these contacts.
    async fn waiting_runs(&mut self, contact_ids: &[String]) -> Result<Vec<Run>>;
    /// Reads a run.
    async fn run(&mut self, run_id: &str) -> Result<Run>;
    /// Deletes a due step if it is still leased by `owner`; `false` means someone else has it or
    /// it is gone, and the caller must not execute it.
    async fn take_due_step(&mut self, id: &str, owner: &str) -> Result<bool>;
    /// What conditions may know about a conversation: its message count and the times of our
    /// last message and of the contact's last message other than `current_message_id`.
    async fn conversation_stats(
        &mut self,
        conversation_id: &str,
        current_message_id: &str,
    ) -> Result<waflow_domain::ConversationStats>;
    /// What happened in a conversation after one of its messages (the AI step's pre-send check).
    async fn after_message(
        &mut self,
        conversation_id: &str,
        message_id: &str,
    ) -> Result<crate::AfterMessage>;
    /// Deletes a pending event; `false` if it is gone (another worker took it).
    async fn take_event(&mut self, seq: i64) -> Result<bool>;
    /// The contact's open (not closed) tickets' ids.
    async fn open_tickets(&mut self, contact_id: &str) -> Result<Vec<String>>;
    /// Applies what an inbound notice does: an edit replaces the original inbound message's text
    /// (the previous text and payload go to its edit history), a revoke marks it `deleted`, a
    /// changed number moves the contact to its new phone (unless another contact has it).
    /// Returns a sentence saying what changed, or why nothing did (the original is unknown).
    async fn apply_notice(&mut self, notice: &NoticeWrite) -> Result<String>;
    /// Marks a pending scheduled message `queued` with its contact and message; `false` (and
    /// nothing written) when it is no longer pending — cancelled, or taken by another worker.
    async fn claim_scheduled(
        &mut self,
        id: &str,
        contact_id: &str,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Marks a pending scheduled message `failed` with the reason.
    async fn fail_scheduled(&mut self, id: &str, error: &str, at: DateTime<Utc>) -> Result<()>;
    /// A campaign's state, read in this transaction (`None` when it is gone).
    async fn campaign_state(&mut self, campaign_id: &str) -> Result<Option<String>>;
    /// Records what became of pending recipients; a recipient no longer pending is left as it is.
    async fn settle_recipients(
        &mut self,
        campaign_id: &str,
        outcomes: &[crate::RecipientOutcome],
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Writes buffered effects (see [`Writes`] for the order).
    async fn apply(&mut self, writes: &Writes) -> Result<()>;
    /// Commits everything written through this transaction.
    async fn commit(self: Box<Self>) -> Result<()>;
}

/// Everything waflow stores.
#[async_trait]
pub trait Store:
    crate::Records
    + crate::AiRecords
    + crate::Deliveries
    + crate::Tokens
    + crate::Outreach
    + crate::Overview
    + crate::ContactImports
    + Send
    + Sync
    + 'static
{
    /// Opens a transaction for durable work.
    async fn begin(&self) -> Result<Box<dyn Tx>>;

    // Workspaces (tokens: `Tokens`).
    /// The default workspace, created (with its sandbox number) on first call.
    async fn ensure_default_workspace(&self) -> Result<Workspace>;
    /// Finds a workspace by name or creates it (with its sandbox number).
    async fn workspace_by_name_or_create(&self, name: &str) -> Result<Workspace>;
    /// Reads a workspace.
    async fn workspace(&self, id: &str) -> Result<Workspace>;
    /// All workspaces.
    async fn workspaces(&self) -> Result<Vec<Workspace>>;
    /// Writes a workspace's settings, all in one statement.
    async fn update_workspace_settings(
        &self,
        id: &str,
        settings: &WorkspaceSettings,
    ) -> Result<Workspace>;
    /// Sets (or clears) where the workspace's signed event webhooks go.
    async fn set_events_url(&self, id: &str, url: Option<&str>) -> Result<Workspace>;
    /// Sets an agent's password hash (a PHC string).
    async fn set_agent_password(
        &self,
        workspace_id: &str,
        agent_id: &str,
        hash: &str,
    ) -> Result<()>;
    /// The agents with this email in any workspace, with their password hashes.
    async fn agents_by_email(&self, email: &str) -> Result<Vec<(Agent, Option<String>)>>;

    // Agents.
    async fn insert_agent(
        &self,
        workspace_id: &str,
        name: &str,
        email: &str,
        role: &str,
    ) -> Result<Agent>;
    async fn agents(&self, workspace_id: &str) -> Result<Vec<Agent>>;
    async fn agent(&self, workspace_id: &str, id: &str) -> Result<Agent>;
    /// Changes an agent's name and/or role. Demoting the workspace's last owner is a conflict
    /// naming `role`, decided in the same statement as the change (two demotions at once cannot
    /// leave a workspace without an owner).
    async fn update_agent(
        &self,
        workspace_id: &str,
        id: &str,
        name: Option<&str>,
        role: Option<&str>,
    ) -> Result<Agent>;
    /// Deletes an agent and unassigns their contacts. Deleting the workspace's last owner is a
    /// conflict saying so, decided in the same transaction.
    async fn delete_agent(&self, workspace_id: &str, id: &str) -> Result<()>;

    // Numbers.
    async fn insert_number(
        &self,
        workspace_id: &str,
        label: &str,
        channel: &str,
        status: &str,
    ) -> Result<Number>;
    async fn numbers(&self, workspace_id: &str) -> Result<Vec<Number>>;
    /// Active workflows with this trigger type, in every workspace (for triggers started by the
    /// clock).
    async fn active_workflows_with_trigger(&self, trigger_type: &str) -> Result<Vec<Workflow>>;
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
    async fn number(&self, workspace_id: &str, id: &str) -> Result<Number>;
    async fn update_number(
        &self,
        workspace_id: &str,
        id: &str,
        patch: &NumberPatch,
    ) -> Result<Number>;
    /// Deletes a number; workflows scoped to it become global (in the same transaction).
    async fn delete_number(&self, workspace_id: &str, id: &str) -> Result<()>;
    /// Stores a number of a channel with credentials. A second number with the same channel and
    /// `external_id` is a conflict naming `external_id`.
    async fn insert_channel_number(&self, workspace_id: &str, new: &NewNumber) -> Result<Number>;
    /// A number and its sealed credentials, by id alone: for webhooks, whose URL names the number
    /// (an unguessable id) and which carry no API token.
    async fn channel_number(&self, id: &str) -> Result<ChannelNumber>;
    /// Every number of a channel kind, with sealed credentials: for the channel at start-up.
    async fn channel_numbers(&self, channel: &str) -> Result<Vec<ChannelNumber>>;

    /// The phone number of the contact with this business-scoped user id, if one is known.
    async fn phone_of_user_id(&self, workspace_id: &str, user_id: &str) -> Result<Option<String>>;
    /// Records a contact's business-scoped user id (first one wins; another contact already
    /// holding it is left as it is).
    async fn link_user_id(&self, workspace_id: &str, contact_id: &str, user_id: &str)
        -> Result<()>;
    /// Makes the contact of a phone and the contact of a business-scoped user id one contact,
    /// in one transaction (a message carried both). The rule: the phone's contact survives
    /// (a phone is the address Meta recommends sending to); a contact known only by the user id
    /// is merged into it — its conversations (with their messages; two conversations on the
    /// same number become one), messages, runs, tickets, notifications, logs and date-trigger
    /// fires move to the survivor; tags and lists are united; fields the survivor lacks are
    /// copied, the survivor's own values win; name and agent are the survivor's unless it has
    /// none; blocked or excluded if either was — then the user id is the survivor's. If no contact has the
    /// phone, the user id's contact simply takes the phone as its address. A user id already
    /// on a contact with another phone is left where it is.
    async fn join_user_id(
        &self,
        workspace_id: &str,
        phone: &str,
        user_id: &str,
        at: DateTime<Utc>,
    ) -> Result<UserIdJoin>;
    /// Replaces the stored message templates of a number (one transaction).
    async fn replace_templates(
        &self,
        workspace_id: &str,
        number_id: &str,
        templates: &[MessageTemplate],
    ) -> Result<()>;
    /// The stored message templates of a number, by name and language.
    async fn templates(&self, workspace_id: &str, number_id: &str) -> Result<Vec<MessageTemplate>>;

    // Webhook deliveries.
    /// Stores accepted webhook bodies, all in one transaction, before they are acknowledged;
    /// returns their ids in input order.
    async fn insert_webhook_deliveries(&self, new: &[NewWebhookDelivery]) -> Result<Vec<String>>;
    /// Deliveries not yet processed, oldest first.
    async fn pending_webhook_deliveries(&self, limit: i64) -> Result<Vec<WebhookDelivery>>;
    /// Marks deliveries processed (each with the error that stopped part of it, if any), in one
    /// transaction.
    async fn finish_webhook_deliveries(&self, done: &[(String, Option<String>)]) -> Result<()>;
    /// Applies providers' delivery statuses (`sent`, `delivered`, `read`, `failed`) to the
    /// outbound messages they name, in one transaction. Statuses only move forward (sent →
    /// delivered → read; failed from any but failed); a status naming an unknown channel id but
    /// carrying a callback id of an `uncertain` or `sending` message first records that message
    /// as sent with the channel id. Returns, for each change, its message if it exists and
    /// whether anything changed.
    async fn apply_message_statuses(
        &self,
        changes: &[StatusChange],
    ) -> Result<Vec<Option<AppliedStatus>>>;

    // Contacts.
    async fn insert_contact(
        &self,
        workspace_id: &str,
        phone: &str,
        name: &str,
        patch: &ContactPatch,
    ) -> Result<Contact>;
    async fn contacts(&self, workspace_id: &str, filter: &ContactFilter) -> Result<Vec<Contact>>;
    async fn contact(&self, workspace_id: &str, id: &str) -> Result<Contact>;
    async fn update_contact(
        &self,
        workspace_id: &str,
        id: &str,
        patch: &ContactPatch,
    ) -> Result<Contact>;
    async fn delete_contact(&self, workspace_id: &str, id: &str) -> Result<()>;

    // Conversations and messages.
    /// Conversations, most recent first, as the filter says.
    async fn conversations(
        &self,
        workspace_id: &str,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>>;
    async fn conversation(&self, workspace_id: &str, id: &str) -> Result<Conversation>;
    /// Messages of a conversation, oldest first, after the cursor.
    async fn messages(
        &self,
        workspace_id: &str,
        conversation_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>>;
    /// Outbound messages of a number, oldest first, after the cursor.
    async fn outbound_messages(
        &self,
        workspace_id: &str,
        number_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>>;
    async fn message(&self, workspace_id: &str, id: &str) -> Result<Message>;

    // Workflows.
    async fn insert_workflow(&self, workspace_id: &str, write: &WorkflowWrite) -> Result<Workflow>;
    /// Replaces a workflow's document with a new version.
    async fn update_workflow(
        &self,
        workspace_id: &str,
        id: &str,
        write: &WorkflowWrite,
    ) -> Result<Workflow>;
    async fn workflows(&self, workspace_id: &str) -> Result<Vec<Workflow>>;
    async fn workflow(&self, workspace_id: &str, id: &str) -> Result<Workflow>;
    /// The document of one (immutable) version of a workflow.
    async fn workflow_version(&self, workflow_id: &str, version: i64) -> Result<Value>;
    /// Deletes log entries written before `before`, in chunks (each its own short transaction);
    /// returns how many.
    async fn delete_logs_before(&self, before: DateTime<Utc>) -> Result<u64>;
    /// A workflow by id alone: for its integration URL, which carries its own secret instead of
    /// an API token.
    async fn workflow_by_id(&self, id: &str) -> Result<Workflow>;
    /// Notifications, newest first: every one, or those of one agent (including those for all);
    /// with `assigned_to`, only those about contacts assigned to that agent.
    async fn notifications(
        &self,
        workspace_id: &str,
        agent_id: Option<&str>,
        assigned_to: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Notification>>;
    /// Marks a notification read; with `assigned_to`, one that agent would not list (for
    /// someone else, or about a contact not assigned to them) is not found.
    async fn read_notification(
        &self,
        workspace_id: &str,
        id: &str,
        assigned_to: Option<&str>,
    ) -> Result<()>;
    /// A workflow's counters: (step id or "" for the workflow, counter, value).
    async fn workflow_counters(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<(String, String, i64)>>;
    /// A workflow's versions, oldest first: (version, created at).
    async fn workflow_versions(
        &self,
        workspace_id: &str,
        workflow_id: &str,
    ) -> Result<Vec<(i64, DateTime<Utc>)>>;
    /// A workflow's draft, if it has one.
    async fn workflow_draft(&self, workspace_id: &str, workflow_id: &str) -> Result<Option<Value>>;
    /// Saves (or with `None` discards) a workflow's draft.
    async fn set_workflow_draft(
        &self,
        workspace_id: &str,
        workflow_id: &str,
        draft: Option<&Value>,
    ) -> Result<()>;
    async fn delete_workflows(&self, workspace_id: &str, ids: &[String]) -> Result<u64>;
    /// The active workflow (other than `except_id`) with this exact phrase, if any.
    async fn active_workflows_with_phrase(
        &self,
        workspace_id: &str,
        phrase_key: &str,
        except_id: Option<&str>,
    ) -> Result<Vec<Workflow>>;

    /// Stores the members of a workflow set (immutable).
    async fn insert_workflow_set(
        &self,
        workspace_id: &str,
        id: &str,
        members: &Value,
    ) -> Result<()>;
    /// The members of a stored workflow set.
    async fn workflow_set(&self, workspace_id: &str, id: &str) -> Result<Value>;

    // Runs.
    async fn run(&self, workspace_id: &str, id: &str) -> Result<Run>;
    async fn runs_of_contact(&self, workspace_id: &str, contact_id: &str) -> Result<Vec<Run>>;
    /// Ends every live (active or waiting) run of a contact and drops their timers, in one
    /// transaction with a log entry per run; returns the ended runs' ids.
    async fn end_contact_runs(
        &self,
        workspace_id: &str,
        contact_id: &str,
        reason: &str,
    ) -> Result<Vec<String>>;

    // Durable timers.
    /// Leases up to `limit` due steps (due at or before `now`, not leased by a live owner) to
    /// `owner` until `lease_until`.
    async fn claim_due_steps(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueStep>>;
    /// When the earliest pending due step can be claimed (its due time, or the end of its lease).
    async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>>;

    // Logs.
    async fn insert_log(&self, entry: &LogEntry) -> Result<()>;
    async fn logs(&self, workspace_id: &str, filter: &LogFilter) -> Result<Vec<LogEntry>>;
    async fn log(&self, workspace_id: &str, id: &str) -> Result<LogEntry>;
}
