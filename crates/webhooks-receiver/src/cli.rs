//! The command line: `serve`, `send`, `dead`, `redrive`, `prune`.

use std::ffi::OsString;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde_json::json;
use webhooks_validate::cli::ColorWhen;

use crate::forward::{ForwardOptions, Forwarding};
use crate::inbox::{state, ForwardInbox, PostgresInbox, SqliteInbox};
use crate::{
    now_ms, ApiVersion, Delivery, Handler, HandlerError, Receiver, ReceiverConfig, RetryPolicy,
    WorkerOptions,
};

mod color;
mod duration;
mod forward;
mod nats;
mod progress;
mod secret;
mod send;

use color::Colours;
use duration::Retention;
use secret::Source;

/// Receives LiveChat webhooks durably: answers 200 only once a delivery is stored, then
/// handles it from the inbox.
#[derive(Debug, Parser)]
#[command(name = "webhooks-receiver", about)]
struct Cli {
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set or TERM is dumb),
    /// always or never.
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto,
        display_order = 100)]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

/// The command's definition, as clap describes it (its `--version` names the API versions it
/// knows): what it parses, and what its shell completions and man pages are made from.
pub fn command() -> clap::Command {
    Cli::command().version(webhooks_validate::cli::version_text(env!(
        "CARGO_PKG_VERSION"
    )))
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Accept webhooks on `POST /`; print one NDJSON line per handled delivery on stdout.
    Serve(ServeArgs),
    /// Post samples to a receiver (secret filled in) and print each status.
    Send(send::SendArgs),
    /// List the dead letters of an inbox as NDJSON (with --destination, the dead forwards).
    Dead(DeadArgs),
    /// Put dead letters back into the inbox to be handled again.
    Redrive(RedriveArgs),
    /// Delete handled deliveries older than a retention (`serve` does it every 10 minutes);
    /// dead letters are kept.
    Prune(PruneArgs),
}

/// Where the inbox is.
#[derive(Debug, Args)]
struct StoreArgs {
    /// The SQLite inbox file (created if absent).
    #[arg(long, value_name = "FILE", default_value = "inbox.sqlite", value_hint = clap::ValueHint::FilePath)]
    db: PathBuf,
    /// Use a PostgreSQL inbox instead (connection string or URL; better given through the
    /// environment, since it may hold a password).
    #[arg(
        long,
        value_name = "URL",
        env = "WEBHOOKS_RECEIVER_POSTGRES",
        hide_env_values = true
    )]
    postgres: Option<String>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// File holding the accepted secret keys, one per line. Without it or --secret-key-env,
    /// the keys are read from the environment variable LIVECHAT_SECRET_KEY (or its earlier
    /// name WEBHOOKS_SECRET_KEY), one per line.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    secret_key_file: Option<PathBuf>,
    /// Environment variable holding the accepted secret keys, one per line (instead of
    /// LIVECHAT_SECRET_KEY).
    #[arg(long, value_name = "VAR")]
    secret_key_env: Option<String>,
    /// LiveChat Webhooks API version of the deliveries.
    #[arg(long, value_name = "VERSION", default_value_t = ApiVersion::STABLE,
        value_parser = webhooks_validate::cli::api_version_parser())]
    api_version: ApiVersion,
    #[command(flatten)]
    store: StoreArgs,
    /// Largest accepted body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = crate::DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Attempts before a delivery becomes a dead letter.
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_attempts: u32,
    /// Wait after a first failed attempt, in milliseconds (doubled after each further one).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    retry_base_ms: u64,
    /// Delete handled deliveries this long after they were handled (`500ms`, `90s`, `30m`,
    /// `12h`, `7d`), or `forever`; longer than the two-minute redelivery window. Dead letters
    /// are kept. A redelivery of a keyed event arriving after its row is deleted is handled
    /// again.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = duration::parse_retention)]
    retain_handled: Retention,
    /// How long a worker's claim on a delivery holds: after a crash, the deliveries being
    /// handled wait this long before this or another receiver takes them over.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration::parse)]
    lease: Duration,
    #[command(flatten)]
    forward: forward::ForwardArgs,
    #[command(flatten)]
    nats: Box<nats::NatsArgs>,
}

/// `dead`'s arguments.
#[derive(Debug, Args)]
struct DeadArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// List the dead forwards to this destination (a `--forward` URL) instead of the
    /// handler's dead letters; `all` for every destination's.
    #[arg(long, value_name = "URL")]
    destination: Option<String>,
}

#[derive(Debug, Args)]
struct PruneArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Delete handled deliveries handled longer ago than this (`30m`, `12h`, `7d`); longer
    /// than the two-minute redelivery window.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = duration::parse)]
    retain_handled: Duration,
}

/// What `dead`, `redrive` and `prune` do with an inbox.
#[derive(Debug, Clone)]
enum Inspect {
    /// List the dead letters.
    Dead,
    /// Re-drive one dead letter or all.
    Redrive(Option<i64>),
    /// Delete what was handled before this time (milliseconds since the epoch).
    Prune(i64),
    /// List the dead forwards of a destination (of every destination when `None`).
    DeadForwards(Option<String>),
    /// Re-drive a destination's dead forward of one delivery, or all of them.
    RedriveForwards(String, Option<i64>),
}

#[derive(Debug, Args)]
struct RedriveArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    which: DeadLetters,
    /// Re-drive the dead forwards to this destination (a `--forward` URL; `--id` is then a
    /// delivery's id) instead of the handler's dead letters.
    #[arg(long, value_name = "URL")]
    destination: Option<String>,
}

/// The dead letters `redrive` puts back: one of `--id` and `--all`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct DeadLetters {
    /// The dead letter to re-drive.
    #[arg(long, value_name = "ID")]
    id: Option<i64>,
    /// Re-drive every dead letter.
    #[arg(long)]
    all: bool,
}

/// A failure of the command: the message and the exit code (1 bad input, 2 usage or I/O).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn io(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }

    fn input(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    // Help and usage errors are coloured as `--color` says when it parses, else as auto.
    let when = ColorWhen::before_parsing(args.get(1..).unwrap_or_default());
    let colours = Colours::of_process(when);
    let cli = match parse(args, when.clap(colours.stderr)) {
        Ok(cli) => cli,
        // `--help` and `--version` print to stdout and succeed; usage errors exit 2.
        Err(e) => return color::print(&e, colours),
    };
    let colours = Colours::of_process(cli.color);
    let secret = match secret::of_command(&cli.command) {
        Ok(secret) => secret,
        Err(e) => return color::print(&e, colours),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("webhooks-receiver: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args, secret).await,
            Command::Send(args) => send::run(args, secret, colours.stderr).await,
            Command::Dead(args) => {
                let action = match args.destination.as_deref() {
                    None => Inspect::Dead,
                    Some("all") => Inspect::DeadForwards(None),
                    Some(d) => Inspect::DeadForwards(Some(forward::destination_key(d))),
                };
                with_inbox(&args.store, action).await
            }
            Command::Redrive(args) => {
                let action = match args.destination.as_deref() {
                    None => Inspect::Redrive(args.which.id),
                    Some(d) => Inspect::RedriveForwards(forward::destination_key(d), args.which.id),
                };
                with_inbox(&args.store, action).await
            }
            Command::Prune(args) => match prune_before(args.retain_handled) {
                Ok(before) => with_inbox(&args.store, Inspect::Prune(before)).await,
                Err(e) => Err(e),
            },
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("webhooks-receiver: {failure}");
            ExitCode::from(failure.code)
        }
    }
}

/// Parses the command line (`args` with the program name).
fn parse(args: Vec<OsString>, color: clap::ColorChoice) -> Result<Cli, clap::Error> {
    let matches = command().color(color).try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// Writes one NDJSON line per handled delivery to stdout.
struct PrintDeliveries;

fn print_line(delivery: &Delivery) -> Result<(), HandlerError> {
    let line = json!({
        "id": delivery.id,
        "webhook_id": delivery.webhook_id,
        "action": delivery.action,
        "body_sha256": delivery.body_sha256,
        "attempt": delivery.attempt,
        "possible_redelivery": delivery.possible_redelivery,
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| HandlerError::new(format!("cannot write to stdout: {e}")))
}

impl Handler for PrintDeliveries {
    async fn handle(
        &self,
        _: webhooks_types::AnyWebhook,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        print_line(delivery)
    }

    async fn on_unknown(&self, delivery: &Delivery) -> Result<(), HandlerError> {
        print_line(delivery)
    }
}

/// `serve`, with the accepted secrets read from `secret`.
async fn serve(args: ServeArgs, secret: Option<Source>) -> Result<(), Failure> {
    let secrets = secret
        .ok_or_else(|| Failure::io(secret::SERVE_MISSING))?
        .keys()?;
    let mut config = ReceiverConfig::new(args.api_version, secrets);
    config.body_limit = args.body_limit;
    config.worker = WorkerOptions {
        retry: RetryPolicy {
            max_attempts: args.max_attempts.max(1),
            base_delay: Duration::from_millis(args.retry_base_ms),
            ..RetryPolicy::default()
        },
        lease: args.lease,
        retain_handled: args.retain_handled.0,
        ..WorkerOptions::default()
    };
    let mut forwarding = args.forward.forwarding()?;
    if let Some(nats) = args
        .nats
        .destination(args.api_version, &forwarding.1)
        .await?
    {
        forwarding.0.push(crate::forward::Target {
            destination: crate::forward::AnyDestination::Nats(Box::new(nats)),
            actions: None,
        });
    }
    let routes = forwarding.0.routes();
    match &args.store.postgres {
        Some(url) => {
            let inbox = PostgresInbox::connect(url)
                .await
                .map_err(|e| Failure::io(format!("cannot open the PostgreSQL inbox: {e}")))?
                .with_routes(routes);
            run_server(args.listen, config, inbox, forwarding).await
        }
        None => {
            let inbox = SqliteInbox::open(&args.store.db)
                .map_err(|e| {
                    Failure::io(format!(
                        "cannot open the inbox {}: {e}",
                        args.store.db.display()
                    ))
                })?
                .with_routes(routes);
            run_server(args.listen, config, inbox, forwarding).await
        }
    }
}

async fn run_server<I: ForwardInbox>(
    listen: SocketAddr,
    config: ReceiverConfig,
    inbox: I,
    (forwarding, forward_options): (Forwarding, ForwardOptions),
) -> Result<(), Failure> {
    let receiver = Receiver::new(config, inbox).map_err(|e| Failure::io(e.to_string()))?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::io(format!("cannot listen on {listen}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::io(format!("cannot listen on {listen}: {e}")))?;
    let worker = receiver.spawn_worker(PrintDeliveries);
    let forwarders = forwarding.spawn(std::sync::Arc::clone(receiver.inbox()), forward_options);
    eprintln!("webhooks-receiver: listening on http://{local}/");
    let served = axum::serve(listener, receiver.router())
        .with_graceful_shutdown(async {
            // Without a signal handler the server runs until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await;
    worker.abort();
    forwarders.iter().for_each(|f| f.abort());
    served.map_err(|e| Failure::io(format!("the server stopped: {e}")))
}

/// The time before which `prune` deletes handled deliveries, refusing a retention within the
/// redelivery window.
fn prune_before(retain: Duration) -> Result<i64, Failure> {
    let window = crate::DEFAULT_REDELIVERY_WINDOW;
    if retain <= window {
        return Err(Failure::io(format!(
            "--retain-handled must be longer than the redelivery window ({window:?}), not {retain:?}"
        )));
    }
    let retain = i64::try_from(retain.as_millis()).unwrap_or(i64::MAX);
    Ok(now_ms().saturating_sub(retain))
}

/// `dead`, `redrive` or `prune`.
async fn with_inbox(store: &StoreArgs, action: Inspect) -> Result<(), Failure> {
    match &store.postgres {
        Some(url) => {
            let inbox = PostgresInbox::connect(url)
                .await
                .map_err(|e| Failure::io(format!("cannot open the PostgreSQL inbox: {e}")))?;
            inspect(&inbox, action).await
        }
        None => {
            if !store.db.exists() {
                return Err(Failure::io(format!("no inbox at {}", store.db.display())));
            }
            let inbox = SqliteInbox::open(&store.db).map_err(|e| {
                Failure::io(format!("cannot open the inbox {}: {e}", store.db.display()))
            })?;
            inspect(&inbox, action).await
        }
    }
}

async fn inspect<I: ForwardInbox>(inbox: &I, action: Inspect) -> Result<(), Failure> {
    let storage = |e: crate::InboxError| Failure::io(e.to_string());
    match action {
        Inspect::Dead => {
            let rows = inbox.rows(state::DEAD, usize::MAX).await.map_err(storage)?;
            let mut out = std::io::stdout().lock();
            for row in rows {
                let line = json!({"id": row.id, "action": row.action, "state": row.state,
                    "attempts": row.attempts, "last_error": row.last_error});
                writeln!(out, "{line}").map_err(|e| Failure::io(e.to_string()))?;
            }
            Ok(())
        }
        Inspect::Prune(before) => {
            let n = crate::prune(inbox, before).await.map_err(storage)?;
            println!("pruned: {n}");
            Ok(())
        }
        Inspect::DeadForwards(destination) => {
            let rows = inbox
                .dead_forwards(destination.as_deref(), usize::MAX)
                .await
                .map_err(storage)?;
            let mut out = std::io::stdout().lock();
            for row in rows {
                let line = json!({"id": row.delivery_id, "destination": row.destination,
                    "action": row.action, "state": row.state, "attempts": row.attempts,
                    "last_error": row.last_error});
                writeln!(out, "{line}").map_err(|e| Failure::io(e.to_string()))?;
            }
            Ok(())
        }
        Inspect::RedriveForwards(destination, id) => {
            let n = inbox
                .redrive_forwards(&destination, id, now_ms())
                .await
                .map_err(storage)?;
            println!("re-driven: {n}");
            match (id, n) {
                (Some(id), 0) => Err(Failure::input(format!(
                    "no dead forward of delivery {id} to {destination}"
                ))),
                _ => Ok(()),
            }
        }
        Inspect::Redrive(id) => {
            let n = inbox.redrive(id, now_ms()).await.map_err(storage)?;
            println!("re-driven: {n}");
            match (id, n) {
                (Some(id), 0) => Err(Failure::input(format!("no dead letter with id {id}"))),
                _ => Ok(()),
            }
        }
    }
}
