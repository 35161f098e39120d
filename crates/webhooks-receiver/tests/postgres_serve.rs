//! `webhooks-receiver serve --postgres URL` driven from outside: real processes, real loopback
//! HTTP, a real PostgreSQL server (`scripts/postgres-test.sh` starts one and sets
//! `WEBHOOKS_RECEIVER_TEST_POSTGRES`); without it these tests say they are skipped.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::process::{files, handled, postgres, serve, BIN};
use common::{drained, fresh_database, post};
use webhooks_receiver::PostgresInbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_prints_each_sample_once_and_a_keyed_event_once() {
    let Some(url) = fresh_database("serve_samples").await else {
        return;
    };
    let files = files("pg-serve");
    let mut server = serve(&postgres(&url, "60s"), &files.secrets);
    let out = Command::new(BIN)
        .args(["send", &server.url, "--all", "--api-version"])
        .arg(common::oldest().name())
        .arg("--secret-key-file")
        .arg(&files.secrets)
        .current_dir(common::workspace())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let sent = stdout.lines().count();
    assert!(sent > 30, "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with("200 ")), "{stdout}");
    let client = reqwest::Client::new();
    let event = common::event("PGSERVE", "E1");
    for _ in 0..2 {
        assert_eq!(post(&client, &server.url, event.clone()).await.0, 200);
    }
    let inbox = PostgresInbox::connect(&url).await.unwrap();
    let stats = drained(&inbox).await;
    common::until(|| server.lines.lock().unwrap().len() > sent).await;
    server.kill();
    let lines = server.lines.lock().unwrap().clone();
    assert_eq!(
        lines.len(),
        sent + 1,
        "one line per sample and one for the event"
    );
    assert_eq!(handled(&server.lines).len(), sent + 1);
    let sha = common::stored_sha256(&event);
    assert_eq!(lines.iter().filter(|l| l["body_sha256"] == sha).count(), 1);
    assert_eq!(
        (stats.done, stats.duplicates, stats.dead),
        (sent as u64 + 1, 1, 0)
    );
    eprintln!(
        "serve --postgres: {sent} samples and one event posted twice, {} lines",
        lines.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_killed_after_a_burst_loses_nothing() {
    let Some(url) = fresh_database("serve_sigkill").await else {
        return;
    };
    let files = files("pg-sigkill");
    common::process::sigkill_after_a_burst_loses_nothing(&postgres(&url, "2s"), &files.secrets)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_sharing_one_inbox_handle_each_delivery_once() {
    let Some(url) = fresh_database("serve_two").await else {
        return;
    };
    let files = files("pg-two");
    let mut servers = [
        serve(&postgres(&url, "60s"), &files.secrets),
        serve(&postgres(&url, "60s"), &files.secrets),
    ];
    common::post_to_two("TWO", [&servers[0].url, &servers[1].url]).await;
    let inbox = PostgresInbox::connect(&url).await.unwrap();
    let stats = drained(&inbox).await;
    assert_eq!((stats.done, stats.duplicates, stats.dead), (200, 40, 0));
    let lines = [
        std::sync::Arc::clone(&servers[0].lines),
        std::sync::Arc::clone(&servers[1].lines),
    ];
    let total = || lines.iter().map(|l| l.lock().unwrap().len()).sum::<usize>();
    common::until(|| total() >= 200).await;
    for server in &mut servers {
        server.kill();
    }
    let per_process: Vec<usize> = servers
        .iter()
        .map(|s| s.lines.lock().unwrap().len())
        .collect();
    let mut union = handled(&servers[0].lines);
    union.extend(handled(&servers[1].lines));
    assert_eq!(
        total(),
        200,
        "each delivery handled once overall: {per_process:?}"
    );
    assert_eq!(union.len(), 200);
    eprintln!("two serve processes: lines per process {per_process:?}, 200 distinct");
}

#[tokio::test]
async fn prune_on_postgres_deletes_old_handled_deliveries() {
    let Some(url) = fresh_database("prune_command").await else {
        return;
    };
    let inbox = PostgresInbox::connect(&url).await.unwrap();
    common::process::prune_command_deletes_old_handled_rows(
        &inbox,
        &["--postgres".into(), url.into()],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_connects_again_after_its_connection_is_cut() {
    let Some(url) = fresh_database("serve_reconnect").await else {
        return;
    };
    let files = files("pg-reconnect");
    let mut server = serve(&postgres(&url, "60s"), &files.secrets);
    let client = reqwest::Client::new();
    assert_eq!(
        post(&client, &server.url, common::event("RECONNECT", "E0"))
            .await
            .0,
        200
    );
    // The server cuts every connection to the inbox's database (as a restart of it would).
    let inbox = PostgresInbox::connect(&url).await.unwrap();
    let admin = inbox.client().await.unwrap();
    let cut = admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    assert!(cut >= 1, "the receiver's connection was cut");
    // Deliveries are taken again without a restart (a first one may be answered 503).
    let started = std::time::Instant::now();
    let mut acked = 1;
    let mut statuses = Vec::new();
    for n in 1..=20 {
        let status = post(
            &client,
            &server.url,
            common::event("RECONNECT", &format!("E{n}")),
        )
        .await
        .0;
        statuses.push(status);
        acked += usize::from(status == 200);
        if acked >= 6 || started.elapsed() > std::time::Duration::from_secs(10) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(acked >= 6, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    common::until(|| handled(&server.lines).len() >= acked).await;
    server.kill();
    eprintln!("after the connection was cut: {statuses:?}");
}
