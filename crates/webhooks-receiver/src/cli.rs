//! The command line: `serve`, `send`, `dead`, `redrive`, `prune`.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde_json::json;
use webhooks_validate::cli::ColorWhen;

use crate::inbox::{state, ForwardInbox, PostgresInbox, SqliteInbox};
use crate::now_ms;

mod color;
mod duration;
mod forward;
mod nats;
mod progress;
mod secret;
mod send;
mod serve;

use color::Colours;

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
    Serve(Box<serve::ServeArgs>),
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
pub(crate) struct StoreArgs {
    /// The SQLite inbox file (created if absent).
    #[arg(long, value_name = "FILE", default_value = "inbox.sqlite", value_hint = clap::ValueHint::FilePath)]
    pub(crate) db: PathBuf,
    /// Use a PostgreSQL inbox instead (connection string or URL; better given through the
    /// environment, since it may hold a password).
    #[arg(
        long,
        value_name = "URL",
        env = "WEBHOOKS_RECEIVER_POSTGRES",
        hide_env_values = true
    )]
    pub(crate) postgres: Option<String>,
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
    pub(crate) fn io(message: impl Into<String>) -> Self {
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
            Command::Serve(args) => serve::run(*args, secret, colours.stderr).await,
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

/// Writes `text` and a newline on standard output (an error, not a panic, once it is closed).
fn line(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::io(format!("cannot write to stdout: {e}")))
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
            line(&format!("pruned: {n}"))
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
            line(&format!("re-driven: {n}"))?;
            match (id, n) {
                (Some(id), 0) => Err(Failure::input(format!(
                    "no dead forward of delivery {id} to {destination}"
                ))),
                _ => Ok(()),
            }
        }
        Inspect::Redrive(id) => {
            let n = inbox.redrive(id, now_ms()).await.map_err(storage)?;
            line(&format!("re-driven: {n}"))?;
            match (id, n) {
                (Some(id), 0) => Err(Failure::input(format!("no dead letter with id {id}"))),
                _ => Ok(()),
            }
        }
    }
}
