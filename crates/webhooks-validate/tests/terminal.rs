//! The command on a terminal: a real pseudo-terminal (util-linux `script`) runs it, and the
//! bytes it shows are read by a terminal emulator (`vt100`). The progress bar appears while a
//! stream is checked and is gone from the screen at the end, the summary stays; `NO_COLOR`,
//! `TERM=dumb` and `--color` decide the colour; nothing of the bar is written into a pipe.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{sample, unset, workspace};

/// A stream of `lines` bodies, valid and invalid, written to a file; returns its path.
fn stream_file(name: &str, lines: usize) -> PathBuf {
    let valid = std::fs::read_to_string(sample("thread_tagged.json")).expect("sample");
    let valid = valid.replace('\n', " ");
    let invalid = r#"{"action": "thread_tagged", "payload": {}}"#;
    let mut text = String::new();
    for i in 0..lines {
        text.push_str(if i % 10 == 3 { invalid } else { &valid });
        text.push('\n');
    }
    let dir = std::env::temp_dir().join(format!("wv-terminal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

/// Runs `shell` (a command line for `sh -c`) on a pseudo-terminal of 40 rows and 120 columns
/// with the environment `env`; returns the exit status and every byte the terminal showed.
fn on_terminal(shell: &str, env: &[(&str, &str)]) -> (i32, Vec<u8>) {
    let binary = env!("CARGO_BIN_EXE_webhooks-validate");
    let line = format!("stty rows 40 cols 120; B='{binary}'; {shell}");
    let mut command = Command::new("script");
    unset(&mut command)
        .args(["--quiet", "--return", "--command", &line, "/dev/null"])
        .current_dir(workspace())
        .env("TERM", "xterm-256color")
        .envs(env.iter().copied());
    let output = command.output().expect("util-linux `script` runs");
    (output.status.code().unwrap_or(-1), output.stdout)
}

/// The command line that checks `stream` as NDJSON, then `redirect`.
fn check_stream(stream: &Path, redirect: &str) -> String {
    let version = common::oldest().0.name();
    format!(
        "\"$B\" --api-version {version} --ndjson '{}' {redirect}",
        stream.display()
    )
}

/// The screen after `shown`.
fn screen(shown: &[u8]) -> String {
    let size = |n| std::num::NonZeroU16::new(n).expect("a size");
    let mut parser = vt100::Parser::new(size(40), size(120), 0);
    parser.process(shown);
    parser.screen().contents()
}

/// Whether `shown` has a colour (SGR) escape sequence: ESC [ digits and semicolons, then `m`.
fn has_colour(shown: &[u8]) -> bool {
    shown.windows(2).enumerate().any(|(i, w)| {
        w == b"\x1b[" && {
            let rest = &shown[i + 2..];
            let end = rest
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b';'));
            matches!(end, Some(n) if n > 0 && rest[n] == b'm')
        }
    })
}

#[test]
fn the_bar_shows_while_a_stream_is_checked_and_the_summary_stays() {
    let stream = stream_file("stream.ndjson", 20_000);
    let out = stream.with_extension("out");
    let shell = check_stream(&stream, &format!("> '{}'", out.display()));
    let (status, shown) = on_terminal(&shell, &[]);
    assert_eq!(status, 1, "{}", String::from_utf8_lossy(&shown));
    let raw = String::from_utf8_lossy(&shown);
    // The bar was drawn: the bodies counted and the size of the input, known from the file.
    assert!(raw.contains(" bodies"), "{raw}");
    assert!(raw.contains("ETA"), "{raw}");
    let size = std::fs::metadata(&stream).expect("the stream").len();
    assert!(
        raw.contains(&format!("{:.2} MiB", size as f64 / 1048576.0)),
        "{raw}"
    );
    // At the end, the screen holds the summary and no bar.
    let screen = screen(&shown);
    assert!(!screen.contains("ETA"), "{screen}");
    assert!(
        screen.contains("webhooks-validate: 20000 bodies checked: 18000 valid, 2000 invalid"),
        "{screen}"
    );
    assert!(
        screen.contains("invalid by action: thread_tagged 2000"),
        "{screen}"
    );
    assert!(
        screen.contains("invalid by error:  required 2000"),
        "{screen}"
    );
    // The results went to the file as they would into a pipe: no colour, no bar.
    let results = std::fs::read(&out).expect("results");
    let results = String::from_utf8(results).expect("UTF-8 results");
    assert_eq!(
        results
            .lines()
            .filter(|l| l.ends_with(": ok thread_tagged"))
            .count(),
        18_000
    );
    assert_eq!(
        results.lines().filter(|l| l.ends_with(": invalid")).count(),
        2000
    );
    assert!(!results.contains('\x1b'));
    // On a terminal the summary is coloured, unless NO_COLOR says otherwise.
    assert!(has_colour(&shown), "{raw}");
    let (_, plain) = on_terminal(&shell, &[("NO_COLOR", "1")]);
    assert!(!has_colour(&plain), "{}", String::from_utf8_lossy(&plain));
    assert!(String::from_utf8_lossy(&plain).contains("bodies checked"));
    // --quiet: neither bar nor summary.
    let (_, quiet) = on_terminal(&format!("{shell} --quiet"), &[]);
    assert!(
        screen_is_empty(&quiet),
        "{}",
        String::from_utf8_lossy(&quiet)
    );
}

fn screen_is_empty(shown: &[u8]) -> bool {
    screen(shown).trim().is_empty()
}

#[test]
fn results_on_the_terminal_are_coloured_and_never_mixed_with_the_bar() {
    let stream = stream_file("results.ndjson", 3_000);
    let shell = check_stream(&stream, "");
    let (status, shown) = on_terminal(&shell, &[]);
    assert_eq!(status, 1);
    let raw = String::from_utf8_lossy(&shown);
    assert!(has_colour(&shown), "{raw}");
    // Every result line reached the screen whole: the last ones and the summary are there,
    // and no line holds both a result and the bar.
    let first = screen(&shown);
    let lines: Vec<&str> = first.lines().collect();
    assert!(
        lines.iter().any(|l| l.ends_with(":3000: ok thread_tagged")),
        "{first}"
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("webhooks-validate: 3000 bodies checked")));
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("ETA") || l.contains(" bodies  ")),
        "{first}"
    );
    // The same with colour turned off three ways: no colour at all, the same text.
    for (extra, env) in [
        ("", &[("NO_COLOR", "1")][..]),
        ("", &[("TERM", "dumb")]),
        (" --color=never", &[]),
    ] {
        let (_, plain) = on_terminal(&format!("{shell}{extra}"), env);
        assert!(!has_colour(&plain), "{extra} {env:?}");
        let plain_screen = screen(&plain);
        let last = |s: &str| {
            s.lines()
                .rev()
                .find(|l| l.contains(":3000:"))
                .map(str::to_owned)
        };
        assert_eq!(last(&plain_screen), last(&first));
    }
    // --color=always colours a pipe too.
    let (_, piped) = on_terminal(
        &format!("{shell} --color=always | cat"),
        &[("NO_COLOR", "1")],
    );
    assert!(has_colour(&piped));
}

#[test]
fn into_a_pipe_there_is_no_bar_and_a_plain_summary() {
    // stderr into a pipe: no bar, whatever the terminal around it.
    let stream = stream_file("piped.ndjson", 2_000);
    let shell = check_stream(&stream, "2>&1 >/dev/null | cat");
    let (_, shown) = on_terminal(&shell, &[]);
    let raw = String::from_utf8_lossy(&shown);
    assert!(!raw.contains("ETA") && !raw.contains('\x1b'), "{raw}");
    assert!(raw.contains("2000 bodies checked"), "{raw}");
    assert!(Path::new(&stream).exists());
}

#[test]
fn several_files_show_the_bar_and_one_file_shows_only_its_result() {
    let files: Vec<String> = [
        "thread_tagged.json",
        "incoming_chat.json",
        "chat_deactivated.json",
    ]
    .iter()
    .map(|name| sample(name))
    .collect();
    let version = common::oldest().0.name();
    let shell = format!(
        "\"$B\" --api-version {version} {} > /dev/null",
        files.join(" ")
    );
    let (status, shown) = on_terminal(&shell, &[]);
    assert_eq!(status, 0);
    let raw = String::from_utf8_lossy(&shown);
    assert!(raw.contains(" bodies"), "{raw}");
    assert!(screen(&shown).contains("3 bodies checked: 3 valid, 0 invalid"));
    let (status, shown) = on_terminal(&format!("\"$B\" --api-version {version} {}", files[0]), &[]);
    assert_eq!(status, 0);
    let screen = screen(&shown);
    assert_eq!(screen.trim().lines().count(), 1, "{screen}");
    assert!(screen.contains(": ok thread_tagged"), "{screen}");
}
