//! The logs of `serve`, driven from outside: JSON lines by default on a pipe, text on demand,
//! a rate limit under a flood of refusals.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use common::admin::{assert_no_secret, count, eventually, metrics, post, start, WRONG_SECRET};
use common::process::{listening_url, Reaped, BIN};
use common::{temp_dir, SECRET};
use serde_json::Value;
use webhooks_receiver::telemetry::names;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_refusals_writes_a_bounded_number_of_lines_and_a_summary() {
    let server = start("admin-flood", &[], true);
    let client = reqwest::Client::new();
    let mut wrong = common::sample("incoming_event");
    wrong["secret_key"] = Value::String(WRONG_SECRET.to_owned());
    let body = wrong.to_string();
    let (requests, started) = (400, Instant::now());
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (client, url, body) = (client.clone(), server.url.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            for _ in (worker..requests).step_by(8) {
                assert_eq!(
                    post(&client, &url, "application/json", body.clone()).await,
                    401
                );
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let took = started.elapsed();
    // The summaries of the last window are written within a second or two after it.
    let stderr = Arc::clone(&server.stderr);
    let total = move || {
        let lines: Vec<Value> = stderr
            .lock()
            .unwrap()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let refused = lines
            .iter()
            .filter(|l| l["message"] == "request refused")
            .count();
        let suppressed: u64 = lines.iter().filter_map(|l| l["suppressed"].as_u64()).sum();
        (
            refused,
            suppressed,
            lines.iter().filter(|l| l["suppressed"].is_u64()).count(),
        )
    };
    let total_now = total.clone();
    assert!(
        eventually(move || std::future::ready({
            let (refused, suppressed, _) = total_now();
            refused as u64 + suppressed == requests as u64
        }))
        .await,
        "{:?}",
        total()
    );
    let (refused, suppressed, summaries) = total();
    // 20 lines a second at most, per window the flood spanned.
    let windows = took.as_secs() as usize + 2;
    assert!(refused <= 20 * windows, "{refused} lines in {took:?}");
    assert!(suppressed > 0 && summaries >= 1 && summaries <= windows + 1);
    let counted = count(
        &metrics(&client, &server.admin).await,
        names::LOG_LINES_SUPPRESSED_TOTAL,
    );
    assert_eq!(counted, suppressed as f64);
    eprintln!("{requests} refusals in {took:?}: {refused} lines, {suppressed} suppressed in {summaries} summaries");
    assert_no_secret(&server.stderr());
}

#[test]
fn text_logs_say_where_serve_listens_too() {
    let dir = temp_dir("admin-text");
    let secrets = dir.join("secrets");
    std::fs::write(&secrets, format!("{SECRET}\n")).unwrap();
    let mut child = Reaped(
        Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "text"])
            .arg("--secret-key-file")
            .arg(&secrets)
            .arg("--db")
            .arg(dir.join("inbox.sqlite"))
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let line = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .take(5)
        .map_while(Result::ok)
        .find(|l| l.contains("listening on"))
        .expect("a listening line");
    assert!(!line.starts_with('{'), "{line}");
    let url = listening_url(&line).unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{line}"
    );
    child.kill().unwrap();
}
