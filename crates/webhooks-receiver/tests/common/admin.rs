//! `serve` with an admin listener as a real process: its URLs, its stderr and stdout lines, its
//! metrics read back, requests posted.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::process::{listening_url, Reaped, BIN};
use super::{temp_dir, SECRET};

/// A secret that is sent but accepted nowhere: it must not be logged either.
pub const WRONG_SECRET: &str = "wrong-secret-Zq81";

/// A `serve` with an admin listener: both URLs, and every stderr and stdout line so far.
pub struct Admin {
    /// Killed when the test ends.
    pub _child: Reaped,
    pub url: String,
    pub admin: String,
    pub stderr: Arc<Mutex<Vec<String>>>,
    pub stdout: Arc<Mutex<Vec<String>>>,
}

impl Admin {
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Every stderr line, each parsed as JSON.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stderr()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// The URL after `marker` in a line.
pub fn url_after(line: &str, marker: &str) -> Option<String> {
    let rest = line.split(marker).nth(1)?;
    rest.split(|c: char| c == '"' || c.is_whitespace())
        .next()
        .map(str::to_owned)
}

/// Starts `serve --admin-listen 127.0.0.1:0` on a fresh inbox with `extra` arguments; with
/// `read_stdout` false, its stdout is a pipe closed at once (each handler attempt fails).
pub fn start(test: &str, extra: &[&str], read_stdout: bool) -> Admin {
    let dir = temp_dir(test);
    start_on(&dir, &dir.join("inbox.sqlite"), extra, read_stdout)
}

/// [`start`] with the SQLite inbox `db`, the secrets file written in `dir`.
pub fn start_on(dir: &Path, db: &Path, extra: &[&str], read_stdout: bool) -> Admin {
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
        .args(["--api-version", super::oldest().name(), "--secret-key-file"])
        .arg(&secrets)
        .arg("--db")
        .arg(db)
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
pub fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

pub async fn get(client: &reqwest::Client, url: &str) -> (u16, String, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

pub async fn metrics(client: &reqwest::Client, admin: &str) -> HashMap<String, f64> {
    let (status, kind, text) = get(client, &format!("{admin}metrics")).await;
    assert_eq!(status, 200, "{text}");
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    samples(&text)
}

pub async fn post(client: &reqwest::Client, url: &str, kind: &str, body: String) -> u16 {
    let response = client
        .post(url)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

pub fn count(samples: &HashMap<String, f64>, key: &str) -> f64 {
    samples.get(key).copied().unwrap_or(0.0)
}

/// Polls `check` every 100 ms for at most 20 s.
pub async fn eventually<F, Fut>(mut check: F) -> bool
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

pub fn assert_no_secret(lines: &[String]) {
    for line in lines {
        assert!(
            !line.contains(SECRET) && !line.contains(WRONG_SECRET),
            "a secret in the logs: {line}"
        );
    }
}
