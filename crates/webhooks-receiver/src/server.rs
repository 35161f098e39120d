//! The HTTP side: checks a delivery, stores it, answers.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use webhooks_validate::Validator;

use crate::handler::Handler;
use crate::identity::IdentityRules;
use crate::inbox::Inbox;
use crate::ingest;
use crate::secrets::SecretKeys;
use crate::storage::{storage_outcome, Storage};
use crate::transport::body::{self, Limits, Outcome};
use crate::transport::{self, ServeOptions};
use crate::version;
use crate::worker::{self, WorkerOptions};
use webhooks_types::ApiVersion;

/// The default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// A body refused unused (over the limit, or not JSON) is still read and dropped up to this
/// many times the body limit, so that its sender receives the answer rather than a reset
/// connection; past that the connection is closed with the rest unread.
const DRAIN_FACTOR: usize = 4;

/// The default redelivery window: two minutes (LiveChat retries within about one).
pub const DEFAULT_REDELIVERY_WINDOW: Duration = Duration::from_secs(120);

/// The receiver could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    /// The schemas of the version did not compile.
    #[error(transparent)]
    Schemas(#[from] webhooks_validate::BuildError),
    /// The identity rules of the version did not parse.
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    /// Handled deliveries would be deleted before a redelivery could still arrive.
    #[error("handled deliveries must be retained longer than the redelivery window ({window:?}), not {retain:?}")]
    Retention {
        /// The configured retention.
        retain: Duration,
        /// The redelivery window.
        window: Duration,
    },
}

/// What a receiver accepts and how it handles.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// The API version of the deliveries.
    pub api_version: ApiVersion,
    /// The accepted secrets.
    pub secrets: SecretKeys,
    /// Largest accepted body in bytes (413 above).
    pub body_limit: usize,
    /// A body byte-identical to one received this long before is flagged
    /// `possible_redelivery` (LiveChat retries within about a minute).
    pub redelivery_window: Duration,
    /// How the handler is run.
    pub worker: WorkerOptions,
    /// A request's body must arrive whole this long after its headers (408 after).
    pub request_timeout: Duration,
    /// Bytes of bodies read before their secret, held at once by all requests, beyond the
    /// first [`transport::body::FREE_PREFIX`] bytes of each (503 past it).
    pub unauthenticated_budget: usize,
}

impl ReceiverConfig {
    /// Defaults (1 MiB, a two-minute redelivery window) for a version and secrets.
    pub fn new(api_version: ApiVersion, secrets: SecretKeys) -> Self {
        Self {
            api_version,
            secrets,
            body_limit: DEFAULT_BODY_LIMIT,
            redelivery_window: DEFAULT_REDELIVERY_WINDOW,
            worker: WorkerOptions::default(),
            request_timeout: transport::DEFAULT_REQUEST_TIMEOUT,
            unauthenticated_budget: transport::DEFAULT_UNAUTHENTICATED_BUDGET,
        }
    }
}

/// What the request path of a receiver shares.
pub(crate) struct Shared<I> {
    pub(crate) validator: Validator,
    pub(crate) rules: IdentityRules,
    pub(crate) secrets: SecretKeys,
    pub(crate) body_limit: usize,
    pub(crate) window_ms: i64,
    pub(crate) inbox: Arc<I>,
    pub(crate) wake: Arc<Notify>,
    request_timeout: Duration,
    budget: Arc<Semaphore>,
    pub(crate) storage: Arc<Storage>,
    stop: watch::Sender<Option<Instant>>,
}

/// A webhook receiver over an inbox: [`Receiver::router`] answers deliveries,
/// [`Receiver::spawn_worker`] runs the handler over what was stored.
pub struct Receiver<I> {
    shared: Arc<Shared<I>>,
    worker: WorkerOptions,
}

impl<I> Clone for Receiver<I> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            worker: self.worker,
        }
    }
}

impl<I: Inbox> Receiver<I> {
    /// A receiver storing into `inbox`.
    pub fn new(config: ReceiverConfig, inbox: I) -> Result<Self, ReceiverError> {
        if let Some(retain) = config.worker.retain_handled {
            if retain <= config.redelivery_window {
                return Err(ReceiverError::Retention {
                    retain,
                    window: config.redelivery_window,
                });
            }
        }
        let shared = Shared {
            validator: version::validator(config.api_version)?,
            rules: version::identity(config.api_version)?,
            secrets: config.secrets,
            body_limit: config.body_limit,
            window_ms: i64::try_from(config.redelivery_window.as_millis()).unwrap_or(i64::MAX),
            inbox: Arc::new(inbox),
            wake: Arc::new(Notify::new()),
            request_timeout: config.request_timeout,
            budget: body::budget(config.unauthenticated_budget),
            storage: Arc::new(Storage::default()),
            stop: watch::Sender::new(None),
        };
        Ok(Self {
            shared: Arc::new(shared),
            worker: config.worker,
        })
    }

    /// The inbox.
    pub fn inbox(&self) -> &Arc<I> {
        &self.shared.inbox
    }

    /// The HTTP service: `POST /` takes deliveries; other methods get 405, other paths 404.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", post(receive::<I>))
            .with_state(Arc::clone(&self.shared))
            .layer(axum::middleware::from_fn(crate::telemetry::observe))
    }

    /// Starts handling the inbox with `handler` (after releasing the claims a crashed run
    /// left), until [`Receiver::stop_worker`]: then the attempts under way are finished, or
    /// released for a later run if they are still running when the task is told to give up
    /// (see [`Receiver::stop_worker`]), and the task ends.
    pub fn spawn_worker<H: Handler>(&self, handler: H) -> JoinHandle<()> {
        let inbox = Arc::clone(&self.shared.inbox);
        let wake = Arc::clone(&self.shared.wake);
        let options = self.worker;
        let version = self.shared.validator.api_version();
        let stop = self.shared.stop.subscribe();
        tokio::spawn(async move {
            if let Err(e) = inbox.release_claims().await {
                crate::telemetry::storage_failed("release", &e, None, None);
            }
            worker::run(inbox, Arc::new(handler), version, options, wake, stop).await;
        })
    }

    /// Tells the worker to claim nothing more and to finish the attempts under way within
    /// `grace`; those still running then are given up and their claims released.
    pub fn stop_worker(&self, grace: Duration) {
        self.shared.stop.send_replace(Some(Instant::now() + grace));
    }

    /// Whether the inbox took the last delivery (or, after a failure, the last probe):
    /// false from a storage failure until a committed write succeeds again.
    pub fn ready(&self) -> bool {
        self.shared.storage.ready()
    }

    /// Serves [`Receiver::router`] on `listener` under `options` until `shutdown` completes
    /// (see [`transport::serve`]).
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        options: ServeOptions,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        transport::serve(listener, self.router(), options, shutdown).await;
    }
}

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub(crate) fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    let mut response = json_response(
        status,
        &json!({"valid": false, "errors": [{"kind": kind, "message": message}]}),
    );
    // Logged as the reason of the refusal.
    let reason = crate::telemetry::Reason::new(kind.to_owned());
    response.extensions_mut().insert(reason);
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// The body length the request declares (`Content-Length`), if any.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// How much of a refused body is read in vain, and until when.
#[derive(Debug, Clone, Copy)]
struct Drain {
    cap: usize,
    deadline: tokio::time::Instant,
}

/// Answers `answer` to a request whose body is not used, after reading and dropping the body
/// up to `drain.cap` bytes in all (`read` of them read already; the frame that crosses the cap
/// is read whole) and until the request's deadline: a connection closed with body bytes unread
/// is reset, and its sender then sees a broken connection instead of the answer. The body is
/// not read at all when it is declared longer than the cap (its connection is reset), nor when
/// its sender waits to be asked for it (`Expect: 100-continue`) and has not been: reading
/// would ask.
async fn refuse(
    headers: &HeaderMap,
    mut body: Body,
    drain: Drain,
    mut read: usize,
    answer: Response,
) -> Response {
    let waits = read == 0
        && headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if waits || declared_length(headers).is_some_and(|n| n > drain.cap as u64) {
        return answer;
    }
    while read <= drain.cap {
        match tokio::time::timeout_at(drain.deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                read = read.saturating_add(frame.data_ref().map_or(0, |d| d.len()));
            }
            _ => break,
        }
    }
    answer
}

/// The answer to a refused request, its reason attached for the log line of
/// [`crate::telemetry::observe`] (status, reason, peer; never the body or the secret).
fn refused(status: StatusCode, reason: &'static str) -> Response {
    let message = match reason {
        "secret_key" => "missing or wrong secret_key",
        "json" => "the body is not a JSON object",
        "timeout" => "the request did not arrive in time",
        "busy" => "too many unauthenticated bodies are being received; retry",
        "content_type" => "expected Content-Type: application/json",
        "too_large" => "the body is over the limit",
        _ => "the body could not be read",
    };
    let mut answer = error(status, reason, message);
    if matches!(reason, "timeout" | "busy") {
        answer
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if reason == "busy" {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    answer
}

async fn receive<I: Inbox>(State(shared): State<Arc<Shared<I>>>, request: Request) -> Response {
    let limits = Limits::new(
        shared.body_limit,
        shared.request_timeout,
        Arc::clone(&shared.budget),
    );
    // A refused body is read in vain up to this many bytes, so that its sender gets the answer.
    let drain = Drain {
        cap: shared.body_limit.saturating_mul(DRAIN_FACTOR),
        deadline: limits.deadline,
    };
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    if !is_json(headers) {
        let answer = refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "content_type");
        return refuse(headers, body, drain, 0, answer).await;
    }
    if declared_length(headers).is_some_and(|n| n > shared.body_limit as u64) {
        let answer = refused(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
        return refuse(headers, body, drain, 0, answer).await;
    }
    let (bytes, secret) = match body::read(body, &limits, &shared.secrets).await {
        Outcome::Authenticated { bytes, secret } => (bytes, secret),
        Outcome::Unauthorized { rest, read } => {
            let answer = refused(StatusCode::UNAUTHORIZED, "secret_key");
            return refuse(headers, rest, drain, read, answer).await;
        }
        Outcome::NotObject { rest, read } => {
            let answer = refused(StatusCode::BAD_REQUEST, "json");
            return refuse(headers, rest, drain, read, answer).await;
        }
        Outcome::TooLarge { rest, read } => {
            let answer = refused(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
            return refuse(headers, rest, drain, read, answer).await;
        }
        Outcome::TimedOut => return refused(StatusCode::REQUEST_TIMEOUT, "timeout"),
        Outcome::Busy => return refused(StatusCode::SERVICE_UNAVAILABLE, "busy"),
        Outcome::Broken(_) => return refused(StatusCode::BAD_REQUEST, "body"),
    };
    let outcome = ingest::accept(&shared, bytes, secret).await;
    match &outcome {
        ingest::Outcome::Stored { .. } => storage_outcome(&shared, None),
        ingest::Outcome::Unavailable { error, .. } => storage_outcome(&shared, Some(error)),
        ingest::Outcome::Invalid { .. } => {}
    }
    let action = outcome.action().map(str::to_owned);
    let mut answer = outcome.into_response();
    if let Some(action) = action.filter(|_| answer.status() != StatusCode::OK) {
        answer
            .extensions_mut()
            .insert(crate::telemetry::RefusedAction(action));
    }
    answer
}
