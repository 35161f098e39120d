//! The `webhooks-receiver` binary as a real process: `serve` started with its store's
//! arguments, its NDJSON lines collected, a burst of deliveries killed with SIGKILL.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{temp_dir, SECRET};

pub const BIN: &str = env!("CARGO_BIN_EXE_webhooks-receiver");

/// A child process that is killed when dropped, so that a test that fails leaves no server
/// running.
pub struct Reaped(pub Child);

impl Deref for Reaped {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        // Already gone when the test killed it: nothing to do then.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `serve`: its URL and the NDJSON lines it printed so far.
pub struct Server {
    pub child: Reaped,
    pub url: String,
    pub lines: Arc<Mutex<Vec<Value>>>,
}

impl Server {
    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// The arguments naming a SQLite inbox.
pub fn sqlite(db: &Path) -> Vec<OsString> {
    vec!["--db".into(), db.into()]
}

/// The arguments naming a PostgreSQL inbox whose claims are leased for `lease` (`2s` lets a
/// restart after a kill take the killed run's claims over soon; two live receivers need a
/// lease no handling on a loaded machine outlasts, or a row would be claimed twice).
pub fn postgres(url: &str, lease: &str) -> Vec<OsString> {
    vec![
        "--postgres".into(),
        url.into(),
        "--lease".into(),
        lease.into(),
    ]
}

/// The environment variables that may hold the secret, which a test that gives the secret
/// otherwise removes from the child's environment.
pub const SECRET_VARS: [&str; 2] = [
    webhooks_validate::cli::SECRET_ENV,
    webhooks_validate::cli::SECRET_ENV_ALIAS,
];

/// `serve` on an ephemeral loopback port with the oldest version, its secret not given yet.
pub fn serve_command() -> Command {
    let mut command = Command::new(BIN);
    command.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--api-version",
        super::oldest().name(),
    ]);
    // The line saying where it listens is at `info`, which RUST_LOG could hide.
    command.env_remove("RUST_LOG");
    command
}

/// Starts `serve` on an ephemeral loopback port with the oldest version, `secrets` and the
/// store's arguments.
pub fn serve(store: &[OsString], secrets: &Path) -> Server {
    let mut command = serve_command();
    command.arg("--secret-key-file").arg(secrets).args(store);
    started(command)
}

/// Starts `serve` as [`serve`] does, with no secret option: the secrets come from `vars`, the
/// only secret variables set in its environment.
pub fn serve_env(store: &[OsString], vars: &[(&str, &str)]) -> Server {
    let mut command = serve_command();
    command.args(store);
    for var in SECRET_VARS {
        command.env_remove(var);
    }
    command.envs(vars.iter().copied());
    started(command)
}

/// Runs `command` (a `serve`) with its output collected, once it says where it listens.
pub fn started(mut command: Command) -> Server {
    let mut child = Reaped(
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    let mut stderr_lines = stderr.lines();
    for line in stderr_lines.by_ref() {
        let line = line.unwrap();
        if let Some(url_found) = listening_url(&line) {
            url = Some(url_found);
            break;
        }
        eprintln!("serve: {line}");
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

/// The URL a log line of `serve` says it listens on (`listening on http://ADDR/`), in text
/// or in a JSON line.
pub fn listening_url(line: &str) -> Option<String> {
    let rest = line.split("listening on ").nth(1)?;
    let url = rest.split(|c: char| c == '"' || c.is_whitespace()).next()?;
    Some(url.to_owned())
}

pub fn secrets_file(dir: &Path) -> PathBuf {
    let path = dir.join("secrets");
    std::fs::write(&path, format!("old-secret\n{SECRET}\n")).unwrap();
    path
}

/// The files of a test that serves: a fresh directory, an inbox database in it (created by
/// `serve`) and a secrets file.
pub struct Files {
    pub dir: PathBuf,
    pub db: PathBuf,
    pub secrets: PathBuf,
}

pub fn files(test: &str) -> Files {
    let dir = temp_dir(test);
    let (db, secrets) = (dir.join("inbox.sqlite"), secrets_file(&dir));
    Files { dir, db, secrets }
}

/// The `body_sha256` of every line.
pub fn handled(lines: &Mutex<Vec<Value>>) -> HashSet<String> {
    lines
        .lock()
        .unwrap()
        .iter()
        .map(|l| l["body_sha256"].as_str().unwrap().to_owned())
        .collect()
}

/// Posts 600 distinct events to a `serve` of `store`, kills it with SIGKILL once 200 are
/// acknowledged, restarts it on the same store and waits until every acknowledged body is
/// handled; at most the deliveries in flight at the kill are handled twice.
pub async fn sigkill_after_a_burst_loses_nothing(store: &[OsString], secrets: &Path) {
    let first = serve(store, secrets);
    // Killed by the task whose acknowledgement is the 200th, while the burst still arrives.
    let child = Arc::new(Mutex::new(first.child));
    // A request the kill leaves hanging ends as not acknowledged instead of holding the test.
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let mut tasks = Vec::new();
    let run = std::process::id();
    for i in 0..600 {
        let (client, url, acked) = (client.clone(), first.url.clone(), Arc::clone(&acked));
        let child = Arc::clone(&child);
        let body = super::event(&format!("K{}", i % 17), &format!("E{run}-{i}"));
        tasks.push(tokio::spawn(async move {
            let sha = super::stored_sha256(&body);
            let sent = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            if sent.is_ok_and(|r| r.status() == 200) {
                let mut acked = acked.lock().unwrap();
                acked.insert(sha);
                if acked.len() == 200 {
                    child.lock().unwrap().kill().unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    // Killed here when fewer than 200 deliveries were acknowledged (the assertion below then
    // fails instead of waiting for ever).
    let _ = child.lock().unwrap().kill();
    child.lock().unwrap().wait().unwrap();
    let acked = acked.lock().unwrap().clone();
    let before = handled(&first.lines);
    let missing_at_kill = acked.difference(&before).count();
    eprintln!(
        "acknowledged {}, handled before the kill {}, left to the restart {missing_at_kill}",
        acked.len(),
        before.len()
    );
    assert!(acked.len() >= 200);

    let mut second = serve(store, secrets);
    let union = Arc::new(Mutex::new(Vec::new()));
    super::until(|| {
        let mut all = first.lines.lock().unwrap().clone();
        all.extend(second.lines.lock().unwrap().iter().cloned());
        *union.lock().unwrap() = all;
        acked.is_subset(&handled(&union))
    })
    .await;
    second.kill();
    // Everything handled is something that was sent, nothing twice after its completion
    // was recorded: at most the deliveries in flight at the kill are seen twice.
    let total = union.lock().unwrap().len();
    let distinct = handled(&union).len();
    assert!(
        total - distinct <= 64 + 1,
        "{total} lines for {distinct} deliveries"
    );
    eprintln!("after the restart: {total} lines for {distinct} deliveries");
}

/// `prune` on `store` (whose inbox is `inbox`): a delivery handled eight days ago goes, one
/// handled now and a dead letter stay; a retention within the redelivery window is refused.
pub async fn prune_command_deletes_old_handled_rows<I: webhooks_receiver::Inbox>(
    inbox: &I,
    store: &[OsString],
) {
    use super::prune::{claim, delivery, ids_in, new_id};
    use webhooks_receiver::inbox::state;
    let now = webhooks_receiver::now_ms();
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(new_id(inbox, delivery(n, None)).await);
    }
    assert_eq!(inbox.claim(claim(now, 10)).await.unwrap().len(), 3);
    inbox.complete(ids[0], now - 8 * 86_400_000).await.unwrap();
    inbox.complete(ids[1], now).await.unwrap();
    inbox.fail(ids[2], "boom", None).await.unwrap();
    let prune = |extra: &[&str]| {
        let out = Command::new(BIN)
            .arg("prune")
            .args(store)
            .args(extra)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (
            out.status.code(),
            stdout + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, text) = prune(&["--retain-handled", "1m"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("longer than the redelivery window"), "{text}");
    assert_eq!(prune(&[]), (Some(0), "pruned: 1\n".to_owned()));
    assert_eq!(
        prune(&["--retain-handled", "7d"]),
        (Some(0), "pruned: 0\n".to_owned())
    );
    let (done, dead) = (
        ids_in(inbox, state::DONE).await,
        ids_in(inbox, state::DEAD).await,
    );
    assert_eq!((done, dead), (vec![ids[1]], vec![ids[2]]));
}
