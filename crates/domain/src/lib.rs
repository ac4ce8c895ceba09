//! waflow's domain: workflow documents, their validation, condition evaluation, trigger matching,
//! delays and the workspace calendar.
//!
//! **Invariant:** this crate does no I/O and has no async code. Time is always passed in as a value
//! (`DateTime<Utc>`), never read from the system clock, so every rule here is deterministic and
//! testable across daylight-saving changes.

pub mod address;
pub mod ai_reply;
pub mod calendar;
pub mod campaign;
pub mod condition;
pub mod contact;
pub mod document;
pub mod import;
pub mod inbound;
pub mod json_path;
pub mod local_time;
pub mod matching;
pub mod message;
pub mod overlap;
pub mod parse;
pub mod phone;
pub mod question;
pub mod starters;
pub mod step;
pub mod template;
pub mod trigger;
pub mod when;

pub use address::{ContactAddress, UserId};
pub use calendar::Calendar;
pub use contact::{ContactView, ConversationStats};
pub use document::{Scope, WorkflowDocument, SCHEMA_VERSION};
pub use inbound::{InboundContent, InboundEvent, InboundMedia, SentElsewhere, StoredFile};
pub use message::{InboundView, MessageType, Notice};
pub use parse::FieldError;
pub use phone::PhoneNumber;
pub use when::When;
