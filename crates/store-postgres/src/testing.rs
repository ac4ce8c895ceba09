//! Test databases: each test gets a new, empty database on the PostgreSQL server named by
//! `WAFLOW_TEST_PG` (default [`DEFAULT_SERVER`]). `scripts/pg-up` makes sure one is running.
//!
//! **Invariant:** a test that needs PostgreSQL never skips silently: when the server cannot be
//! reached, [`fresh_database`] panics saying what to start.

use sqlx::{Connection, Executor, PgConnection};
use std::time::{SystemTime, UNIX_EPOCH};

/// The server tests use when `WAFLOW_TEST_PG` is not set.
pub const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The prefix of every test database's name.
const PREFIX: &str = "waflow_test_";

/// Test databases older than this (in milliseconds) are left over from earlier runs and dropped.
const STALE_MS: u128 = 3600 * 1000;

/// The URL of the test server: `WAFLOW_TEST_PG`, or [`DEFAULT_SERVER`].
pub fn server_url() -> String {
    std::env::var("WAFLOW_TEST_PG")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SERVER.to_string())
}

/// `url` with its database (the path) replaced by `database`; the query string is kept.
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or_default();
    match query {
        Some(q) => format!("{scheme}://{authority}/{database}?{q}"),
        None => format!("{scheme}://{authority}/{database}"),
    }
}

/// Creates a new, uniquely named, empty database on the test server and returns its URL.
///
/// # Panics
/// When the server cannot be reached or refuses to create the database: tests that need
/// PostgreSQL fail loudly rather than skip.
pub async fn fresh_database() -> String {
    let server = server_url();
    let mut conn = match PgConnection::connect(&server).await {
        Ok(conn) => conn,
        Err(e) => panic!(
            "\n\n*** These tests need PostgreSQL, and none is reachable at {} ({e}).\n\
             *** Start one with `scripts/pg-up` (it runs \
             `pg_ctlcluster --skip-systemctl-redirect 15 main start`, or an own cluster), \
             or point WAFLOW_TEST_PG at a server where user may create databases.\n\n",
            crate::redact_url(&server)
        ),
    };
    drop_stale(&mut conn).await;
    let name = format!("{PREFIX}{}", uuid::Uuid::now_v7().simple());
    if let Err(e) = conn
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
    {
        panic!(
            "\n\n*** cannot create the test database {name} on {}: {e}\n\n",
            crate::redact_url(&server)
        );
    }
    let _ = conn.close().await;
    with_database(&server, &name)
}

/// Drops test databases left over from runs long gone (their names carry their creation time:
/// a v7 UUID starts with milliseconds since the epoch). Best effort: errors are ignored.
async fn drop_stale(conn: &mut PgConnection) {
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'waflow\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    for name in names {
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|uuid| uuid.get(..12))
            .and_then(|hex| u128::from_str_radix(hex, 16).ok());
        if created.is_some_and(|at| now.saturating_sub(at) > STALE_MS) {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h:5433/db?sslmode=disable", "t2"),
            "postgres://u:p@h:5433/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t3"), "postgres://u@h/t3");
    }
}
