//! `serve --forward`: the spawned binary forwarding to Standard Webhooks destinations on
//! loopback, checked with the destinations' own signature check and the inbox's rows.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;
#[path = "forward/destination.rs"]
mod destination;

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::process::{files, serve, sqlite, Files, Server, BIN};
use common::{event, post, until, SECRET};
use destination::{Behaviour, Destination, FORWARD_SECRET};

/// The arguments of `serve` forwarding to `destinations` with the test secret (written into
/// `dir`), retries starting at 100 ms, and `extra`.
fn forwarding(dir: &Path, destinations: &[&Destination], extra: &[&str]) -> Vec<OsString> {
    let secret = dir.join("forward-secret");
    std::fs::write(&secret, format!("{FORWARD_SECRET}\n")).unwrap();
    let mut args: Vec<OsString> = vec!["--forward-secret-file".into(), secret.into()];
    for d in destinations {
        args.extend(["--forward".into(), d.url.clone().into()]);
    }
    args.extend(["--forward-retry-base".into(), "100ms".into()]);
    args.extend(extra.iter().map(OsString::from));
    args
}

/// The store's arguments followed by `more`.
fn with(store: Vec<OsString>, more: Vec<OsString>) -> Vec<OsString> {
    store.into_iter().chain(more).collect()
}

/// Posts `n` distinct `incoming_event`s named `{name}-{i}`; every answer must be 200.
async fn post_events(server: &Server, name: &str, n: usize) {
    let client = reqwest::Client::new();
    for i in 0..n {
        let body = event(&format!("C{name}"), &format!("{name}-{i}"));
        assert_eq!(post(&client, &server.url, body).await.0, 200);
    }
}

/// The event id of a forwarded `incoming_event`.
fn event_id(received: &destination::Received) -> String {
    received.json()["payload"]["event"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The inbox's stored bodies by message id (`msg_<instance>_<row id>`).
fn stored_bodies(db: &Path) -> HashMap<String, String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let instance: String = conn
        .query_row(
            "SELECT value FROM inbox_meta WHERE name = 'instance'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut statement = conn.prepare("SELECT id, body FROM inbox").unwrap();
    let rows = statement
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(|r| {
        let (id, body) = r.unwrap();
        (format!("msg_{instance}_{id}"), body)
    })
    .collect()
}

/// Runs the binary with `args`; its exit code and stdout.
fn run(args: &[&str], store: &[OsString]) -> (Option<i32>, String) {
    let out = Command::new(BIN).args(args).args(store).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stored_delivery_reaches_each_destination_once_signed_with_the_stored_bytes() {
    let Files { dir, db, secrets } = files("forward-once");
    let (a, b) = (
        Destination::start(Behaviour::Accept).await,
        Destination::start(Behaviour::Accept).await,
    );
    let server = serve(
        &with(sqlite(&db), forwarding(&dir, &[&a, &b], &[])),
        &secrets,
    );
    let client = reqwest::Client::new();
    // Every valid sample of the version, then events, one of them delivered twice (keyed: the
    // second is a deduplicated redelivery).
    for (_, sample) in common::samples(common::oldest()) {
        let body = common::with_secret(sample, SECRET);
        assert_eq!(post(&client, &server.url, body).await.0, 200);
    }
    post_events(&server, "once", 10).await;
    let again = event("Conce", "once-3");
    assert_eq!(post(&client, &server.url, again).await.0, 200);
    let stored = stored_bodies(&db);
    assert!(stored.len() > 10);
    until(|| a.accepted().len() >= stored.len() && b.accepted().len() >= stored.len()).await;
    // Time for a second forward of anything to show.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for destination in [&a, &b] {
        let seen = destination.seen();
        assert_eq!(seen.len(), stored.len(), "one request per stored delivery");
        let ids: HashSet<&str> = seen.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), seen.len(), "message ids are distinct");
        for r in &seen {
            assert!(r.signed(), "signature of {}", r.id);
            assert_eq!(r.content_type, "application/json");
            let body = stored.get(&r.id).expect("the id names a stored delivery");
            assert_eq!(r.body, body.as_bytes(), "the stored bytes");
            assert!(!String::from_utf8_lossy(&r.body).contains(SECRET));
            let sent_at: i64 = r.timestamp.parse().unwrap();
            assert!((sent_at - webhooks_receiver::now_ms() / 1000).abs() < 120);
        }
        let events: Vec<String> = seen
            .iter()
            .filter(|r| r.json()["action"] == "incoming_event")
            .map(event_id)
            .filter(|e| e.starts_with("once-"))
            .collect();
        assert_eq!(
            events.len(),
            10,
            "the keyed redelivery is not forwarded again"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_answering_500_twice_gets_the_same_message_id_a_third_time() {
    let Files { dir, db, secrets } = files("forward-retry");
    let flaky = Destination::start(Behaviour::FailFirst(2)).await;
    let server = serve(
        &with(sqlite(&db), forwarding(&dir, &[&flaky], &[])),
        &secrets,
    );
    post_events(&server, "retry", 4).await;
    until(|| flaky.accepted().len() >= 4).await;
    let seen = flaky.seen();
    let mut by_id: HashMap<&str, Vec<u16>> = HashMap::new();
    for r in &seen {
        assert!(r.signed());
        by_id.entry(&r.id).or_default().push(r.status);
    }
    assert_eq!(by_id.len(), 4);
    for (id, statuses) in by_id {
        assert_eq!(statuses, [500, 500, 204], "attempts of {id}");
    }
    let (code, out) = run(&["dead", "--destination", "all"], &sqlite(&db));
    assert_eq!((code, out.as_str()), (Some(0), ""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_destination_delays_neither_the_200_nor_the_others_and_is_served_on_return() {
    let Files { dir, db, secrets } = files("forward-down");
    // A free port with nothing listening yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let up = Destination::start(Behaviour::Accept).await;
    let down_url = format!("http://127.0.0.1:{port}/hook");
    let mut args = forwarding(&dir, &[&up], &[]);
    args.extend(["--forward".into(), down_url.clone().into()]);
    let server = serve(&with(sqlite(&db), args), &secrets);
    let started = Instant::now();
    post_events(&server, "down", 5).await;
    assert!(started.elapsed() < Duration::from_secs(10), "the 200s wait");
    until(|| up.accepted().len() >= 5).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let back = Destination::on(listener, Behaviour::Accept);
    let returned = Instant::now();
    assert_eq!(back.url, down_url);
    until(|| back.accepted().len() >= 5).await;
    // A probe every 2 s finds it back, and every waiting forward is then due.
    let waited = returned.elapsed();
    assert!(
        waited < Duration::from_secs(10),
        "served {waited:?} after it returned"
    );
    let events: HashSet<String> = back.accepted().iter().map(event_id).collect();
    assert_eq!(events.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_forwards_are_listed_and_redriven_by_destination() {
    let Files { dir, db, secrets } = files("forward-dead");
    let broken = Destination::start(Behaviour::Fail).await;
    let args = forwarding(&dir, &[&broken], &["--forward-max-attempts", "2"]);
    let server = serve(&with(sqlite(&db), args), &secrets);
    post_events(&server, "dead", 3).await;
    let store = sqlite(&db);
    let dead_lines = || {
        let (code, out) = run(&["dead", "--destination", &broken.url], &store);
        assert_eq!(code, Some(0));
        out.lines().count()
    };
    until(|| dead_lines() == 3).await;
    let (_, out) = run(&["dead", "--destination", &broken.url], &store);
    for line in out.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(row["destination"], broken.url.as_str());
        assert_eq!(row["attempts"], 2);
        assert_eq!(row["last_error"], "answered 500 Internal Server Error");
    }
    // The handler's dead letters are another list.
    assert_eq!(run(&["dead"], &store), (Some(0), String::new()));
    let (code, _) = run(
        &["redrive", "--destination", &broken.url, "--id", "999999"],
        &store,
    );
    assert_eq!(code, Some(1));
    broken.set(Behaviour::Accept);
    let (code, out) = run(&["redrive", "--destination", &broken.url, "--all"], &store);
    assert_eq!((code, out.as_str()), (Some(0), "re-driven: 3\n"));
    until(|| broken.accepted().len() >= 3).await;
    until(|| dead_lines() == 0).await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_forwarding_then_restart_reaches_every_destination_under_the_same_id() {
    let Files { dir, db, secrets } = files("forward-kill");
    let slow = Duration::from_millis(100);
    let (a, b) = (
        Destination::start(Behaviour::Slow(slow)).await,
        Destination::start(Behaviour::Slow(slow)).await,
    );
    let args = with(
        sqlite(&db),
        forwarding(&dir, &[&a, &b], &["--forward-concurrency", "4"]),
    );
    let mut first = serve(&args, &secrets);
    post_events(&first, "kill", 60).await;
    until(|| a.seen().len() >= 8).await;
    first.kill();
    let at_kill = (a.seen().len(), b.seen().len());
    eprintln!("forwarded before the kill: {at_kill:?} of 60");
    assert!(at_kill.0 < 60 && at_kill.1 < 60, "the kill came too late");
    let second = serve(&args, &secrets);
    for d in [&a, &b] {
        until(|| {
            let events: HashSet<String> = d.accepted().iter().map(event_id).collect();
            events.len() >= 60
        })
        .await;
        let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
        for r in d.seen() {
            assert!(r.signed());
            ids.entry(event_id(&r)).or_default().insert(r.id.clone());
        }
        assert_eq!(ids.len(), 60);
        assert!(
            ids.values().all(|ids| ids.len() == 1),
            "one id per delivery"
        );
    }
    let a_ids: HashSet<String> = a.seen().into_iter().map(|r| r.id).collect();
    let b_ids: HashSet<String> = b.seen().into_iter().map(|r| r.id).collect();
    assert_eq!(a_ids, b_ids, "the same message ids at both destinations");
    drop(second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_inbox_forwards_each_delivery_once() {
    let Some(url) = common::fresh_database("a_postgres_inbox_forwards_each_delivery_once").await
    else {
        return;
    };
    let Files { dir, secrets, .. } = files("forward-pg");
    let d = Destination::start(Behaviour::FailFirst(1)).await;
    let store = common::process::postgres(&url, "30s");
    let server = serve(&with(store, forwarding(&dir, &[&d], &[])), &secrets);
    post_events(&server, "pg", 20).await;
    let again = event("Cpg", "pg-7");
    assert_eq!(
        post(&reqwest::Client::new(), &server.url, again).await.0,
        200
    );
    until(|| d.accepted().len() >= 20).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let accepted = d.accepted();
    assert_eq!(accepted.len(), 20);
    assert!(accepted.iter().all(|r| r.signed()));
    let events: HashSet<String> = accepted.iter().map(event_id).collect();
    assert_eq!(events.len(), 20);
}
