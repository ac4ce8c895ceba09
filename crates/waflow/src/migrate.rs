//! `waflow migrate`: brings a database's schema up to date, or moves a SQLite data directory's
//! rows into a PostgreSQL database.

use crate::DataDir;
use clap::Args;
use std::path::{Path, PathBuf};
use waflow_server::{Database, Durability, StartError};
use waflow_store_postgres::{redact_url, PgStore};

#[derive(Args)]
pub struct MigrateArgs {
    /// The database to migrate (without --from / --to).
    #[command(flatten)]
    data: DataDir,
    /// Copy every row of this SQLite database into the --to database: a data directory, its
    /// waflow.db, or `sqlite://PATH`. It is only read; it must be at this version's schema
    /// (open it with this waflow first).
    #[arg(long, value_name = "SQLITE")]
    from: Option<String>,
    /// The PostgreSQL database (`postgres://…`) to copy into: its migrations are applied, and it
    /// must hold no rows. All rows are copied in one transaction, verified (row counts and
    /// checksums, table by table) before the commit.
    #[arg(long, value_name = "POSTGRES_URL")]
    to: Option<String>,
}

/// Runs `waflow migrate`.
pub async fn run(args: MigrateArgs) -> Result<(), StartError> {
    match (args.from, args.to) {
        (None, None) => migrate(&args.data).await,
        (Some(from), Some(to)) => copy(&sqlite_file(&from), &to).await,
        (Some(_), None) => Err(StartError(
            "--from needs --to: the postgres:// URL of the database to copy into".into(),
        )),
        (None, Some(_)) => Err(StartError(
            "--to needs --from: the SQLite data directory (or waflow.db) to copy from".into(),
        )),
    }
}

/// Applies pending migrations. PostgreSQL gets its migrations only (no default workspace), so it
/// stays a valid target for `--from … --to`.
async fn migrate(data: &DataDir) -> Result<(), StartError> {
    let database = data.database()?;
    match &database {
        Database::Sqlite => {
            waflow_server::open_store(&data.data_dir, &database, Durability::Full).await?;
        }
        Database::Postgres { url, pool } => {
            PgStore::open(url, (*pool).min(2))
                .await
                .map_err(|e| StartError(e.to_string()))?;
        }
    }
    println!("migrations applied: {}", database.describe(&data.data_dir));
    Ok(())
}

/// The SQLite database file `--from` names.
fn sqlite_file(from: &str) -> PathBuf {
    let path = Path::new(from.strip_prefix("sqlite://").unwrap_or(from));
    if path.is_dir() {
        waflow_server::database_path(path)
    } else {
        path.to_path_buf()
    }
}

async fn copy(from: &Path, to: &str) -> Result<(), StartError> {
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(StartError(format!(
            "--to must be a postgres:// URL, not {:?}",
            redact_url(to)
        )));
    }
    let fail = |e: waflow_store::Error| StartError(e.to_string());
    let target = PgStore::open(to, 2).await.map_err(fail)?;
    let report = waflow_store_postgres::copy_from_sqlite(from, &target)
        .await
        .map_err(fail)?;
    for t in &report.tables {
        println!("{}\t{}\t{}", t.table, t.rows, t.checksum);
    }
    println!(
        "total\t{}\t{} tables copied from {} to {}",
        report.total_rows(),
        report.tables.len(),
        from.display(),
        redact_url(to)
    );
    Ok(())
}
