//! `serve --nats` recovering, against a real `nats-server -js` (`scripts/nats-test.sh` sets
//! `WEBHOOKS_RECEIVER_TEST_NATS`; without it these tests say they are skipped): killed with
//! SIGKILL while publishing, then restarted; publishes that fail until they are dead letters,
//! listed and re-driven by destination.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::ffi::OsString;
use std::process::Command;
use std::sync::{Arc, Mutex};

use async_nats::jetstream::stream::Config;
use common::nats::{by_id, stored_body, Nats};
use common::process::{files, serve, sqlite, Files, BIN};
use webhooks_receiver::forward::NatsDestination;
use webhooks_receiver::inbox::ForwardInbox;
use webhooks_receiver::{Inbox, SqliteInbox};

/// `serve`'s arguments: a SQLite inbox, the test's stream, and `extra`.
fn args(files: &Files, nats: &Nats, extra: &[&str]) -> Vec<OsString> {
    let mut args = sqlite(&files.db);
    args.extend(nats.args());
    args.extend(extra.iter().map(OsString::from));
    args
}

/// Waits until the inbox has handled everything and nothing waits for the stream; returns
/// the forwards to it (every stored delivery has one).
async fn all_forwarded(inbox: &SqliteInbox, nats: &Nats) -> u64 {
    let stats = common::drained(inbox).await;
    let key = NatsDestination::key_of(&nats.stream);
    let done =
        common::poll(|| async { (inbox.pending_forwards(&key).await.unwrap() == 0).then_some(()) })
            .await;
    assert!(done.is_some(), "forwards to {key} still waiting");
    assert!(inbox
        .dead_forwards(Some(&key), 10)
        .await
        .unwrap()
        .is_empty());
    stats.done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_publishing_then_restarted_every_acknowledged_delivery_is_in_the_stream_once()
{
    let Some(nats) = common::nats::server("sigkill").await else {
        return;
    };
    let files = files("nats-sigkill");
    let args = args(&files, &nats, &[]);
    let first = serve(&args, &files.secrets);
    let child = Arc::new(Mutex::new(first.child));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let run = std::process::id();
    let mut tasks = Vec::new();
    // Eight senders, 50 events each; killed by the one whose acknowledgement is the 150th,
    // while the stream is being published to.
    for sender in 0..8 {
        let (client, url) = (client.clone(), first.url.clone());
        let (acked, child) = (Arc::clone(&acked), Arc::clone(&child));
        tasks.push(tokio::spawn(async move {
            for i in 0..50 {
                let body = common::event(&format!("K{sender}"), &format!("E{run}-{sender}-{i}"));
                let sent = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                if !sent.is_ok_and(|r| r.status() == 200) {
                    return;
                }
                let mut acked = acked.lock().unwrap();
                acked.insert(stored_body(&body));
                if acked.len() == 150 {
                    child.lock().unwrap().kill().unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let _ = child.lock().unwrap().kill();
    child.lock().unwrap().wait().unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 150, "{} acknowledged", acked.len());
    let before = nats.info().await.map_or(0, |(_, n)| n);

    let mut second = serve(&args, &files.secrets);
    let inbox = SqliteInbox::open(&files.db).unwrap();
    let stored = all_forwarded(&inbox, &nats).await;
    second.kill();
    let messages = nats.messages().await;
    let ids = by_id(&messages);
    assert_eq!(ids.len() as u64, stored, "one message per stored delivery");
    let instance = inbox.instance();
    assert!(ids
        .keys()
        .all(|id| id.starts_with(&format!("msg_{instance}_"))));
    let payloads: HashSet<String> = messages.into_iter().map(|m| m.payload).collect();
    let missing = acked.difference(&payloads).count();
    assert_eq!(
        missing, 0,
        "acknowledged deliveries missing from the stream"
    );
    let db = rusqlite::Connection::open(&files.db).unwrap();
    let again: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM inbox_forward WHERE attempts > 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    eprintln!(
        "acknowledged {}, stored {stored}, in the stream at the kill {before}, \
         published again after the restart {again}, in the stream once each {}",
        acked.len(),
        ids.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_no_stream_takes_are_dead_letters_listed_and_redriven_by_destination() {
    let Some(nats) = common::nats::server("dead").await else {
        return;
    };
    // A stream of that name that does not take the subjects: every publish goes unanswered.
    nats.jetstream
        .create_stream(Config {
            name: nats.stream.clone(),
            subjects: vec!["other.>".to_owned()],
            ..Config::default()
        })
        .await
        .unwrap();
    let files = files("nats-dead");
    let extra = [
        "--forward-max-attempts",
        "2",
        "--forward-retry-base",
        "100ms",
    ];
    let server = serve(&args(&files, &nats, &extra), &files.secrets);
    let client = reqwest::Client::new();
    for i in 0..3 {
        let body = common::event("DEAD", &format!("E{i}"));
        assert_eq!(common::post(&client, &server.url, body).await.0, 200);
    }
    let key = NatsDestination::key_of(&nats.stream);
    let store = sqlite(&files.db);
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).args(&store).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    common::until(|| run(&["dead", "--destination", &key]).1.lines().count() == 3).await;
    let (_, listed) = run(&["dead", "--destination", &key]);
    for line in listed.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(row["destination"], key.as_str());
        let error = row["last_error"].as_str().unwrap();
        assert!(error.contains("livechat.v"), "{error}");
    }
    // The stream replaced by none: the next publish creates it with the subjects.
    nats.jetstream.delete_stream(&nats.stream).await.unwrap();
    assert_eq!(
        run(&["redrive", "--destination", &key, "--all"]),
        (Some(0), "re-driven: 3\n".to_owned())
    );
    nats.until_count(3).await;
    let inbox = SqliteInbox::open(&files.db).unwrap();
    assert_eq!(all_forwarded(&inbox, &nats).await, 3);
    let (config, _) = nats.info().await.unwrap();
    assert_eq!(config.subjects, vec!["livechat.>".to_owned()]);
    assert_eq!(by_id(&nats.messages().await).len(), 3);
    let stats = inbox.stats().await.unwrap();
    assert_eq!(
        (stats.done, stats.dead),
        (3, 0),
        "the handler is not concerned"
    );
    drop(server);
}
