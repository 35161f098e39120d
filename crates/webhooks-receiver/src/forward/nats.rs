//! A NATS JetStream stream as a destination.
//!
//! Each delivery goes to the subject `livechat.<version>.<action>`, the version written as
//! one subject token (`3.6` as `v3_6`: dots separate tokens in NATS), with the header
//! `Nats-Msg-Id` set to the message id (`msg_<inbox instance>_<delivery id>`, the `webhook-id`
//! of HTTP destinations: stable across retries and restarts, unique across inboxes) and the
//! stored body as its payload. A forward is done only once the stream acknowledged it; the
//! stream's duplicate window drops a republish of the same message, as after a crash between
//! the acknowledgement and its record in the inbox.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, context::PublishErrorKind, stream};
use async_nats::{ConnectOptions, HeaderMap};
use webhooks_types::ApiVersion;

use super::{Destination, ForwardError, Message};

/// The subjects of a stream this destination creates: every subject it publishes to.
pub const SUBJECTS: &str = "livechat.>";

/// The longest action written into a subject, in bytes; a longer one is cut.
const MAX_ACTION_TOKEN: usize = 128;

/// How the destination connects and publishes. Its `Debug` leaves out the URL, which may hold
/// credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct NatsOptions {
    /// The server (`nats://host:port`, or several separated by commas).
    pub url: String,
    /// The JetStream stream (created with [`SUBJECTS`] when absent).
    pub stream: String,
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// How long a publish waits for the stream's acknowledgement.
    pub ack_timeout: Duration,
    /// The duplicate window of a stream this destination creates: a republish of a delivery
    /// within it is dropped. Longer than a claim's lease plus the retry delays, so that the
    /// republish after a crash falls inside it.
    pub duplicate_window: Duration,
}

impl std::fmt::Debug for NatsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsOptions")
            .field("stream", &self.stream)
            .field("connect_timeout", &self.connect_timeout)
            .field("ack_timeout", &self.ack_timeout)
            .field("duplicate_window", &self.duplicate_window)
            .finish_non_exhaustive()
    }
}

/// The default duplicate window: ten minutes.
pub const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(600);

impl NatsOptions {
    /// Defaults (5 s to connect, 10 s for an acknowledgement, [`DEFAULT_DUPLICATE_WINDOW`]) for
    /// a server and a stream.
    pub fn new(url: impl Into<String>, stream: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: stream.into(),
            connect_timeout: Duration::from_secs(5),
            ack_timeout: Duration::from_secs(10),
            duplicate_window: DEFAULT_DUPLICATE_WINDOW,
        }
    }
}

/// A failure of the NATS destination.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    /// The stream's name cannot name a stream.
    #[error("invalid stream name {0:?}: use letters, digits, `_` and `-` (at most 255)")]
    StreamName(String),
    /// The server's address does not parse.
    #[error("invalid NATS server address: {0}")]
    Address(#[source] async_nats::ConnectError),
    /// The stream could not be looked up or created.
    #[error("cannot create or look up the stream {stream}: {source}")]
    Stream {
        /// The stream.
        stream: String,
        /// What the server or the client said.
        #[source]
        source: async_nats::jetstream::context::CreateStreamError,
    },
    /// The message was not sent.
    #[error("cannot publish to {subject}: {source}")]
    Publish {
        /// The subject.
        subject: String,
        /// What the client said.
        #[source]
        source: async_nats::jetstream::context::PublishError,
    },
    /// The message was sent, but the stream did not acknowledge it (in time).
    #[error("no acknowledgement for {subject} from stream {stream}: {source}")]
    Ack {
        /// The subject.
        subject: String,
        /// The stream.
        stream: String,
        /// What the client said.
        #[source]
        source: async_nats::jetstream::context::PublishError,
    },
}

/// The stream acknowledged a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// Its sequence number in the stream (that of the first copy when a duplicate).
    pub sequence: u64,
    /// The stream had it already, within its duplicate window: this copy was dropped.
    pub duplicate: bool,
}

/// Checks a stream name: letters, digits, `_` and `-`, 1 to 255 bytes.
pub fn check_stream_name(name: &str) -> Result<(), NatsError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(NatsError::StreamName(name.chars().take(300).collect()))
    }
}

/// The subject token of an API version: `3.6` is `v3_6`.
pub fn version_token(version: ApiVersion) -> String {
    format!("v{}", version.name().replace('.', "_"))
}

/// The subject token of an action: the action when it is one (`incoming_chat`); otherwise
/// each byte other than an ASCII letter, digit, `_` or `-` becomes `_`, an empty action
/// `_`, and one longer than 128 bytes is cut (an action the API version does not define is
/// stored and published too, whatever it holds).
pub fn action_token(action: &str) -> String {
    let token: String = action
        .bytes()
        .take(MAX_ACTION_TOKEN)
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
                char::from(b)
            } else {
                '_'
            }
        })
        .collect();
    if token.is_empty() {
        "_".to_owned()
    } else {
        token
    }
}

/// The subject of a delivery of `action` under `version`: `livechat.v3_6.incoming_chat`.
pub fn subject(version: ApiVersion, action: &str) -> String {
    format!(
        "livechat.{}.{}",
        version_token(version),
        action_token(action)
    )
}

/// A JetStream stream that stored deliveries are published into.
#[derive(Debug, Clone)]
pub struct NatsDestination {
    /// `nats:<stream>`.
    key: String,
    jetstream: jetstream::Context,
    options: NatsOptions,
    version: ApiVersion,
    /// The stream was found or created (looked up again after the server said it has none).
    ensured: Arc<AtomicBool>,
}

impl NatsDestination {
    /// A destination for deliveries of `version`. The connection is made in the background and
    /// made again whenever it is lost, so that a server that is down delays publishing, never
    /// the receiver's start; only an address that does not parse fails here.
    pub async fn connect(options: NatsOptions, version: ApiVersion) -> Result<Self, NatsError> {
        check_stream_name(&options.stream)?;
        let client = ConnectOptions::new()
            .name("webhooks-receiver")
            .connection_timeout(options.connect_timeout)
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connect(options.url.as_str())
            .await
            .map_err(NatsError::Address)?;
        let jetstream = jetstream::ContextBuilder::new()
            .timeout(options.ack_timeout)
            .build(client);
        Ok(Self {
            key: Self::key_of(&options.stream),
            jetstream,
            options,
            version,
            ensured: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The key of the destination of stream `stream` (`nats:<stream>`): its forwards in the
    /// inbox are kept under it, whichever server address reaches the stream.
    pub fn key_of(stream: &str) -> String {
        format!("nats:{stream}")
    }

    /// The options.
    pub fn options(&self) -> &NatsOptions {
        &self.options
    }

    /// Creates the stream (subjects [`SUBJECTS`], the duplicate window of the options, stored
    /// in files) unless a stream of that name exists, which is then used as it is configured.
    /// Returns the duplicate window of the stream. [`NatsDestination::publish`] calls it before
    /// its first message.
    pub async fn ensure_stream(&self) -> Result<Duration, NatsError> {
        let config = stream::Config {
            name: self.options.stream.clone(),
            subjects: vec![SUBJECTS.to_owned()],
            duplicate_window: self.options.duplicate_window,
            storage: stream::StorageType::File,
            ..stream::Config::default()
        };
        let stream = self
            .jetstream
            .get_or_create_stream(config)
            .await
            .map_err(|source| NatsError::Stream {
                stream: self.options.stream.clone(),
                source,
            })?;
        let window = stream.cached_info().config.duplicate_window;
        self.ensured.store(true, Ordering::SeqCst);
        tracing::debug!(
            destination = %self.key,
            duplicate_window_s = window.as_secs_f64(),
            "NATS stream ready"
        );
        Ok(window)
    }

    /// Publishes a message and waits for the stream's acknowledgement (creating the stream
    /// first if it was not found or created yet).
    pub async fn publish(&self, message: &Message) -> Result<Published, NatsError> {
        let delivery = &message.delivery;
        if !self.ensured.load(Ordering::SeqCst) {
            self.ensure_stream().await?;
        }
        let subject = subject(self.version, &delivery.action);
        let mut headers = HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, message.id.as_str());
        let payload = delivery.body.clone().into_bytes().into();
        let ack = self
            .jetstream
            .publish_with_headers(subject.clone(), headers, payload)
            .await
            .map_err(|source| NatsError::Publish {
                subject: subject.clone(),
                source,
            })?;
        let ack = ack.await.map_err(|source| {
            // No stream takes the subject any more (deleted): looked up again next time.
            if source.kind() == PublishErrorKind::StreamNotFound {
                self.ensured.store(false, Ordering::SeqCst);
            }
            NatsError::Ack {
                subject,
                stream: self.options.stream.clone(),
                source,
            }
        })?;
        Ok(Published {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }
}

impl Destination for NatsDestination {
    fn key(&self) -> &str {
        &self.key
    }

    async fn send(&self, message: &Message) -> Result<(), ForwardError> {
        match self.publish(message).await {
            Ok(published) => {
                if published.duplicate {
                    metrics::counter!(crate::telemetry::names::NATS_DUPLICATES_TOTAL,
                        "destination" => self.key.clone())
                    .increment(1);
                    tracing::debug!(destination = %self.key, id = message.delivery.id,
                        sequence = published.sequence, "the stream had the message already");
                }
                Ok(())
            }
            Err(e) => Err(ForwardError::new(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_actions_are_single_subject_tokens() {
        let v = ApiVersion::ALL[ApiVersion::ALL.len() - 1];
        let token = version_token(v);
        assert!(token.starts_with('v') && !token.contains('.'), "{token}");
        assert_eq!(action_token("incoming_chat"), "incoming_chat");
        assert_eq!(action_token("a.b >*c d"), "a_b___c_d");
        assert_eq!(action_token(""), "_");
        assert_eq!(action_token("ü"), "__");
        assert_eq!(action_token(&"x".repeat(1000)).len(), MAX_ACTION_TOKEN);
        assert_eq!(
            subject(v, "chat_deactivated"),
            format!("livechat.{token}.chat_deactivated")
        );
    }

    #[test]
    fn stream_names_are_checked() {
        assert!(check_stream_name("LIVECHAT_webhooks-1").is_ok());
        for bad in ["", "a.b", "a b", "a>", "a*", "ä", &"x".repeat(256)] {
            assert!(check_stream_name(bad).is_err(), "{bad:?}");
        }
    }
}
