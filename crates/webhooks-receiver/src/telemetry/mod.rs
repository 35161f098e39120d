//! What the receiver tells its operators: Prometheus metrics ([`metrics`]), the admin
//! listener's routes ([`admin`]), logs through `tracing` with a rate limit ([`logs`]), and
//! the calls the request path and the worker make to count and log what happens.
//!
//! Metric names live in [`names`]. Without an installed recorder the counting calls do
//! nothing, and without a subscriber the logging calls do nothing, so a library user who
//! wants neither pays nothing.

use std::borrow::Cow;
use std::fmt::Display;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use webhooks_types::ApiVersion;

use crate::inbox::Stored;

pub mod admin;
mod limit;
pub mod logs;
pub mod metrics;
pub mod names;

pub use limit::{RateLimit, DEFAULT_PER_WINDOW, DEFAULT_WINDOW};

/// Why a request was refused, as the request path names it (`secret_key`, `too_large`,
/// `content_type`, …): carried in the refusal's response extensions so that
/// [`observe`] logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(pub Cow<'static, str>);

impl Reason {
    /// A reason named `reason`.
    pub fn new(reason: impl Into<Cow<'static, str>>) -> Self {
        Self(reason.into())
    }
}

/// The action a delivery names, as a metric label: the action when `version` knows it, else
/// `unknown` (so that a sender cannot make up labels).
pub fn action_label(version: ApiVersion, action: &str) -> &str {
    if version.knows_action(action) {
        action
    } else {
        "unknown"
    }
}

/// Logs one refused request at `warn`: its status, why, where from and, when known, the
/// delivery's action. Never the body nor the secret. [`observe`] calls it for every answer of
/// 400 or above; the answer itself is counted there in `requests_total{status}`.
pub fn rejected(
    status: StatusCode,
    reason: &str,
    remote: Option<SocketAddr>,
    action: Option<&str>,
) {
    tracing::warn!(
        status = status.as_u16(),
        reason,
        remote = remote.map(tracing::field::display),
        action,
        "request refused"
    );
}

/// The reason logged for a refusal that names none.
fn default_reason(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "invalid",
        StatusCode::NOT_FOUND => "path",
        StatusCode::METHOD_NOT_ALLOWED => "method",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "server_error",
        _ => "refused",
    }
}

/// Middleware of the public router: counts every answer in `requests_total{status}`, times
/// each 200 in `ack_seconds` (from the request reaching the router to the answer), and logs
/// each refusal with [`rejected`] (the remote address comes from axum's [`ConnectInfo`] when
/// the server provides it).
pub async fn observe(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let remote = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let response = next.run(request).await;
    let status = response.status();
    ::metrics::counter!(names::REQUESTS_TOTAL, names::STATUS => status.as_u16().to_string())
        .increment(1);
    if status == StatusCode::OK {
        ::metrics::histogram!(names::ACK_SECONDS).record(start.elapsed().as_secs_f64());
    } else if status.is_client_error() || status.is_server_error() {
        let reason = response
            .extensions()
            .get::<Reason>()
            .map_or_else(|| default_reason(status), |r| r.0.as_ref());
        rejected(status, reason, remote, None);
    }
    response
}

/// Whether the last write to the inbox succeeded (process-wide; true until one fails).
static WRITES_OK: AtomicBool = AtomicBool::new(true);
/// Whether the last look at the inbox's counts succeeded.
static READS_OK: AtomicBool = AtomicBool::new(true);

/// Whether the inbox looked usable at the last store and the last refresh of its counts:
/// the readiness of `/readyz` until the inbox reports its writability itself.
pub fn storage_ok() -> bool {
    WRITES_OK.load(Ordering::Relaxed) && READS_OK.load(Ordering::Relaxed)
}

/// Counts a delivery the inbox took: `deliveries_stored_total{action}` for a new row,
/// `redeliveries_total` for a duplicate event key or the same bytes within the window.
pub fn stored(version: ApiVersion, action: &str, stored: Stored) {
    WRITES_OK.store(true, Ordering::Relaxed);
    let redelivery = match stored {
        Stored::New {
            possible_redelivery,
            ..
        } => {
            let label = action_label(version, action).to_owned();
            ::metrics::counter!(names::DELIVERIES_STORED_TOTAL, names::ACTION => label)
                .increment(1);
            possible_redelivery
        }
        Stored::Duplicate { .. } => true,
    };
    if redelivery {
        ::metrics::counter!(names::REDELIVERIES_TOTAL).increment(1);
    }
}

/// Logs a failed storage operation (`store`, `claim`, `record`, `release`, `prune`, `stats`)
/// at `error`, counts it in `storage_errors_total{operation}`, and marks the inbox not ready
/// when it was a write.
pub fn storage_failed(operation: &'static str, error: &dyn Display, action: Option<&str>) {
    match operation {
        "stats" => READS_OK.store(false, Ordering::Relaxed),
        "store" => WRITES_OK.store(false, Ordering::Relaxed),
        _ => {}
    }
    ::metrics::counter!(names::STORAGE_ERRORS_TOTAL, names::OPERATION => operation).increment(1);
    tracing::error!(operation, action, error = %error, "storage error");
}

/// Records that the inbox's counts were read (see [`storage_ok`]).
pub(crate) fn stats_read() {
    READS_OK.store(true, Ordering::Relaxed);
}

/// Counts one handler attempt that took `took`: `handler_seconds`, and when it succeeded
/// `deliveries_handled_total{action}`.
pub(crate) fn handler_ran(version: ApiVersion, action: &str, took: Duration, succeeded: bool) {
    ::metrics::histogram!(names::HANDLER_SECONDS).record(took.as_secs_f64());
    if succeeded {
        let label = action_label(version, action).to_owned();
        ::metrics::counter!(names::DELIVERIES_HANDLED_TOTAL, names::ACTION => label).increment(1);
    }
}

/// Counts and logs a failed handler attempt: at `warn` when it will be retried, at `error`
/// when the delivery became a dead letter.
pub(crate) fn handler_failed(id: i64, action: &str, attempt: u32, error: &str, dead: bool) {
    ::metrics::counter!(names::HANDLER_FAILURES_TOTAL).increment(1);
    if dead {
        tracing::error!(
            id,
            action,
            attempts = attempt,
            error,
            "dead letter: the handler failed its last attempt"
        );
    } else {
        tracing::warn!(id, action, attempt, error, "handler failed; retried later");
    }
}
