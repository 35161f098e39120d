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
use webhooks_receiver::nats::{NatsDestination, NatsOptions};
use webhooks_receiver::{Delivery, Inbox, PostgresInbox};

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
        .map(|b| (common::sha256_hex(b.as_bytes()), stored_body(b)))
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

/// Checks that each line `serve` printed (a delivery handled, so published) is in the stream
/// once, with its subject, `Nats-Msg-Id` and stored body, and that nothing else is; returns
/// how many.
fn assert_published(
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
        let msg_id = format!("{id}-{}", &sha[..16]);
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

/// How many of `posted` deliveries the SQLite inbox `db` stored, once it handled them all:
/// the samples repeat some event keys, and the keyed event is posted twice.
async fn stored_count(db: &std::path::Path, posted: usize) -> usize {
    let inbox = webhooks_receiver::SqliteInbox::open(db).unwrap();
    let stats = common::drained(&inbox).await;
    assert_eq!(stats.done + stats.duplicates, posted as u64, "{stats:?}");
    assert!(stats.duplicates >= 1, "{stats:?}");
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
    let expected = stored_count(&files.db, posted.len()).await;
    common::until(|| server.lines.lock().unwrap().len() >= expected).await;
    nats.until_count(expected as u64).await;
    let (config, count) = nats.info().await.unwrap();
    server.kill();
    assert_eq!(config.subjects, vec!["livechat.>".to_owned()]);
    assert_eq!(config.duplicate_window, Duration::from_secs(600));
    let lines = server.lines.lock().unwrap().clone();
    assert_eq!(lines.len(), expected);
    let n = assert_published(&nats.messages().await, &lines, &stored);
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
    let expected = stored_count(&files.db, posted.len()).await;
    common::until(|| first.lines.lock().unwrap().len() >= expected).await;
    first.kill();
    // A crash after the stream's acknowledgements and before their record: every delivery is
    // waiting again, and the restarted receiver publishes each a second time.
    let db = rusqlite::Connection::open(&files.db).unwrap();
    let reset = db
        .execute(
            "UPDATE inbox SET state = 'pending', handled_at_ms = NULL",
            [],
        )
        .unwrap();
    assert_eq!(reset, expected);
    drop(db);
    let mut second = serve_sqlite(&nats, &files);
    common::until(|| second.lines.lock().unwrap().len() >= expected).await;
    second.kill();
    let (again, first_lines) = (
        second.lines.lock().unwrap().clone(),
        first.lines.lock().unwrap().clone(),
    );
    let ids = |lines: &[Value]| {
        let mut ids: Vec<i64> = lines.iter().map(|l| l["id"].as_i64().unwrap()).collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(
        ids(&again),
        ids(&first_lines),
        "each delivery published again"
    );
    let n = assert_published(&nats.messages().await, &first_lines, &stored);
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
    let delivery = |id| Delivery {
        id,
        webhook_id: String::new(),
        action: "incoming_event".to_owned(),
        body: stored_body(&body),
        body_sha256: common::sha256_hex(body.as_bytes()),
        attempt: 1,
        possible_redelivery: false,
        received_at_ms: 0,
    };
    let first = destination.publish(&delivery(41)).await.unwrap();
    let again = destination.publish(&delivery(41)).await.unwrap();
    let other = destination.publish(&delivery(42)).await.unwrap();
    assert!(!first.duplicate && again.duplicate && !other.duplicate);
    assert_eq!(again.sequence, first.sequence);
    assert_eq!(other.sequence, first.sequence + 1);
    let (config, count) = nats.info().await.unwrap();
    assert_eq!(
        (config.duplicate_window, count),
        (Duration::from_secs(90), 2)
    );
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
    let stats = common::drained(&inbox).await;
    assert_eq!((stats.done, stats.duplicates, stats.dead), (200, 40, 0));
    nats.until_count(200).await;
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
    let per_process: Vec<usize> = servers
        .iter()
        .map(|s| s.lines.lock().unwrap().len())
        .collect();
    let mut lines = servers[0].lines.lock().unwrap().clone();
    lines.extend(servers[1].lines.lock().unwrap().iter().cloned());
    let distinct = lines
        .iter()
        .map(|l| l["body_sha256"].as_str().unwrap().to_owned())
        .collect::<std::collections::HashSet<_>>();
    assert_eq!((lines.len(), distinct.len()), (200, 200), "{per_process:?}");
    // The bodies `post_to_two` posted.
    let bodies = (0..200).map(|i| common::event(&format!("NATSTWO{}", i % 7), &format!("E{i}")));
    let stored = bodies
        .map(|b| (common::sha256_hex(b.as_bytes()), stored_body(&b)))
        .collect();
    assert_eq!(
        assert_published(&nats.messages().await, &lines, &stored),
        200
    );
    eprintln!("two receivers: published per process {per_process:?}, 200 in the stream once each");
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
            "longer than --lease",
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
async fn a_nats_server_that_is_down_delays_publishing_not_the_acknowledgement() {
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
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill();
    assert!(
        server.lines.lock().unwrap().is_empty(),
        "nothing handled while unpublished"
    );
    let stats = webhooks_receiver::SqliteInbox::open(&files.db)
        .unwrap()
        .stats()
        .await
        .unwrap();
    assert_eq!(stats.done + stats.dead, 0, "{stats:?}");
    assert_eq!(stats.pending + stats.running, 2, "{stats:?}");
    eprintln!("two deliveries acknowledged in {took:?} with the NATS server down");
}
