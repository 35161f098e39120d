//! `serve` played against by a hostile client on loopback: bodies trickled, unauthenticated
//! uploads held open, a flood of idle connections under a low descriptor limit. Each test
//! bounds its loops in count and time.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::ffi::OsString;
use std::process::Command;
use std::time::{Duration, Instant};

use common::process::{self, Server, BIN};
use common::SECRET;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `serve` on a fresh SQLite inbox with `extra` arguments, run by `sh -c PREFIX; exec ...`
/// when `prefix` is given (a descriptor limit).
fn serve(test: &str, extra: &[&str], prefix: Option<&str>) -> Server {
    let files = process::files(test);
    let mut args: Vec<OsString> = vec![
        "serve".into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--api-version".into(),
        common::oldest().name().into(),
        "--secret-key-file".into(),
        files.secrets.into(),
        "--db".into(),
        files.db.into(),
    ];
    args.extend(extra.iter().map(OsString::from));
    let command = match prefix {
        None => {
            let mut command = Command::new(BIN);
            command.args(args);
            command
        }
        Some(prefix) => {
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!("{prefix} && exec \"$0\" \"$@\""))
                .arg(BIN)
                .args(args);
            command
        }
    };
    process::started(command)
}

fn address(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// The resident memory of a process, in bytes.
fn resident(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

/// A valid delivery: its status and how long it took.
async fn deliver(url: &str) -> (u16, Duration) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let started = Instant::now();
    let body = common::with_secret(common::sample("thread_tagged"), SECRET);
    let (status, _) = common::post(&client, url, body).await;
    (status, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_trickled_at_one_byte_a_second_is_cut_within_15_seconds() {
    let server = serve("trickle", &[], None);
    let mut stream = TcpStream::connect(address(&server.url)).await.unwrap();
    let head = "POST / HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        // One byte a second, as long as the server takes them (bounded: 30 bytes).
        for byte in br#"{"webhook_id":"w","secret_key""#.iter() {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), reader.read_to_end(&mut answer)).await;
    let cut = started.elapsed();
    trickle.abort();
    assert!(read.is_ok(), "the connection is still open after 20 s");
    assert!(cut <= Duration::from_secs(15), "cut after {cut:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

/// Holds `count` connections, each sending the head of a 1 MiB body without a secret and
/// 1 MiB − 1 bytes of it, then waiting; returns the tasks holding them.
async fn unauthenticated_uploads(url: &str, count: usize) -> Vec<tokio::task::JoinHandle<()>> {
    let size = 1 << 20;
    let head = format!(
        "POST / HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: {size}\r\n\r\n"
    );
    let mut body = br#"{"payload":""#.to_vec();
    body.resize(size - 1, b'x');
    let request = std::sync::Arc::new([head.into_bytes(), body].concat());
    let mut tasks = Vec::new();
    for _ in 0..count {
        let (address, request) = (address(url), std::sync::Arc::clone(&request));
        tasks.push(tokio::spawn(async move {
            let Ok(mut stream) = TcpStream::connect(address).await else {
                return;
            };
            let _ = tokio::time::timeout(Duration::from_secs(30), stream.write_all(&request)).await;
            // Held open (until the server closes it or the test ends).
            let mut sink = Vec::new();
            let _ =
                tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut sink)).await;
        }));
    }
    tasks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_uploads_do_not_take_the_memory_nor_the_service() {
    let server = serve("uploads", &[], None);
    let pid = server.child.id();
    assert_eq!(deliver(&server.url).await.0, 200);
    let idle = resident(pid);
    let uploads = unauthenticated_uploads(&server.url, 300).await;
    // While the uploads arrive and are held: bounded memory, and a genuine delivery served.
    let mut peak = 0;
    let until = Instant::now() + Duration::from_secs(8);
    while Instant::now() < until {
        peak = peak.max(resident(pid));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, took) = deliver(&server.url).await;
    peak = peak.max(resident(pid));
    eprintln!(
        "resident: idle {} MB, peak {} MB under 300 uploads; a delivery took {took:?}",
        idle >> 20,
        peak >> 20
    );
    assert_eq!(status, 200);
    assert!(peak <= idle + (128 << 20), "idle {idle}, peak {peak}");
    for task in &uploads {
        task.abort();
    }
    // Given back: within 20 s of the connections closing.
    let until = Instant::now() + Duration::from_secs(20);
    let mut now = resident(pid);
    while now > idle + (64 << 20) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(500)).await;
        now = resident(pid);
    }
    eprintln!("resident after the uploads closed: {} MB", now >> 20);
    assert!(now <= idle + (64 << 20), "idle {idle}, after {now}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_beyond_the_descriptor_limit_do_not_stop_the_service() {
    // The test holds 1,500 connections itself.
    let _ = rlimit::increase_nofile_limit(4096);
    let server = serve("idle-flood", &[], Some("ulimit -n 1024"));
    let address = address(&server.url);
    let mut held = Vec::new();
    let mut failed = 0;
    for _ in 0..1500 {
        match tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(&address)).await {
            Ok(Ok(stream)) => held.push(stream),
            _ => failed += 1,
        }
    }
    eprintln!(
        "idle connections opened: {}, not opened: {failed}",
        held.len()
    );
    assert!(held.len() >= 1024, "the flood is smaller than the limit");
    let (status, took) = deliver(&server.url).await;
    eprintln!("a delivery during the flood took {took:?}");
    assert_eq!(status, 200);
    assert!(took <= Duration::from_secs(10), "{took:?}");
    drop(held);
}
