//! `waflow contacts import`: a CSV of contacts imported into a data directory, as the API does.

use crate::DataDir;
use clap::Subcommand;
use std::path::PathBuf;
use std::time::Duration;
use waflow_server::StartError;

#[derive(Subcommand)]
pub enum ContactsCommand {
    /// Import the contacts of a CSV file (`,` `;` or tab separated, UTF-8) into the data
    /// directory: new phones become contacts, known ones are updated (tags and lists added,
    /// fields set), never duplicated. Prints progress on stderr, then the outcome and every bad
    /// line (up to 1,000) on stdout; fails if the import could not finish.
    Import {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, default_value = "default")]
        workspace: String,
        /// Which column fills what, as JSON: {"<CSV header>": "phone" | "name" | "tags" |
        /// "lists" | "field:<name>[:text|number|date|bool]" | "ignore"}. Without it, headers
        /// are recognised by name (phone/telefono/mobile…, name/nome…, tags, lists; others
        /// become text fields).
        #[arg(long)]
        mapping: Option<String>,
        /// The country of numbers written without +/00: an ISO code (IT, FR, ES, DE, GB, US…)
        /// or a calling code (+39).
        #[arg(long)]
        default_country: Option<String>,
        /// Add every contact to this list (repeatable).
        #[arg(long)]
        list: Vec<String>,
        /// Give every contact this tag (repeatable).
        #[arg(long)]
        tag: Vec<String>,
        /// The CSV file.
        file: PathBuf,
    },
}

/// Runs a `contacts` command.
pub async fn run(command: ContactsCommand) -> Result<(), StartError> {
    let fail = |e: waflow_server::error::ApiError| StartError(e.to_string());
    let ContactsCommand::Import {
        data,
        workspace,
        mapping,
        default_country,
        list,
        tag,
        file,
    } = command;
    let options = waflow_server::imports::Options::parse(
        mapping.as_deref(),
        default_country.as_deref(),
        &list,
        &tag,
    )
    .map_err(fail)?;
    let store = data.open().await?;
    let mut last = std::time::Instant::now();
    let import = waflow_server::admin::import_contacts(&*store, &workspace, &file, options, |i| {
        // At most one line a second, and the last one.
        if i.state == "running" && last.elapsed() < Duration::from_secs(1) {
            return;
        }
        last = std::time::Instant::now();
        eprintln!(
            "{}: {} of {} bytes read, {} rows: {} created, {} updated, {} bad",
            i.state,
            i.counts.bytes_read,
            i.file_bytes,
            i.counts.rows,
            i.counts.created,
            i.counts.updated,
            i.counts.bad
        );
    })
    .await
    .map_err(fail)?;
    let c = import.counts;
    println!(
        "import {} {}: {} rows, {} created, {} updated, {} bad",
        import.id, import.state, c.rows, c.created, c.updated, c.bad
    );
    for bad in &import.bad_rows {
        println!("line {}: {}", bad.line, bad.reason);
    }
    if c.bad > import.bad_rows.len() as u64 {
        println!(
            "(and {} more bad rows)",
            c.bad - import.bad_rows.len() as u64
        );
    }
    match import.error {
        Some(why) => Err(StartError(format!("the import failed: {why}"))),
        None => Ok(()),
    }
}
