//! The command line of the `webhooks-receiver` binary: its version, where `serve` and `send`
//! read the secret, and what `send` writes on each stream, into pipes and on a terminal.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::process::{files, serve, serve_env, sqlite, BIN, SECRET_VARS};
use common::SECRET;
use webhooks_receiver::ApiVersion;

/// Runs the binary with `args` from the workspace root, the secret variables of the
/// environment replaced by `vars`.
fn run(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(common::workspace());
    for var in SECRET_VARS {
        command.env_remove(var);
    }
    command.envs(vars.iter().copied()).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_names_the_crate_and_every_api_version() {
    let out = run(&["--version"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let first = format!("webhooks-receiver {} (", env!("CARGO_PKG_VERSION"));
    assert!(stdout.starts_with(&first), "{stdout}");
    for version in ApiVersion::ALL {
        assert!(stdout.contains(version.name()), "{version}: {stdout}");
    }
    assert!(
        stdout.contains(&format!("stable {}", ApiVersion::STABLE)),
        "{stdout}"
    );
}

#[test]
fn serve_and_send_without_a_secret_are_usage_errors_naming_every_way_to_give_one() {
    let files = files("no-secret");
    let db = files.db.to_str().unwrap();
    let out = run(&["serve", "--listen", "127.0.0.1:0", "--db", db], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for way in [
        "--secret-key-file",
        "--secret-key-env",
        "LIVECHAT_SECRET_KEY",
        "WEBHOOKS_SECRET_KEY",
        "Usage: webhooks-receiver serve",
    ] {
        assert!(stderr.contains(way), "{way}: {stderr}");
    }
    assert!(!files.db.exists(), "no inbox is created");
    let sample = sample_file();
    let out = run(&["send", "http://127.0.0.1:9/", &sample], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for way in [
        "--secret-key-file",
        "LIVECHAT_SECRET_KEY",
        "WEBHOOKS_SECRET_KEY",
        "Usage: webhooks-receiver send",
    ] {
        assert!(stderr.contains(way), "{way}: {stderr}");
    }
    // A variable that is set but empty is named, not passed over for the other one.
    let out = run(
        &["serve", "--listen", "127.0.0.1:0", "--db", db],
        &[
            ("LIVECHAT_SECRET_KEY", " \n"),
            ("WEBHOOKS_SECRET_KEY", SECRET),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("LIVECHAT_SECRET_KEY holds no secret key"),
        "{stderr}"
    );
}

#[test]
fn color_decides_whether_help_and_usage_errors_are_coloured() {
    let coloured = |out: &[u8]| text(out).contains("\x1b[");
    let always = run(&["--color=always", "serve", "--bogus"], &[]);
    assert_eq!(always.status.code(), Some(2));
    assert!(coloured(&always.stderr));
    assert!(coloured(
        &run(&["send", "--help", "--color", "always"], &[]).stdout
    ));
    // Into a pipe, auto colours nothing; nor does never.
    for args in [
        &["serve", "--bogus"][..],
        &["--color", "never", "serve", "--bogus"],
    ] {
        assert!(!coloured(&run(args, &[]).stderr), "{args:?}");
    }
    assert!(!coloured(&run(&["--help"], &[]).stdout));
    // On a terminal, auto colours the error, unless NO_COLOR is set.
    let bogus = format!("'{BIN}' serve --bogus");
    assert!(on_terminal(&bogus, &[]).1.contains("\x1b["));
    let (code, shown) = on_terminal(&bogus, &[("NO_COLOR", "1")]);
    assert_eq!(code, Some(2));
    assert!(
        shown.contains("--bogus") && !shown.contains("\x1b["),
        "{shown:?}"
    );
}

fn sample_file() -> String {
    common::samples_dir(common::oldest())
        .join("thread_tagged.json")
        .to_str()
        .unwrap()
        .to_owned()
}

/// `send` of one sample (`--repeat 3` and `extra`) to `url` with the secret variables `vars`.
fn send(url: &str, extra: &[&str], vars: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let sample = sample_file();
    let mut args = vec!["send", url, "--repeat", "3", &sample];
    args.extend(extra);
    let out = run(&args, vars);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_and_send_read_the_secret_from_either_variable() {
    let files = files("env-secret");
    // Two accepted keys, one per line, from the shared variable.
    let keys = format!("old-secret\n{SECRET}\n");
    let mut server = serve_env(&sqlite(&files.db), &[("LIVECHAT_SECRET_KEY", &keys)]);
    let url = server.url.clone();
    let sample = sample_file();
    // Each status line: the status, the `body_sha256` the receiver gives the body (without its
    // secret, so the same whichever secret is sent), the file.
    let digest = std::cell::OnceCell::new();
    let statuses = |status: &str, stdout: &str| {
        let first = stdout.split(' ').nth(1).unwrap_or_default().to_owned();
        let digest = digest.get_or_init(|| first);
        assert!(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()));
        format!("{status} {digest} {sample}\n").repeat(3)
    };

    // The new name, then the earlier one alone: each post answered 200; stdout, a pipe here,
    // holds the status lines alone, and stderr the summary alone (no bar off a terminal).
    for var in SECRET_VARS {
        let (code, stdout, stderr) = send(&url, &[], &[(var, SECRET)]);
        assert_eq!(code, Some(0), "{var}: {stdout}{stderr}");
        assert_eq!(stdout, statuses("200", &stdout), "{var}");
        assert!(
            stderr.starts_with("webhooks-receiver: 3 posts sent: 3 answered 200, 0 not 200, in "),
            "{var}: {stderr}"
        );
        assert!(
            stderr.ends_with(" posts/s)\n") && stderr.lines().count() == 1,
            "{stderr}"
        );
        assert!(
            !stderr.contains('\r') && !stderr.contains('\x1b'),
            "{stderr:?}"
        );
    }
    // The new name wins over the earlier one; the file over both.
    let both = [
        ("LIVECHAT_SECRET_KEY", "old-secret"),
        ("WEBHOOKS_SECRET_KEY", "wrong"),
    ];
    let (code, stdout, _) = send(&url, &["--quiet"], &both);
    assert_eq!(stdout, statuses("200", &stdout));
    assert_eq!(code, Some(0));
    let wrong = files.dir.join("wrong-secret");
    std::fs::write(&wrong, "wrong\n").unwrap();
    let (code, stdout, stderr) = send(&url, &["--secret-key-file", path(&wrong)], &both);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.starts_with("401 "), "{stdout}");
    assert!(
        stderr.contains("3 posts sent: 0 answered 200, 3 not 200")
            && stderr.contains("3 deliveries were not answered 200"),
        "{stderr}"
    );
    // --quiet: no summary; the statuses as ever.
    let (code, stdout, stderr) = send(&url, &["-q"], &[("WEBHOOKS_SECRET_KEY", SECRET)]);
    assert_eq!(
        (code, &stdout, stderr),
        (Some(0), &statuses("200", &stdout), String::new())
    );
    // What was accepted with the keys of the variable is handled, under the digest printed.
    common::until(|| !server.lines.lock().unwrap().is_empty()).await;
    assert_eq!(
        server.lines.lock().unwrap()[0]["body_sha256"].as_str(),
        digest.get().map(String::as_str)
    );
    server.kill();
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `shell` (for `sh -c`, from the workspace root) on a pseudo-terminal (util-linux
/// `script`) of 40 rows and 120 columns with the secret and colour variables of the
/// environment replaced by `vars`; the exit status and every byte the terminal showed.
fn on_terminal(shell: &str, vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let shell = format!("stty rows 40 cols 120; {shell}");
    let mut command = Command::new("script");
    for var in SECRET_VARS
        .into_iter()
        .chain(["NO_COLOR", "CLICOLOR_FORCE"])
    {
        command.env_remove(var);
    }
    let out = command
        .args(["--quiet", "--return", "--command", &shell, "/dev/null"])
        .current_dir(common::workspace())
        .env("TERM", "xterm-256color")
        .envs(vars.iter().copied())
        .output()
        .expect("util-linux `script` runs");
    (out.status.code(), text(&out.stdout))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_send_draws_a_bar_on_stderr_and_writes_the_same_statuses() {
    let files = files("terminal");
    let mut server = serve_env(&sqlite(&files.db), &[("LIVECHAT_SECRET_KEY", SECRET)]);
    let version = common::oldest().name();
    let send = format!(
        "'{BIN}' send '{}' --all --api-version {version} --repeat 2",
        server.url
    );
    let statuses = files.dir.join("statuses");
    let to_file = format!("{send} > '{}'", statuses.display());
    let secret = ("LIVECHAT_SECRET_KEY", SECRET);
    let (code, shown) = on_terminal(&to_file, &[secret]);
    assert_eq!(code, Some(0), "{shown}");
    let piped = run(
        &[
            "send",
            &server.url,
            "--all",
            "--api-version",
            version,
            "--repeat",
            "2",
        ],
        &[secret],
    );
    // Into a file, the statuses are what a pipe gets: nothing of the bar.
    let written = std::fs::read(&statuses).unwrap();
    assert_eq!(text(&written), text(&piped.stdout));
    let posts = text(&piped.stdout).lines().count();
    assert!(posts > 60, "{posts}");
    // The bar: posts done out of all, the rate and the time left, coloured; then the summary.
    assert!(shown.contains(&format!("/{posts} posts ")), "{shown:?}");
    assert!(shown.contains(" posts/s  ETA "), "{shown:?}");
    assert!(shown.contains("\x1b[36m"), "{shown:?}");
    let summary = format!("{posts} posts sent: {posts} answered 200, 0 not 200");
    assert!(shown.contains(&summary), "{shown:?}");
    // NO_COLOR or --color never: the bar without colour; --quiet: neither bar nor summary.
    let (_, plain) = on_terminal(&to_file, &[secret, ("NO_COLOR", "1")]);
    assert!(
        plain.contains(" posts/s  ETA ") && !plain.contains("\x1b[36m"),
        "{plain:?}"
    );
    let never = format!("{to_file} --color never");
    let (_, plain) = on_terminal(&never, &[secret]);
    assert!(
        plain.contains(" posts/s  ETA ") && !plain.contains("\x1b[36m"),
        "{plain:?}"
    );
    let quiet = format!("{to_file} --quiet");
    let (code, shown) = on_terminal(&quiet, &[secret]);
    assert_eq!((code, shown), (Some(0), String::new()));
    assert_eq!(std::fs::read(&statuses).unwrap(), written);
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_into_a_closed_pipe_stops_with_an_error_not_a_panic() {
    let files = files("closed-pipe");
    let mut server = serve(&sqlite(&files.db), &files.secrets);
    let stderr = files.dir.join("stderr");
    // More status lines than a pipe holds, read by a `head` that takes one and goes away.
    let script = format!(
        "\"$0\" send {} --repeat 1500 --secret-key-file {} {} 2>{} | head -n 1 >/dev/null; \
         echo \"${{PIPESTATUS[0]}}\"",
        server.url,
        path(&files.secrets),
        sample_file(),
        path(&stderr)
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg(common::process::BIN)
        .output()
        .unwrap();
    let stderr = std::fs::read_to_string(&stderr).unwrap();
    assert_eq!(text(&out.stdout).trim(), "2", "{stderr}");
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    server.kill();
}
