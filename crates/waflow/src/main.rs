//! The `waflow` command: `serve` runs the server; `token create` prints a new API token;
//! `workflows export` / `workflows import` move workflow documents in and out of a data directory;
//! `contacts import` imports a CSV of contacts into one; `openapi` prints the API's OpenAPI
//! document; `migrate` applies migrations, or copies a SQLite data directory into PostgreSQL.

mod campaigns;
mod contacts;
mod migrate;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use waflow_server::auth::SignInOptions;
use waflow_server::limits::UploadLimits;
use waflow_server::Durability;
use waflow_server::{Config, Database, StartError};

// mimalloc: the engine allocates many small strings and JSON values per message; glibc malloc
// spent a fifth of the CPU time in the inbound benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// waflow — a self-hosted WhatsApp automation server.
///
/// Connect WhatsApp numbers, write workflows (trigger, conditions, steps) and let them answer,
/// sort and follow up conversations. Everything is stored in one SQLite file in the data directory.
#[derive(Parser)]
#[command(name = "waflow", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: the REST API under /api/v1 (OpenAPI at /api/v1/openapi.json).
    Serve(ServeArgs),
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage the dashboard's agents.
    Agents {
        #[command(subcommand)]
        command: AgentsCommand,
    },
    /// Export and import workflow documents (JSON or YAML), as the API does.
    Workflows {
        #[command(subcommand)]
        command: WorkflowsCommand,
    },
    /// List, pause, resume, cancel and export campaigns (create them with the API or the
    /// dashboard).
    Campaigns {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, default_value = "default")]
        workspace: String,
        #[command(subcommand)]
        command: campaigns::CampaignsCommand,
    },
    /// Import contacts, as the API does.
    Contacts {
        #[command(subcommand)]
        command: contacts::ContactsCommand,
    },
    /// Print the API's OpenAPI document (pretty JSON), as GET /api/v1/openapi.json serves it;
    /// the dashboard's TypeScript types are generated from it (`npm run api-types` in web/).
    Openapi,
    /// Apply pending migrations to the database (`--data-dir` / `--database`), or copy a SQLite
    /// data directory into an empty PostgreSQL database (`--from <dir> --to postgres://…`).
    Migrate(migrate::MigrateArgs),
}

#[derive(Subcommand)]
enum AgentsCommand {
    /// Create the workspace's owner, who signs in to the dashboard with this email and password
    /// (an existing agent with the email becomes owner and gets the new password).
    CreateOwner {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, default_value = "default")]
        workspace: String,
        #[arg(long)]
        email: String,
        /// At least 8 characters.
        #[arg(long, env = "WAFLOW_OWNER_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "Owner")]
        name: String,
    },
}

#[derive(Subcommand)]
enum WorkflowsCommand {
    /// Print the workspace's workflow documents (YAML documents separated by `---`, or JSON).
    Export {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, default_value = "default")]
        workspace: String,
        /// Only this workflow.
        #[arg(long)]
        id: Option<String>,
        #[arg(long, value_enum, default_value_t = FormatArg::Yaml)]
        format: FormatArg,
    },
    /// Create workflows from a file of documents (a JSON object or array, or YAML documents).
    /// All are checked before any is stored. A running server sees them after its next
    /// workflow change or restart; while it runs, prefer the API.
    Import {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, default_value = "default")]
        workspace: String,
        /// The file to read (`-` for standard input).
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Yaml,
    Json,
}

#[derive(Args)]
pub struct DataDir {
    /// Directory holding waflow's database (with SQLite), media and master key; created if missing.
    #[arg(long, env = "WAFLOW_DATA_DIR", default_value = "./waflow-data")]
    pub data_dir: PathBuf,
    /// The database: `sqlite` (waflow.db in the data directory, the default) or a PostgreSQL
    /// URL, `postgres://user:password@host:5432/db`, which any number of waflow nodes may share.
    #[arg(long, env = "WAFLOW_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// The most PostgreSQL connections this node opens.
    #[arg(long, env = "WAFLOW_DATABASE_POOL", default_value_t = waflow_server::database::DEFAULT_POOL)]
    pub database_pool: u32,
}

impl DataDir {
    /// The database these options name.
    pub fn database(&self) -> Result<Database, StartError> {
        Database::parse(self.database.as_deref(), self.database_pool)
    }

    /// Opens the store these options name (with full durability: for the commands other than
    /// `serve`).
    pub async fn open(&self) -> Result<std::sync::Arc<dyn waflow_store::Store>, StartError> {
        waflow_server::open_store(&self.data_dir, &self.database()?, Durability::Full).await
    }
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (use port 0 for any free port).
    #[arg(long, env = "WAFLOW_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    data: DataDir,
    /// `full` fsyncs every commit (survives power loss); `normal` survives process crashes only.
    #[arg(long, env = "WAFLOW_DURABILITY", value_enum, default_value_t = DurabilityArg::Full)]
    durability: DurabilityArg,
    /// The key that encrypts stored credentials, 64 hex characters. Without it, waflow uses (and
    /// on first run creates) `master.key` in the data directory.
    #[arg(long, env = "WAFLOW_MASTER_KEY", hide_env_values = true)]
    master_key: Option<String>,
    /// The Graph API base URL for Cloud API numbers.
    #[arg(long, env = "WAFLOW_GRAPH_URL", default_value = waflow_server::DEFAULT_GRAPH_URL)]
    graph_url: String,
    /// Let outbound requests (HTTP and webhook steps, the AI provider — e.g. a local Ollama —,
    /// media links, the events webhook) reach loopback, private and link-local addresses
    /// (refused by default: the SSRF guard).
    #[arg(long, env = "WAFLOW_ALLOW_PRIVATE_HTTP")]
    allow_private_http: bool,
    /// Keep log entries this many days (older ones are deleted hourly).
    #[arg(long, env = "WAFLOW_LOG_RETENTION_DAYS", default_value_t = 90)]
    log_retention_days: u32,
    /// The Graph API version for Cloud API numbers.
    #[arg(long, env = "WAFLOW_GRAPH_VERSION", default_value = waflow_server::DEFAULT_GRAPH_VERSION)]
    graph_version: String,
    /// The WebSocket address linked-device numbers connect to (default: WhatsApp Web's).
    #[arg(long, env = "WAFLOW_LINKED_DEVICE_URL")]
    linked_device_url: Option<String>,
    /// On SIGTERM or SIGINT, wait at most this many seconds for the sends in flight before
    /// exiting (new webhooks are answered 503 meanwhile).
    #[arg(long, env = "WAFLOW_SHUTDOWN_TIMEOUT", default_value_t = 10)]
    shutdown_timeout: u64,
    /// The largest CSV (or JSON list) that starts an outbound workflow, in bytes.
    #[arg(long, env = "WAFLOW_MAX_CSV_BYTES", default_value_t = UploadLimits::default().csv_bytes)]
    max_csv_bytes: usize,
    /// The most contacts one start of an outbound workflow takes (CSV rows).
    #[arg(long, env = "WAFLOW_MAX_CSV_ROWS", default_value_t = UploadLimits::default().csv_rows)]
    max_csv_rows: usize,
    /// The largest knowledge file, in bytes.
    #[arg(long, env = "WAFLOW_MAX_KNOWLEDGE_BYTES", default_value_t = UploadLimits::default().knowledge_bytes)]
    max_knowledge_bytes: usize,
    /// The most knowledge items a workspace holds, all files together.
    #[arg(long, env = "WAFLOW_MAX_KNOWLEDGE_ITEMS", default_value_t = UploadLimits::default().knowledge_items)]
    max_knowledge_items: usize,
    /// The most rows one contact import takes (its size is limited by --max-csv-bytes).
    #[arg(long, env = "WAFLOW_MAX_IMPORT_ROWS", default_value_t = UploadLimits::default().import_rows)]
    max_import_rows: u64,
    #[command(flatten)]
    sign_in: SignInArgs,
}

#[derive(Args)]
struct SignInArgs {
    /// How long a dashboard sign-in lasts (e.g. 30d, 12h; `never`: until signed out or revoked).
    #[arg(long, env = "WAFLOW_SESSION_TTL", default_value = "30d", value_parser = lifetime)]
    session_ttl: Lifetime,
    /// The window failed sign-ins are counted in; also the first lockout, which doubles with each
    /// next one (at most 60 windows).
    #[arg(long, env = "WAFLOW_SIGN_IN_WINDOW", default_value = "60s", value_parser = duration)]
    sign_in_window: Duration,
    /// Failed sign-ins for one email within the window; the next attempt answers 429.
    #[arg(long, env = "WAFLOW_SIGN_IN_PER_ACCOUNT", default_value_t = 60)]
    sign_in_per_account: u32,
    /// Failed sign-ins from one client address (IPv6: its /64) within the window.
    #[arg(long, env = "WAFLOW_SIGN_IN_PER_ADDRESS", default_value_t = 100)]
    sign_in_per_address: u32,
}

/// A lifetime: a duration, or `never`.
type Lifetime = Option<Duration>;

/// `90s`, `15m`, `12h`, `30d`.
fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{text:?} is not a duration like 90s, 15m, 12h or 30d"
            ))
        }
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n.saturating_mul(seconds))),
        _ => Err(format!(
            "{text:?} is not a positive duration like 90s, 15m, 12h or 30d"
        )),
    }
}

fn lifetime(text: &str) -> Result<Lifetime, String> {
    match text.trim() {
        "never" => Ok(None),
        other => duration(other).map(Some),
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum DurabilityArg {
    Full,
    Normal,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print it (it is stored hashed and cannot be shown again).
    Create {
        #[command(flatten)]
        data: DataDir,
        /// The workspace the token belongs to; created if missing.
        #[arg(long, default_value = "default")]
        workspace: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// How long the token works (e.g. 90d); by default until revoked
        /// (`DELETE /api/v1/auth/tokens/{id}`).
        #[arg(long, default_value = "never", value_parser = lifetime)]
        expires_in: Lifetime,
    },
}

/// Waits for SIGTERM or SIGINT; names the one that came.
async fn stop_signal() -> Result<&'static str, StartError> {
    use tokio::signal::unix::{signal, SignalKind};
    let listen =
        |kind| signal(kind).map_err(|e| StartError(format!("cannot listen for signals: {e}")));
    let mut term = listen(SignalKind::terminate())?;
    let mut int = listen(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    })
}

fn main() -> ExitCode {
    // Everything waflow writes (the database, keys, linked-device sessions, media) is for its own
    // user only, whatever umask it was started with.
    // SAFETY: umask only sets the process's file-creation mask; no threads exist yet.
    #[cfg(unix)]
    unsafe {
        libc::umask(0o077);
    }
    // mimalloc asks for transparent huge pages on its arena: an idle server then holds 2 MiB pages
    // of which it uses a few KiB (measured: 16 of its 20 MiB of anonymous memory). Small pages
    // keep the idle footprint at what is used (issue 20: idle RSS ≤ 30 MB).
    // SAFETY: prctl(PR_SET_THP_DISABLE) only sets a flag on this process's memory map.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WAFLOW_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), StartError> {
    match cli.command {
        Command::Serve(args) => {
            let durability = match args.durability {
                DurabilityArg::Full => Durability::Full,
                DurabilityArg::Normal => Durability::Normal,
            };
            let config = Config {
                durability,
                master_key: args.master_key,
                graph_url: args.graph_url,
                graph_version: args.graph_version,
                allow_private_http: args.allow_private_http,
                log_retention_days: args.log_retention_days,
                linked_device_url: args.linked_device_url,
                limits: UploadLimits {
                    csv_bytes: args.max_csv_bytes,
                    csv_rows: args.max_csv_rows,
                    knowledge_bytes: args.max_knowledge_bytes,
                    knowledge_items: args.max_knowledge_items,
                    import_rows: args.max_import_rows,
                },
                sign_in: SignInOptions {
                    window: args.sign_in.sign_in_window,
                    per_account: args.sign_in.sign_in_per_account,
                    per_address: args.sign_in.sign_in_per_address,
                    max_lockout: args.sign_in.sign_in_window.saturating_mul(60),
                    token_ttl: args.sign_in.session_ttl,
                    ..SignInOptions::default()
                },
                database: args.data.database()?,
                ..Config::new(args.listen, args.data.data_dir)
            };
            let running = waflow_server::start_with_system_clock(&config).await?;
            let url = format!("http://{}", running.addr);
            tracing::info!(%url, data_dir = %config.data_dir.display(), database = %config.database.describe(&config.data_dir), "waflow is ready");
            // Printed on stdout too, for scripts that start waflow and wait for it.
            println!("waflow listening on {url}");
            let timeout = std::time::Duration::from_secs(args.shutdown_timeout);
            let signal = stop_signal().await?;
            tracing::info!(signal, "shutting down");
            let report = running.shutdown(timeout).await;
            tracing::info!(unfinished_sends = report.unfinished_sends, "waflow stopped");
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    data,
                    workspace,
                    name,
                    expires_in,
                },
        } => {
            let store = data.open().await?;
            let token =
                waflow_server::create_token_with_ttl(&*store, &workspace, &name, expires_in)
                    .await
                    .map_err(|e| StartError(e.to_string()))?;
            println!("{token}");
            Ok(())
        }
        Command::Workflows { command } => workflows(command).await,
        Command::Campaigns {
            data,
            workspace,
            command,
        } => campaigns::run(&data, &workspace, command).await,
        Command::Contacts { command } => contacts::run(command).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::Openapi => {
            println!("{}", waflow_server::openapi::pretty());
            Ok(())
        }
        Command::Agents {
            command:
                AgentsCommand::CreateOwner {
                    data,
                    workspace,
                    email,
                    password,
                    name,
                },
        } => {
            let store = data.open().await?;
            let agent =
                waflow_server::auth::create_owner(&*store, &workspace, &name, &email, &password)
                    .await
                    .map_err(|e| StartError(e.to_string()))?;
            println!("{}\t{}\t{}", agent.id, agent.email, agent.role);
            Ok(())
        }
    }
}

async fn workflows(command: WorkflowsCommand) -> Result<(), StartError> {
    let fail = |e: waflow_server::error::ApiError| StartError(e.to_string());
    match command {
        WorkflowsCommand::Export {
            data,
            workspace,
            id,
            format,
        } => {
            let store = data.open().await?;
            let text = waflow_server::admin::export_workflows(
                &*store,
                &workspace,
                id.as_deref(),
                matches!(format, FormatArg::Yaml),
            )
            .await
            .map_err(fail)?;
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            Ok(())
        }
        WorkflowsCommand::Import {
            data,
            workspace,
            file,
        } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
            } else {
                std::fs::read_to_string(&file)
            }
            .map_err(|e| StartError(format!("cannot read {}: {e}", file.display())))?;
            let store = data.open().await?;
            let created = waflow_server::admin::import_workflows(&*store, &workspace, &text)
                .await
                .map_err(fail)?;
            for wf in created {
                println!("{}\t{}", wf.id, wf.name);
            }
            Ok(())
        }
    }
}
