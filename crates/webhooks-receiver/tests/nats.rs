//! `serve --nats URL --nats-stream NAME` against a real `nats-server -js`
//! (`scripts/nats-test.sh` starts one and sets `WEBHOOKS_RECEIVER_TEST_NATS`, and a PostgreSQL
//! server for the test of two receivers sharing one inbox); without them these tests say they
//! are skipped. The receivers are spawned binaries on loopback, the deliveries posted over HTTP,
//! and the stream read back message by message.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use common::nats::{by_id, stored_body, Nats};
use common::process::{files, postgres, serve, sqlite, Server, BIN};
use common::{fresh_database, oldest, post, with_secret, SECRET};
use serde_json::Value;
use webhooks_receiver::forward::{Message, NatsDestination, NatsOptions};
use webhooks_receiver::inbox::ForwardInbox;
use webhooks_receiver::{Delivery, Inbox, PostgresInbox, SqliteInbox};

/// The subject of `action` under the tests' version, written out: `livechat.v3_5.<action>`.
fn subject_of(action: &str) -> String {
    format!("livechat.v{}.{action}", oldest().name().replace('.', "_"))
}

/// Every sample of the tests' version, a keyed event twice, and a delivery of an action the
/// version does not define whose name holds characters a subject token cannot: the bodies
/// posted, and their stored bodies by `body_sha256`.
fn bodies() -> (Vec<String>, HashMap<String, String>) {
    let mut bodies: Vec<String> = common::samples(oldest())
        .into_iter()
        .map(|(_, value)| with_secret(value, SECRET))
        .collect();
    let event = common::event("NATS", "E1");
    bodies.push(event.clone());
    bodies.push(event);
    let mut odd = common::sample("incoming_event");
    odd["action"] = Value::String("made.up action>".to_owned());
    bodies.push(with_secret(odd, SECRET));
    let stored = bodies
        .iter()
        .map(|b| (common::stored_sha256(b), stored_body(b)))
        .collect();
    (bodies, stored)
}

async fn post_all(url: &str, bodies: &[String]) {
    let client = reqwest::Client::new();
    for body in bodies {
        let (status, text) = post(&client, url, body.clone()).await;
        assert_eq!(status, 200, "{text}");
    }
}

/// Checks that each delivery `serve` printed (handled, so stored) is in the stream once, with
/// its subject, `Nats-Msg-Id` (`msg_<instance>_<id>`) and stored body, and that nothing else
/// is; returns how many.
fn assert_published(
    instance: &str,
    nats_messages: &[common::nats::Stored],
    lines: &[Value],
    stored: &HashMap<String, String>,
) -> usize {
    let messages = by_id(nats_messages);
    for line in lines {
        let (id, sha) = (
            line["id"].as_i64().unwrap(),
            line["body_sha256"].as_str().unwrap(),
        );
        let msg_id = format!("msg_{instance}_{id}");
        let Some(message) = messages.get(&msg_id) else {
            panic!("delivery {id} is not in the stream as {msg_id}");
        };
        let action = line["action"].as_str().unwrap();
        let token = if action == "made.up action>" {
            "made_up_action_"
        } else {
            action
        };
        assert_eq!(message.subject, subject_of(token));
        assert_eq!(&message.payload, &stored[sha], "delivery {id}");
        assert!(!message.payload.contains(SECRET));
    }
    assert_eq!(
        messages.len(),
        lines.len(),
        "messages that no handled delivery names"
    );
    lines.len()
}

/// How many of `posted` deliveries `inbox` stored, once it handled them all and forwarded
/// them all to the stream (the samples repeat some event keys, and the keyed event is posted
/// twice).
async fn forwarded<I: ForwardInbox>(inbox: &I, nats: &Nats, posted: usize) -> usize {
    let stats = common::drained(inbox).await;
    assert_eq!(stats.done + stats.duplicates, posted as u64, "{stats:?}");
    assert!(stats.duplicates >= 1, "{stats:?}");
    let key = NatsDestination::key_of(&nats.stream);
    let all =
        common::poll(|| async { (inbox.pending_forwards(&key).await.unwrap() == 0).then_some(()) })
            .await;
    assert!(all.is_some(), "forwards to {key} still waiting");
    assert!(inbox
        .dead_forwards(Some(&key), 10)
        .await
        .unwrap()
        .is_empty());
    usize::try_from(stats.done).unwrap()
}

/// `serve` on a SQLite inbox publishing into the test's stream.
fn serve_sqlite(nats: &Nats, files: &common::process::Files) -> Server {
    let mut args = sqlite(&files.db);
    args.extend(nats.args());
    serve(&args, &files.secrets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stored_delivery_is_in_the_stream_once_with_its_subject_id_and_body() {
    let Some(nats) = common::nats::server("each_once").await else {
        return;
    };
    assert!(nats.info().await.is_none(), "no stream before serve");
    let files = files("nats-each");
    let mut server = serve_sqlite(&nats, &files);
    let (posted, stored) = bodies();
    post_all(&server.url, &posted).await;
    let inbox = SqliteInbox::open(&files.db).unwrap();
    let expected = forwarded(&inbox, &nats, posted.len()).await;
    common::until(|| server.lines.lock().unwrap().len() >= expected).await;
    let (config, count) = nats.info().await.unwrap();
    server.kill();
    assert_eq!(config.subjects, vec!["livechat.>".to_owned()]);
    assert_eq!(config.duplicate_window, Duration::from_secs(600));
    let lines = server.lines.lock().unwrap().clone();
    assert_eq!(lines.len(), expected);
    let n = assert_published(inbox.instance(), &nats.messages().await, &lines, &stored);
    assert_eq!(count, n as u64);
    eprintln!(
        "serve --nats: {} posted, {n} stored and in the stream once each",
        posted.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_published_again_after_a_lost_record_are_dropped_by_the_stream() {
    let Some(nats) = common::nats::server("republish").await else {
        return;
    };
    let files = files("nats-republish");
    let mut first = serve_sqlite(&nats, &files);
    let (posted, stored) = bodies();
    post_all(&first.url, &posted).await;
    let inbox = SqliteInbox::open(&files.db).unwrap();
    let expected = forwarded(&inbox, &nats, posted.len()).await;
    common::until(|| first.lines.lock().unwrap().len() >= expected).await;
    first.kill();
    // A crash after the stream's acknowledgements and before their record: every forward is
    // waiting again, and the restarted receiver publishes each a second time.
    let db = rusqlite::Connection::open(&files.db).unwrap();
    let reset = db
        .execute(
            "UPDATE inbox_forward SET state = 'pending', forwarded_at_ms = NULL",
            [],
        )
        .unwrap();
    assert_eq!(reset, expected);
    let mut second = serve_sqlite(&nats, &files);
    forwarded(&inbox, &nats, posted.len()).await;
    second.kill();
    let attempted: Vec<i64> = db
        .prepare("SELECT attempts FROM inbox_forward")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(attempted.len(), expected);
    assert!(
        attempted.iter().all(|&a| a >= 2),
        "each published again: {attempted:?}"
    );
    let lines = first.lines.lock().unwrap().clone();
    let n = assert_published(inbox.instance(), &nats.messages().await, &lines, &stored);
    eprintln!("published twice, in the stream once: {n} deliveries");
}

#[tokio::test]
async fn the_destination_creates_the_stream_and_reports_a_duplicate() {
    let Some(nats) = common::nats::server("duplicate").await else {
        return;
    };
    let options = NatsOptions {
        duplicate_window: Duration::from_secs(90),
        ..NatsOptions::new(nats.url.as_str(), nats.stream.as_str())
    };
    let destination = NatsDestination::connect(options, oldest()).await.unwrap();
    let body = with_secret(common::sample("incoming_event"), SECRET);
    let message = |id| Message {
        id: format!("msg_test_{id}"),
        delivery: Delivery {
            id,
            webhook_id: String::new(),
            action: "incoming_event".to_owned(),
            body: stored_body(&body),
            body_sha256: common::stored_sha256(&body),
            attempt: 1,
            possible_redelivery: false,
            received_at_ms: 0,
        },
    };
    let first = destination.publish(&message(41)).await.unwrap();
    let again = destination.publish(&message(41)).await.unwrap();
    let other = destination.publish(&message(42)).await.unwrap();
    assert!(!first.duplicate && again.duplicate && !other.duplicate);
    assert_eq!(again.sequence, first.sequence);
    assert_eq!(other.sequence, first.sequence + 1);
    let (config, count) = nats.info().await.unwrap();
    assert_eq!(
        (config.duplicate_window, count),
        (Duration::from_secs(90), 2)
    );
    let ids: Vec<String> = nats.messages().await.into_iter().map(|m| m.id).collect();
    assert_eq!(ids, ["msg_test_41", "msg_test_42"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_receivers_sharing_one_postgres_inbox_publish_each_delivery_once() {
    let Some(nats) = common::nats::server("two").await else {
        return;
    };
    let Some(url) = fresh_database("nats_two").await else {
        return;
    };
    let files = files("nats-two");
    let mut args = postgres(&url, "60s");
    args.extend(nats.args());
    let mut servers = [serve(&args, &files.secrets), serve(&args, &files.secrets)];
    common::post_to_two("NATSTWO", [&servers[0].url, &servers[1].url]).await;
    let inbox = PostgresInbox::connect(&url).await.unwrap();
    assert_eq!(forwarded(&inbox, &nats, 240).await, 200);
    let stats = inbox.stats().await.unwrap();
    assert_eq!((stats.done, stats.duplicates, stats.dead), (200, 40, 0));
    let total = || {
        servers
            .iter()
            .map(|s| s.lines.lock().unwrap().len())
            .sum::<usize>()
    };
    common::until(|| total() >= 200).await;
    for server in &mut servers {
        server.kill();
    }
    let mut lines = servers[0].lines.lock().unwrap().clone();
    lines.extend(servers[1].lines.lock().unwrap().iter().cloned());
    // The bodies `post_to_two` posted.
    let bodies = (0..200).map(|i| common::event(&format!("NATSTWO{}", i % 7), &format!("E{i}")));
    let stored = bodies
        .map(|b| (common::stored_sha256(&b), stored_body(&b)))
        .collect();
    let messages = nats.messages().await;
    assert_eq!(
        assert_published(inbox.instance(), &messages, &lines, &stored),
        200
    );
    // Attempts per forward: one each unless a publish failed and was retried.
    let attempts = inbox
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT COUNT(*), CAST(SUM(attempts) AS BIGINT) FROM webhook_inbox_forward",
            &[],
        )
        .await
        .unwrap();
    let (forwards, attempts): (i64, i64) = (attempts.get(0), attempts.get(1));
    assert_eq!(forwards, 200);
    eprintln!(
        "two receivers: {forwards} forwards in {attempts} attempts, 200 in the stream once each"
    );
}

#[tokio::test]
async fn bad_nats_arguments_are_usage_errors() {
    for (args, says) in [
        (&["--nats", "nats://127.0.0.1:1"][..], "--nats-stream"),
        (
            &["--nats", "nats://127.0.0.1:1", "--nats-stream", "a.b"][..],
            "invalid stream name",
        ),
        (
            &[
                "--nats",
                "nats://127.0.0.1:1",
                "--nats-stream",
                "S",
                "--nats-duplicate-window",
                "30s",
            ][..],
            "longer than a forward's lease",
        ),
    ] {
        let out = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(common::temp_dir("nats-args").join("inbox.sqlite"))
            .args(args)
            .env(webhooks_validate::cli::SECRET_ENV, SECRET)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_server_that_is_down_delays_publishing_not_the_acknowledgement_nor_the_handler() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let files = files("nats-down");
    let mut args = sqlite(&files.db);
    args.extend([
        "--nats".into(),
        format!("nats://127.0.0.1:{port}").into(),
        "--nats-stream".into(),
        "DOWN".into(),
    ]);
    let mut server = serve(&args, &files.secrets);
    let started = std::time::Instant::now();
    post_all(
        &server.url,
        &[common::event("DOWN", "E1"), common::event("DOWN", "E2")],
    )
    .await;
    let took = started.elapsed();
    // Handled meanwhile: the handler does not wait for destinations either.
    common::until(|| server.lines.lock().unwrap().len() == 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill();
    // Within one attempt's timeout (10s): the answers did not wait for the stream.
    assert!(took < Duration::from_secs(10), "{took:?}");
    let inbox = SqliteInbox::open(&files.db).unwrap();
    let key = NatsDestination::key_of("DOWN");
    assert_eq!(inbox.pending_forwards(&key).await.unwrap(), 2);
    assert!(inbox.dead_forwards(None, 10).await.unwrap().is_empty());
    eprintln!("two deliveries acknowledged in {took:?} with the NATS server down");
}
