//! Hostile input through the binary: bounded reports, size limits, forged output, secrets,
//! file names. Limits are asserted on counts and sizes; `bench/hostile.sh` measures time and
//! memory.

mod common;

use common::{run, run_with, sample, stderr, stdout, stdout_of};
use serde_json::{json, Value};

fn sample_value(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(sample(name)).expect("sample")).expect("JSON")
}

fn compact(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("serializes")
}

/// `incoming_chat` with 100,000 integers as events: about 200 KB.
fn hundred_thousand_integers() -> Vec<u8> {
    let mut chat = sample_value("incoming_chat.json");
    chat["payload"]["chat"]["thread"]["events"] = Value::Array(vec![json!(1); 100_000]);
    compact(&chat)
}

#[test]
fn at_most_max_errors_are_listed_then_the_count_of_the_rest() {
    let body = hundred_thousand_integers();
    let text = stdout_of(1, &[], &body);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 100 + 1, "{text:.300}");
    assert_eq!(lines[0], "<stdin>: invalid");
    assert!(lines[100].starts_with("  /payload/chat/thread/events/99 (line 1, column "));
    assert_eq!(lines[101], "  and 99900 more (--max-errors)");
    assert!(text.len() < 16 * 1024, "{} bytes", text.len());

    let output = run(&["--max-errors", "5", "--format", "json"], &body);
    let record: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    assert_eq!(record["errors"].as_array().map(Vec::len), Some(5));
    assert_eq!(record["omitted"], 99_995);
}

#[test]
fn strict_mode_with_fifty_thousand_undocumented_keys_gives_a_bounded_report() {
    let mut tagged = sample_value("thread_tagged.json");
    for i in 0..50_000 {
        tagged["payload"][format!("k{i}")] = 0.into();
    }
    let text = stdout_of(1, &["--strict"], &compact(&tagged));
    assert_eq!(text.lines().count(), 102);
    assert!(
        text.ends_with("  and 49900 more (--max-errors)\n"),
        "{text:.300}"
    );
}

#[test]
fn bodies_beyond_max_body_size_are_invalid_and_not_parsed() {
    let mut tagged = sample_value("thread_tagged.json");
    tagged["payload"]["tag"] = "x".repeat(3 << 20).into();
    let big = compact(&tagged);
    assert_eq!(
        stdout_of(1, &[], &big),
        "<stdin>: invalid\n  (root): body exceeds 1048576 bytes (the maximum body size) [too_large]\n"
    );
    let limit = (4 << 20).to_string();
    assert_eq!(
        run(&["--max-body-size", &limit], &big).status.code(),
        Some(0)
    );
    // Not even a tree of an invalid body is built: invalid JSON beyond the limit is "too large".
    let text = stdout_of(1, &["--max-body-size", "10"], b"{\"a\": [1, 2, 3]");
    assert!(text.contains("body exceeds 10 bytes"), "{text}");
}

#[test]
fn ndjson_applies_the_limit_to_each_line() {
    let tagged = compact(&sample_value("thread_tagged.json"));
    let mut input = tagged.clone();
    input.push(b'\n');
    input.push(b'[');
    for _ in 0..(1 << 20) {
        input.extend_from_slice(b"1,");
    }
    input.extend_from_slice(b"1]\n");
    input.extend_from_slice(&tagged);
    input.push(b'\n');
    assert_eq!(
        stdout_of(1, &["--ndjson"], &input),
        "<stdin>:1: ok thread_tagged\n<stdin>:2: invalid\n  (root): body exceeds 1048576 bytes \
         (the maximum body size) [too_large]\n<stdin>:3: ok thread_tagged\n"
    );
}

#[test]
fn received_text_cannot_forge_output_lines() {
    let mut tagged = sample_value("thread_tagged.json");
    tagged["action"] = "x\n<stdin>: ok forged\x1b[2J".into();
    let output = run(&[], &compact(&tagged));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        !text.contains('\x1b') && text.contains("x\\n<stdin>: ok forged\\u{1b}[2J"),
        "{text}"
    );

    let mut tagged = sample_value("thread_tagged.json");
    tagged["payload"]["a\nok forged\r"] = 1.into();
    let output = run(&["--strict"], &compact(&tagged));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(!text.contains('\r'), "{text}");
    assert!(text.contains("/payload/a\\nok forged\\r (line 1"), "{text}");
}

#[test]
fn an_empty_secret_is_a_usage_error() {
    let body = std::fs::read(sample("thread_tagged.json")).expect("sample");
    for args in [&["--secret-key="][..], &["--secret-key", ""]] {
        let output = run(args, &body);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains("the secret is empty"), "{args:?}");
    }
    for name in ["LIVECHAT_SECRET_KEY", "WEBHOOKS_SECRET_KEY"] {
        let output = run_with::<&str>(&[], &body, &[(name, "")]);
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).contains(name), "{}", stderr(&output));
    }
}

#[test]
fn the_secret_comes_from_a_file_or_the_environment_and_is_never_printed() {
    let body = std::fs::read(sample("thread_tagged.json")).expect("sample");
    let right = sample_value("thread_tagged.json")["secret_key"]
        .as_str()
        .expect("secret")
        .to_owned();
    let dir = std::env::temp_dir().join(format!("wv-cli-secret-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("secret");
    for (secret, status) in [(right.as_str(), 0), ("not-the-secret", 1)] {
        std::fs::write(&file, format!("{secret}\n")).expect("written");
        let path = file.to_string_lossy().into_owned();
        let output = run(&["--secret-key-file", &path], &body);
        assert_eq!(output.status.code(), Some(status), "{}", stderr(&output));
        // The variable, its earlier name, and both: the new name wins.
        for env in [
            &[("LIVECHAT_SECRET_KEY", secret)][..],
            &[("WEBHOOKS_SECRET_KEY", secret)],
            &[
                ("LIVECHAT_SECRET_KEY", secret),
                ("WEBHOOKS_SECRET_KEY", "other"),
            ],
        ] {
            let output = run_with::<&str>(&[], &body, env);
            assert_eq!(output.status.code(), Some(status), "{}", stderr(&output));
            assert!(!stdout(&output).contains("not-the-secret"));
            assert!(!stderr(&output).contains("not-the-secret"));
        }
    }
    let output = run(&["--secret-key-file", "/nonexistent/secret"], &body);
    assert_eq!(output.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8_work() {
    use std::os::unix::ffi::OsStrExt;
    let dir = std::env::temp_dir().join(format!("wv-cli-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(std::ffi::OsStr::from_bytes(b"body-\xff\xfe.json"));
    std::fs::copy(sample("thread_tagged.json"), &path).expect("copied");
    let output = run_with::<&std::ffi::OsStr>(&[path.as_os_str()], b"", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("body-\u{fffd}\u{fffd}.json: ok thread_tagged"));
    let missing = dir.join(std::ffi::OsStr::from_bytes(b"missing-\xff.json"));
    let output = run_with::<&std::ffi::OsStr>(&[missing.as_os_str()], b"", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("missing-\u{fffd}.json"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn numbers_beyond_64_bits_are_shown_as_written() {
    let text =
        String::from_utf8(std::fs::read(sample("invalid/negative_group_id.json")).expect("sample"))
            .expect("UTF-8");
    let body = text.replacen("-1", "-9223372036854775809", 1);
    let shown = stdout_of(1, &[], body.as_bytes());
    assert!(
        shown.contains("-9223372036854775809 is less than the minimum of 0"),
        "{shown}"
    );
    assert!(!shown.contains("e18") && !shown.contains("e+18"), "{shown}");
}

/// The peak resident memory of a running process (`VmHWM`), in bytes.
#[cfg(target_os = "linux")]
fn peak_resident(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kb: usize = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB");
    kb * 1024
}

/// Streams `lines` copies of `line` to `--ndjson --format json`; returns the peak resident
/// memory, read while the process still waits for the end of its input, once all of it is
/// written, after checking that every line was found valid.
#[cfg(target_os = "linux")]
fn peak_resident_on_stream(line: &[u8], lines: usize) -> usize {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_webhooks-validate"))
        .args(["--ndjson", "--format", "json"])
        .env_remove("WEBHOOKS_SECRET_KEY")
        .env_remove("LIVECHAT_SECRET_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut results = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        results.read_to_string(&mut text).expect("output");
        text
    });
    let mut stdin = child.stdin.take().expect("stdin is piped");
    for _ in 0..lines {
        stdin.write_all(line).expect("written");
    }
    stdin.flush().expect("flushed");
    let peak = peak_resident(child.id());
    drop(stdin);
    let status = child.wait().expect("the binary ends");
    let text = reader.join().expect("reader thread");
    assert_eq!(status.code(), Some(0));
    assert_eq!(text.matches("\"valid\":true").count(), lines);
    peak
}

/// An `--ndjson` stream of 48 MB goes through the validation threads in the memory of one of
/// 18 MB, and less than the stream: the batches in flight are bounded, never the whole stream.
#[cfg(target_os = "linux")]
#[test]
fn a_long_ndjson_stream_is_validated_in_bounded_memory() {
    let mut chat = sample_value("incoming_chat.json");
    let events = chat["payload"]["chat"]["thread"]["events"]
        .as_array_mut()
        .expect("events");
    let message = events
        .iter_mut()
        .find(|event| event.get("text").is_some())
        .expect("an event with text");
    message["text"] = "x".repeat(60_000).into();
    let mut line = compact(&chat);
    line.push(b'\n');
    let lines = 800;
    assert!(line.len() * lines > 48_000_000);

    // Writing 18 MB blocks until all but the window (at most 16 MiB) and a pipe's buffer is
    // validated: the window is full by then, and the peak must not grow beyond.
    let fewer = peak_resident_on_stream(&line, 300);
    let many = peak_resident_on_stream(&line, lines);
    assert!(
        many < fewer + (4 << 20),
        "peak resident memory: {many} bytes on {lines} lines, {fewer} on 300"
    );
    assert!(many < 48 << 20, "peak resident memory {many} bytes");
}
