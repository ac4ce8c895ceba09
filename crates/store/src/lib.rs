//! The storage boundary of waflow: the [`Store`] trait — one resource trait per kind of row
//! ([`Workspaces`], [`Agents`], [`Numbers`], [`Contacts`], [`Conversations`], [`Workflows`],
//! [`Runs`], [`Logs`], …) — and [`Tx`], the stored models, and [`Error`].
//!
//! **Invariant:** the engine and the server talk to storage only through these traits, so a
//! PostgreSQL implementation can stand beside the SQLite one. Every row carries its
//! `workspace_id`, and every read that an API token can reach takes the workspace as an argument:
//! a token never sees another workspace's rows.
//!
//! **Invariant:** all times are UTC; ids are prefixed, time-ordered strings (`ct_0190...`), so
//! ordering by id is ordering by creation and serves as a pagination cursor.

mod agents;
mod ai;
mod cluster;
mod contacts;
mod conversations;
mod deliveries;
mod error;
mod imports;
mod logs;
mod models;
mod numbers;
mod outreach;
mod overview;
mod records;
mod runs;
mod shown;
mod states;
mod tokens;
mod traits;
mod triggers;
mod webhooks;
mod workflows;
mod workspaces;

pub use agents::Agents;
pub use ai::{AfterMessage, AiRecords, AiSettings, KnowledgeFile, KnowledgeRow};
pub use cluster::{ChangeHandler, Cluster, Lease, NodeRow, EVERYTHING_CHANGED};
pub use contacts::Contacts;
pub use conversations::Conversations;
pub use deliveries::{Attempt, Deliveries, Interrupted};
pub use error::{Error, Result};
pub use imports::{BadRow, ContactImport, ContactImports, ImportCounts, ImportEnd, MAX_BAD_ROWS};
pub use logs::Logs;
pub use models::*;
pub use numbers::Numbers;
pub use outreach::{
    ActiveCampaign, Audience, AudienceCount, AudienceQuery, Campaign, CampaignAction,
    CampaignTotals, NewCampaign, NewScheduled, Outreach, PendingRecipient, Recipient,
    RecipientOutcome, Scheduled, ScheduledFilter, ScheduledTab,
};
pub use overview::{Activity, ActivityBucket, Onboarding, Overview, WorkflowActivity};
pub use records::{Records, TicketFilter};
pub use runs::Runs;
pub use shown::{recipient_status, scheduled_state};
pub use states::{ChannelKind, Direction, MessageStatus, NumberStatus, RunState};
pub use tokens::{NewToken, TokenGrant, TokenInfo, Tokens};
pub use traits::{Store, Synced, Tx};
pub use triggers::Triggers;
pub use webhooks::WebhookInbox;
pub use workflows::Workflows;
pub use workspaces::Workspaces;

/// Every storage trait, for `use waflow_store::prelude::*`: a method of a resource trait can be
/// called on a `dyn Store` only where its trait is in scope.
pub mod prelude {
    pub use crate::{
        Agents, AiRecords, Cluster, ContactImports, Contacts, Conversations, Deliveries, Logs,
        Numbers, Outreach, Overview, Records, Runs, Store, Tokens, Triggers, Tx, WebhookInbox,
        Workflows, Workspaces,
    };
}

/// A new time-ordered id with a short prefix naming its kind, e.g. `ct_0190f3...`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}
