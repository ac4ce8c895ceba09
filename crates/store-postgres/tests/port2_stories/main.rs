//! One story per resource trait of port 2 (Workflows, Triggers, Runs, Logs, Conversations,
//! AiRecords), told to a fresh SQLite store and a fresh PostgreSQL store: every method is called
//! with realistic data, each answer is asserted, and the two backends' transcripts (ids the stores
//! generate replaced by the part they play, times of "now" left out) must be equal.

mod ai;
#[path = "../common/mod.rs"]
mod common;
mod conversations;
mod logs;
mod races;
mod runs;
mod triggers;
mod workflows;

use chrono::{DateTime, TimeZone, Utc};
use common::{Backend, Postgres, Sqlite};
use std::fmt::Debug;
use waflow_store::prelude::*;
use waflow_store::Error;

/// The traits the stories call, as one object.
pub trait Port2: Workflows + Triggers + Runs + Logs + Conversations + AiRecords {}
impl<T: Workflows + Triggers + Runs + Logs + Conversations + AiRecords + ?Sized> Port2 for T {}

/// 2026-01-01T00:00:00Z plus `seconds`.
pub fn t(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_767_225_600_000 + seconds * 1000)
        .unwrap()
}

/// `t(seconds)` as stored (milliseconds).
pub fn ms(seconds: i64) -> i64 {
    t(seconds).timestamp_millis()
}

/// Rows every story starts from: two workspaces, numbers, agents and contacts.
pub const SEED: &str = "\
INSERT INTO workspaces (id, name, created_at) VALUES ('ws1', 'one', 0), ('ws2', 'two', 0);
INSERT INTO numbers (id, workspace_id, label, channel, status, created_at) VALUES
  ('num1', 'ws1', 'Main', 'sandbox', 'connected', 0), ('num2', 'ws1', 'Second', 'sandbox', 'connected', 0),
  ('num9', 'ws2', 'Other', 'sandbox', 'connected', 0);
INSERT INTO agents (id, workspace_id, name, email, role, created_at) VALUES
  ('ag1', 'ws1', 'Ann', 'ann@example.com', 'owner', 0), ('ag2', 'ws1', 'Ben', 'ben@example.com', 'agent', 0);
INSERT INTO contacts (id, workspace_id, phone, name, assigned_agent_id, created_at, updated_at) VALUES
  ('ct1', 'ws1', '+15550001', 'Ann Lee', 'ag1', 0, 0),
  ('ct2', 'ws1', '+15550002', 'ÉLISE Roy', 'ag2', 0, 0),
  ('ct3', 'ws1', '+15550003', 'Bob', NULL, 0, 0),
  ('ct9', 'ws2', '+15550001', 'Other', NULL, 0, 0);
";

/// What a story heard, line by line, with generated ids replaced by their labels.
pub struct Transcript {
    lines: Vec<String>,
    labels: Vec<(String, String)>,
    generated: regex::Regex,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self {
            lines: Vec::new(),
            labels: Vec::new(),
            generated: regex::Regex::new(r"\b([a-z]+)_[0-9a-f]{32}\b").unwrap(),
        }
    }

    /// Names a generated id by the part it plays.
    pub fn label(&mut self, id: &str, label: &str) {
        self.labels.push((id.to_string(), label.to_string()));
    }

    /// `text` with known ids replaced by their labels, and other generated ids by their prefix.
    pub fn relabel(&self, text: &str) -> String {
        let mut s = text.to_string();
        for (id, label) in &self.labels {
            s = s.replace(id.as_str(), label);
        }
        self.generated.replace_all(&s, "${1}_*").into_owned()
    }

    /// Records an answer.
    pub fn say(&mut self, what: &str, value: impl Debug) {
        let line = self.relabel(&format!("{what}: {value:?}"));
        self.lines.push(line);
    }
}

/// An error as both backends give it: `Conflict` and `Backend` carry the database's own message,
/// which differs between SQLite and PostgreSQL, so only the variant and field are kept.
pub fn err(e: Error) -> String {
    match e {
        Error::NotFound { what } => format!("NotFound({what})"),
        Error::Conflict { field, .. } => format!("Conflict({field:?})"),
        Error::Corrupt(m) => format!("Corrupt({m})"),
        Error::Backend(_) => "Backend".to_string(),
    }
}

/// A fresh SQLite and a fresh PostgreSQL store, both seeded with [`SEED`].
async fn backends() -> (Sqlite, Postgres) {
    let sqlite = Sqlite::new().await;
    let postgres = Postgres::new().await;
    sqlite.exec(SEED).await;
    postgres.exec(SEED).await;
    (sqlite, postgres)
}

/// Tells `story` to both backends and holds their transcripts equal.
macro_rules! both {
    ($name:ident, $story:path) => {
        #[tokio::test]
        async fn $name() {
            let (sqlite, postgres) = backends().await;
            let s = $story(sqlite.store() as &dyn Port2, &sqlite as &dyn Backend).await;
            let p = $story(&postgres.store as &dyn Port2, &postgres as &dyn Backend).await;
            assert!(!s.lines.is_empty());
            for (i, (a, b)) in s.lines.iter().zip(&p.lines).enumerate() {
                assert_eq!(a, b, "line {i}: sqlite and postgres answer differently");
            }
            assert_eq!(s.lines.len(), p.lines.len());
        }
    };
}

both!(workflows_answer_alike, workflows::story);
both!(triggers_answer_alike, triggers::story);
both!(runs_answer_alike, runs::story);
both!(logs_answer_alike, logs::story);
both!(conversations_answer_alike, conversations::story);
both!(ai_records_answer_alike, ai::story);
