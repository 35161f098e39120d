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
    let output = run_with::<&str>(&[], &body, &[("WEBHOOKS_SECRET_KEY", "")]);
    assert_eq!(output.status.code(), Some(2));
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
        let output = run_with::<&str>(&[], &body, &[("WEBHOOKS_SECRET_KEY", secret)]);
        assert_eq!(output.status.code(), Some(status), "{}", stderr(&output));
        assert!(!stdout(&output).contains("not-the-secret"));
        assert!(!stderr(&output).contains("not-the-secret"));
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
