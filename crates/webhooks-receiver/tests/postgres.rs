//! The PostgreSQL inbox against a real server: `scripts/postgres-test.sh` starts one and sets
//! `WEBHOOKS_RECEIVER_TEST_POSTGRES` (a `key=value` connection string without `dbname`);
//! without it these tests say they are skipped.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use common::prune::{claim, delivery};
use common::{drained, fresh_database, post, start_with, Recorder, SECRET};
use webhooks_receiver::inbox::state;
use webhooks_receiver::{Inbox, PostgresInbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_receivers_share_one_inbox_each_event_handled_once_in_chat_order() {
    let Some(url) = fresh_database("two_receivers").await else {
        return;
    };
    // One recorder for both: it sees every attempt of either receiver. Each delivery fails
    // its first attempt, so that order has to survive retries.
    let recorder = Recorder::failing_first(1);
    let a = start_with(
        PostgresInbox::connect(&url).await.unwrap(),
        recorder.clone(),
        5,
    )
    .await;
    let b = start_with(
        PostgresInbox::connect(&url).await.unwrap(),
        recorder.clone(),
        5,
    )
    .await;
    common::post_to_two("PG", [&a.url, &b.url]).await;
    let stats = drained(a.receiver.inbox().as_ref()).await;
    assert_eq!((stats.done, stats.duplicates, stats.dead), (200, 40, 0));
    let handled = recorder.handled();
    assert_eq!(
        handled.len(),
        200,
        "each event handled once by one of the two"
    );
    assert_eq!(
        common::distinct(handled.iter().map(|s| &s.body_sha256)),
        200
    );
    let seen = recorder.seen.lock().unwrap().clone();
    // In arrival order across both receivers.
    assert_eq!(common::assert_chats_in_order(&seen), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_never_take_the_same_delivery() {
    let Some(url) = fresh_database("concurrent_claims").await else {
        return;
    };
    let store = PostgresInbox::connect(&url).await.unwrap();
    for i in 0..300 {
        store.store(delivery(i, None)).await.unwrap();
    }
    let mut claimers = Vec::new();
    for _ in 0..4 {
        let inbox = PostgresInbox::connect(&url).await.unwrap();
        claimers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let batch = inbox.claim(claim(10, 7)).await.unwrap();
                if batch.is_empty() {
                    return ids;
                }
                ids.extend(batch.iter().map(|d| d.id));
            }
        }));
    }
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    assert_eq!(all.len(), 300);
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        300,
        "no delivery claimed twice"
    );
    assert_eq!(store.stats().await.unwrap().running, 300);
}

#[tokio::test]
async fn dead_letters_and_redelivery_flags_in_postgres() {
    let Some(url) = fresh_database("dead_letters").await else {
        return;
    };
    let recorder = Recorder::default();
    recorder.failing.store(true, Ordering::SeqCst);
    let run = start_with(
        PostgresInbox::connect(&url).await.unwrap(),
        recorder.clone(),
        2,
    )
    .await;
    let client = reqwest::Client::new();
    let status = |s: &str| {
        let mut value = common::sample("routing_status_set");
        value["payload"]["status"] = s.into();
        common::with_secret(value, SECRET)
    };
    for s in ["accepting chats", "not accepting chats", "accepting chats"] {
        assert_eq!(post(&client, &run.url, status(s)).await.0, 200);
    }
    let stats = drained(run.receiver.inbox().as_ref()).await;
    assert_eq!(stats.dead, 3);
    let dead = run.receiver.inbox().rows(state::DEAD, 10).await.unwrap();
    assert!(dead
        .iter()
        .all(|r| r.attempts == 2 && r.last_error.as_deref() == Some("refused attempt 2")));
    recorder.failing.store(false, Ordering::SeqCst);
    let now = webhooks_receiver::now_ms();
    assert_eq!(run.receiver.inbox().redrive(None, now).await.unwrap(), 3);
    let stats = drained(run.receiver.inbox().as_ref()).await;
    assert_eq!((stats.done, stats.dead), (3, 0));
    let mut handled = recorder.handled();
    handled.sort_by_key(|s| s.id);
    let flags: Vec<bool> = handled.iter().map(|s| s.possible_redelivery).collect();
    assert_eq!(flags, [false, false, true]);
}

#[tokio::test]
async fn prune_deletes_only_handled_rows_before_the_cutoff_in_postgres() {
    let Some(url) = fresh_database("prune").await else {
        return;
    };
    let inbox = PostgresInbox::connect(&url).await.unwrap();
    common::prune::prune_deletes_only_handled_rows_before_the_cutoff(&inbox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_prunes_handled_deliveries_and_keeps_dead_letters_in_postgres() {
    let Some(url) = fresh_database("worker_prunes").await else {
        return;
    };
    let inbox = PostgresInbox::connect(&url).await.unwrap();
    common::prune::the_worker_prunes_handled_deliveries_and_keeps_dead_letters(inbox).await;
}
