//! What the copy learns from the catalogs: the SQLite migrations applied, the tables and columns
//! of both databases (which must match), their keys and the order foreign keys impose.

use super::{ident, pg, sqlite, LOCK_TIMEOUT};
use sqlx::{PgConnection, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};
use waflow_store::{Error, Result};

/// How a column is read from SQLite, bound and checksummed: its PostgreSQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    BigInt,
    Text,
    /// `boolean` in PostgreSQL, 0 or 1 in SQLite.
    Bool,
}

impl Kind {
    /// The PostgreSQL array type a batch of the column is bound as.
    pub(super) fn array(self) -> &'static str {
        match self {
            Kind::BigInt => "bigint[]",
            Kind::Text => "text[]",
            Kind::Bool => "boolean[]",
        }
    }
}

/// A column of a table.
#[derive(Debug, Clone)]
pub(super) struct Column {
    pub name: String,
    pub kind: Kind,
    /// An identity column (its sequence is set past the copied values).
    pub identity: bool,
}

/// A table as both databases have it.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub name: String,
    /// In PostgreSQL's order.
    pub columns: Vec<Column>,
    /// The primary key's columns (every column when there is none): the order rows are read in.
    pub key: Vec<String>,
}

/// Refuses unless the SQLite database's applied migrations are exactly the SQLite backend's.
pub(super) async fn check_migrations(source: &mut SqliteConnection, shown: &str) -> Result<()> {
    let has_table: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *source)
    .await
    .map_err(sqlite(format!("reading the catalog of {shown}")))?;
    if has_table == 0 {
        return Err(Error::Backend(format!(
            "{shown} is not a waflow database (it has no _sqlx_migrations table)"
        )));
    }
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *source)
            .await
            .map_err(sqlite(format!("reading the migrations of {shown}")))?;
    if let Some((version, _)) = applied.iter().find(|(_, ok)| !ok) {
        return Err(Error::Backend(format!(
            "{shown}: migration {version} failed part-way; open it with waflow (SQLite) to \
             repair it before copying"
        )));
    }
    let applied: BTreeSet<i64> = applied.into_iter().map(|(v, _)| v).collect();
    let expected: BTreeSet<i64> = waflow_store_sqlite::migrations()
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    if applied == expected {
        return Ok(());
    }
    let missing: Vec<i64> = expected.difference(&applied).copied().collect();
    let unknown: Vec<i64> = applied.difference(&expected).copied().collect();
    let newest = |s: &BTreeSet<i64>| s.last().copied().unwrap_or(0);
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!(
            "it lacks migrations {missing:?} (an older waflow wrote it: run `waflow migrate \
             --data-dir <its directory>` first)"
        ));
    }
    if !unknown.is_empty() {
        why.push(format!(
            "it has migrations {unknown:?} this waflow does not know (a newer waflow wrote it: \
             copy it with that version)"
        ));
    }
    Err(Error::Backend(format!(
        "{shown} is at migration {} but this waflow copies databases at migration {}: {}",
        newest(&applied),
        newest(&expected),
        why.join("; ")
    )))
}

/// The tables, in an order where every table comes after those its foreign keys refer to, with
/// their columns and keys as PostgreSQL has them; refuses when SQLite's differ.
pub(super) async fn tables(
    source: &mut SqliteConnection,
    tx: &mut PgConnection,
) -> Result<Vec<Table>> {
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_identity::text \
         FROM information_schema.columns c WHERE table_schema = current_schema() \
         AND table_name <> '_sqlx_migrations' AND EXISTS (SELECT 1 FROM information_schema.tables t \
           WHERE t.table_schema = c.table_schema AND t.table_name = c.table_name \
           AND t.table_type = 'BASE TABLE') \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(pg("reading the catalog"))?;
    let mut pg_tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, column, data_type, identity) in columns {
        let kind = match data_type.as_str() {
            "bigint" => Kind::BigInt,
            "text" => Kind::Text,
            "boolean" => Kind::Bool,
            other => {
                return Err(Error::Backend(format!(
                    "column {table}.{column} has type {other}, which the copy does not handle \
                     (only bigint, text and boolean)"
                )))
            }
        };
        let entry = pg_tables.entry(table.clone()).or_insert_with(|| Table {
            name: table,
            columns: Vec::new(),
            key: Vec::new(),
        });
        entry.columns.push(Column {
            name: column,
            kind,
            identity: identity == "YES",
        });
    }
    let keys: Vec<(String, String)> = sqlx::query_as(
        "SELECT k.table_name::text, k.column_name::text FROM information_schema.table_constraints c \
         JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema \
           AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name \
         WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema() \
         ORDER BY k.table_name, k.ordinal_position",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(pg("reading the primary keys"))?;
    for (table, column) in keys {
        if let Some(t) = pg_tables.get_mut(&table) {
            t.key.push(column);
        }
    }
    for t in pg_tables.values_mut().filter(|t| t.key.is_empty()) {
        t.key = t.columns.iter().map(|c| c.name.clone()).collect();
    }
    compare_with_sqlite(source, &pg_tables).await?;
    let references: Vec<(String, String)> = sqlx::query_as(
        "SELECT child.relname::text, parent.relname::text FROM pg_constraint c \
         JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = child.relnamespace \
         WHERE c.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(pg("reading the foreign keys"))?;
    let order = foreign_key_order(pg_tables.keys().cloned().collect(), &references)?;
    Ok(order
        .into_iter()
        .filter_map(|name| pg_tables.remove(&name))
        .collect())
}

/// Refuses when SQLite's tables or their columns are not PostgreSQL's, naming every difference.
async fn compare_with_sqlite(
    source: &mut SqliteConnection,
    pg_tables: &BTreeMap<String, Table>,
) -> Result<()> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' \
         ESCAPE '\\' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *source)
    .await
    .map_err(sqlite("reading the catalog".into()))?;
    let sqlite_tables: BTreeSet<String> = names.into_iter().collect();
    let pg_names: BTreeSet<String> = pg_tables.keys().cloned().collect();
    let mut differences = Vec::new();
    for t in sqlite_tables.difference(&pg_names) {
        differences.push(format!("table {t} is only in SQLite"));
    }
    for t in pg_names.difference(&sqlite_tables) {
        differences.push(format!("table {t} is only in PostgreSQL"));
    }
    for t in sqlite_tables.intersection(&pg_names) {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind(t)
                .fetch_all(&mut *source)
                .await
                .map_err(sqlite(format!("reading the columns of {t}")))?;
        let sqlite_columns: BTreeSet<String> = columns.into_iter().collect();
        let pg_columns: BTreeSet<String> = pg_tables[t]
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        for c in sqlite_columns.difference(&pg_columns) {
            differences.push(format!("column {t}.{c} is only in SQLite"));
        }
        for c in pg_columns.difference(&sqlite_columns) {
            differences.push(format!("column {t}.{c} is only in PostgreSQL"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Error::Backend(format!(
            "the SQLite and PostgreSQL schemas differ: {}",
            differences.join("; ")
        )))
    }
}

/// `tables` sorted so each comes after the tables it refers to (`references`: (child, parent));
/// ties by name, so the order is stable.
fn foreign_key_order(tables: Vec<String>, references: &[(String, String)]) -> Result<Vec<String>> {
    let mut parents: BTreeMap<String, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.clone(), BTreeSet::new()))
        .collect();
    for (child, parent) in references {
        if child != parent && parents.contains_key(parent) {
            if let Some(p) = parents.get_mut(child) {
                p.insert(parent.clone());
            }
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !parents.is_empty() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, p)| p.is_empty())
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            let cycle: Vec<&String> = parents.keys().collect();
            return Err(Error::Backend(format!(
                "the foreign keys of tables {cycle:?} form a cycle: no order to insert them in"
            )));
        }
        for t in &ready {
            parents.remove(t);
        }
        for p in parents.values_mut() {
            for t in &ready {
                p.remove(t);
            }
        }
        order.extend(ready);
    }
    Ok(order)
}

/// Locks every table against other writers and readers, then refuses when any holds a row.
pub(super) async fn lock_and_ensure_empty(tx: &mut PgConnection, tables: &[Table]) -> Result<()> {
    if tables.is_empty() {
        return Ok(());
    }
    sqlx::raw_sql(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        .execute(&mut *tx)
        .await
        .map_err(pg("setting the lock timeout"))?;
    let names: Vec<String> = tables.iter().map(|t| ident(&t.name)).collect();
    sqlx::raw_sql(&format!(
        "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
        names.join(", ")
    ))
    .execute(&mut *tx)
    .await
    .map_err(pg(
        "locking the tables (is a waflow server using this database?)",
    ))?;
    let mut full = Vec::new();
    for t in tables {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", ident(&t.name)))
            .fetch_one(&mut *tx)
            .await
            .map_err(pg("counting rows"))?;
        if count > 0 {
            full.push(format!("{}: {count} rows", t.name));
        }
    }
    if full.is_empty() {
        Ok(())
    } else {
        Err(Error::Backend(format!(
            "the PostgreSQL database is not empty ({}); copy into a new database, where at most \
             `waflow migrate --database <url>` ran",
            full.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::foreign_key_order;

    #[test]
    fn parents_come_first_and_cycles_are_refused() {
        let refs = [
            ("c".to_string(), "b".to_string()),
            ("b".to_string(), "a".to_string()),
            ("b".to_string(), "b".to_string()),
        ];
        let order = foreign_key_order(vec!["c".into(), "b".into(), "a".into(), "d".into()], &refs);
        assert_eq!(order.unwrap(), ["a", "d", "b", "c"]);
        let cycle = [
            ("a".to_string(), "b".to_string()),
            ("b".to_string(), "a".to_string()),
        ];
        let e = foreign_key_order(vec!["a".into(), "b".into()], &cycle).unwrap_err();
        assert!(e.to_string().contains("cycle"), "{e}");
    }
}
