//! The `webhooks-validate` binary: exit statuses, output formats and bad input.

mod common;

use common::{run, sample, stderr, stdout, stdout_of};

#[test]
fn valid_files_exit_0_with_ok_and_the_action() {
    let output = run(
        &[&sample("incoming_chat.json"), &sample("thread_tagged.json")],
        b"",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("incoming_chat.json: ok incoming_chat\n"),
        "{text}"
    );
    assert!(
        text.contains("thread_tagged.json: ok thread_tagged\n"),
        "{text}"
    );
}

#[test]
fn an_invalid_file_exits_1_with_each_error_and_its_pointer() {
    let output = run(
        &[
            &sample("incoming_chat.json"),
            &sample("invalid/wrong_type_chat_id.json"),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("wrong_type_chat_id.json: invalid\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  /payload/chat_id (line 7, column 16): 123 is not of type \"string\" [type]"
        ),
        "{text}"
    );
}

#[test]
fn json_format_gives_one_object_per_input() {
    let output = run(
        &[
            "--format",
            "json",
            &sample("incoming_chat.json"),
            &sample("invalid/missing_tag.json"),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["action"], "incoming_chat");
    assert_eq!(lines[1]["valid"], false);
    assert_eq!(lines[1]["errors"][0]["pointer"], "/payload");
    assert_eq!(lines[1]["errors"][0]["keyword"], "required");
    assert_eq!(lines[1]["errors"][0]["line"], 6);
}

#[test]
fn standard_input_is_read_without_file_or_with_dash() {
    let body = std::fs::read(sample("thread_untagged.json")).expect("sample");
    for args in [&[][..], &["-"]] {
        let output = run(args, &body);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output), "<stdin>: ok thread_untagged\n");
    }
}

#[test]
fn ndjson_names_the_line_of_each_webhook() {
    let mut input = Vec::new();
    for name in [
        "thread_tagged.json",
        "invalid/missing_tag.json",
        "bot_deleted.json",
    ] {
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(sample(name)).expect("sample")).expect("JSON");
        input.extend(serde_json::to_vec(&value).expect("serializes"));
        input.extend(b"\n\n");
    }
    let text = stdout_of(1, &["--ndjson"], &input);
    assert!(text.contains("<stdin>:1: ok thread_tagged\n"), "{text}");
    assert!(
        text.contains("<stdin>:3: invalid\n  /payload (line 1, column "),
        "{text}"
    );
    assert!(text.contains("<stdin>:5: ok bot_deleted\n"), "{text}");
}

#[test]
fn strict_mode_names_undocumented_properties() {
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sample("thread_tagged.json")).expect("sample"))
            .expect("JSON");
    value["payload"]["colour"] = "teal".into();
    let body = serde_json::to_vec_pretty(&value).expect("serializes");
    assert_eq!(run(&[], &body).status.code(), Some(0));
    let text = stdout_of(1, &["--strict"], &body);
    assert!(
        text.contains("/payload/colour (line ")
            && text.contains("property `colour` is not documented"),
        "{text}"
    );
}

#[test]
fn a_wrong_secret_key_is_invalid() {
    let body = std::fs::read(sample("thread_tagged.json")).expect("sample");
    let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    let secret = value["secret_key"].as_str().expect("a secret");
    assert_eq!(run(&["--secret-key", secret], &body).status.code(), Some(0));
    let text = stdout_of(1, &["--secret-key", "not-it"], &body);
    assert!(text.contains("secret_key"), "{text}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    // Each usage error says what is wrong on its first line, then shows the usage.
    for (args, reason) in [
        (
            &["--format", "yaml"][..],
            "invalid value 'yaml' for '--format <FORMAT>'",
        ),
        (
            &["--api-version", "2.9"],
            "invalid value '2.9' for '--api-version <VERSION>'",
        ),
        (&["--bogus"], "unexpected argument '--bogus'"),
        (
            &["--secret-key"],
            "a value is required for '--secret-key <KEY>'",
        ),
        (&["--max-body-size", "0"], "must be at least 1"),
    ] {
        let output = run(args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let text = stderr(&output);
        let first = text.lines().next().unwrap_or_default();
        assert!(first.contains(reason) && text.contains("--help"), "{text}");
    }
    let output = run(
        &[&sample("incoming_chat.json"), "/nonexistent/body.json"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("/nonexistent/body.json"));
    assert!(
        stdout(&output).contains("ok incoming_chat"),
        "other inputs still checked"
    );
    assert_eq!(
        run(
            &["--api-version", "3.5", &sample("incoming_chat.json")],
            b""
        )
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn help_documents_every_option_and_status() {
    let text = stdout_of(0, &["--help"], b"");
    for needle in [
        "--strict",
        "--api-version",
        "--secret-key",
        "--format",
        "--ndjson",
        "--max-errors",
        "--max-body-size",
        "--secret-key-file",
        "LIVECHAT_SECRET_KEY",
        "WEBHOOKS_SECRET_KEY",
        "--quiet",
        "--color",
        "NO_COLOR",
        "--version",
        "Exit status",
        "0 ",
        "1 ",
        "2 ",
    ] {
        assert!(text.contains(needle), "help lacks {needle}");
    }
    // Into a pipe, the help has no colour.
    assert!(!text.contains('\x1b'), "{text}");
}

#[test]
fn version_names_the_crate_and_every_api_version() {
    for flag in ["--version", "-V"] {
        let text = stdout_of(0, &[flag], b"");
        let line = text.trim_end();
        assert!(
            line.starts_with(&format!(
                "webhooks-validate {} (",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
        for entry in common::manifest_versions() {
            let version = entry["version"].as_str().expect("a version");
            assert!(line.contains(version), "{text}");
        }
        assert_eq!(text.lines().count(), 1, "{text}");
    }
}

/// Bad input never crashes the binary (a panic would exit 101): each gives exit 1 and a message.
#[test]
fn bad_input_exits_1_with_a_message() {
    let mut huge = br#"{"webhook_id": "w", "secret_key": "s", "action": "thread_tagged", "organization_id": "o", "additional_data": {}, "payload": {"chat_id": "c", "thread_id": "t", "tag": ""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    huge.extend(br#"", "x": 1}}"#);
    let mut huge_string = b"\"".to_vec();
    huge_string.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    huge_string.push(b'"');
    let mut huge_action = b"{\"action\": ".to_vec();
    huge_action.extend(&huge_string);
    huge_action.push(b'}');
    // A 10 MB value in a valid webhook is no problem when the size limit allows it.
    let limit = ["--max-body-size", "16777216"];
    assert_eq!(run(&limit, &huge).status.code(), Some(0), "10 MB tag");
    let output = run(&[], &huge);
    assert_eq!(output.status.code(), Some(1), "10 MB tag, default limit");
    assert_eq!(
        stdout(&output),
        "<stdin>: invalid\n  (root): body exceeds 1048576 bytes (the maximum body size) [too_large]\n"
    );
    let mut deep = b"{\"payload\": ".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    deep.extend(std::iter::repeat_n(b']', 100_000));
    deep.push(b'}');
    let mut deep_in_payload = br#"{"webhook_id": "w", "secret_key": "s", "action": "incoming_event", "organization_id": "o", "additional_data": {}, "payload": {"chat_id": "c", "thread_id": "t", "event": {"id": "e", "type": "custom", "author_id": "a", "created_at": "2019-12-09T12:01:18.909000Z", "visibility": "all", "content": "#.to_vec();
    deep_in_payload.extend(std::iter::repeat_n(b'[', 100_000));
    deep_in_payload.extend(std::iter::repeat_n(b']', 100_000));
    deep_in_payload.extend(b"}}}");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty input"),
        ("whitespace", b"  \n ".to_vec(), "empty input"),
        ("array", b"[1, 2]".to_vec(), "found an array"),
        ("string", b"\"webhook\"".to_vec(), "found a string"),
        ("null", b"null".to_vec(), "found null"),
        (
            "invalid UTF-8",
            b"{\"action\": \"\xff\xfe\"}".to_vec(),
            "invalid JSON",
        ),
        ("10 MB string", huge_string, "found a string"),
        ("10 MB action", huge_action, "(10485760 bytes)"),
        ("100,000 levels", deep, "recursion limit"),
        (
            "100,000 levels in a payload",
            deep_in_payload,
            "recursion limit",
        ),
        (
            "unknown action",
            br#"{"action": "chat_teleported"}"#.to_vec(),
            "`chat_teleported` is not a v",
        ),
        (
            "action not a string",
            br#"{"action": 7}"#.to_vec(),
            "/action",
        ),
    ];
    for (name, body, message) in cases {
        let output = run(&limit, &body);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(text.contains(message), "{name}: {text:.400}");
    }
}
