//! A real nats-server with JetStream (`scripts/nats-test.sh` starts one and sets
//! `WEBHOOKS_RECEIVER_TEST_NATS`): one test at a time owns its `livechat.>` subjects, and the
//! stream a test reads back message by message.

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_nats::jetstream::{self, stream::Config};
use serde_json::Value;
use tokio::sync::{Mutex, MutexGuard};

pub const NATS_VAR: &str = "WEBHOOKS_RECEIVER_TEST_NATS";

/// The prefix of the streams the tests create (deleted by the next test that runs).
const PREFIX: &str = "WEBHOOKS_TEST_";

/// Every stream of a test takes `livechat.>`, and two streams may not share subjects: the tests
/// of this binary run one after the other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// A test's hold on the server: its URL, a JetStream context and a fresh stream name.
pub struct Nats {
    pub url: String,
    pub jetstream: jetstream::Context,
    pub stream: String,
    _turn: MutexGuard<'static, ()>,
}

/// The server, or `None` (the test is skipped) without one. Waits for the other tests of this
/// binary, then deletes the streams earlier tests left.
pub async fn server(test: &str) -> Option<Nats> {
    let Ok(url) = std::env::var(NATS_VAR) else {
        let note =
            format!("skipped {test}: {NATS_VAR} is not set (scripts/nats-test.sh sets it)\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
        return None;
    };
    let turn = ONE_AT_A_TIME.lock().await;
    let client = async_nats::connect(url.as_str()).await.unwrap();
    let jetstream = jetstream::new(client);
    for name in stream_names(&jetstream).await {
        if name.starts_with(PREFIX) {
            jetstream.delete_stream(&name).await.unwrap();
        }
    }
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let stream = format!(
        "{PREFIX}{}_{}_{test}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    Some(Nats {
        url,
        jetstream,
        stream,
        _turn: turn,
    })
}

/// The names of the server's streams (looked up one by one: a handful in these tests).
async fn stream_names(jetstream: &jetstream::Context) -> Vec<String> {
    let mut names = Vec::new();
    // The client's list of names is a `futures` stream; the server's `$JS.API.STREAM.NAMES`
    // gives the same in one answer.
    let answer: Value = jetstream
        .request("STREAM.NAMES", &serde_json::json!({}))
        .await
        .unwrap();
    if let Some(list) = answer["streams"].as_array() {
        names.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    names
}

impl Nats {
    /// `serve`'s arguments publishing into this test's stream.
    pub fn args(&self) -> Vec<OsString> {
        vec![
            "--nats".into(),
            self.url.clone().into(),
            "--nats-stream".into(),
            self.stream.clone().into(),
        ]
    }

    /// The stream's configuration and message count, or `None` when it does not exist.
    pub async fn info(&self) -> Option<(Config, u64)> {
        let mut stream = self.jetstream.get_stream(&self.stream).await.ok()?;
        let info = stream.info().await.unwrap();
        Some((info.config.clone(), info.state.messages))
    }

    /// Waits until the stream holds `count` messages (fails after [`super::PATIENCE`]).
    pub async fn until_count(&self, count: u64) {
        let reached = super::poll(|| async move {
            self.info()
                .await
                .and_then(|(_, n)| (n >= count).then_some(()))
        })
        .await;
        assert!(
            reached.is_some(),
            "the stream holds {:?} messages, not {count}",
            self.info().await.map(|(_, n)| n)
        );
    }

    /// Every message of the stream, in order, read by sequence number.
    pub async fn messages(&self) -> Vec<Stored> {
        let mut stream = self.jetstream.get_stream(&self.stream).await.unwrap();
        let state = stream.info().await.unwrap().state.clone();
        let mut out = Vec::new();
        for sequence in state.first_sequence..=state.last_sequence {
            if state.messages == 0 {
                break;
            }
            let m = stream.get_raw_message(sequence).await.unwrap();
            out.push(Stored {
                subject: m.subject.to_string(),
                id: m
                    .headers
                    .get(async_nats::header::NATS_MESSAGE_ID)
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default(),
                payload: String::from_utf8(m.payload.to_vec()).unwrap(),
            });
        }
        out
    }
}

/// One message of the stream.
#[derive(Debug, Clone)]
pub struct Stored {
    pub subject: String,
    pub id: String,
    pub payload: String,
}

/// The messages by `Nats-Msg-Id`, each id required to occur once.
pub fn by_id(messages: &[Stored]) -> HashMap<String, Stored> {
    let mut map = HashMap::new();
    for m in messages {
        let before = map.insert(m.id.clone(), m.clone());
        assert!(before.is_none(), "Nats-Msg-Id {} twice in the stream", m.id);
    }
    map
}

/// The body a receiver stores for a compact body `text` posted with [`super::SECRET`]: the same
/// text with the secret's characters removed (`"secret_key":""`).
pub fn stored_body(text: &str) -> String {
    let member = format!("\"secret_key\":{}", Value::String(super::SECRET.to_owned()));
    text.replacen(&member, "\"secret_key\":\"\"", 1)
}
