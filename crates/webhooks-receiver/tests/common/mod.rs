//! Helpers of the receiver's tests: temporary directories, samples ([`samples`]), a
//! recording handler and a receiver on an ephemeral loopback port.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use webhooks_receiver::{
    ApiVersion, Delivery, Handler, HandlerError, Inbox, Receiver, ReceiverConfig, RetryPolicy,
    SecretKeys, SqliteInbox, WorkerOptions,
};
use webhooks_types::AnyWebhook;

pub mod admin;
pub mod disk;
pub mod nats;
pub mod process;
pub mod prune;
pub mod raw;
pub mod samples;

pub use samples::*;

pub const SECRET: &str = "test-secret-1";

/// A fresh directory under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "webhooks-receiver-{name}-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub const POSTGRES_VAR: &str = "WEBHOOKS_RECEIVER_TEST_POSTGRES";

/// A connection string to a fresh database, or `None` (the test is skipped) without a server.
pub async fn fresh_database(test: &str) -> Option<String> {
    let Ok(base) = std::env::var(POSTGRES_VAR) else {
        // Straight to the process's stderr: the test harness captures `eprintln!`.
        let note = format!(
            "skipped {test}: {POSTGRES_VAR} is not set (scripts/postgres-test.sh sets it)\n"
        );
        let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
        return None;
    };
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "inbox_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let (client, connection) =
        tokio_postgres::connect(&format!("{base} dbname=postgres"), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    Some(format!("{base} dbname={name}"))
}

/// A fresh SQLite inbox in a temporary directory.
pub fn temp_sqlite() -> SqliteInbox {
    SqliteInbox::open(&temp_dir("inbox").join("inbox.sqlite")).unwrap()
}

/// What the recording handler saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub id: i64,
    pub action: String,
    pub chat: Option<String>,
    pub body_sha256: String,
    pub attempt: u32,
    pub possible_redelivery: bool,
    pub ok: bool,
}

/// Records every attempt; fails the first `fail_first` attempts of each delivery, and every
/// attempt while `failing` is set.
#[derive(Clone, Default)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub fail_first: u32,
    pub failing: Arc<std::sync::atomic::AtomicBool>,
}

impl Recorder {
    /// A recorder that fails the first `attempts` attempts of each delivery.
    pub fn failing_first(attempts: u32) -> Self {
        Self {
            fail_first: attempts,
            ..Self::default()
        }
    }

    pub fn handled(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.ok)
            .cloned()
            .collect()
    }

    fn record(&self, delivery: &Delivery, chat: Option<String>) -> Result<(), HandlerError> {
        let ok = delivery.attempt > self.fail_first && !self.failing.load(Ordering::SeqCst);
        self.seen.lock().unwrap().push(Seen {
            id: delivery.id,
            action: delivery.action.clone(),
            chat,
            body_sha256: delivery.body_sha256.clone(),
            attempt: delivery.attempt,
            possible_redelivery: delivery.possible_redelivery,
            ok,
        });
        if ok {
            Ok(())
        } else {
            Err(HandlerError::new(format!(
                "refused attempt {}",
                delivery.attempt
            )))
        }
    }
}

impl Handler for Recorder {
    async fn handle(&self, _webhook: AnyWebhook, delivery: &Delivery) -> Result<(), HandlerError> {
        let body: Value = serde_json::from_str(&delivery.body).unwrap();
        let chat = body
            .pointer("/payload/chat_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        self.record(delivery, chat)
    }

    async fn on_unknown(&self, delivery: &Delivery) -> Result<(), HandlerError> {
        self.record(delivery, None)
    }
}

pub struct Running<I = SqliteInbox> {
    pub url: String,
    pub db: PathBuf,
    pub receiver: Receiver<I>,
    pub recorder: Recorder,
}

pub fn fast_worker(max_attempts: u32) -> WorkerOptions {
    WorkerOptions {
        retry: RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
        },
        poll: Duration::from_millis(20),
        ..WorkerOptions::default()
    }
}

/// A receiver over a fresh SQLite inbox on an ephemeral loopback port.
pub async fn start(recorder: Recorder, max_attempts: u32) -> Running {
    start_version(oldest(), recorder, max_attempts).await
}

/// A receiver of `version` over a fresh SQLite inbox on an ephemeral loopback port.
pub async fn start_version(version: ApiVersion, recorder: Recorder, max_attempts: u32) -> Running {
    let db = temp_dir("loopback").join("inbox.sqlite");
    let inbox = SqliteInbox::open(&db).unwrap();
    let (url, receiver) =
        serve_version(version, inbox, recorder.clone(), fast_worker(max_attempts)).await;
    Running {
        url,
        db,
        receiver,
        recorder,
    }
}

/// A receiver over `inbox` on an ephemeral loopback port, its worker running `recorder`.
pub async fn start_with<I: Inbox>(inbox: I, recorder: Recorder, max_attempts: u32) -> Running<I> {
    let (url, receiver) = serve_with(inbox, recorder.clone(), fast_worker(max_attempts)).await;
    Running {
        url,
        db: PathBuf::new(),
        receiver,
        recorder,
    }
}

/// A receiver over `inbox` on an ephemeral loopback port, its worker running `handler`.
pub async fn serve_with<I: Inbox, H: Handler>(
    inbox: I,
    handler: H,
    worker: WorkerOptions,
) -> (String, Receiver<I>) {
    serve_version(oldest(), inbox, handler, worker).await
}

/// A receiver of `version` over `inbox` on an ephemeral loopback port, its worker running
/// `handler`.
pub async fn serve_version<I: Inbox, H: Handler>(
    version: ApiVersion,
    inbox: I,
    handler: H,
    worker: WorkerOptions,
) -> (String, Receiver<I>) {
    let mut config = ReceiverConfig::new(version, SecretKeys::new([SECRET, "second-registration"]));
    config.worker = worker;
    let receiver = Receiver::new(config, inbox).unwrap();
    receiver.spawn_worker(handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let router = receiver.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, receiver)
}

pub async fn post(client: &reqwest::Client, url: &str, body: String) -> (u16, String) {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Posts 200 `incoming_event`s of chats `{chat}0`..`{chat}6` to two receivers: each to one of
/// them, and every fifth again to the other (40 redeliveries); every answer must be 200. The
/// chats are posted at once, the events of one chat one after the other: their arrival order
/// is then defined (two deliveries of one chat in flight together have none).
pub async fn post_to_two(chat: &str, urls: [&str; 2]) {
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for c in 0..7 {
        let bodies: Vec<(usize, String)> = (0..200)
            .filter(|i| i % 7 == c)
            .map(|i| (i, event(&format!("{chat}{c}"), &format!("E{i}"))))
            .collect();
        let urls = urls.map(str::to_owned);
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            for (i, body) in bodies {
                let (first, second) = (&urls[i % 2], &urls[(i + 1) % 2]);
                assert_eq!(post(&client, first, body.clone()).await.0, 200);
                if i % 5 == 0 {
                    assert_eq!(post(&client, second, body).await.0, 200);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// How long a test waits for work it started to be done before it fails: long, because a
/// loaded machine syncs slowly; a passing test waits only as long as the work takes.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Checks `check` every 20 ms until it gives a value, for [`PATIENCE`] at most (`None` then).
pub async fn poll<T, F: std::future::Future<Output = Option<T>>>(
    mut check: impl FnMut() -> F,
) -> Option<T> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `done` holds; fails after [`PATIENCE`].
pub async fn until(mut done: impl FnMut() -> bool) {
    let reached = poll(|| std::future::ready(done().then_some(()))).await;
    assert!(reached.is_some(), "condition not reached in {PATIENCE:?}");
}

/// Waits until nothing is pending or running in the inbox.
pub async fn drained<I: Inbox>(inbox: &I) -> webhooks_receiver::inbox::Stats {
    let idle = poll(|| async move {
        let stats = inbox.stats().await.unwrap();
        (stats.pending == 0 && stats.running == 0).then_some(stats)
    })
    .await;
    match idle {
        Some(stats) => stats,
        None => panic!(
            "the inbox did not drain: {:?}",
            inbox.stats().await.unwrap()
        ),
    }
}

/// Asserts that within each chat every attempt of a delivery came before the first attempt of
/// the next one (ids rise in arrival order); returns how many chats were seen.
pub fn assert_chats_in_order(seen: &[Seen]) -> usize {
    let mut last: HashMap<&str, i64> = HashMap::new();
    for s in seen {
        let Some(chat) = s.chat.as_deref() else {
            continue;
        };
        if let Some(before) = last.insert(chat, s.id) {
            assert!(
                before <= s.id,
                "{chat}: delivery {} attempted after delivery {before}",
                s.id
            );
        }
    }
    last.len()
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `body_sha256` the receiver gives a body sent with the secret [`SECRET`] by
/// [`with_secret`]: the hex SHA-256 of the body with the secret's characters removed, computed
/// here by replacing the text of the member.
pub fn stored_sha256(body: &str) -> String {
    let member = format!(r#""secret_key":"{SECRET}""#);
    assert_eq!(body.matches(&member).count(), 1, "{body}");
    sha256_hex(body.replace(&member, r#""secret_key":"""#).as_bytes())
}

pub fn distinct<'a>(hashes: impl Iterator<Item = &'a String>) -> usize {
    hashes.collect::<HashSet<_>>().len()
}
