//! The admin listener and the metrics of `serve`, driven from outside: the spawned binary on
//! loopback, its stderr read line by line.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::admin::{
    assert_no_secret, count, eventually, get, metrics, post, start, start_on, WRONG_SECRET,
};
use common::process::BIN;
use common::{temp_dir, SECRET};
use serde_json::Value;
use webhooks_receiver::telemetry::names;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_endpoints_answer_and_metrics_count_what_happens() {
    let server = start("admin", &[], true);
    let client = reqwest::Client::new();
    assert_eq!(
        get(&client, &format!("{}healthz", server.admin)).await.0,
        200
    );
    assert_eq!(
        get(&client, &format!("{}readyz", server.admin)).await.0,
        200
    );
    // The admin routes are not on the public port, nor the public route on the admin one.
    assert_eq!(get(&client, &format!("{}metrics", server.url)).await.0, 404);
    let before = metrics(&client, &server.admin).await;

    let json = "application/json";
    let good = common::event("A1", "E-admin-1");
    let mut wrong = common::sample("incoming_event");
    wrong["secret_key"] = Value::String(WRONG_SECRET.to_owned());
    assert_eq!(post(&client, &server.url, json, good).await, 200);
    assert_eq!(
        post(&client, &server.url, json, wrong.to_string()).await,
        401
    );
    assert_eq!(
        post(&client, &server.url, "text/plain", "x".into()).await,
        415
    );
    let invalid = common::with_secret(serde_json::json!({"action": "incoming_event"}), SECRET);
    assert_eq!(post(&client, &server.url, json, invalid).await, 400);
    let stdout = Arc::clone(&server.stdout);
    assert!(eventually(|| std::future::ready(!stdout.lock().unwrap().is_empty())).await);

    let after = metrics(&client, &server.admin).await;
    let text = get(&client, &format!("{}metrics", server.admin)).await.2;
    // Refused connections are counted by reason, the first at the first refusal.
    for name in names::ALL
        .into_iter()
        .filter(|n| *n != names::CONNECTIONS_REFUSED_TOTAL)
    {
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "{name} has no help: {text}"
        );
        assert!(
            text.contains(&format!("\n{name}")),
            "{name} has no sample: {text}"
        );
    }
    let moved = |key: &str| count(&after, key) - count(&before, key);
    for status in ["200", "401", "415", "400"] {
        let key = format!("{}{{status=\"{status}\"}}", names::REQUESTS_TOTAL);
        assert_eq!(moved(&key), 1.0, "{key}: {text}");
    }
    let stored = format!(
        "{}{{action=\"incoming_event\"}}",
        names::DELIVERIES_STORED_TOTAL
    );
    let handled = format!(
        "{}{{action=\"incoming_event\"}}",
        names::DELIVERIES_HANDLED_TOTAL
    );
    assert_eq!((moved(&stored), moved(&handled)), (1.0, 1.0), "{text}");
    assert_eq!(
        moved(&format!("{}_count", names::ACK_SECONDS)),
        1.0,
        "{text}"
    );
    assert_eq!(
        moved(&format!("{}_count", names::HANDLER_SECONDS)),
        1.0,
        "{text}"
    );
    let ten_seconds = format!("{}_bucket{{le=\"10\"}}", names::ACK_SECONDS);
    assert_eq!(moved(&ten_seconds), 1.0, "{text}");
    // The SQLite writer's transactions that changed rows: at least the store's, and none
    // carrying more than the writer's 512 operations.
    let commits = moved(&format!("{}_count", names::INBOX_COMMIT_SECONDS));
    assert!(commits >= 1.0, "{text}");
    let batches = moved(&format!("{}_count", names::INBOX_BATCH_OPERATIONS));
    let at_most_512 = format!("{}_bucket{{le=\"512\"}}", names::INBOX_BATCH_OPERATIONS);
    assert!(batches >= 1.0, "{text}");
    assert_eq!(moved(&at_most_512), batches, "{text}");
    assert_eq!(count(&after, names::INBOX_PENDING), 0.0, "{text}");
    assert_eq!(count(&after, names::INBOX_DEAD), 0.0, "{text}");
    assert_eq!(moved(names::HANDLER_FAILURES_TOTAL), 0.0, "{text}");

    // One JSON line per refusal, with its status, reason and remote address.
    let lines = server.json_lines();
    for line in &lines {
        for field in ["timestamp", "level", "target", "message"] {
            assert!(line.get(field).is_some(), "no {field}: {line}");
        }
    }
    let refused: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "request refused")
        .collect();
    let statuses: Vec<(u64, &str)> = refused
        .iter()
        .map(|l| (l["status"].as_u64().unwrap(), l["reason"].as_str().unwrap()))
        .collect();
    for expected in [(401, "secret_key"), (415, "content_type"), (400, "invalid")] {
        assert!(statuses.contains(&expected), "{expected:?} in {statuses:?}");
    }
    for line in &refused {
        assert_eq!(line["level"], "WARN");
        let remote = line["remote"].as_str().unwrap();
        assert!(remote.starts_with("127.0.0.1:"), "{line}");
    }
    let listening = lines
        .iter()
        .find(|l| l["addr"].is_string() && l["message"].as_str().unwrap().contains("listening"))
        .unwrap();
    assert!(server.url.contains(listening["addr"].as_str().unwrap()));
    assert_no_secret(&server.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_failures_and_dead_letters_are_logged_and_counted() {
    // stdout is closed: printing each delivery, the handler fails every attempt.
    let args = ["--max-attempts", "2", "--retry-base-ms", "10"];
    let server = start("admin-dead", &args, false);
    let client = reqwest::Client::new();
    let body = common::event("D1", "E-dead-1");
    assert_eq!(
        post(&client, &server.url, "application/json", body).await,
        200
    );
    let admin = server.admin.clone();
    let dead = eventually(|| {
        let (client, admin) = (client.clone(), admin.clone());
        async move { count(&metrics(&client, &admin).await, names::INBOX_DEAD) == 1.0 }
    })
    .await;
    let after = metrics(&client, &server.admin).await;
    assert!(dead, "{after:?}");
    assert_eq!(count(&after, names::HANDLER_FAILURES_TOTAL), 2.0);
    assert_eq!(
        count(&after, &format!("{}_count", names::HANDLER_SECONDS)),
        2.0
    );
    let lines = server.json_lines();
    let failed: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"].as_str().unwrap().contains("handler failed"))
        .collect();
    assert_eq!(failed.len(), 2, "{lines:?}");
    assert_eq!(
        (failed[0]["attempt"].as_u64(), failed[0]["level"].as_str()),
        (Some(1), Some("WARN"))
    );
    let last = failed[1];
    assert_eq!(
        (last["attempts"].as_u64(), last["level"].as_str()),
        (Some(2), Some("ERROR"))
    );
    assert!(last["message"].as_str().unwrap().starts_with("dead letter"));
    assert_eq!(last["action"], "incoming_event");
    assert!(last["id"].is_u64() && last["error"].as_str().unwrap().contains("stdout"));
    assert_no_secret(&server.stderr());
}

#[test]
fn the_admin_address_cannot_be_the_public_one() {
    let dir = temp_dir("admin-same");
    let secrets = dir.join("secrets");
    std::fs::write(&secrets, format!("{SECRET}\n")).unwrap();
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:18765",
            "--admin-listen",
            "127.0.0.1:18765",
        ])
        .arg("--secret-key-file")
        .arg(&secrets)
        .arg("--db")
        .arg(dir.join("inbox.sqlite"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--admin-listen must differ from --listen"),
        "{stderr}"
    );
    assert!(!Path::new(&dir.join("inbox.sqlite")).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_answers_503_while_the_disk_is_full_and_200_once_space_returns() {
    let dir = temp_dir("admin-full");
    let Some(disk) = common::disk::SmallDisk::mount(&dir) else {
        return;
    };
    let server = start_on(&dir, &disk.path().join("inbox.sqlite"), &[], true);
    let client = reqwest::Client::new();
    let readyz = format!("{}readyz", server.admin);
    assert_eq!(get(&client, &readyz).await.0, 200);
    let filler = disk.fill();
    let json = "application/json";
    let mut refused = None;
    for n in 0..3000 {
        let body = common::event(&format!("F{n}"), &format!("E-full-{n}"));
        match post(&client, &server.url, json, body).await {
            200 => {}
            503 => {
                refused = Some(n);
                break;
            }
            other => panic!("delivery {n}: {other}"),
        }
    }
    assert!(refused.is_some(), "a full disk refuses deliveries");
    assert_eq!(get(&client, &readyz).await.0, 503);
    assert_eq!(
        get(&client, &format!("{}healthz", server.admin)).await.0,
        200
    );
    let failed = format!("{}{{operation=\"store\"}}", names::STORAGE_ERRORS_TOTAL);
    assert!(count(&metrics(&client, &server.admin).await, &failed) >= 1.0);
    std::fs::remove_file(&filler).unwrap();
    let (client2, readyz2) = (client.clone(), readyz.clone());
    let ready_again = eventually(move || {
        let (client, readyz) = (client2.clone(), readyz2.clone());
        async move { get(&client, &readyz).await.0 == 200 }
    })
    .await;
    assert!(ready_again, "ready again once space returned");
    let lines = server.json_lines();
    assert!(
        lines.iter().any(|l| l["level"] == "ERROR"
            && l["message"]
                .as_str()
                .unwrap()
                .contains("cannot store a delivery")),
        "{lines:?}"
    );
}
