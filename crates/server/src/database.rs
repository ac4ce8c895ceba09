//! Where waflow keeps its rows: the embedded SQLite database in the data directory (the
//! default), or a PostgreSQL server that any number of waflow nodes share.
//!
//! **Invariant:** the rest of the server sees only `Arc<dyn Store>`; which backend answers is
//! decided here, once, at start.

use crate::{files, StartError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use waflow_store::Store;
use waflow_store_postgres::{redact_url, PgStore};
use waflow_store_sqlite::{Durability, SqliteStore};

/// The most connections a node opens to PostgreSQL unless configured.
pub const DEFAULT_POOL: u32 = 16;

/// Which database holds waflow's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Database {
    /// `waflow.db` in the data directory (one node).
    #[default]
    Sqlite,
    /// A PostgreSQL server (`postgres://…`), shared by every node, with at most `pool`
    /// connections from this node.
    Postgres {
        /// The connection string.
        url: String,
        /// The most connections this node opens.
        pool: u32,
    },
}

impl Database {
    /// The database a `--database` value names: none or `sqlite` (the data directory's file),
    /// or a `postgres://` / `postgresql://` URL. Anything else is an error naming the value.
    pub fn parse(value: Option<&str>, pool: u32) -> Result<Self, StartError> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(Self::Sqlite);
        };
        if value == "sqlite" {
            return Ok(Self::Sqlite);
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            if pool == 0 || pool > 1000 {
                return Err(StartError(format!(
                    "--database-pool must be between 1 and 1000, not {pool}"
                )));
            }
            return Ok(Self::Postgres {
                url: value.to_string(),
                pool,
            });
        }
        Err(StartError(format!(
            "--database must be `sqlite` or a postgres:// URL, not {:?}",
            redact_url(value)
        )))
    }

    /// The database in words for logs, without a password.
    pub fn describe(&self, data_dir: &Path) -> String {
        match self {
            Self::Sqlite => database_path(data_dir).display().to_string(),
            Self::Postgres { url, .. } => redact_url(url),
        }
    }
}

/// The database file inside a data directory.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("waflow.db")
}

/// Opens the store (creating the data directory, applying pending migrations and creating the
/// default workspace). The data directory is prepared in both cases: it also holds media and the
/// master key.
pub async fn open_store(
    data_dir: &Path,
    database: &Database,
    durability: Durability,
) -> Result<Arc<dyn Store>, StartError> {
    files::prepare_data_dir(data_dir).map_err(|e| StartError(e.to_string()))?;
    let store: Arc<dyn Store> = match database {
        Database::Sqlite => Arc::new(
            SqliteStore::open(&database_path(data_dir), durability)
                .await
                .map_err(|e| StartError(e.to_string()))?,
        ),
        Database::Postgres { url, pool } => Arc::new(
            PgStore::open(url, *pool)
                .await
                .map_err(|e| StartError(e.to_string()))?,
        ),
    };
    store
        .ensure_default_workspace()
        .await
        .map_err(|e| StartError(e.to_string()))?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_values() {
        assert_eq!(Database::parse(None, 16).unwrap(), Database::Sqlite);
        assert_eq!(Database::parse(Some(" "), 16).unwrap(), Database::Sqlite);
        assert_eq!(
            Database::parse(Some("sqlite"), 16).unwrap(),
            Database::Sqlite
        );
        assert_eq!(
            Database::parse(Some("postgres://u@h/db"), 4).unwrap(),
            Database::Postgres {
                url: "postgres://u@h/db".into(),
                pool: 4
            }
        );
        let e = Database::parse(Some("mysql://u:secret@h/db"), 4).unwrap_err();
        assert!(e.0.contains("--database") && !e.0.contains("secret"), "{e}");
        let e = Database::parse(Some("postgresql://h/db"), 0).unwrap_err();
        assert!(e.0.contains("--database-pool") && e.0.contains('0'), "{e}");
    }
}
