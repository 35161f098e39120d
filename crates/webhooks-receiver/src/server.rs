//! The HTTP side: checks a delivery, stores it, answers.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use webhooks_validate::Validator;

use crate::handler::Handler;
use crate::identity::IdentityRules;
use crate::inbox::Inbox;
use crate::ingest;
use crate::scan::{self, SecretAt};
use crate::secrets::SecretKeys;
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
    }

    /// Starts handling the inbox with `handler` (after releasing the claims a crashed run
    /// left), until the task is aborted.
    pub fn spawn_worker<H: Handler>(&self, handler: H) -> JoinHandle<()> {
        let inbox = Arc::clone(&self.shared.inbox);
        let wake = Arc::clone(&self.shared.wake);
        let options = self.worker;
        let version = self.shared.validator.api_version();
        tokio::spawn(async move {
            if let Err(e) = inbox.release_claims().await {
                eprintln!("webhooks-receiver: cannot release old claims: {e}");
            }
            worker::run(inbox, Arc::new(handler), version, options, wake).await;
        })
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
    json_response(
        status,
        &json!({"valid": false, "errors": [{"kind": kind, "message": message}]}),
    )
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

/// What `read_limited` found.
enum Read {
    /// The whole body, within the limit.
    Body(Vec<u8>),
    /// Over the limit: the rest of the body, still unread, and how many bytes were read.
    TooLarge(Body, usize),
}

/// Reads the body up to `limit` bytes.
async fn read_limited(mut body: Body, limit: usize) -> Result<Read, axum::Error> {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            let read = bytes.len().saturating_add(data.len());
            if read > limit {
                return Ok(Read::TooLarge(body, read));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Read::Body(bytes))
}

/// Answers `answer` to a request whose body is not used, after reading and dropping the body
/// up to `cap` bytes in all (`read` of them read already; the frame that crosses `cap` is read
/// whole): a connection closed with body bytes unread is reset, and its sender then sees a
/// broken connection instead of the answer. The body is not read at all when it is declared
/// longer than `cap` (its connection is reset), nor when its sender waits to be asked for it
/// (`Expect: 100-continue`) and has not been: reading would ask.
async fn refuse(
    headers: &HeaderMap,
    mut body: Body,
    cap: usize,
    mut read: usize,
    answer: Response,
) -> Response {
    let waits = read == 0
        && headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if waits || declared_length(headers).is_some_and(|n| n > cap as u64) {
        return answer;
    }
    while read <= cap {
        match body.frame().await {
            Some(Ok(frame)) => {
                read = read.saturating_add(frame.data_ref().map_or(0, |d| d.len()));
            }
            Some(Err(_)) | None => break,
        }
    }
    answer
}

async fn receive<I: Inbox>(State(shared): State<Arc<Shared<I>>>, request: Request) -> Response {
    // A refused body is read in vain up to this many bytes, so that its sender gets the answer.
    let drain = shared.body_limit.saturating_mul(DRAIN_FACTOR);
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    if !is_json(headers) {
        let answer = error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content_type",
            "expected Content-Type: application/json",
        );
        return refuse(headers, body, drain, 0, answer).await;
    }
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            &format!("the body is over {} bytes", shared.body_limit),
        )
    };
    if declared_length(headers).is_some_and(|n| n > shared.body_limit as u64) {
        return refuse(headers, body, drain, 0, too_large()).await;
    }
    let bytes = match read_limited(body, shared.body_limit).await {
        Ok(Read::Body(bytes)) => bytes,
        Ok(Read::TooLarge(rest, read)) => {
            return refuse(headers, rest, drain, read, too_large()).await
        }
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "body",
                &format!("cannot read the body: {e}"),
            )
        }
    };
    // Nothing about the body is told to a caller without a verified secret.
    let secret = match scan::find_secret(&bytes) {
        SecretAt::Span(span) => span,
        SecretAt::Missing => return unauthorized(),
        SecretAt::Malformed => {
            return error(
                StatusCode::BAD_REQUEST,
                "json",
                "the body is not a JSON object with a secret_key",
            )
        }
    };
    let verified = bytes
        .get(secret.start.saturating_sub(1)..secret.end.saturating_add(1))
        .and_then(webhooks_types::scan::unescape)
        .is_some_and(|s| shared.secrets.accepts(&s));
    if !verified {
        return unauthorized();
    }
    let outcome = ingest::accept(&shared, bytes, secret).await;
    if let ingest::Outcome::Unavailable { error, .. } = &outcome {
        let action = outcome.action().unwrap_or_default();
        eprintln!("webhooks-receiver: cannot store a delivery of {action}: {error}");
    }
    outcome.into_response()
}

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "secret_key",
        "missing or wrong secret_key",
    )
}
