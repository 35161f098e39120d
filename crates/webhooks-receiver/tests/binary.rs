//! The `webhooks-receiver` binary driven from outside: real process, real loopback HTTP.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use common::{temp_dir, SECRET};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_webhooks-receiver");

/// A running `serve`: its URL and the NDJSON lines it printed so far.
struct Server {
    child: Child,
    url: String,
    lines: Arc<Mutex<Vec<Value>>>,
}

fn serve(db: &Path, secrets: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--api-version",
            common::oldest().name(),
            "--secret-key-file",
        ])
        .arg(secrets)
        .arg("--db")
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    let mut stderr_lines = stderr.lines();
    for line in stderr_lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            url = Some(rest.trim().to_owned());
            break;
        }
    }
    std::thread::spawn(move || stderr_lines.for_each(drop));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            sink.lock()
                .unwrap()
                .push(serde_json::from_str(&line).unwrap());
        }
    });
    Server {
        child,
        url: url.expect("the server says where it listens"),
        lines,
    }
}

fn secrets_file(dir: &Path) -> PathBuf {
    let path = dir.join("secrets");
    std::fs::write(&path, format!("old-secret\n{SECRET}\n")).unwrap();
    path
}

/// The files of a test that serves: a fresh directory, an inbox database in it (created by
/// `serve`) and a secrets file.
struct Files {
    dir: PathBuf,
    db: PathBuf,
    secrets: PathBuf,
}

fn files(test: &str) -> Files {
    let dir = temp_dir(test);
    let (db, secrets) = (dir.join("inbox.sqlite"), secrets_file(&dir));
    Files { dir, db, secrets }
}

fn handled(lines: &Mutex<Vec<Value>>) -> HashSet<String> {
    lines
        .lock()
        .unwrap()
        .iter()
        .map(|l| l["body_sha256"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_after_a_burst_of_200s_loses_nothing() {
    let files = files("sigkill");
    let mut first = serve(&files.db, &files.secrets);
    let client = reqwest::Client::new();
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let mut tasks = Vec::new();
    for i in 0..600 {
        let (client, url, acked) = (client.clone(), first.url.clone(), Arc::clone(&acked));
        let body = common::event(&format!("K{}", i % 17), &format!("E{i}"));
        tasks.push(tokio::spawn(async move {
            let sha = common::sha256_hex(body.as_bytes());
            let sent = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            if sent.is_ok_and(|r| r.status() == 200) {
                acked.lock().unwrap().insert(sha);
            }
        }));
    }
    // Kill while the burst is still arriving, once 200 acknowledgements are in.
    common::until(1500, || acked.lock().unwrap().len() >= 200).await;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let before = handled(&first.lines);
    let missing_at_kill = acked.difference(&before).count();
    eprintln!(
        "acknowledged {}, handled before the kill {}, left to the restart {missing_at_kill}",
        acked.len(),
        before.len()
    );
    assert!(acked.len() >= 200);

    let mut second = serve(&files.db, &files.secrets);
    let union = Arc::new(Mutex::new(Vec::new()));
    common::until(1500, || {
        let mut all = first.lines.lock().unwrap().clone();
        all.extend(second.lines.lock().unwrap().iter().cloned());
        *union.lock().unwrap() = all;
        acked.is_subset(&handled(&union))
    })
    .await;
    second.child.kill().unwrap();
    second.child.wait().unwrap();
    // Everything handled is something that was sent, nothing twice after its completion
    // was recorded: at most the deliveries in flight at the kill are seen twice.
    let total = union.lock().unwrap().len();
    let distinct = handled(&union).len();
    assert!(
        total - distinct <= 64 + 1,
        "{total} lines for {distinct} deliveries"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_posts_every_sample_to_serve_which_prints_each_handled_delivery() {
    let Files { dir, db, secrets } = files("send");
    let mut server = serve(&db, &secrets);
    let send_secrets = dir.join("send-secret");
    std::fs::write(&send_secrets, format!("{SECRET}\n")).unwrap();
    let out = Command::new(BIN)
        .args([
            "send",
            &server.url,
            "--all",
            "--api-version",
            common::oldest().name(),
            "--repeat",
            "2",
            "--secret-key-file",
        ])
        .arg(&send_secrets)
        .current_dir(common::workspace())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let statuses: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    // The documented samples, each of a different event: all handled in the first round; in
    // the second, those with an event key are deduplicated and the others handled again as
    // possible redeliveries.
    let documented: Vec<String> = common::manifest_entry(common::oldest())["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "documented")
        .map(|f| f["file"].as_str().unwrap().to_owned())
        .collect();
    let rules = webhooks_receiver::identity(common::oldest()).unwrap();
    let keyed = documented
        .iter()
        .filter(|f| {
            rules
                .keyed_actions()
                .any(|a| f.as_str() == format!("{a}.json"))
        })
        .count();
    let n = documented.len();
    assert!(n > 30 && keyed >= 3, "{n} documented, {keyed} keyed");
    assert_eq!(statuses.len(), 2 * n, "{stdout}");
    assert!(statuses.iter().all(|s| *s == "200"), "{stdout}");
    let want = n + n - keyed;
    common::until(1500, || server.lines.lock().unwrap().len() >= want).await;
    let lines = server.lines.lock().unwrap().clone();
    assert_eq!(lines.len(), want);
    let flagged = lines
        .iter()
        .filter(|l| l["possible_redelivery"] == true)
        .count();
    assert_eq!(flagged, n - keyed);
    for line in &lines {
        for field in [
            "webhook_id",
            "action",
            "body_sha256",
            "attempt",
            "possible_redelivery",
        ] {
            assert!(line.get(field).is_some(), "{field} in {line}");
        }
    }
    // A wrong secret: every status printed is 401, exit code 1.
    std::fs::write(&send_secrets, "wrong\n").unwrap();
    let out = Command::new(BIN)
        .args(["send", &server.url, "--secret-key-file"])
        .arg(&send_secrets)
        .arg(common::samples_dir(common::oldest()).join("thread_tagged.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("401 "));
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_usage_errors_and_unreadable_files_have_their_exit_codes() {
    for command in [
        &["--help"][..],
        &["serve", "--help"],
        &["send", "--help"],
        &["redrive", "--help"],
    ] {
        let (code, stdout, _) = run(command);
        assert_eq!(code, Some(0), "{command:?}");
        assert!(stdout.contains("Usage"), "{stdout}");
    }
    let (code, _, stderr) = run(&["serve", "--secret-key-file", "x", "--api-version", "3.9"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("unsupported API version `3.9`"), "{stderr}");
    assert_eq!(run(&["serve", "--bogus"]).0, Some(2));
    assert_eq!(run(&["send", "http://127.0.0.1:9/"]).0, Some(2));
    let dir = temp_dir("cli");
    let absent = dir.join("absent-secrets");
    let (code, _, stderr) = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--secret-key-file",
        absent.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("cannot read secret key file") && stderr.contains("absent-secrets"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "redrive",
        "--all",
        "--db",
        dir.join("none.sqlite").to_str().unwrap(),
    ]);
    assert_eq!(
        (code, stderr.contains("no inbox at")),
        (Some(2), true),
        "{stderr}"
    );
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = temp_dir("port");
    let secrets = secrets_file(&dir);
    let db = dir.join("inbox.sqlite");
    let (code, _, stderr) = run(&[
        "serve",
        "--listen",
        &addr,
        "--secret-key-file",
        secrets.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")) && stderr.contains("in use"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_answers_each_kind_of_bad_delivery_and_stores_none_of_them() {
    let files = files("answers");
    let mut server = serve(&files.db, &files.secrets);
    let client = reqwest::Client::new();
    let url = server.url.clone();
    let json = |body: String| {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
    };
    let wrong = common::with_secret(common::sample("thread_tagged"), "wrong");
    assert_eq!(json(wrong).send().await.unwrap().status(), 401);
    let mut invalid = common::sample("thread_tagged");
    invalid["payload"]["tag"] = 7.into();
    let response = json(common::with_secret(invalid, SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let report: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(report["errors"][0]["pointer"], "/payload/tag");
    let mut big = common::sample("thread_tagged");
    big["payload"]["tag"] = "x".repeat(3_000_000).into();
    assert_eq!(
        common::one_shot_client()
            .post(&url)
            .header("content-type", "application/json")
            .body(common::with_secret(big, SECRET))
            .send()
            .await
            .unwrap()
            .status(),
        413
    );
    let body = common::with_secret(common::sample("thread_tagged"), SECRET);
    let plain = client
        .post(&url)
        .header("content-type", "text/plain")
        .body(body.clone());
    assert_eq!(plain.send().await.unwrap().status(), 415);
    assert_eq!(client.get(&url).send().await.unwrap().status(), 405);
    // Then one good delivery: it is the only line printed.
    assert_eq!(json(body.clone()).send().await.unwrap().status(), 200);
    common::until(1500, || !server.lines.lock().unwrap().is_empty()).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let lines = server.lines.lock().unwrap().clone();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["body_sha256"], common::sha256_hex(body.as_bytes()));
    assert_eq!(lines[0]["action"], "thread_tagged");
    let inbox = webhooks_receiver::SqliteInbox::open(&files.db).unwrap();
    let stats = webhooks_receiver::Inbox::stats(&inbox).await.unwrap();
    assert_eq!(
        stats.pending + stats.running + stats.done + stats.dead,
        1,
        "{stats:?}"
    );
}
