//! [`ContactImports`]: contacts written from an import file chunk by chunk, and the record of
//! each import (its progress, counts, bad rows, outcome). Every [`crate::Store`] is also
//! `ContactImports`.
//!
//! **Invariant:** a chunk's contacts and the import's counters commit in one transaction, so
//! the stored counts always describe contacts that are stored; a row is written whole or not
//! at all.

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use waflow_domain::import::ContactRow;

/// A row the import refused: its line in the file (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BadRow {
    pub line: u64,
    /// Names the column and quotes the value.
    pub reason: String,
}

/// How far an import got: bytes of the file read, data rows read (good and bad), contacts
/// created and updated, bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct ImportCounts {
    pub bytes_read: u64,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub bad: u64,
}

/// An import as stored: `running`, then `done` or `failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContactImport {
    pub id: String,
    #[serde(skip)]
    pub workspace_id: String,
    pub state: String,
    pub file_bytes: u64,
    #[serde(flatten)]
    pub counts: ImportCounts,
    /// The first [`MAX_BAD_ROWS`] bad rows (stored when the import ends).
    pub bad_rows: Vec<BadRow>,
    /// Why it failed.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// How many bad rows an import keeps (all are counted).
pub const MAX_BAD_ROWS: usize = 1000;

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportEnd {
    Done,
    /// Why, in a sentence.
    Failed(String),
}

/// Contact imports.
#[async_trait]
pub trait ContactImports: Send + Sync {
    /// Records a new `running` import of a file of `file_bytes` bytes; answers it.
    async fn insert_import(
        &self,
        workspace_id: &str,
        file_bytes: u64,
        at: DateTime<Utc>,
    ) -> Result<ContactImport>;

    /// Writes one chunk of rows in one transaction: a contact created for each new phone
    /// (`(workspace_id, phone)` is unique), an existing one updated as [`ContactRow::apply`]
    /// says (rows that change nothing are not rewritten; a phone twice in a chunk is applied in
    /// order), and the import's counters set to `counts` plus this chunk's created and updated.
    /// Answers the counters as stored. Starts no workflow and writes no event.
    async fn import_chunk(
        &self,
        workspace_id: &str,
        import_id: &str,
        rows: &[ContactRow],
        counts: ImportCounts,
        at: DateTime<Utc>,
    ) -> Result<ImportCounts>;

    /// Ends an import: its final counters, its first bad rows, `done` or `failed` with why.
    async fn finish_import(
        &self,
        workspace_id: &str,
        import_id: &str,
        counts: ImportCounts,
        bad_rows: &[BadRow],
        end: ImportEnd,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// One import of the workspace.
    async fn contact_import(&self, workspace_id: &str, id: &str) -> Result<ContactImport>;
    /// The workspace's imports, newest first, at most `limit`.
    async fn contact_imports(&self, workspace_id: &str, limit: i64) -> Result<Vec<ContactImport>>;

    /// Marks every import still `running` as `failed` with a sentence saying how far it got
    /// (the server stopped while it ran); answers how many.
    async fn fail_interrupted_imports(&self, at: DateTime<Utc>) -> Result<u64>;
}
