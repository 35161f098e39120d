//! Forwarding: every delivery the inbox stores as new is sent to each destination that takes
//! its action, at least once, from the inbox's per-destination state.
//!
//! A destination is a [`Destination`] (its stable key and how one attempt sends a message).
//! Each destination has its own forwarder task ([`run()`]): it claims the destination's due
//! forwards under a lease, sends them concurrently with a timeout per attempt, and records
//! each outcome: done, retried with exponential backoff and jitter (honouring a
//! [`ForwardError::retry_after`]), or a dead letter after the last attempt. A slow or down
//! destination therefore delays neither the acknowledgement nor other destinations.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::handler::Delivery;
use crate::inbox::{ForwardInbox, Route, Routes};
use crate::worker::RetryPolicy;

mod http;
pub mod nats;
mod run;

pub use http::{HttpDestination, HttpDestinationError, SigningSecret, SigningSecretError};
pub use nats::{NatsDestination, NatsError, NatsOptions, Published};
pub use run::run;

/// What a destination receives: a stored delivery and its message id.
#[derive(Debug, Clone)]
pub struct Message {
    /// The message id, the same for every attempt and across restarts:
    /// `msg_<inbox instance>_<delivery id>` (see [`message_id`]). Standard Webhooks'
    /// `webhook-id`; a deduplication key for any destination.
    pub id: String,
    /// The delivery, its body as stored.
    pub delivery: Delivery,
}

/// The message id of delivery `delivery_id` of the inbox named `instance`
/// ([`ForwardInbox::instance`]).
pub fn message_id(instance: &str, delivery_id: i64) -> String {
    format!("msg_{instance}_{delivery_id}")
}

/// One failed attempt at a destination: retried later, or a dead letter after the last
/// attempt. The message is stored in the inbox and logged: it never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ForwardError {
    /// What went wrong.
    pub message: String,
    /// The destination asked to wait at least this long (HTTP `Retry-After`).
    pub retry_after: Option<Duration>,
}

impl ForwardError {
    /// An error with this message and no wait asked.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// Where deliveries are forwarded.
pub trait Destination: Send + Sync + 'static {
    /// The destination's stable name, stored in the inbox with each of its forwards (the
    /// URL of an HTTP destination): a destination keeps its state across restarts only
    /// under the same key. Never a secret.
    fn key(&self) -> &str;

    /// One attempt at sending `message`: `Ok` once the destination has taken it.
    fn send(&self, message: &Message) -> impl Future<Output = Result<(), ForwardError>> + Send;
}

/// Every kind of destination `serve` forwards to.
#[derive(Debug)]
pub enum AnyDestination {
    /// A Standard Webhooks endpoint.
    Http(HttpDestination),
    /// A NATS JetStream stream.
    Nats(Box<NatsDestination>),
}

impl Destination for AnyDestination {
    fn key(&self) -> &str {
        match self {
            Self::Http(d) => d.key(),
            Self::Nats(d) => d.key(),
        }
    }

    async fn send(&self, message: &Message) -> Result<(), ForwardError> {
        match self {
            Self::Http(d) => d.send(message).await,
            Self::Nats(d) => d.send(message).await,
        }
    }
}

/// A destination and the actions it takes.
#[derive(Debug)]
pub struct Target<D = AnyDestination> {
    /// The destination.
    pub destination: D,
    /// The actions forwarded there; `None` for all.
    pub actions: Option<BTreeSet<String>>,
}

/// How forwards are attempted (the same for every destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardOptions {
    /// Attempts before a forward becomes a dead letter, and the backoff between them (each
    /// wait drawn between half and all of the policy's).
    pub retry: RetryPolicy,
    /// The longest wait for one attempt.
    pub timeout: Duration,
    /// Forwards in flight at once, per destination.
    pub concurrency: usize,
    /// How long a claim holds (longer than `timeout`): after a crash, the forwards in flight
    /// wait this long before another receiver sharing the inbox takes them over.
    pub lease: Duration,
    /// How often the inbox is looked at when nothing wakes the forwarder.
    pub poll: Duration,
}

impl ForwardOptions {
    /// How long a claim on a forward holds: [`ForwardOptions::lease`], and at least twice the
    /// attempt's timeout, to leave room for recording its outcome before another claim.
    pub fn claim_lease(&self) -> Duration {
        self.lease.max(self.timeout.saturating_mul(2))
    }
}

/// A `Retry-After` longer than this is shortened to it.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

impl Default for ForwardOptions {
    /// 20 attempts, from 500 ms doubling to at most 60 s (about 15 minutes before a dead
    /// letter), 10 s per attempt, 64 in flight, a 60 s lease.
    fn default() -> Self {
        Self {
            retry: RetryPolicy {
                max_attempts: 20,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(60),
            },
            timeout: Duration::from_secs(10),
            concurrency: 64,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
        }
    }
}

/// The destinations of a receiver, before their forwarders start.
#[derive(Debug)]
pub struct Forwarding<D = AnyDestination> {
    targets: Vec<(Target<D>, Arc<Notify>)>,
}

impl<D: Destination> Forwarding<D> {
    /// Forwarding to `targets`.
    pub fn new(targets: Vec<Target<D>>) -> Self {
        Self {
            targets: targets
                .into_iter()
                .map(|t| (t, Arc::new(Notify::new())))
                .collect(),
        }
    }

    /// The routes to give the inbox (`with_routes`), so that it writes each new delivery's
    /// forwards and wakes the forwarders.
    pub fn routes(&self) -> Routes {
        Routes::new(
            self.targets
                .iter()
                .map(|(t, wake)| Route {
                    destination: t.destination.key().to_owned(),
                    actions: t.actions.clone(),
                    wake: Arc::clone(wake),
                })
                .collect(),
        )
    }

    /// Whether there is no destination.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Adds a destination.
    pub fn push(&mut self, target: Target<D>) {
        self.targets.push((target, Arc::new(Notify::new())));
    }

    /// Starts one forwarder per destination over `inbox` (which must have been given
    /// [`Forwarding::routes`]), until the tasks are aborted.
    pub fn spawn<I: ForwardInbox>(
        self,
        inbox: Arc<I>,
        options: ForwardOptions,
    ) -> Vec<JoinHandle<()>> {
        self.targets
            .into_iter()
            .map(|(target, wake)| {
                tokio::spawn(run(
                    Arc::clone(&inbox),
                    Arc::new(target.destination),
                    options,
                    wake,
                ))
            })
            .collect()
    }
}
