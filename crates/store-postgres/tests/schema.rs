//! The PostgreSQL schema is the SQLite schema: a fresh store of each, compared table by table —
//! columns (in order, with their nullability, defaults and types), primary keys, unique
//! constraints, indexes (with their columns, uniqueness and whether they are partial) and foreign
//! keys. The test fails listing every difference.

mod common;

use common::{tables, Backend, Postgres, Sqlite, Val};
use std::collections::{BTreeMap, BTreeSet};

/// The columns the code binds and reads as `bool`: BOOLEAN on PostgreSQL, 0/1 INTEGER on SQLite.
const BOOLEANS: &[(&str, &str)] = &[
    ("contacts", "blocked"),
    ("contacts", "excluded"),
    ("numbers", "automation"),
    ("numbers", "marketing"),
    ("workflows", "active"),
    ("workspaces", "agents_may_self_assign"),
];

/// A column as both backends can describe it.
#[derive(Debug, PartialEq)]
struct ColumnShape {
    name: String,
    /// `text`, `bigint` or `boolean` (SQLite's declared type, mapped as the schema maps it).
    kind: String,
    not_null: bool,
    /// The default, normalized (`'UTC'`, `0`, `1`, ...), if any.
    default: Option<String>,
}

/// An index as both backends can describe it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct IndexShape {
    name: String,
    table: String,
    unique: bool,
    columns: Vec<String>,
    partial: bool,
}

fn normalize_default(d: &str) -> String {
    let d = d
        .trim_end_matches("::text")
        .trim_end_matches("::bigint")
        .trim();
    match d {
        "true" => "1".into(),
        "false" => "0".into(),
        other => other.trim_matches(|c| c == '(' || c == ')').to_string(),
    }
}

async fn sqlite_columns(b: &Sqlite, table: &str) -> Vec<ColumnShape> {
    b.named_rows(&format!("PRAGMA table_info({table})"))
        .await
        .into_iter()
        .map(|c| {
            let name = c["name"].text().to_string();
            let declared = c["type"].text().to_uppercase();
            let kind = match declared.as_str() {
                "TEXT" => "text",
                "INTEGER" if BOOLEANS.contains(&(table, name.as_str())) => "boolean",
                "INTEGER" => "bigint",
                other => panic!("{table}.{name}: unexpected SQLite type {other}"),
            };
            // A primary key column is NOT NULL on PostgreSQL; on SQLite only a rowid alias is
            // (a TEXT PRIMARY KEY may hold NULL there, which no code writes).
            let pk = c["pk"].int() > 0;
            ColumnShape {
                kind: kind.to_string(),
                not_null: c["notnull"].int() == 1 || pk,
                default: c["dflt_value"].opt_text().map(normalize_default),
                name,
            }
        })
        .collect()
}

async fn postgres_columns(b: &Postgres, table: &str) -> Vec<ColumnShape> {
    b.named_rows(&format!(
        "SELECT column_name::text AS name, data_type::text AS kind, is_nullable::text AS nullable, \
         column_default::text AS dflt, COALESCE(collation_name::text, '') AS collation \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
    ))
    .await
    .into_iter()
    .map(|c| ColumnShape {
        name: c["name"].text().to_string(),
        // Text compares byte by byte, as SQLite's BINARY collation does.
        kind: match (c["kind"].text(), c["collation"].text()) {
            ("text", "C") => "text".to_string(),
            ("text", other) => format!("text with collation {other:?}, not \"C\""),
            (kind, _) => kind.to_string(),
        },
        not_null: c["nullable"].text() == "NO",
        default: c["dflt"].opt_text().map(normalize_default),
    })
    .collect()
}

/// (primary key columns, unique constraints' column lists) of a SQLite table.
async fn sqlite_keys(b: &Sqlite, table: &str) -> (Vec<String>, BTreeSet<Vec<String>>) {
    let mut pk: Vec<(i64, String)> = b
        .named_rows(&format!("PRAGMA table_info({table})"))
        .await
        .into_iter()
        .filter(|c| c["pk"].int() > 0)
        .map(|c| (c["pk"].int(), c["name"].text().to_string()))
        .collect();
    pk.sort();
    let mut unique = BTreeSet::new();
    for index in b.named_rows(&format!("PRAGMA index_list({table})")).await {
        if index["origin"].text() == "u" {
            unique.insert(sqlite_index_columns(b, index["name"].text()).await);
        }
    }
    (pk.into_iter().map(|(_, c)| c).collect(), unique)
}

async fn sqlite_index_columns(b: &Sqlite, index: &str) -> Vec<String> {
    b.named_rows(&format!("PRAGMA index_info('{index}')"))
        .await
        .into_iter()
        .map(|c| c["name"].text().to_string())
        .collect()
}

/// (primary key columns, unique constraints' column lists) of a PostgreSQL table.
async fn postgres_keys(b: &Postgres, table: &str) -> (Vec<String>, BTreeSet<Vec<String>>) {
    let rows = b
        .named_rows(&format!(
            "SELECT c.contype::text AS kind, \
             array_to_string(ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k (n, i) \
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), ',') AS columns \
             FROM pg_constraint c WHERE c.conrelid = '{table}'::regclass AND c.contype IN ('p', 'u')"
        ))
        .await;
    let mut pk = Vec::new();
    let mut unique = BTreeSet::new();
    for r in rows {
        let columns: Vec<String> = r["columns"].text().split(',').map(String::from).collect();
        if r["kind"].text() == "p" {
            pk = columns;
        } else {
            unique.insert(columns);
        }
    }
    (pk, unique)
}

/// The indexes created by name (not those behind keys).
async fn sqlite_indexes(b: &Sqlite) -> BTreeSet<IndexShape> {
    let mut out = BTreeSet::new();
    for r in b
        .named_rows("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .await
    {
        let sql = r["sql"].text().to_uppercase();
        let name = r["name"].text().to_string();
        out.insert(IndexShape {
            columns: sqlite_index_columns(b, &name).await,
            table: r["tbl_name"].text().to_string(),
            unique: sql.starts_with("CREATE UNIQUE"),
            partial: sql.contains(" WHERE "),
            name,
        });
    }
    out
}

async fn postgres_indexes(b: &Postgres) -> BTreeSet<IndexShape> {
    b.named_rows(
        "SELECT i.relname::text AS name, t.relname::text AS tbl, x.indisunique AS uniq, \
         (x.indpred IS NOT NULL) AS partial, \
         array_to_string(ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k (n, o) \
           JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o), ',') AS columns \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .await
    .into_iter()
    .map(|r| IndexShape {
        name: r["name"].text().to_string(),
        table: r["tbl"].text().to_string(),
        unique: r["uniq"] == Val::Int(1),
        partial: r["partial"] == Val::Int(1),
        columns: r["columns"].text().split(',').map(String::from).collect(),
    })
    .collect()
}

/// Foreign keys: (table, column) → (referenced table, column, on delete).
async fn sqlite_foreign_keys(b: &Sqlite, table: &str) -> BTreeMap<String, String> {
    b.named_rows(&format!("PRAGMA foreign_key_list({table})"))
        .await
        .into_iter()
        .map(|r| {
            (
                r["from"].text().to_string(),
                format!(
                    "{}({}) ON DELETE {}",
                    r["table"].text(),
                    r["to"].opt_text().unwrap_or("id"),
                    r["on_delete"].text()
                ),
            )
        })
        .collect()
}

async fn postgres_foreign_keys(b: &Postgres, table: &str) -> BTreeMap<String, String> {
    b.named_rows(&format!(
        "SELECT a.attname::text AS from_column, r.relname::text AS to_table, ra.attname::text AS to_column, \
         CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' \
           WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS on_delete \
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] \
         WHERE c.conrelid = '{table}'::regclass AND c.contype = 'f'"
    ))
    .await
    .into_iter()
    .map(|r| {
        (
            r["from_column"].text().to_string(),
            format!(
                "{}({}) ON DELETE {}",
                r["to_table"].text(),
                r["to_column"].text(),
                r["on_delete"].text()
            ),
        )
    })
    .collect()
}

#[tokio::test]
async fn the_postgres_schema_is_the_sqlite_schema() {
    let sqlite = Sqlite::new().await;
    let postgres = Postgres::new().await;
    let mut differences = Vec::new();

    let sqlite_tables = tables(&sqlite).await;
    let postgres_tables = tables(&postgres).await;
    if sqlite_tables != postgres_tables {
        differences.push(format!(
            "tables differ:\n  sqlite:   {sqlite_tables:?}\n  postgres: {postgres_tables:?}"
        ));
    }
    for table in sqlite_tables.iter().filter(|t| postgres_tables.contains(t)) {
        let (s, p) = (
            sqlite_columns(&sqlite, table).await,
            postgres_columns(&postgres, table).await,
        );
        for i in 0..s.len().max(p.len()) {
            if s.get(i) != p.get(i) {
                differences.push(format!(
                    "{table}: column {i} differs:\n  sqlite:   {:?}\n  postgres: {:?}",
                    s.get(i),
                    p.get(i)
                ));
            }
        }
        let (s, p) = (
            sqlite_keys(&sqlite, table).await,
            postgres_keys(&postgres, table).await,
        );
        if s != p {
            differences.push(format!(
                "{table}: keys (primary, unique) differ:\n  sqlite:   {s:?}\n  postgres: {p:?}"
            ));
        }
        let (s, p) = (
            sqlite_foreign_keys(&sqlite, table).await,
            postgres_foreign_keys(&postgres, table).await,
        );
        if s != p {
            differences.push(format!(
                "{table}: foreign keys differ:\n  sqlite:   {s:?}\n  postgres: {p:?}"
            ));
        }
    }
    let (s, p) = (
        sqlite_indexes(&sqlite).await,
        postgres_indexes(&postgres).await,
    );
    for index in s.difference(&p) {
        differences.push(format!("index only on sqlite (or different): {index:?}"));
    }
    for index in p.difference(&s) {
        differences.push(format!("index only on postgres (or different): {index:?}"));
    }
    assert!(
        differences.is_empty(),
        "the schemas differ:\n{}",
        differences.join("\n")
    );
    assert!(sqlite_tables.len() >= 30, "tables: {sqlite_tables:?}");
}

#[tokio::test]
async fn text_compares_byte_by_byte_as_on_sqlite() {
    // Ids and cursors compare as SQLite's BINARY collation does, whatever the server's locale.
    let postgres = Postgres::new().await;
    postgres
        .exec(
            "INSERT INTO workspaces (id, name, created_at) VALUES ('b', 'B', 0), ('a_1', 'a', 0), \
             ('A', 'Z', 0), ('a-1', 'y', 0)",
        )
        .await;
    let ids: Vec<String> = postgres
        .rows("SELECT id FROM workspaces ORDER BY id")
        .await
        .into_iter()
        .map(|r| r[0].text().to_string())
        .collect();
    assert_eq!(ids, ["A", "a-1", "a_1", "b"]);
    let sqlite = Sqlite::new().await;
    sqlite
        .exec(
            "INSERT INTO workspaces (id, name, created_at) VALUES ('b', 'B', 0), ('a_1', 'a', 0), \
             ('A', 'Z', 0), ('a-1', 'y', 0)",
        )
        .await;
    let sqlite_ids: Vec<String> = sqlite
        .rows("SELECT id FROM workspaces ORDER BY id")
        .await
        .into_iter()
        .map(|r| r[0].text().to_string())
        .collect();
    assert_eq!(ids, sqlite_ids);
}
