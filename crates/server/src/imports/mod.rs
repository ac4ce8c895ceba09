//! Contact imports: a CSV file under `<data>/imports/` read in chunks on a blocking thread
//! ([`reader`]) and written a chunk per transaction through the store's one write connection
//! ([`waflow_store::ContactImports::import_chunk`]), so the intake's transactions run between
//! two chunks. [`Imports`] keeps the progress of the imports running in this process; the
//! table keeps the rest (and the counters of each committed chunk, so that an import the server
//! stopped in can say how far it got). Used by `POST /contacts/imports` and by
//! `waflow contacts import`.
//!
//! **Invariant:** memory does not grow with the file: at most three chunks of rows and the first
//! [`MAX_BAD_ROWS`] bad rows are held.
//! **Invariant:** an import starts no workflow and writes no event (`contact_created`,
//! `list_added` do not fire): it is a load of data, possibly of a million contacts.

pub mod reader;
pub mod upload;

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use waflow_domain::import::{checked_name, DefaultCountry, Mapping, Plan};
use waflow_store::{ContactImport, ImportEnd, Store, MAX_BAD_ROWS};

/// The clock an import stamps its rows and its end with.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The imports running in this process, by id, as they stand after their last chunk.
pub struct Imports {
    dir: PathBuf,
    /// A std mutex: held only to copy or replace one entry, never across an await.
    live: Mutex<HashMap<String, ContactImport>>,
}

/// An import ready to run: its record, its file and how to read it.
pub struct Job {
    pub import: ContactImport,
    pub file: PathBuf,
    pub delimiter: u8,
    pub plan: Plan,
}

impl Imports {
    /// The imports of a data directory; their files go to `<data_dir>/imports/`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("imports"),
            live: Mutex::default(),
        }
    }

    /// Creates the imports directory and removes files left by imports that were interrupted.
    pub fn prepare(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.is_file() {
                std::fs::remove_file(&path)?;
            }
        }
        Ok(())
    }

    /// A new file to receive an upload in.
    pub fn new_file(&self) -> PathBuf {
        self.dir
            .join(format!("{}.csv", waflow_store::new_id("upload")))
    }

    /// A running import of the workspace, as of its last chunk.
    pub fn live(&self, workspace_id: &str, id: &str) -> Option<ContactImport> {
        let live = self.live.lock().ok()?;
        live.get(id)
            .filter(|i| i.workspace_id == workspace_id)
            .cloned()
    }

    fn set(&self, import: &ContactImport) {
        if let Ok(mut live) = self.live.lock() {
            live.insert(import.id.clone(), import.clone());
        }
    }

    fn forget(&self, id: &str) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(id);
        }
    }

    /// Runs `job` in the background; its progress is [`Imports::live`] until it ends, its file
    /// removed then.
    pub fn spawn(self: &Arc<Self>, store: Arc<dyn Store>, now: Now, job: Job) {
        let imports = self.clone();
        imports.set(&job.import);
        let id = job.import.id.clone();
        let file = job.file.clone();
        tokio::spawn(async move {
            let end = run(store.as_ref(), &now, job, |i| imports.set(i)).await;
            tracing::info!(import = %id, state = %end.state, rows = end.counts.rows,
                created = end.counts.created, updated = end.counts.updated, bad = end.counts.bad,
                "contact import ended");
            imports.forget(&id);
            let _ = tokio::fs::remove_file(&file).await;
        });
    }
}

/// What an import is asked to do, checked at the edge: the column mapping, the default country
/// of national numbers, and tags and lists for every contact.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub mapping: Option<Mapping>,
    pub country: Option<DefaultCountry>,
    pub tags: Vec<String>,
    pub lists: Vec<String>,
}

impl Options {
    /// Parses the options as given (the query string, the command line); a 422 names
    /// `mapping` (or `mapping.<header>`), `default_country`, `list` or `tag` and the value.
    pub fn parse(
        mapping: Option<&str>,
        country: Option<&str>,
        lists: &[String],
        tags: &[String],
    ) -> Result<Self, ApiError> {
        let mapping = match mapping {
            None => None,
            Some(text) => {
                let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                    ApiError::invalid("mapping", format!("{text:?} is not JSON: {e}"))
                })?;
                Some(Mapping::parse(
                    &value,
                    &waflow_domain::parse::Path::root("mapping"),
                )?)
            }
        };
        let country = country
            .map(DefaultCountry::parse)
            .transpose()
            .map_err(|m| ApiError::invalid("default_country", m))?;
        let names = |field: &str, given: &[String]| -> Result<Vec<String>, ApiError> {
            given
                .iter()
                .map(|n| checked_name(n).map_err(|m| ApiError::invalid(field, m)))
                .collect()
        };
        Ok(Self {
            mapping,
            country,
            tags: names("tag", tags)?,
            lists: names("list", lists)?,
        })
    }
}

/// Reads the header of `file`, resolves it with the options' mapping (or the headers' names),
/// and records a new running import of `file_bytes` bytes. A header that cannot be resolved is
/// a 422 naming `mapping` (or `mapping.<header>`), a file that is not CSV a 422 naming `body`.
pub async fn prepare(
    store: &dyn Store,
    workspace_id: &str,
    file: PathBuf,
    file_bytes: u64,
    options: Options,
    now: DateTime<Utc>,
) -> Result<Job, ApiError> {
    let read = {
        let file = file.clone();
        let mapping = options.mapping.clone();
        tokio::task::spawn_blocking(move || reader::columns(&file, mapping.as_ref()))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let (delimiter, columns) = read.map_err(|e| match e {
        reader::ReadError::Columns(f) => f.into(),
        reader::ReadError::Io(e) => ApiError::Internal(format!("import file: {e}")),
        other => ApiError::invalid("body", other.to_string()),
    })?;
    let import = store.insert_import(workspace_id, file_bytes, now).await?;
    Ok(Job {
        import,
        file,
        delimiter,
        plan: Plan {
            columns,
            country: options.country,
            tags: options.tags,
            lists: options.lists,
        },
    })
}

/// Runs an import to its end: chunks read and written in turn, `progress` told after each
/// committed chunk. Answers the import as it ended (`done`, or `failed` with why).
pub async fn run(
    store: &dyn Store,
    now: &Now,
    job: Job,
    mut progress: impl FnMut(&ContactImport),
) -> ContactImport {
    let Job {
        mut import,
        file,
        delimiter,
        plan,
    } = job;
    let (tx, mut rx) = mpsc::channel(2);
    let reading = tokio::task::spawn_blocking(move || {
        if let Err(e) = reader::read_rows(&file, delimiter, &plan, &tx) {
            let _ = tx.blocking_send(Err(e));
        }
    });
    let mut failure = None;
    while let Some(chunk) = rx.recv().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                failure = Some(format!(
                    "{e} (after {} rows; the contacts of those rows are stored)",
                    import.counts.rows
                ));
                break;
            }
        };
        let mut counts = import.counts;
        counts.rows += chunk.read;
        counts.bad += chunk.bad.len() as u64;
        counts.bytes_read = chunk.bytes_read;
        let room = MAX_BAD_ROWS.saturating_sub(import.bad_rows.len());
        import.bad_rows.extend(chunk.bad.into_iter().take(room));
        match store
            .import_chunk(&import.workspace_id, &import.id, &chunk.rows, counts, now())
            .await
        {
            Ok(stored) => import.counts = stored,
            Err(e) => {
                tracing::error!(import = %import.id, error = %e, "storing imported contacts failed");
                failure = Some(format!(
                    "storing the contacts failed after {} rows (the server log says why); the \
                     contacts of those rows are stored",
                    import.counts.rows
                ));
                break;
            }
        }
        progress(&import);
    }
    drop(rx);
    let _ = reading.await;
    let end = match failure {
        None => {
            import.counts.bytes_read = import.file_bytes;
            import.state = "done".into();
            ImportEnd::Done
        }
        Some(why) => {
            import.state = "failed".into();
            import.error = Some(why.clone());
            ImportEnd::Failed(why)
        }
    };
    let at = now();
    import.finished_at = Some(at);
    if let Err(e) = store
        .finish_import(
            &import.workspace_id,
            &import.id,
            import.counts,
            &import.bad_rows,
            end,
            at,
        )
        .await
    {
        tracing::error!(import = %import.id, error = %e, "recording the end of an import failed");
    }
    progress(&import);
    import
}
