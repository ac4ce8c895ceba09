//! The storage boundary of waflow: the [`Store`] and [`Tx`] traits, the stored models, and
//! [`Error`].
//!
//! **Invariant:** the engine and the server talk to storage only through these traits, so a
//! PostgreSQL implementation can stand beside the SQLite one. Every row carries its
//! `workspace_id`, and every read that an API token can reach takes the workspace as an argument:
//! a token never sees another workspace's rows.
//!
//! **Invariant:** all times are UTC; ids are prefixed, time-ordered strings (`ct_0190...`), so
//! ordering by id is ordering by creation and serves as a pagination cursor.

mod ai;
mod deliveries;
mod error;
mod imports;
mod models;
mod outreach;
mod overview;
mod records;
mod tokens;
mod traits;

pub use ai::{AfterMessage, AiRecords, AiSettings, KnowledgeFile, KnowledgeRow};
pub use deliveries::{Attempt, Deliveries, Interrupted};
pub use error::{Error, Result};
pub use imports::{BadRow, ContactImport, ContactImports, ImportCounts, ImportEnd, MAX_BAD_ROWS};
pub use models::*;
pub use outreach::{
    ActiveCampaign, Audience, AudienceCount, AudienceQuery, Campaign, CampaignAction,
    CampaignTotals, NewCampaign, NewScheduled, Outreach, PendingRecipient, Recipient,
    RecipientOutcome, Scheduled, ScheduledFilter, ScheduledTab,
};
pub use overview::{Activity, ActivityBucket, Onboarding, Overview, WorkflowActivity};
pub use records::{Records, TicketFilter};
pub use tokens::{NewToken, TokenGrant, TokenInfo, Tokens};
pub use traits::{Store, Tx};

/// A new time-ordered id with a short prefix naming its kind, e.g. `ct_0190f3...`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}
