//! `serve`: the receiver on a socket, until SIGTERM or SIGINT.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;
use tokio::signal::unix::{signal, SignalKind};

use super::duration::{self, Retention};
use super::secret::{self, Source};
use super::{Failure, StoreArgs};
use crate::forward::{ForwardOptions, Forwarding};
use crate::inbox::{ForwardInbox, PostgresInbox, SqliteInbox};
use crate::telemetry::logs::LogFormat;
use crate::transport::ServeOptions;
use crate::{
    ApiVersion, Delivery, Handler, HandlerError, Receiver, ReceiverConfig, RetryPolicy,
    WorkerOptions,
};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// File holding the accepted secret keys, one per line. Without it or --secret-key-env,
    /// the keys are read from the environment variable LIVECHAT_SECRET_KEY (or its earlier
    /// name WEBHOOKS_SECRET_KEY), one per line.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub(crate) secret_key_file: Option<PathBuf>,
    /// Environment variable holding the accepted secret keys, one per line (instead of
    /// LIVECHAT_SECRET_KEY).
    #[arg(long, value_name = "VAR")]
    pub(crate) secret_key_env: Option<String>,
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
    /// Time for a request to arrive whole once its headers are in (408 after); LiveChat
    /// itself waits about 10 s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration::parse)]
    request_timeout: Duration,
    /// Time for a request's headers to arrive (the connection is closed after).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration::parse)]
    header_timeout: Duration,
    /// Keep-alive connections without a request for this long are closed.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration::parse)]
    idle_timeout: Duration,
    /// On SIGTERM or SIGINT: time given to the requests and handler attempts under way
    /// before the process exits (uploads still arriving then are cut).
    #[arg(long, value_name = "DURATION", default_value = "9s", value_parser = duration::parse)]
    shutdown_timeout: Duration,
    /// Connections open at most (the idle ones are closed first to make room). Always kept
    /// below the descriptor limit, less a reserve for the inbox and the admin listener.
    #[arg(long, value_name = "N", default_value_t = crate::transport::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Bytes of bodies read before their secret, held at once by all requests beyond the
    /// first 16 KiB of each (503 past it). LiveChat sends the secret second, so its deliveries
    /// never wait for this budget.
    #[arg(long, value_name = "BYTES", default_value_t = crate::transport::DEFAULT_UNAUTHENTICATED_BUDGET)]
    unauthenticated_budget: usize,
    /// Address of the admin listener (`/healthz`, `/readyz`, `/metrics`); none by default.
    /// Never the address of --listen.
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,
    /// Log lines on stderr: auto (text on a terminal, JSON lines otherwise), json or text.
    /// The level comes from RUST_LOG (default info).
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Auto)]
    log_format: LogFormat,
    #[command(flatten)]
    forward: super::forward::ForwardArgs,
    #[command(flatten)]
    nats: Box<super::nats::NatsArgs>,
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

/// `serve`, with the accepted secrets read from `secret`; text logs coloured when `colour`.
pub(crate) async fn run(
    args: ServeArgs,
    secret: Option<Source>,
    colour: bool,
) -> Result<(), Failure> {
    if args.admin_listen == Some(args.listen) && args.listen.port() != 0 {
        return Err(Failure::io(format!(
            "--admin-listen must differ from --listen ({})",
            args.listen
        )));
    }
    let limit = crate::telemetry::RateLimit::default();
    crate::telemetry::logs::init(args.log_format, colour, limit)
        .map_err(|e| Failure::io(e.to_string()))?;
    let secrets = secret
        .ok_or_else(|| Failure::io(secret::SERVE_MISSING))?
        .keys()?;
    let mut config = ReceiverConfig::new(args.api_version, secrets);
    config.body_limit = args.body_limit;
    config.request_timeout = args.request_timeout;
    config.unauthenticated_budget = args.unauthenticated_budget;
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
            run_server(listen(&args), config, inbox, transport(&args), forwarding).await
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
            run_server(listen(&args), config, inbox, transport(&args), forwarding).await
        }
    }
}

/// The public address and the admin listener's, if any.
fn listen(args: &ServeArgs) -> (SocketAddr, Option<SocketAddr>) {
    (args.listen, args.admin_listen)
}

/// How `serve` keeps connections.
fn transport(args: &ServeArgs) -> ServeOptions {
    ServeOptions {
        header_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        shutdown_timeout: args.shutdown_timeout,
        max_connections: Some(args.max_connections),
    }
}

/// Serves on `listen`, the public address, and the admin routes on `admin`'s when given.
async fn run_server<I: ForwardInbox>(
    (listen, admin): (SocketAddr, Option<SocketAddr>),
    config: ReceiverConfig,
    inbox: I,
    options: ServeOptions,
    (forwarding, forward_options): (Forwarding, ForwardOptions),
) -> Result<(), Failure> {
    let receiver = Receiver::new(config, inbox).map_err(|e| Failure::io(e.to_string()))?;
    let mut admin_listener = None;
    if let Some(addr) = admin {
        let ready = receiver.clone();
        let ready = std::sync::Arc::new(move || ready.ready());
        let started = crate::telemetry::admin::start(addr, receiver.inbox().clone(), ready)
            .await
            .map_err(|e| Failure::io(e.to_string()))?;
        let local = started.local_addr();
        tracing::info!(admin = %local, "admin endpoints on http://{local}/ (healthz, readyz, metrics)");
        admin_listener = Some(started);
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::io(format!("cannot listen on {listen}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::io(format!("cannot listen on {listen}: {e}")))?;
    let worker = receiver.spawn_worker(PrintDeliveries);
    let forwarders = forwarding.spawn(std::sync::Arc::clone(receiver.inbox()), forward_options);
    tracing::info!(addr = %local, "listening on http://{local}/");
    let grace = options.shutdown_timeout;
    let stopping = receiver.clone();
    let shutdown = async move {
        let signal = signalled().await;
        tracing::info!(signal, "stopping: answering what is in flight");
        stopping.stop_worker(grace);
    };
    receiver.serve(listener, options, shutdown).await;
    // The worker ends by itself once its grace has run out; a moment more for its releases.
    if tokio::time::timeout(grace + Duration::from_secs(1), worker)
        .await
        .is_err()
    {
        tracing::warn!("the worker did not stop in time");
    }
    // A forward under way is sent again by the next run (after its lease): at least once.
    forwarders.iter().for_each(|f| f.abort());
    drop(admin_listener);
    Ok(())
}

/// Completes on SIGTERM (systemd, Docker, Kubernetes) or SIGINT; the signal's name.
async fn signalled() -> &'static str {
    let terminate = async {
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = terminate => "SIGTERM",
        () = interrupt => "SIGINT",
    }
}
