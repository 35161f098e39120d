//! The SQLite inbox's write-ahead log stays bounded while deliveries keep arriving: the
//! checkpointing thread copies it, and the writer restarts it from its start.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use webhooks_receiver::inbox::NewDelivery;
use webhooks_receiver::{Identity, Inbox, SqliteInbox};

/// Bytes of each body: every stored body is written to the log at least once.
const BODY: usize = 4096;
/// The most the log may hold at the end.
const BOUND: u64 = 16 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_ahead_log_stays_bounded_under_steady_load() {
    let path = common::temp_dir("wal").join("inbox.sqlite");
    let inbox = Arc::new(SqliteInbox::open(&path).unwrap());
    let stored = Arc::new(AtomicUsize::new(0));
    let padding = "x".repeat(BODY);
    // Enough deliveries that their bodies alone would take the log four times past the bound,
    // stored without a pause (a pause would let the log restart by itself).
    let wanted = 4 * BOUND as usize / BODY;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut writers = Vec::new();
    for writer in 0..16 {
        let (inbox, stored, padding) = (Arc::clone(&inbox), Arc::clone(&stored), padding.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while stored.load(Ordering::SeqCst) < wanted && Instant::now() < deadline {
                let body = format!(r#"{{"writer":{writer},"n":{n},"padding":"{padding}"}}"#);
                let delivery = NewDelivery {
                    received_at_ms: 1,
                    webhook_id: "wh".to_owned(),
                    action: "incoming_event".to_owned(),
                    identity: Identity {
                        chat_id: Some(format!("C{writer}")),
                        event_key: Some(format!("{writer}/{n}")),
                    },
                    body_sha256: common::sha256_hex(body.as_bytes()),
                    body,
                    redelivery_since_ms: 0,
                };
                inbox.store(delivery).await.unwrap();
                stored.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let stored = stored.load(Ordering::SeqCst);
    let log = std::fs::metadata(path.with_extension("sqlite-wal"))
        .unwrap()
        .len();
    assert!(stored >= wanted, "only {stored} of {wanted} stored in time");
    assert!(
        log <= BOUND,
        "the log holds {log} bytes after {stored} deliveries of {BODY} bytes (bound {BOUND})"
    );
}
