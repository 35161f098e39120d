//! The `webhooks-receiver` binary driven from outside: real process, real loopback HTTP.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::process::{files, secrets_file, serve, sqlite, Files, BIN};
use common::{temp_dir, SECRET};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_after_a_burst_of_200s_loses_nothing() {
    let files = files("sigkill");
    common::process::sigkill_after_a_burst_loses_nothing(&sqlite(&files.db), &files.secrets).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_posts_every_sample_to_serve_which_prints_each_handled_delivery() {
    let Files { dir, db, secrets } = files("send");
    let mut server = serve(&sqlite(&db), &secrets);
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
    common::until(|| server.lines.lock().unwrap().len() >= want).await;
    let lines = server.lines.lock().unwrap().clone();
    assert_eq!(lines.len(), want);
    let flagged = lines
        .iter()
        .filter(|l| l["possible_redelivery"] == true)
        .count();
    assert_eq!(flagged, n - keyed);
    // `send` prints, for each body it sends, the `body_sha256` the receiver stores and handles.
    let printed: std::collections::BTreeSet<&str> = stdout
        .lines()
        .map(|l| l.split(' ').nth(1).unwrap())
        .collect();
    let handled: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|l| l["body_sha256"].as_str().unwrap())
        .collect();
    assert_eq!(printed, handled);
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
    // The names of the versions, as webhooks-validate lists them.
    let names: Vec<&str> = webhooks_receiver::ApiVersion::ALL
        .iter()
        .map(|v| v.name())
        .collect();
    assert!(
        stderr.contains("invalid value '3.9' for '--api-version <VERSION>'")
            && stderr.contains(&format!("[possible values: {}]", names.join(", "))),
        "{stderr}"
    );
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

/// `send` takes sample files or `--all`, and `--manifest` or `--samples-dir` (one at most) only
/// with `--all`; `redrive` takes `--id` or `--all`. Anything else is a usage error; what the
/// command line accepts goes on to read the secret file or the inbox, absent here.
#[test]
fn send_and_redrive_take_one_choice_of_what_to_act_on() {
    let dir = temp_dir("choices");
    let (secrets, db) = (dir.join("absent-secrets"), dir.join("absent.sqlite"));
    let (secrets, db) = (secrets.to_str().unwrap(), db.to_str().unwrap());
    let cases: [(&[&str], &[&str], &str); 13] = [
        (&["send"], &[], "Usage"),
        (&["send"], &["--all", "a.json"], "Usage"),
        (&["send"], &["--manifest", "m.json"], "Usage"),
        (&["send"], &["--samples-dir", "d", "a.json"], "Usage"),
        (
            &["send"],
            &["--all", "--manifest", "m", "--samples-dir", "d"],
            "Usage",
        ),
        (
            &["send"],
            &["a.json", "b.json"],
            "cannot read secret key file",
        ),
        (&["send"], &["--all"], "cannot read secret key file"),
        (
            &["send"],
            &["--all", "--manifest", "m"],
            "cannot read secret key file",
        ),
        (
            &["send"],
            &["--all", "--samples-dir", "d"],
            "cannot read secret key file",
        ),
        (&["redrive"], &[], "Usage"),
        (&["redrive"], &["--id", "1", "--all"], "Usage"),
        (&["redrive"], &["--id", "1"], "no inbox at"),
        (&["redrive"], &["--all"], "no inbox at"),
    ];
    for (command, rest, said) in cases {
        let mut args = command.to_vec();
        if command == ["send"] {
            args.extend(["http://127.0.0.1:9/", "--secret-key-file", secrets]);
        } else {
            args.extend(["--db", db]);
        }
        args.extend(rest);
        let (code, _, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
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
    let mut server = serve(&sqlite(&files.db), &files.secrets);
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
    let big = common::with_secret(big, SECRET);
    // A body of undeclared length over the limit (not JSON), then a second request on the
    // connection.
    let head = "content-type: application/json\r\ntransfer-encoding: chunked";
    let mut two = common::raw::post(head, &common::raw::chunked(3_000_000));
    two.extend(common::raw::post(
        "content-type: text/plain\r\ncontent-length: 2",
        b"{}",
    ));
    // A large body refused unused is still read and dropped, so its answer always arrives: a
    // connection closed with bytes unread is reset, and the sender would see only that. The
    // chunked body is read to its end too, so the connection stays open for the next request.
    for _ in 0..5 {
        assert_eq!(json(big.clone()).send().await.unwrap().status(), 413);
        let not_json = client.post(&url).header("content-type", "text/plain");
        assert_eq!(
            not_json.body(big.clone()).send().await.unwrap().status(),
            415
        );
        let answers = common::raw::exchange(&url, &two, 2).await;
        assert_eq!(answers.len(), 2, "{answers:?}");
        // Not JSON from its first byte: refused as such before its size matters, tersely,
        // and still read to its end.
        assert!(answers[0].starts_with("HTTP/1.1 400"), "{answers:?}");
        assert!(answers[1].starts_with("HTTP/1.1 415"), "{answers:?}");
    }
    let body = common::with_secret(common::sample("thread_tagged"), SECRET);
    let plain = client
        .post(&url)
        .header("content-type", "text/plain")
        .body(body.clone());
    assert_eq!(plain.send().await.unwrap().status(), 415);
    assert_eq!(client.get(&url).send().await.unwrap().status(), 405);
    // Then one good delivery: it is the only line printed.
    assert_eq!(json(body.clone()).send().await.unwrap().status(), 200);
    common::until(|| !server.lines.lock().unwrap().is_empty()).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let lines = server.lines.lock().unwrap().clone();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["body_sha256"], common::stored_sha256(&body));
    assert_eq!(lines[0]["action"], "thread_tagged");
    let inbox = webhooks_receiver::SqliteInbox::open(&files.db).unwrap();
    let stats = webhooks_receiver::Inbox::stats(&inbox).await.unwrap();
    assert_eq!(
        stats.pending + stats.running + stats.done + stats.dead,
        1,
        "{stats:?}"
    );
}

#[tokio::test]
async fn prune_deletes_old_handled_deliveries_and_serve_refuses_a_short_retention() {
    let files = files("prune");
    let inbox = webhooks_receiver::SqliteInbox::open(&files.db).unwrap();
    common::process::prune_command_deletes_old_handled_rows(&inbox, &sqlite(&files.db)).await;
    let secrets = files.secrets.to_str().unwrap();
    let (code, _, stderr) = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--secret-key-file",
        secrets,
        "--retain-handled",
        "30s",
        "--db",
        files.db.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("longer than the redelivery window"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["prune", "--retain-handled", "7", "--db", "x"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("has no unit"), "{stderr}");
}
