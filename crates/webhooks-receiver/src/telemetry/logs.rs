//! The process's logs: `tracing` events written to stderr, as JSON lines (one object per
//! line: `timestamp`, `level`, `target`, `message` and the event's fields) or as text for a
//! person at a terminal; the level from `RUST_LOG` (`info` by default); each callsite held to
//! [`DEFAULT_PER_WINDOW`] lines a second by a [`RateLimit`].

use std::io::IsTerminal;

use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use super::RateLimit;
#[cfg(doc)]
use super::DEFAULT_PER_WINDOW;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Text when stderr is a terminal, JSON lines otherwise.
    #[default]
    Auto,
    /// One JSON object per line.
    Json,
    /// Human-readable text.
    Text,
}

impl LogFormat {
    /// Whether lines are JSON, `auto` deciding by whether stderr is a terminal.
    pub fn is_json(self) -> bool {
        match self {
            Self::Json => true,
            Self::Text => false,
            Self::Auto => !std::io::stderr().is_terminal(),
        }
    }
}

/// The logs could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    /// Another subscriber was set for the process first.
    #[error("cannot set up the logs: {0}")]
    Init(#[from] tracing_subscriber::util::TryInitError),
    /// The thread writing the summaries of suppressed lines did not start.
    #[error("cannot start the log rate limit: {0}")]
    Thread(#[from] std::io::Error),
    /// A built-in filter directive did not parse.
    #[error("cannot set up the log filter: {0}")]
    Filter(String),
}

/// Sets the process's subscriber: `format` on stderr (text coloured when `colour`),
/// `RUST_LOG`'s level (`info` when unset; directives it cannot read are left out), `limit` on
/// every callsite, whose summaries a thread of its own writes once per window.
pub fn init(format: LogFormat, colour: bool, limit: RateLimit) -> Result<(), LogsError> {
    // async-nats writes server addresses, credentials included, at its debug level: its lines
    // stop at info whatever RUST_LOG says.
    let quiet = "async_nats=info"
        .parse()
        .map_err(|e| LogsError::Filter(format!("{e}")));
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy()
        .add_directive(quiet?);
    let lines = if format.is_json() {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_ansi(colour)
            .with_writer(std::io::stderr)
            .boxed()
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(limit.clone())
        .with(lines)
        .try_init()?;
    limit.spawn_flusher()?;
    Ok(())
}
