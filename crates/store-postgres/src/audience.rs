//! A campaign's audience in SQL on PostgreSQL, and the campaign's row mapper.
//!
//! The filter answers what SQLite's `json_each` / `json_extract` filter answers: a list or tag
//! is an element of the contact's JSON array; a custom field compares as SQLite compares the
//! value `json_extract` gives (a JSON `true`/`false` is the integer 1/0, a number compares
//! numerically with a number, a text only with a text, a JSON `null` or missing field with
//! nothing).

use crate::convert::{db, time};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};
use waflow_store::{Audience, AudienceQuery, Campaign, CampaignTotals, Error, Result};

/// Why a contact is skipped, in SQL, or NULL: blocked before excluded before opted out.
pub(crate) const SKIP_REASON: &str =
    "CASE WHEN k.blocked THEN 'blocked: nothing is sent to blocked contacts' \
     WHEN k.excluded THEN 'excluded: the contact is excluded from automation' \
     WHEN k.opted_out_at IS NOT NULL THEN 'opted out: the contact opted out of marketing' END";

/// The columns of `campaigns`, in the order [`campaign_row`] reads them.
pub(crate) const CAMPAIGN_COLUMNS: &str =
    "id, workspace_id, name, number_ids, audience, content, state, start_at, \
     expected_seconds, created_at, started_at, finished_at";

/// A custom field's value as a number SQLite would compare: a JSON number, or a JSON boolean
/// as 1/0; NULL for anything else.
const FIELD_AS_NUMBER: &str = "CASE jsonb_typeof(k.fields::jsonb -> $F) \
     WHEN 'number' THEN (k.fields::jsonb ->> $F)::numeric \
     WHEN 'boolean' THEN CASE WHEN (k.fields::jsonb ->> $F)::boolean THEN 1 ELSE 0 END END";

/// Appends the contacts of an audience: ` FROM contacts k WHERE …`.
pub(crate) fn push_audience(
    q: &mut QueryBuilder<'_, Postgres>,
    workspace_id: &str,
    query: &AudienceQuery,
) {
    q.push(" FROM contacts k WHERE k.workspace_id = ")
        .push_bind(workspace_id.to_string());
    match &query.audience {
        Audience::List(name) => {
            q.push(
                " AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(k.lists::jsonb) AS e (value) WHERE e.value = ",
            )
            .push_bind(name.clone())
            .push(")");
        }
        Audience::Tag(tag) => {
            q.push(
                " AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(k.tags::jsonb) AS e (value) WHERE e.value = ",
            )
            .push_bind(tag.clone())
            .push(")");
        }
        Audience::Field { name, equals } => push_field(q, name, equals),
        Audience::All => {}
    }
    if let Some(tag) = &query.exclude_tag {
        q.push(
            " AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(k.tags::jsonb) AS e (value) WHERE e.value = ",
        )
        .push_bind(tag.clone())
        .push(")");
    }
}

/// ` AND <the custom field `name` equals `equals`>`, as SQLite's `json_extract(..) = ?` does.
fn push_field(q: &mut QueryBuilder<'_, Postgres>, name: &str, equals: &Value) {
    // The field's name is bound once per use (QueryBuilder numbers each bind).
    let as_number = |q: &mut QueryBuilder<'_, Postgres>| {
        let mut parts = FIELD_AS_NUMBER.split("$F");
        q.push(parts.next().unwrap_or_default());
        for part in parts {
            q.push_bind(name.to_string()).push(part);
        }
    };
    match equals {
        Value::Bool(b) => {
            q.push(" AND (");
            as_number(q);
            q.push(") = ").push_bind(i64::from(*b));
        }
        Value::Number(n) if n.is_i64() => {
            q.push(" AND (");
            as_number(q);
            q.push(") = ").push_bind(n.as_i64().unwrap_or_default());
        }
        Value::Number(n) => {
            // SQLite compares a real with the field's number as doubles.
            q.push(" AND (");
            as_number(q);
            q.push(")::float8 = ")
                .push_bind(n.as_f64().unwrap_or_default());
        }
        Value::String(s) => {
            q.push(" AND jsonb_typeof(k.fields::jsonb -> ")
                .push_bind(name.to_string())
                .push(") = 'string' AND k.fields::jsonb ->> ")
                .push_bind(name.to_string())
                .push(" = ")
                .push_bind(s.clone());
        }
        // SQLite compares NULL (the field's JSON null, or no field) with the text "null": no
        // contact matches.
        Value::Null => {
            q.push(" AND FALSE");
        }
        // Arrays and objects (which the API refuses): equal JSON values.
        other => {
            q.push(" AND k.fields::jsonb -> ")
                .push_bind(name.to_string())
                .push(" = ")
                .push_bind(other.to_string())
                .push("::jsonb");
        }
    }
}

/// A row of [`CAMPAIGN_COLUMNS`] with its totals as a [`Campaign`].
pub(crate) fn campaign_row(row: &PgRow, totals: CampaignTotals) -> Result<Campaign> {
    let parse = |col: &str| -> Result<Value> {
        let text: String = row.try_get(col).map_err(db)?;
        serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("{col}: {e}")))
    };
    let started: Option<i64> = row.try_get("started_at").map_err(db)?;
    let finished: Option<i64> = row.try_get("finished_at").map_err(db)?;
    Ok(Campaign {
        id: row.try_get("id").map_err(db)?,
        workspace_id: row.try_get("workspace_id").map_err(db)?,
        name: row.try_get("name").map_err(db)?,
        number_ids: serde_json::from_value(parse("number_ids")?)
            .map_err(|e| Error::Corrupt(format!("number_ids: {e}")))?,
        audience: parse("audience")?,
        content: parse("content")?,
        state: row.try_get("state").map_err(db)?,
        start_at: time(row.try_get("start_at").map_err(db)?),
        expected_seconds: row.try_get("expected_seconds").map_err(db)?,
        created_at: time(row.try_get("created_at").map_err(db)?),
        started_at: started.map(time),
        finished_at: finished.map(time),
        totals,
    })
}
