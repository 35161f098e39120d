//! The admin listener, the metrics and the logs of `serve`, driven from outside: the spawned
//! binary on loopback, its stderr read line by line.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::process::{listening_url, Reaped, BIN};
use common::{temp_dir, SECRET};
use serde_json::Value;
use webhooks_receiver::telemetry::names;

/// A secret that is sent but accepted nowhere: it must not be logged either.
const WRONG_SECRET: &str = "wrong-secret-Zq81";

/// A `serve` with an admin listener: both URLs, and every stderr and stdout line so far.
struct Admin {
    /// Killed when the test ends.
    _child: Reaped,
    url: String,
    admin: String,
    stderr: Arc<Mutex<Vec<String>>>,
    stdout: Arc<Mutex<Vec<String>>>,
}

impl Admin {
    fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Every stderr line, each parsed as JSON.
    fn json_lines(&self) -> Vec<Value> {
        self.stderr()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// The URL after `marker` in a line.
fn url_after(line: &str, marker: &str) -> Option<String> {
    let rest = line.split(marker).nth(1)?;
    rest.split(|c: char| c == '"' || c.is_whitespace())
        .next()
        .map(str::to_owned)
}

/// Starts `serve --admin-listen 127.0.0.1:0` on a fresh inbox with `extra` arguments; with
/// `read_stdout` false, its stdout is a pipe closed at once (each handler attempt fails).
fn start(test: &str, extra: &[&str], read_stdout: bool) -> Admin {
    let dir = temp_dir(test);
    let secrets = dir.join("secrets");
    std::fs::write(&secrets, format!("{SECRET}\n")).unwrap();
    let mut command = Command::new(BIN);
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ])
        .args([
            "--api-version",
            common::oldest().name(),
            "--secret-key-file",
        ])
        .arg(&secrets)
        .arg("--db")
        .arg(dir.join("inbox.sqlite"))
        .args(extra)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Reaped(command.spawn().unwrap());
    let stdout_pipe = child.stdout.take().unwrap();
    let stdout = Arc::new(Mutex::new(Vec::new()));
    if read_stdout {
        let sink = Arc::clone(&stdout);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout_pipe).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
    } else {
        drop(stdout_pipe);
    }
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (mut url, mut admin) = (None, None);
    let mut seen = Vec::new();
    // Bounded by the lines `serve` writes before it listens (it exits otherwise).
    for line in lines.by_ref().take(50) {
        let line = line.unwrap();
        admin = admin.or_else(|| url_after(&line, "admin endpoints on "));
        url = url.or_else(|| listening_url(&line));
        seen.push(line);
        if url.is_some() {
            break;
        }
    }
    let stderr = Arc::new(Mutex::new(seen));
    let sink = Arc::clone(&stderr);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let text = stderr.lock().unwrap().join("\n");
    Admin {
        _child: child,
        url: url.unwrap_or_else(|| panic!("no listening line in {text}")),
        admin: admin.unwrap_or_else(|| panic!("no admin line in {text}")),
        stderr,
        stdout,
    }
}

/// The value of every sample of the metrics text (`name{labels}` → value).
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, String, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

async fn metrics(client: &reqwest::Client, admin: &str) -> HashMap<String, f64> {
    let (status, kind, text) = get(client, &format!("{admin}metrics")).await;
    assert_eq!(status, 200, "{text}");
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    samples(&text)
}

async fn post(client: &reqwest::Client, url: &str, kind: &str, body: String) -> u16 {
    let response = client
        .post(url)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

fn count(samples: &HashMap<String, f64>, key: &str) -> f64 {
    samples.get(key).copied().unwrap_or(0.0)
}

/// Polls `check` every 100 ms for at most 20 s.
async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

fn assert_no_secret(lines: &[String]) {
    for line in lines {
        assert!(
            !line.contains(SECRET) && !line.contains(WRONG_SECRET),
            "a secret in the logs: {line}"
        );
    }
}

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
