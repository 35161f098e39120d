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

/// The action of a refused delivery, when the request path knows it (the secret matched):
/// carried in the refusal's response extensions so that [`observe`] logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedAction(pub String);

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
        let action = response.extensions().get::<RefusedAction>();
        rejected(status, reason, remote, action.map(|a| a.0.as_str()));
    }
    response
}

/// Counts a delivery the inbox took: `deliveries_stored_total{action}` for a new row,
/// `redeliveries_total` for a duplicate event key or the same bytes within the window.
pub fn stored(version: ApiVersion, action: &str, stored: Stored) {
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

/// Counts a transaction that changed rows, committed by the SQLite inbox's writer: the
/// `operations` it carried in `inbox_batch_operations`, and how long its commit took in
/// `inbox_commit_seconds`.
pub fn committed(operations: usize, took: Duration) {
    ::metrics::histogram!(names::INBOX_COMMIT_SECONDS).record(took.as_secs_f64());
    ::metrics::histogram!(names::INBOX_BATCH_OPERATIONS).record(operations as f64);
}

/// Logs a failed storage operation (`store`, `claim`, `record`, `release`, `prune`, `stats`,
/// `connection`) at `error`, with the delivery's id and action when it concerns one, and
/// counts it ([`count_storage_error`]).
pub fn storage_failed(
    operation: &'static str,
    error: &dyn Display,
    id: Option<i64>,
    action: Option<&str>,
) {
    count_storage_error(operation);
    tracing::error!(operation, id, action, error = %error, "storage error");
}

/// Counts a failed storage operation in `storage_errors_total{operation}`.
pub fn count_storage_error(operation: &'static str) {
    ::metrics::counter!(names::STORAGE_ERRORS_TOTAL, names::OPERATION => operation).increment(1);
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

/// Counts a connection the receiver refused or cut (`connections_refused_total{reason}`) and
/// logs it at `warn`. `reason` is one of a few fixed words, a label: `full` (every connection
/// has a request in flight), `evicted_idle` (the longest idle one closed to make room),
/// `accept` (the system refused, e.g. out of descriptors).
pub fn connection_refused(reason: &'static str, remote: Option<SocketAddr>) {
    ::metrics::counter!(names::CONNECTIONS_REFUSED_TOTAL, names::REASON => reason).increment(1);
    tracing::warn!(
        reason,
        remote = remote.map(tracing::field::display),
        "connection refused"
    );
}

/// Sets `connections_open` to the connections open now on the public listener.
pub fn connections_open(open: usize) {
    ::metrics::gauge!(names::CONNECTIONS_OPEN).set(open as f64);
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::http::Request as HttpRequest;
    use axum::response::IntoResponse;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    pub(crate) struct Capture(pub(crate) Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The JSON lines written so far.
    pub(crate) fn json_lines(capture: &Capture) -> Vec<serde_json::Value> {
        let text = String::from_utf8(capture.0.lock().expect("lock").clone()).expect("utf-8");
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_refusal_is_logged_with_its_reason_action_and_remote_address() {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_writer(move || writer.clone()),
        );
        let _guard = tracing::subscriber::set_default(subscriber);
        let refuse = || async {
            let mut response = (StatusCode::BAD_REQUEST, "no").into_response();
            response.extensions_mut().insert(Reason::new("schema"));
            let action = RefusedAction("incoming_chat".into());
            response.extensions_mut().insert(action);
            response
        };
        let app = Router::new()
            .route("/", get(refuse))
            .route("/ok", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(observe));
        let remote: SocketAddr = "192.0.2.7:4000".parse().expect("an address");
        for path in ["/", "/ok", "/elsewhere"] {
            let mut request = HttpRequest::get(path)
                .body(Body::empty())
                .expect("a request");
            request.extensions_mut().insert(ConnectInfo(remote));
            app.clone().oneshot(request).await.expect("an answer");
        }
        let lines = json_lines(&capture);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let expected = [(400, "schema", Some("incoming_chat")), (404, "path", None)];
        for (line, (status, reason, action)) in lines.iter().zip(expected) {
            assert_eq!(line["status"], status);
            assert_eq!(line["reason"], reason);
            assert_eq!(line["action"].as_str(), action);
            assert_eq!(line["remote"], "192.0.2.7:4000");
            assert_eq!(line["level"], "WARN");
        }
    }

    #[tokio::test]
    async fn connection_events_are_counted_by_reason() {
        let metrics = metrics::install().expect("installed");
        connection_refused("limit", None);
        connection_refused("limit", None);
        connections_open(3);
        let text = metrics.render().await;
        let refused = format!("{}{{reason=\"limit\"}} 2", names::CONNECTIONS_REFUSED_TOTAL);
        assert!(text.contains(&refused), "{text}");
        let open = format!("{} 3", names::CONNECTIONS_OPEN);
        assert!(text.contains(&open), "{text}");
    }

    #[test]
    fn actions_the_version_does_not_know_share_one_label() {
        let version = ApiVersion::ALL[0];
        assert_eq!(action_label(version, "incoming_chat"), "incoming_chat");
        assert_eq!(action_label(version, "made_up_by_a_sender"), "unknown");
    }
}
