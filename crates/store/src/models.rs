//! The rows waflow stores, as the engine and the API see them.

use crate::states::{ChannelKind, Direction, MessageStatus, NumberStatus, RunState};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

/// A tenant. Owns every other row.
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    /// Weekly schedule JSON: `{"mon": ["09:00-18:00"], ...}`.
    pub business_hours: Value,
    /// Holiday list JSON: `["2026-12-08", "12-25"]`.
    pub holidays: Value,
    pub created_at: DateTime<Utc>,
    /// Where signed event webhooks (number status changes) are posted; `None`: nowhere.
    pub events_url: Option<String>,
    /// Whether agents may assign unassigned contacts to themselves (off by default).
    pub agents_may_self_assign: bool,
    /// How long automation pauses for a contact after a person writes in their conversation,
    /// in hours (default 24; 0: never).
    pub takeover_hours: i64,
}

/// A workspace's settings, written together by [`crate::Store::update_workspace_settings`].
#[derive(Debug, Clone)]
pub struct WorkspaceSettings {
    pub time_zone: String,
    /// Weekly schedule JSON, as [`Workspace::business_hours`].
    pub business_hours: Value,
    /// Holiday list JSON, as [`Workspace::holidays`].
    pub holidays: Value,
    /// As [`Workspace::agents_may_self_assign`].
    pub agents_may_self_assign: bool,
    /// As [`Workspace::takeover_hours`].
    pub takeover_hours: i64,
}

/// A dashboard user of a workspace.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Agent {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub email: String,
    /// `owner`, `admin` or `agent`.
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// A connected WhatsApp line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Number {
    pub id: String,
    pub workspace_id: String,
    pub label: String,
    pub channel: ChannelKind,
    pub status: NumberStatus,
    /// Why the number has its status (a linked device's disconnection, a ban's expiry).
    pub status_reason: Option<String>,
    pub automation: bool,
    pub marketing: bool,
    /// The provider's id of the line (the Cloud API's `phone_number_id`); `None` for the sandbox.
    pub external_id: Option<String>,
    /// Non-secret channel settings (e.g. the WhatsApp Business Account id, the send cap).
    pub settings: Value,
    pub created_at: DateTime<Utc>,
}

/// A new number of a channel that has credentials.
#[derive(Debug, Clone)]
pub struct NewNumber {
    pub label: String,
    pub channel: String,
    pub status: String,
    pub external_id: Option<String>,
    pub settings: Value,
    /// The credentials, already encrypted by the caller; never returned by the API.
    pub sealed_secrets: Option<String>,
}

/// A number with its sealed credentials, for the channel that serves it.
#[derive(Debug, Clone)]
pub struct ChannelNumber {
    pub number: Number,
    pub sealed_secrets: Option<String>,
}

/// A message template of a Cloud API number, as last synced from Meta.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageTemplate {
    pub name: String,
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// Meta's review status: `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, ...
    pub status: String,
    /// Whether it can be sent now (`status` is `APPROVED`).
    pub approved: bool,
    /// The components (header, body, footer, buttons) as Meta describes them.
    pub components: Value,
    pub synced_at: DateTime<Utc>,
}

/// A notification for an agent (or for every agent, when `agent_id` is `None`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: String,
    pub workspace_id: String,
    pub agent_id: Option<String>,
    pub contact_id: String,
    pub run_id: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A webhook body to store.
#[derive(Debug, Clone)]
pub struct NewWebhookDelivery {
    pub workspace_id: String,
    pub number_id: String,
    pub body: String,
}

/// A provider's delivery status for one of our messages.
#[derive(Debug, Clone, Default)]
pub struct StatusChange {
    pub number_id: String,
    pub channel_message_id: String,
    pub status: String,
    pub error: Option<String>,
    /// waflow's id of the message, when the provider echoes it (the Cloud API's
    /// `biz_opaque_callback_data`): a message whose send result was lost (`uncertain`, or still
    /// `sending`) is recorded as sent with `channel_message_id` before the status applies.
    pub callback_message_id: Option<String>,
    /// When the provider says the status happened; the reconciled message's `sent_at`.
    pub at: Option<DateTime<Utc>>,
}

/// What applying one [`StatusChange`] did to the message it names.
#[derive(Debug, Clone)]
pub struct AppliedStatus {
    /// The message, as it is after the change.
    pub message: Message,
    /// The status moved (a redelivered or older status changes nothing and reports `false`).
    pub changed: bool,
    /// The message was `uncertain` or `sending` and is now recorded as sent, found through its
    /// callback id.
    pub reconciled: bool,
}

/// What an inbound notice (an edit, a revoke, a changed number) does, to be applied in the
/// transaction that stores the notice itself, so that a redelivered notice changes nothing.
#[derive(Debug, Clone)]
pub struct NoticeWrite {
    pub workspace_id: String,
    pub number_id: String,
    pub contact_id: String,
    /// The stored notice message.
    pub message_id: String,
    pub at: DateTime<Utc>,
    pub notice: waflow_domain::Notice,
}

/// What a message carrying both a phone number and a business-scoped user id did to contacts
/// (see [`crate::Store::join_user_id`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserIdJoin {
    /// Nothing to do: no contact has the user id yet, or it already is the phone's contact.
    Unchanged,
    /// The user id was recorded on the phone's contact.
    Linked { contact_id: String },
    /// The contact known only by the user id now has the phone as its address.
    GainedPhone { contact_id: String },
    /// The user id's contact was merged into the phone's contact (`survivor`) and deleted.
    Merged { survivor: String, merged: String },
}

/// A stored webhook delivery not yet processed.
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    pub id: String,
    pub workspace_id: String,
    pub number_id: String,
    pub received_at: DateTime<Utc>,
    pub body: String,
}

/// A person the business talks to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub id: String,
    pub workspace_id: String,
    pub phone: String,
    pub name: String,
    pub tags: Vec<String>,
    /// The lists the contact is in.
    pub lists: Vec<String>,
    pub fields: Map<String, Value>,
    pub assigned_agent_id: Option<String>,
    pub blocked: bool,
    pub excluded_from_automation: bool,
    /// Whether the contact opted out of marketing (campaigns skip them).
    pub opted_out: bool,
    /// When they did.
    pub opted_out_at: Option<DateTime<Utc>>,
    /// Until when automation is paused because a person (an agent, or the business's phone)
    /// wrote in the contact's conversation; `None`: not paused.
    pub automation_paused_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The thread between one number and one contact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Conversation {
    pub id: String,
    pub workspace_id: String,
    pub number_id: String,
    pub contact_id: String,
    pub contact_phone: String,
    pub contact_name: String,
    /// The agent the contact is assigned to.
    pub assigned_agent_id: Option<String>,
    /// When the contact last wrote in this conversation; `None`: never (e.g. a conversation a
    /// campaign or a test run opened).
    pub last_message_at: Option<DateTime<Utc>>,
    /// The conversation's latest message, either direction; `None` when it has none.
    pub last_message: Option<LastMessage>,
    /// Inbound messages after the last one read in the dashboard.
    pub unread: i64,
    /// As [`Contact::automation_paused_until`].
    pub automation_paused_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A conversation's latest message, for the conversation list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LastMessage {
    /// The text, or a readable summary of richer content.
    pub text: String,
    /// `in` (from the contact) or `out`.
    #[schema(value_type = String)]
    pub direction: &'static str,
    pub at: DateTime<Utc>,
    /// An outbound message's delivery state; `None` for an inbound one.
    pub status: Option<String>,
}

/// Which conversations to list.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    /// Only those created before this id (the pagination cursor).
    pub before_id: Option<String>,
    pub contact_id: Option<String>,
    pub number_id: Option<String>,
    /// Only those whose contact's name or phone, or one of whose messages, contains this text.
    pub search: Option<String>,
    /// Only those whose contact is assigned to this agent.
    pub assigned_to: Option<String>,
    pub limit: i64,
}

/// One inbound or outbound message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Message {
    pub id: String,
    pub workspace_id: String,
    pub conversation_id: String,
    pub number_id: String,
    pub contact_id: String,
    pub direction: Direction,
    pub message_type: String,
    pub text: String,
    pub channel_message_id: Option<String>,
    /// `contact`, `workflow`, `agent` or `api`.
    pub sender_kind: String,
    /// The run id or agent id that sent it, for outbound messages.
    pub sender_ref: Option<String>,
    pub status: MessageStatus,
    pub error: Option<String>,
    /// Structured details of the message (media, location, reply ids, ...), if any.
    pub payload: Option<Value>,
    /// The provider id of the message this one replies to.
    pub reply_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A new inbound message to store.
#[derive(Debug, Clone)]
pub struct NewInbound {
    pub workspace_id: String,
    pub conversation_id: String,
    pub number_id: String,
    pub contact_id: String,
    pub message_type: String,
    pub text: String,
    pub channel_message_id: String,
    pub payload: Option<Value>,
    pub reply_to: Option<String>,
    pub at: DateTime<Utc>,
}

/// A new outbound message; it is queued in the outbox until the sender delivers it.
#[derive(Debug, Clone)]
pub struct NewOutbound {
    /// Chosen by the caller (see [`crate::new_id`]), so effects can refer to it before it is written.
    pub id: String,
    pub workspace_id: String,
    pub conversation_id: String,
    pub number_id: String,
    pub contact_id: String,
    /// `text`, or the kind of a richer content (`buttons`, `list`, `media`, `template`, ...).
    pub message_type: String,
    /// The text, or a readable summary of the content.
    pub text: String,
    /// The content to send when it is more than text (the channel's own JSON), stored with the
    /// message.
    pub payload: Option<Value>,
    pub sender_kind: &'static str,
    pub sender_ref: Option<String>,
    pub at: DateTime<Utc>,
}

/// A queued outbound message claimed by the sender.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub message_id: String,
    pub workspace_id: String,
    pub number_id: String,
    pub channel: String,
    pub to_phone: String,
    pub text: String,
    /// The content to send when it is more than text.
    pub payload: Option<Value>,
    pub attempts: i64,
    /// When the contact last wrote in this conversation (the start of the provider's service
    /// window), if ever.
    pub last_inbound_at: Option<DateTime<Utc>>,
}

/// The stored form of a workflow: its current version and the fields the matcher filters on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Workflow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub version: i64,
    pub active: bool,
    pub priority: i64,
    pub trigger_type: String,
    pub phrase_key: Option<String>,
    pub scope_number_id: Option<String>,
    /// The current version's document (free-form JSON here: the domain validates it; see
    /// `waflow_domain::WorkflowDocument`).
    #[schema(value_type = std::collections::BTreeMap<String, Value>)]
    pub document: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields of a workflow derived from its document, written on create and update.
#[derive(Debug, Clone)]
pub struct WorkflowWrite {
    pub name: String,
    pub active: bool,
    pub priority: i64,
    pub trigger_type: String,
    pub phrase_key: Option<String>,
    pub scope_number_id: Option<String>,
    pub document: Value,
}

/// One execution of one workflow version for one contact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Run {
    pub id: String,
    pub workspace_id: String,
    pub workflow_id: String,
    pub workflow_version: i64,
    pub contact_id: String,
    pub number_id: String,
    pub conversation_id: String,
    pub state: RunState,
    pub current_step: Option<String>,
    #[schema(value_type = std::collections::BTreeMap<String, Value>)]
    pub variables: Value,
    /// Steps executed so far: `[{"step": id, "at": time, "result": ...}]`.
    pub history: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A durable timer: a step (kind `step`) or a reply timeout (kind `timeout`) due at `due_at`.
#[derive(Debug, Clone)]
pub struct DueStep {
    pub id: String,
    pub run_id: String,
    pub workspace_id: String,
    pub step_id: String,
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub attempts: i64,
}

/// A log entry: why something happened.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LogEntry {
    pub id: String,
    pub workspace_id: String,
    pub created_at: DateTime<Utc>,
    /// `inbound` (the evaluation of one message), `run` (a run and its steps), `step`, `send`.
    pub kind: String,
    /// `matched`, `no_match`, `duplicate`, `excluded`, `blocked`, `resumed`, `started`,
    /// `completed`, `sent`, `failed`, ...
    pub outcome: String,
    pub summary: String,
    pub number_id: Option<String>,
    pub contact_id: Option<String>,
    pub message_id: Option<String>,
    pub workflow_id: Option<String>,
    pub run_id: Option<String>,
    pub detail: Value,
}

/// Filters for listing log entries; entries come newest first.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub workflow_id: Option<String>,
    pub contact_id: Option<String>,
    pub number_id: Option<String>,
    pub outcome: Option<String>,
    /// `run`, `ai`, `translation`, `number`, ...
    pub kind: Option<String>,
    /// Return entries older than this id.
    pub before_id: Option<String>,
    /// Only entries about contacts assigned to this agent (entries about no contact are left out).
    pub assigned_to: Option<String>,
    pub limit: i64,
}

/// Filters for listing contacts; oldest first.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub tag: Option<String>,
    /// Contacts in this list (case-insensitive).
    pub list: Option<String>,
    pub search: Option<String>,
    pub after_id: Option<String>,
    /// Only contacts assigned to this agent.
    pub assigned_to: Option<String>,
    pub limit: i64,
}

/// Changes to a contact; `None` leaves a field as it is. The API reads it from the bodies of
/// `POST /contacts` and `PATCH /contacts/{id}`.
#[derive(Debug, Clone, Default, utoipa::ToSchema)]
pub struct ContactPatch {
    pub name: Option<String>,
    /// Tags, 1 to 64 characters each (repeats, in any case, are dropped).
    pub tags: Option<Vec<String>>,
    /// Custom fields: text, numbers, booleans or null.
    pub fields: Option<Map<String, Value>>,
    /// The agent the contact is assigned to; null: unassigned.
    #[schema(value_type = Option<String>)]
    pub assigned_agent_id: Option<Option<String>>,
    pub blocked: Option<bool>,
    pub excluded_from_automation: Option<bool>,
    /// Opted out of marketing (from now) or back in.
    pub opted_out: Option<bool>,
}

/// Changes to a number; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct NumberPatch {
    pub label: Option<String>,
    pub automation: Option<bool>,
    pub marketing: Option<bool>,
    pub status: Option<String>,
    /// Why, stored with a new `status` (ignored without one).
    pub status_reason: Option<String>,
    /// When a status change happened (default: now); the retention counts from it.
    pub at: Option<DateTime<Utc>>,
}

/// The result of delivering one outbox item.
#[derive(Debug, Clone)]
pub enum Delivery {
    Sent {
        message_id: String,
        channel_message_id: String,
        at: DateTime<Utc>,
    },
    Retry {
        message_id: String,
        error: String,
        next_attempt_at: DateTime<Utc>,
    },
    Failed {
        message_id: String,
        error: String,
    },
    /// The provider may or may not have it (no answer came): not sent again blindly.
    Uncertain {
        message_id: String,
        reason: String,
    },
    /// Held back by the channel's pacing or quota; not an attempt.
    Deferred {
        message_id: String,
        reason: String,
        next_attempt_at: DateTime<Utc>,
    },
}

/// A contact to find or create.
#[derive(Debug, Clone)]
pub struct ContactKey {
    pub workspace_id: String,
    pub phone: String,
    /// Used when the contact is created, or when the stored name is empty.
    pub name: String,
}

/// The conversation between a number and a contact.
#[derive(Debug, Clone)]
pub struct ConversationKey {
    pub workspace_id: String,
    pub number_id: String,
    pub contact_id: String,
}

/// A timer to schedule.
#[derive(Debug, Clone)]
pub struct NewTimer {
    pub run_id: String,
    pub workspace_id: String,
    pub step_id: String,
    /// `step` or `timeout`.
    pub kind: String,
    pub due_at: DateTime<Utc>,
}

/// Effects of engine work, buffered in memory and written by [`crate::Tx::apply`] in a handful of
/// multi-row statements, in this order: timers of `cleared_timers` runs deleted, new runs inserted,
/// runs updated, timers inserted, outbound messages queued, contacts updated, deliveries recorded,
/// log entries appended.
#[derive(Debug, Clone, Default)]
pub struct Writes {
    pub cleared_timers: Vec<String>,
    pub new_runs: Vec<Run>,
    pub updated_runs: Vec<Run>,
    pub timers: Vec<NewTimer>,
    pub outbound: Vec<NewOutbound>,
    /// Contact id → final tags.
    pub contact_tags: std::collections::BTreeMap<String, Vec<String>>,
    /// Contact id → final assigned agent.
    pub contact_agents: std::collections::BTreeMap<String, Option<String>>,
    /// Contact id → final lists.
    pub contact_lists: std::collections::BTreeMap<String, Vec<String>>,
    /// Ticket changes, in order.
    pub tickets: Vec<TicketChange>,
    /// Events that start workflows (`list_added`), stored for the event worker.
    pub events: Vec<NewEvent>,
    /// Contact id → final custom fields.
    pub contact_fields: std::collections::BTreeMap<String, Map<String, Value>>,
    /// Contact id → blocked or not.
    pub contact_blocked: std::collections::BTreeMap<String, bool>,
    /// Contact id → opted out of marketing at (or back in: `None`).
    pub contact_opt_outs: std::collections::BTreeMap<String, Option<DateTime<Utc>>>,
    /// (contact id, the run to keep): every other live run of the contact ends, timers dropped.
    pub end_other_runs: Vec<(String, String)>,
    /// Notifications for agents.
    pub notifications: Vec<Notification>,
    /// Counter increments: (workflow id, step id or "" for the workflow, counter) → amount.
    /// Counters: `entered`, `completed`, `failed`, `sent`, `replied`.
    pub counters: std::collections::BTreeMap<(String, String, &'static str), i64>,
    pub logs: Vec<LogEntry>,
    /// Results of delivery attempts, recorded as by [`crate::Store::record_deliveries`].
    pub deliveries: Vec<Delivery>,
    /// Messages the business sent outside waflow (from its phone), with their channel message
    /// id: stored as sent (`sender_kind` `phone`), unless the number already has an outbound
    /// message with that id (one of ours, echoed back).
    pub sent_elsewhere: Vec<(NewOutbound, String)>,
    /// AI credits used: (workspace id, credits), taken from a limited balance (never below 0).
    pub credits_used: Vec<(String, i64)>,
    /// The time contact changes are stamped with.
    pub at: Option<DateTime<Utc>>,
}

impl Writes {
    /// Whether applying these writes stores automation events for the event worker (list
    /// additions, or ticket changes, which record theirs when applied).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty() || !self.tickets.is_empty()
    }
}

/// A ticket on a contact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: String,
    pub workspace_id: String,
    pub contact_id: String,
    pub number_id: Option<String>,
    pub subject: String,
    /// `open`, `pending` or `closed`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every status it had, oldest first (filled when one ticket is read).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<TicketStatusEntry>,
}

/// One status of a ticket's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketStatusEntry {
    pub status: String,
    pub at: DateTime<Utc>,
    /// `run`, `agent` or `api`.
    pub by_kind: String,
    pub by_ref: Option<String>,
}

/// Who changed a ticket: (`run` | `agent` | `api`, id).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedBy {
    pub kind: &'static str,
    pub reference: Option<String>,
}

/// A change to tickets, applied in a transaction; each real status change records its history
/// and a `ticket_status_changed` event.
#[derive(Debug, Clone)]
pub enum TicketChange {
    /// Open a ticket on the contact unless one is open (not closed) already.
    Open {
        /// The new ticket's id (used only if it is opened).
        id: String,
        workspace_id: String,
        contact_id: String,
        number_id: Option<String>,
        subject: String,
        by: ChangedBy,
    },
    /// Set a ticket's status (`ticket_id`), or close every open ticket of the contact (`None`).
    Status {
        workspace_id: String,
        contact_id: String,
        ticket_id: Option<String>,
        status: String,
        by: ChangedBy,
    },
}

/// An event that may start workflows (`list_added`, `ticket_status_changed`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEvent {
    pub workspace_id: String,
    pub kind: String,
    pub contact_id: String,
    /// The number it happened on, when known (else the contact's latest conversation's).
    pub number_id: Option<String>,
    /// For `list_added`: `{"list": ...}`; for tickets: `{"ticket_id", "status", "subject"}`.
    pub detail: Value,
}

/// A stored event, waiting for the event worker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub seq: i64,
    #[serde(flatten)]
    pub event: NewEvent,
    pub created_at: DateTime<Utc>,
}

/// A workspace's own workflow template.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkflowTemplate {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub description: String,
    /// A workflow document (free-form JSON here: the domain validates it).
    #[schema(value_type = std::collections::BTreeMap<String, Value>)]
    pub document: Value,
    pub created_at: DateTime<Utc>,
}
