//! `serve` as an operator runs it: stopped by SIGTERM and SIGINT with requests in flight,
//! started on an inbox it cannot write, and running while its disk fills up and is freed.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{self, Reaped};
use common::SECRET;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn address(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (at most `limit`) for the process to exit; its status code and how long it took.
fn exited(child: &mut Reaped, limit: Duration) -> (Option<i32>, Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("still running after {limit:?}");
}

/// A delivery's request written but for its last byte.
async fn half_sent(url: &str, n: usize) -> (TcpStream, u8) {
    let body = common::event(&format!("shutdown-{n}"), &format!("e{n}"));
    let body = body.as_bytes();
    let head = format!(
        "POST / HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(address(url)).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let (last, rest) = body.split_last().unwrap();
    stream.write_all(rest).await.unwrap();
    (stream, *last)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_answers_the_deliveries_in_flight_and_exits_0() {
    let files = process::files("sigterm");
    let mut server = process::serve(&process::sqlite(&files.db), &files.secrets);
    let mut in_flight = Vec::new();
    for n in 0..20 {
        in_flight.push(half_sent(&server.url, n).await);
    }
    // Every request has arrived but for its last byte when the signal comes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(server.child.id(), "TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut answered = 0;
    for (mut stream, last) in in_flight {
        stream.write_all(&[last]).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(9), stream.read_to_end(&mut answer))
            .await
            .unwrap()
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        answered += 1;
    }
    assert_eq!(answered, 20);
    let (code, took) = exited(&mut server.child, Duration::from_secs(9));
    assert_eq!(code, Some(0), "exit status");
    eprintln!("exited {took:?} after the last answer");
    // No new connection once stopped.
    assert!(TcpStream::connect(address(&server.url)).await.is_err());
    // Everything answered is handled by the next run.
    let mut next = process::serve(&process::sqlite(&files.db), &files.secrets);
    common::until(|| process::handled(&next.lines).len() >= 20).await;
    next.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_cuts_a_stalled_upload_at_the_shutdown_deadline() {
    let files = process::files("sigint");
    let mut command = process::serve_command();
    command
        .args(["--secret-key-file"])
        .arg(&files.secrets)
        .args(process::sqlite(&files.db))
        .args(["--shutdown-timeout", "2s"]);
    let mut server = process::started(command);
    let (stalled, _) = half_sent(&server.url, 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    signal(server.child.id(), "INT");
    let (code, took) = exited(&mut server.child, Duration::from_secs(5));
    assert_eq!(code, Some(0));
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    drop(stalled);
}

/// Runs `command` as an unprivileged user when this test runs as root (root writes any file).
fn unprivileged(command: &mut Command) {
    if common::disk::is_root() {
        command.uid(65534).gid(65534);
    }
}

/// `serve` on the SQLite inbox `db`: its exit status, stderr and time.
fn serve_once(db: &Path, secrets: &Path) -> (Option<i32>, String, Duration) {
    let mut command = process::serve_command();
    command
        .arg("--secret-key-file")
        .arg(secrets)
        .arg("--db")
        .arg(db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    unprivileged(&mut command);
    let started = Instant::now();
    let mut child = Reaped(command.spawn().unwrap());
    let (code, took) = exited(&mut child, Duration::from_secs(5));
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    (code, stderr, took.max(started.elapsed()))
}

#[test]
fn an_inbox_that_cannot_be_written_refuses_to_start() {
    let files = process::files("read-only");
    let open = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    // Readable by the unprivileged user, and the test's directory reachable.
    open(&files.dir, 0o755);
    open(&files.secrets, 0o644);
    // A read-only file in a writable folder.
    let folder = files.dir.join("writable");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("inbox.sqlite");
    drop(webhooks_receiver::SqliteInbox::open(&db).unwrap());
    for entry in std::fs::read_dir(&folder).unwrap() {
        open(&entry.unwrap().path(), 0o444);
    }
    open(&folder, 0o777);
    let (code, stderr, took) = serve_once(&db, &files.secrets);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(took < Duration::from_secs(5));
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
    assert!(stderr.contains("readonly"), "{stderr}");
    // A read-only folder without an inbox yet.
    let locked = files.dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    open(&locked, 0o555);
    let db = locked.join("inbox.sqlite");
    let (code, stderr, _) = serve_once(&db, &files.secrets);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
    assert!(stderr.contains("unable to open"), "{stderr}");
    assert!(!stderr.contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_gives_503_and_the_receiver_recovers_when_space_returns() {
    let files = process::files("full-disk");
    let Some(disk) = common::disk::SmallDisk::mount(&files.dir) else {
        return;
    };
    let db = disk.path().join("inbox.sqlite");
    let mut server = process::serve(&process::sqlite(&db), &files.secrets);
    let client = reqwest::Client::new();
    let deliver = |n: usize| {
        let (client, url) = (client.clone(), server.url.clone());
        async move {
            let body = common::event(&format!("full-{n}"), &format!("e{n}"));
            common::post(&client, &url, body).await.0
        }
    };
    assert_eq!(deliver(0).await, 200);
    let filler = disk.fill();
    let mut acked = 1;
    let mut refused = None;
    for n in 1..3000 {
        match deliver(n).await {
            200 => acked += 1,
            503 => {
                refused = Some(n);
                break;
            }
            other => panic!("delivery {n}: {other}"),
        }
    }
    let refused = refused.expect("a full disk refuses deliveries");
    eprintln!("acknowledged {acked} before the disk was full");
    assert_eq!(deliver(refused).await, 503, "still full");
    std::fs::remove_file(&filler).unwrap();
    // Space is back: the same delivery is taken within seconds, without a restart.
    let started = Instant::now();
    let mut status = 0;
    while started.elapsed() < Duration::from_secs(10) {
        status = deliver(refused).await;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, 200, "recovered within 10 s");
    eprintln!("recovered {:?} after space returned", started.elapsed());
    common::until(|| process::handled(&server.lines).len() > acked).await;
    server.kill();
}
