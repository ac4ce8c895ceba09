//! Conversions between stored columns and models on PostgreSQL: times, JSON, booleans and
//! errors. The row mappers are the SQLite backend's, over `PgRow`; the column lists and the
//! statements built on them are the same text (the schema is the same).
//!
//! Some mappers serve only the store's reads, which are ported onto this schema next; the tests
//! at the end already hold each of them to a row of its table.
#![cfg_attr(not(test), allow(dead_code))]

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::Row;
use waflow_store::{
    Agent, ChannelKind, ChannelNumber, Contact, Conversation, Direction, DueStep, Error,
    LastMessage, LogEntry, Message, MessageStatus, Number, NumberStatus, Run, RunState, Workflow,
    Workspace,
};

/// Milliseconds since the epoch, as stored.
pub(crate) fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// A stored millisecond timestamp as a time.
pub(crate) fn time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Maps a database error, turning unique violations into a [`Error::Conflict`].
pub(crate) fn db(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return Error::Conflict {
                field: String::new(),
                message: d.message().to_string(),
            };
        }
    }
    Error::Backend(e.to_string())
}

fn json(row: &PgRow, col: &str) -> Result<Value, Error> {
    let text: String = row.try_get(col).map_err(db)?;
    serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("{col}: {e}")))
}

/// A mapped row, or `NotFound` naming `what` when there is none.
pub(crate) fn found<T>(
    row: Option<PgRow>,
    map: fn(&PgRow) -> Result<T, Error>,
    what: &'static str,
) -> Result<T, Error> {
    row.as_ref()
        .map(map)
        .transpose()?
        .ok_or(Error::NotFound { what })
}

/// The one row selected by `sql`, whose placeholders are the id and then the workspace
/// (`... WHERE id = $1 AND workspace_id = $2`): a row of another workspace is not found.
pub(crate) async fn one_in_workspace<'c, E, T>(
    executor: E,
    sql: &str,
    id: &str,
    workspace_id: &str,
    map: fn(&PgRow) -> Result<T, Error>,
    what: &'static str,
) -> Result<T, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    let row = sqlx::query(sql)
        .bind(id)
        .bind(workspace_id)
        .fetch_optional(executor)
        .await
        .map_err(db)?;
    found(row, map, what)
}

macro_rules! get {
    ($row:expr, $col:expr) => {
        $row.try_get($col).map_err(db)?
    };
    ($row:expr, $col:expr, $ty:ty) => {
        $row.try_get::<$ty, _>($col).map_err(db)?
    };
}

pub(crate) fn workspace(row: &PgRow) -> Result<Workspace, Error> {
    Ok(Workspace {
        id: get!(row, "id"),
        name: get!(row, "name"),
        time_zone: get!(row, "time_zone"),
        business_hours: json(row, "business_hours")?,
        holidays: json(row, "holidays")?,
        events_url: get!(row, "events_url"),
        agents_may_self_assign: get!(row, "agents_may_self_assign"),
        takeover_hours: get!(row, "takeover_hours"),
        created_at: time(get!(row, "created_at")),
    })
}

pub(crate) fn agent(row: &PgRow) -> Result<Agent, Error> {
    Ok(Agent {
        id: get!(row, "id"),
        workspace_id: get!(row, "workspace_id"),
        name: get!(row, "name"),
        email: get!(row, "email"),
        role: get!(row, "role"),
        created_at: time(get!(row, "created_at")),
    })
}

pub(crate) fn number(row: &PgRow) -> Result<Number, Error> {
    Ok(Number {
        id: get!(row, "id"),
        workspace_id: get!(row, "workspace_id"),
        label: get!(row, "label"),
        channel: ChannelKind::parse(&get!(row, "channel", String))?,
        status: NumberStatus::parse(&get!(row, "status", String))?,
        status_reason: get!(row, "status_reason"),
        automation: get!(row, "automation"),
        marketing: get!(row, "marketing"),
        external_id: get!(row, "external_id"),
        settings: json(row, "settings")?,
        created_at: time(get!(row, "created_at")),
    })
}

pub(crate) fn channel_number(row: &PgRow) -> Result<ChannelNumber, Error> {
    Ok(ChannelNumber {
        number: number(row)?,
        sealed_secrets: get!(row, "secrets"),
    })
}

fn opt_json(row: &PgRow, col: &str) -> Result<Option<Value>, Error> {
    let text: Option<String> = row.try_get(col).map_err(db)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| Error::Corrupt(format!("{col}: {e}"))))
        .transpose()
}

pub(crate) const CONTACT_COLUMNS: &str =
    "id, workspace_id, phone, name, tags, lists, fields, assigned_agent_id, blocked, excluded, opted_out_at, automation_paused_until, created_at, updated_at";

pub(crate) fn contact(row: &PgRow) -> Result<Contact, Error> {
    let tags = json(row, "tags")?;
    let lists = json(row, "lists")?;
    let fields = json(row, "fields")?;
    let opted_out_at: Option<i64> = get!(row, "opted_out_at");
    Ok(Contact {
        id: get!(row, "id"),
        workspace_id: get!(row, "workspace_id"),
        phone: get!(row, "phone"),
        name: get!(row, "name"),
        tags: serde_json::from_value(tags).map_err(|e| Error::Corrupt(format!("tags: {e}")))?,
        lists: serde_json::from_value(lists).map_err(|e| Error::Corrupt(format!("lists: {e}")))?,
        fields: match fields {
            Value::Object(m) => m,
            _ => Default::default(),
        },
        assigned_agent_id: get!(row, "assigned_agent_id"),
        blocked: get!(row, "blocked"),
        excluded_from_automation: get!(row, "excluded"),
        opted_out: opted_out_at.is_some(),
        opted_out_at: opted_out_at.map(time),
        automation_paused_until: get!(row, "automation_paused_until", Option<i64>).map(time),
        created_at: time(get!(row, "created_at")),
        updated_at: time(get!(row, "updated_at")),
    })
}

pub(crate) const CONVERSATION_SELECT: &str = "SELECT c.id, c.workspace_id, c.number_id, c.contact_id, c.last_message_at, \
     c.created_at, k.phone AS contact_phone, k.name AS contact_name, k.assigned_agent_id, k.automation_paused_until, \
     lm.body AS last_body, lm.direction AS last_direction, lm.created_at AS last_at, lm.status AS last_status, \
     (SELECT COUNT(*) FROM messages u WHERE u.conversation_id = c.id AND u.id > c.read_up_to AND u.direction = 'inbound') AS unread \
     FROM conversations c JOIN contacts k ON k.id = c.contact_id \
     LEFT JOIN messages lm ON lm.id = (SELECT m.id FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1)";

pub(crate) fn conversation(row: &PgRow) -> Result<Conversation, Error> {
    let last_message_at: i64 = get!(row, "last_message_at");
    let last_at: Option<i64> = get!(row, "last_at");
    let last_message = match last_at {
        Some(at) => {
            let direction: String = get!(row, "last_direction");
            let inbound = direction == "inbound";
            Some(LastMessage {
                text: get!(row, "last_body"),
                direction: if inbound { "in" } else { "out" },
                at: time(at),
                status: if inbound {
                    None
                } else {
                    get!(row, "last_status")
                },
            })
        }
        None => None,
    };
    Ok(Conversation {
        id: get!(row, "id"),
        workspace_id: get!(row, "workspace_id"),
        number_id: get!(row, "number_id"),
        contact_id: get!(row, "contact_id"),
        contact_phone: get!(row, "contact_phone"),
        contact_name: get!(row, "contact_name"),
        assigned_agent_id: get!(row, "assigned_agent_id"),
        // 0 marks a conversation the contact never wrote in (see `ensure_conversation`).
        last_message_at: (last_message_at > 0).then(|| time(last_message_at)),
        last_message,
        unread: get!(row, "unread"),
        automation_paused_until: get!(row, "automation_paused_until", Option<i64>).map(time),
        created_at: time(get!(row, "created_at")),
    })
}

pub(crate) const MESSAGE_COLUMNS: &str =
    "id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, \
     body, channel_message_id, sender_kind, sender_ref, status, error, payload, reply_to, created_at, \
     sent_at";

pub(crate) fn message(row: &PgRow) -> Result<Message, Error> {
    let sent_at: Option<i64> = get!(row, "sent_at");
    Ok(Message {
        id: get!(row, "id"),
        workspace_id: get!(row, "workspace_id"),
        conversation_id: get!(row, "conversation_id"),
        number_id: get!(row, "number_id"),
        contact_id: get!(row, "contact_id"),
        direction: Direction::parse(&get!(row, "direction", String))?,
        message_type: get!(row, "message_type"),
        text: get!(row, "body"),
        channel_message_id: get!(row, "channel_message_id"),
        sender_kind: get!(row, "sender_kind"),
        sender_ref: get!(row, "sender_ref"),
        status: MessageStatus::parse(&get!(row, "status", String))?,
        error: get!(row, "error"),
        payload: opt_json(row, "payload")?,
        reply_to: get!(row, "reply_to"),
        created_at: time(get!(row, "created_at")),
        sent_at: sent_at.map(time),
    })
}

pub(crate) const WORKFLOW_SELECT: &str =
    "SELECT w.id, w.workspace_id, w.name, w.version, w.active, w.priority, w.trigger_type, \
     w.phrase_key, w.scope_number_id, w.created_at, w.updated_at, v.document FROM workflows w \
     JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.version";

pub(crate) fn workflow(row: &PgRow) -> Result<Workflow, Error> {
    Ok(Workflow {
        id: get!(row, "id"),
        workspace_id: get!(row, "workspace_id"),
        name: get!(row, "name"),
        version: get!(row, "version"),
        active: get!(row, "active"),
        priority: get!(row, "priority"),
        trigger_type: get!(row, "trigger_type"),
        phrase_key: get!(row, "phrase_key"),
        scope_number_id: get!(row, "scope_number_id"),
        document: json(row, "document")?,
        created_at: time(get!(row, "created_at")),
        updated_at: time(get!(row, "updated_at")),
    })
}

pub(crate) const RUN_COLUMNS: &str =
    "id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, \
     state, current_step, variables, history, created_at, updated_at";

pub(crate) fn run(row: &PgRow) -> Result<Run, Error> {
    Ok(Run {
        id: get!(row, "id"),
        workspace_id: get!(row, "workspace_id"),
        workflow_id: get!(row, "workflow_id"),
        workflow_version: get!(row, "workflow_version"),
        contact_id: get!(row, "contact_id"),
        number_id: get!(row, "number_id"),
        conversation_id: get!(row, "conversation_id"),
        state: RunState::parse(&get!(row, "state", String))?,
        current_step: get!(row, "current_step"),
        variables: json(row, "variables")?,
        history: json(row, "history")?,
        created_at: time(get!(row, "created_at")),
        updated_at: time(get!(row, "updated_at")),
    })
}

pub(crate) fn due_step(row: &PgRow) -> Result<DueStep, Error> {
    Ok(DueStep {
        id: get!(row, "id"),
        run_id: get!(row, "run_id"),
        workspace_id: get!(row, "workspace_id"),
        step_id: get!(row, "step_id"),
        kind: get!(row, "kind"),
        due_at: time(get!(row, "due_at")),
        attempts: get!(row, "attempts"),
    })
}

pub(crate) const LOG_COLUMNS: &str =
    "id, workspace_id, created_at, kind, outcome, summary, number_id, contact_id, message_id, workflow_id, run_id, detail";

pub(crate) fn log_entry(row: &PgRow) -> Result<LogEntry, Error> {
    Ok(LogEntry {
        id: get!(row, "id"),
        workspace_id: get!(row, "workspace_id"),
        created_at: time(get!(row, "created_at")),
        kind: get!(row, "kind"),
        outcome: get!(row, "outcome"),
        summary: get!(row, "summary"),
        number_id: get!(row, "number_id"),
        contact_id: get!(row, "contact_id"),
        message_id: get!(row, "message_id"),
        workflow_id: get!(row, "workflow_id"),
        run_id: get!(row, "run_id"),
        detail: json(row, "detail")?,
    })
}

#[cfg(test)]
mod tests;
