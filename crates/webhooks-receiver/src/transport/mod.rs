//! The receiver's own accept loop: what holds for a connection before any request on it is
//! authenticated (a cap below the descriptor limit, header and idle timeouts), and the
//! graceful shutdown (stop accepting, answer what is in flight, cut the rest at a deadline).
//!
//! Built on hyper's HTTP/1 connection with hyper-util's timer and graceful-shutdown watcher;
//! the body's own limits (deadline, unauthenticated budget, early secret check) are in
//! [`body`], read by the receiver's request handler.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;

use crate::telemetry;
use tokio::net::TcpListener;
use tower::ServiceExt;

pub mod body;
mod conn;
pub(crate) mod scan;

pub use body::DEFAULT_UNAUTHENTICATED_BUDGET;
pub use conn::{cap_for, descriptor_limit, DESCRIPTOR_RESERVE};
use conn::{Admitted, Registry, Slot};

/// The default connection cap: with at most 32 KiB read ahead and 16 KiB of a body held
/// before its secret on each, 4,096 connections hold at most 192 MiB before anyone is
/// authenticated, however high the descriptor limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The default time for a request to arrive whole: LiveChat's own wait.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time for a request's headers to arrive.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// The default time an idle keep-alive connection stays open.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time given to requests in flight at shutdown.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(9);

/// The most a connection reads ahead of its request (headers included): hyper's default
/// (about 400 KiB) let 300 connections uploading at once hold 100 MB between them.
const READ_BUFFER: usize = 32 * 1024;

/// How connections are accepted, kept and closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// A request's headers must arrive within this time.
    pub header_timeout: Duration,
    /// A keep-alive connection without a request for this long is closed.
    pub idle_timeout: Duration,
    /// At shutdown, requests in flight are given this long; the rest are cut.
    pub shutdown_timeout: Duration,
    /// Connections open at most ([`DEFAULT_MAX_CONNECTIONS`] when `None`), and never more
    /// than the descriptor limit less a reserve ([`cap_for`]).
    pub max_connections: Option<usize>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            max_connections: None,
        }
    }
}

impl ServeOptions {
    /// The connection cap these options give in this process.
    pub fn connection_cap(&self) -> usize {
        let from_limit = descriptor_limit().map_or(usize::MAX, cap_for);
        self.max_connections
            .map_or(from_limit, |n| n.min(from_limit))
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish for up to [`ServeOptions::shutdown_timeout`] and returns
/// (connections still open then are cut when their tasks are dropped with the runtime).
/// Handlers find the peer's address in the `ConnectInfo<SocketAddr>` extension.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) {
    let registry = Registry::new(options.connection_cap());
    tracing::info!(cap = registry.cap(), "connection cap");
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, remote)) => match registry.admit() {
                Ok((slot, how)) => {
                    if how == Admitted::Evicted {
                        limit_event("closed the longest idle connection to admit a new one");
                    }
                    let _ = stream.set_nodelay(true);
                    let activity = Arc::clone(&slot.activity);
                    let router = router.clone();
                    // Each request gets the peer's address and counts as in flight until answered.
                    let service = service_fn(move |mut request: hyper::Request<Incoming>| {
                        let guard = activity.begin();
                        request.extensions_mut().insert(ConnectInfo(remote));
                        let router = router.clone();
                        async move {
                            let answer = router.oneshot(request).await;
                            drop(guard);
                            answer
                        }
                    });
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(options.header_timeout)
                        .max_buf_size(READ_BUFFER)
                        .serve_connection(TokioIo::new(stream), service);
                    let watched = graceful.watch(connection);
                    tokio::spawn(run(watched, slot, options.idle_timeout));
                }
                Err(full) => {
                    drop(stream);
                    tracing::debug!(cap = full.cap, "every connection has a request in flight");
                    telemetry::connection_refused("full", Some(remote));
                }
            },
            Err(e) => {
                // Out of descriptors (or another passing failure): wait rather than spin.
                tracing::warn!(error = %e, open = registry.open(), "cannot accept a connection");
                telemetry::connection_refused("accept", None);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    drop(listener);
    let open = registry.open();
    tracing::info!(
        open,
        timeout_s = options.shutdown_timeout.as_secs_f64(),
        "shutting down: no new connections; answering the requests in flight"
    );
    if tokio::time::timeout(options.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = registry.open(),
            "shutdown deadline reached: the connections still open are cut"
        );
    }
}

/// A connection-limit event: logged and counted.
fn limit_event(message: &'static str) {
    tracing::debug!("{message}");
    telemetry::connection_refused("evicted_idle", None);
}

/// Drives a connection until it ends, is idle for `idle`, or must make room for another.
async fn run(connection: impl Future, slot: Slot, idle: Duration) {
    let mut connection = std::pin::pin!(connection);
    let check = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = &mut connection => break,
            () = slot.activity.close.notified() => break,
            () = tokio::time::sleep(check) => {
                if slot.activity.idle_for().is_some_and(|d| d >= idle) {
                    break;
                }
            }
        }
    }
}
