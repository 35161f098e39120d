//! Pruning scenarios run on both inboxes: rows asserted through the `Inbox` trait.

use std::sync::atomic::Ordering;
use std::time::Duration;

use webhooks_receiver::inbox::{state, Claim, NewDelivery, Stored};
use webhooks_receiver::{Identity, Inbox, Receiver, ReceiverConfig, ReceiverError, SecretKeys};

use super::{drained, post, Recorder, SECRET};

/// A delivery with a distinct `body_sha256` for each `n` and event key `key`.
pub fn delivery(n: u32, key: Option<&str>) -> NewDelivery {
    NewDelivery {
        received_at_ms: 1,
        webhook_id: "w".into(),
        action: "incoming_event".into(),
        identity: Identity {
            chat_id: None,
            event_key: key.map(str::to_owned),
        },
        body_sha256: format!("{n:064}"),
        body: "{}".into(),
        redelivery_since_ms: 0,
    }
}

/// A claim at `now_ms` of up to `limit` deliveries, leased for ever.
pub fn claim(now_ms: i64, limit: usize) -> Claim {
    Claim {
        now_ms,
        lease_until_ms: i64::MAX,
        limit,
    }
}

/// Stores `d`, which must be new; its id.
pub async fn new_id<I: Inbox>(inbox: &I, d: NewDelivery) -> i64 {
    match inbox.store(d).await.unwrap() {
        Stored::New { id, .. } => id,
        other => panic!("stored as {other:?}"),
    }
}

/// The ids of the rows in `state`.
pub async fn ids_in<I: Inbox>(inbox: &I, state: &str) -> Vec<i64> {
    let rows = inbox.rows(state, 100).await.unwrap();
    rows.iter().map(|r| r.id).collect()
}

/// Handled rows handled before the cutoff go, in batches of the limit; dead letters and waiting
/// rows stay; a keyed event whose row is gone is stored (and so handled) again.
pub async fn prune_deletes_only_handled_rows_before_the_cutoff<I: Inbox>(inbox: &I) {
    let a = new_id(inbox, delivery(1, Some("k1"))).await;
    let b = new_id(inbox, delivery(2, Some("k2"))).await;
    let c = new_id(inbox, delivery(3, None)).await;
    let d = new_id(inbox, delivery(4, None)).await;
    assert_eq!(inbox.claim(claim(10, 10)).await.unwrap().len(), 4);
    let e = new_id(inbox, delivery(5, None)).await;
    for (id, at) in [(a, 1000), (b, 2000), (c, 1000)] {
        inbox.complete(id, at).await.unwrap();
    }
    inbox.fail(d, "boom", None).await.unwrap();
    assert_eq!(
        inbox.store(delivery(6, Some("k1"))).await.unwrap(),
        Stored::Duplicate { id: a }
    );
    assert_eq!(inbox.prune(1000, 10).await.unwrap(), 0, "strictly before");
    assert_eq!(inbox.prune(2001, 1).await.unwrap(), 1, "at most the limit");
    assert_eq!(inbox.prune(2001, 10).await.unwrap(), 2);
    assert_eq!(inbox.prune(i64::MAX, 10).await.unwrap(), 0);
    let stats = inbox.stats().await.unwrap();
    assert_eq!((stats.done, stats.dead, stats.pending), (0, 1, 1));
    assert_eq!(ids_in(inbox, state::DEAD).await, [d]);
    assert_eq!(ids_in(inbox, state::PENDING).await, [e]);
    // The row of `k1` is gone: the same event is a new delivery now.
    let again = new_id(inbox, delivery(7, Some("k1"))).await;
    assert!(again > e);
}

/// A receiver's worker deletes handled deliveries past the retention and keeps dead letters.
pub async fn the_worker_prunes_handled_deliveries_and_keeps_dead_letters<I: Inbox>(inbox: I) {
    let mut config = ReceiverConfig::new(super::oldest(), SecretKeys::new([SECRET]));
    config.redelivery_window = Duration::from_millis(50);
    config.worker = super::fast_worker(1);
    config.worker.retain_handled = Some(Duration::from_millis(50));
    assert!(matches!(
        Receiver::new(config.clone(), super::temp_sqlite()),
        Err(ReceiverError::Retention { .. })
    ));
    config.worker.retain_handled = Some(Duration::from_millis(300));
    config.worker.prune_every = Duration::from_millis(50);
    let receiver = Receiver::new(config, inbox).unwrap();
    let recorder = Recorder::default();
    receiver.spawn_worker(recorder.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let router = receiver.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    recorder.failing.store(true, Ordering::SeqCst);
    let tagged = super::with_secret(super::sample("thread_tagged"), SECRET);
    assert_eq!(post(&client, &url, tagged).await.0, 200);
    assert_eq!(drained(receiver.inbox().as_ref()).await.dead, 1);
    recorder.failing.store(false, Ordering::SeqCst);
    let event = super::event("PRUNE", "E1");
    for body in [event.clone(), super::event("PRUNE", "E2")] {
        assert_eq!(post(&client, &url, body).await.0, 200);
    }
    let inbox = receiver.inbox();
    // Both handled, neither still running (handled is recorded before the worker completes
    // the row), and both pruned.
    let recorder = &recorder;
    let inbox = &inbox;
    super::poll(|| async move {
        let stats = inbox.stats().await.unwrap();
        let settled = stats.running == 0 && stats.pending == 0 && stats.done == 0;
        (settled && recorder.handled().len() == 2).then_some(())
    })
    .await;
    let stats = inbox.stats().await.unwrap();
    assert_eq!(
        (stats.done, stats.dead, stats.pending, stats.running),
        (0, 1, 0, 0),
        "{stats:?}"
    );
    assert_eq!(recorder.handled().len(), 2);
    // A redelivery after the retention is a new delivery: handled again (at least once).
    assert_eq!(post(&client, &url, event.clone()).await.0, 200);
    super::until(|| recorder.handled().len() == 3).await;
    let sha = super::stored_sha256(&event);
    let handled = recorder.handled();
    assert_eq!(handled.iter().filter(|s| s.body_sha256 == sha).count(), 2);
}
