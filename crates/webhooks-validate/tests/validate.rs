//! The library: every error reported with its location, error kinds, strict mode, the secret
//! check, and one validator shared by threads.

mod common;

use std::path::{Path, PathBuf};

use webhooks_validate::generated::schemas;
use webhooks_validate::{ApiVersion, ValidationError};

fn samples() -> PathBuf {
    common::oldest().1
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(samples().join(name)).expect("sample exists")
}

fn sample_value(name: &str) -> serde_json::Value {
    serde_json::from_slice(&sample(name)).expect("sample is JSON")
}

/// Each version's embedded schemas are the files of its folder in `schemas/`, as the manifest
/// names it.
#[test]
fn the_embedded_schemas_are_the_files_of_schemas_dir() {
    let entries = common::manifest_versions();
    assert_eq!(entries.len(), ApiVersion::ALL.len());
    for entry in entries {
        let version = common::version_of(entry);
        let dir = common::workspace().join(entry["schemas"].as_str().expect("folder"));
        let on_disk = json_files(&dir);
        let embedded: Vec<(String, String)> = schemas::of(version)
            .files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        assert!(on_disk.len() > 50, "{version}: {}", on_disk.len());
        assert_eq!(embedded, on_disk, "{version}");
    }
}

fn json_files(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path
                    .strip_prefix(dir)
                    .expect("below")
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push((rel, std::fs::read_to_string(&path).expect("text")));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_valid_body_gives_the_typed_webhook() {
    let validator = common::validator().build().expect("compiles");
    let webhook = validator
        .validate(&sample("incoming_chat.json"))
        .expect("valid");
    assert_eq!(webhook.action_name(), "incoming_chat");
    let value = sample_value("bot_created.json");
    assert_eq!(validator.validate_value(&value), Ok("bot_created"));
}

#[test]
fn every_violation_is_reported_with_pointer_line_and_column() {
    let mut value = sample_value("incoming_event.json");
    value["payload"]["chat_id"] = 7.into();
    value["payload"]["event"]["created_at"] = "yesterday".into();
    value["payload"]["event"]["visibility"] = "everyone".into();
    value["payload"]
        .as_object_mut()
        .expect("object")
        .remove("thread_id");
    let body = serde_json::to_vec_pretty(&value).expect("serializes");
    let validator = common::validator().build().expect("compiles");
    let Err(ValidationError::Invalid(violations)) = validator.validate(&body) else {
        panic!("four errors expected");
    };
    let mut found: Vec<(&str, &str)> = violations
        .iter()
        .map(|v| (v.pointer.as_str(), v.keyword.as_str()))
        .collect();
    found.sort_unstable();
    assert_eq!(
        found,
        [
            ("/payload", "required"),
            ("/payload/chat_id", "type"),
            ("/payload/event/created_at", "format"),
            ("/payload/event/visibility", "enum"),
        ]
    );
    let text = String::from_utf8_lossy(&body);
    for v in &violations {
        let (line, column) = (v.line.expect("a line"), v.column.expect("a column"));
        let at = &text.lines().nth(line - 1).expect("line exists")[column - 1..];
        let last = v.pointer.rsplit('/').next().unwrap_or_default();
        match v.keyword.as_str() {
            "required" => assert!(at.starts_with('{'), "{v}: {at}"),
            _ => assert!(
                text.lines()
                    .nth(line - 1)
                    .is_some_and(|l| l.contains(&format!("\"{last}\""))),
                "{v}: {at}"
            ),
        }
        assert!(!v.schema.is_empty() && !v.message.is_empty());
    }
    assert!(
        violations.iter().all(|v| v.schema.contains(".json#/")),
        "{violations:?}"
    );
}

#[test]
fn invalid_json_reports_line_and_column() {
    let validator = common::validator().build().expect("compiles");
    match validator.validate(b"{\n  \"action\": \"thread_tagged\",\n  \"payload\": {,}\n}") {
        Err(ValidationError::Json {
            line,
            column,
            message,
        }) => {
            assert_eq!((line, column), (3, 15));
            assert!(message.contains("key must be a string"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_action_is_its_own_error() {
    let mut value = sample_value("thread_tagged.json");
    value["action"] = "thread_painted".into();
    let body = serde_json::to_vec(&value).expect("serializes");
    let validator = common::validator().build().expect("compiles");
    match validator.validate(&body) {
        Err(e @ ValidationError::UnknownAction { .. }) => {
            assert_eq!(
                e.to_string(),
                format!(
                    "`thread_painted` is not a v{} action (no version of the API has it)",
                    common::oldest().0
                )
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn date_times_are_checked() {
    let mut value = sample_value("events_marked_as_seen.json");
    let validator = common::validator().build().expect("compiles");
    for (bad, good) in [
        ("2017-10-12 15:19:21", "2017-10-12T15:19:21Z"),
        ("2019-02-29T00:00:00Z", "2020-02-29T00:00:00+02:00"),
    ] {
        value["payload"]["seen_up_to"] = bad.into();
        let body = serde_json::to_vec(&value).expect("serializes");
        let Err(ValidationError::Invalid(v)) = validator.validate(&body) else {
            panic!("{bad} accepted");
        };
        assert_eq!(
            (v[0].pointer.as_str(), v[0].keyword.as_str()),
            ("/payload/seen_up_to", "format")
        );
        value["payload"]["seen_up_to"] = good.into();
        let body = serde_json::to_vec(&value).expect("serializes");
        assert!(validator.validate(&body).is_ok(), "{good} rejected");
    }
}

#[test]
fn strict_mode_rejects_what_lenient_mode_accepts() {
    let mut value = sample_value("incoming_chat.json");
    value["brand_new"] = true.into();
    value["payload"]["chat"]["users"][0]["mood"] = "happy".into();
    value["payload"]["chat"]["thread"]["events"][0]["reactions"] = serde_json::json!([]);
    let body = serde_json::to_vec_pretty(&value).expect("serializes");
    let lenient = common::validator().build().expect("compiles");
    let strict = common::validator().strict(true).build().expect("compiles");
    assert!(lenient.validate(&body).is_ok());
    let Err(ValidationError::Invalid(violations)) = strict.validate(&body) else {
        panic!("strict mode accepted undocumented fields");
    };
    let mut pointers: Vec<&str> = violations.iter().map(|v| v.pointer.as_str()).collect();
    pointers.sort_unstable();
    assert_eq!(
        pointers,
        [
            "/brand_new",
            "/payload/chat/thread/events/0/reactions",
            "/payload/chat/users/0/mood",
        ]
    );
    assert!(violations
        .iter()
        .all(|v| v.keyword == "additionalProperties" && v.line.is_some()));
    // Open parts of the API stay open in strict mode: properties and custom event content.
    assert!(strict
        .validate(&sample("extra/incoming_event.custom.json"))
        .is_ok());
    assert!(strict
        .validate(&sample("chat_properties_updated.json"))
        .is_ok());
}

#[test]
fn the_secret_key_is_checked_when_expected() {
    let body = sample("thread_tagged.json");
    let secret = sample_value("thread_tagged.json")["secret_key"]
        .as_str()
        .expect("secret")
        .to_owned();
    let right = common::validator()
        .secret_key(secret.clone())
        .build()
        .expect("compiles");
    assert!(right.validate(&body).is_ok());
    let wrong = common::validator()
        .secret_key(format!("{secret}x"))
        .build()
        .expect("compiles");
    assert_eq!(
        wrong.validate(&body).err(),
        Some(ValidationError::SecretMismatch)
    );
    // The expected secret is not shown by Debug.
    assert!(!format!("{right:?}").contains(&secret));
}

#[test]
fn one_validator_serves_many_threads() {
    let validator = common::validator().build().expect("compiles");
    let bodies: Vec<Vec<u8>> = [
        "incoming_chat.json",
        "bot_updated.json",
        "invalid/missing_tag.json",
    ]
    .iter()
    .map(|n| sample(n))
    .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..50)
                        .map(|i| validator.validate(&bodies[i % 3]).is_ok())
                        .filter(|ok| *ok)
                        .count()
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().expect("no panic"), 34);
        }
    });
}

/// `pattern`, `maxLength`, `minimum` and `maximum` are enforced by the types too: a body that
/// breaks one of them is rejected by both paths, so the validator reports a plain violation of
/// that keyword (never a disagreement).
#[test]
fn the_typed_range_and_string_rules_are_enforced_by_both_paths() {
    let validator = common::validator().build().expect("compiles");
    let cases: [(&str, &str, serde_json::Value, &str); 5] = [
        (
            "agent_created.json",
            "/payload/work_scheduler/schedule/0/start",
            "24:00".into(),
            "pattern",
        ),
        (
            "group_updated.json",
            "/payload/name",
            "n".repeat(181).into(),
            "maxLength",
        ),
        (
            "agent_created.json",
            "/payload/max_chats_count",
            (-1).into(),
            "minimum",
        ),
        (
            "agent_created.json",
            "/payload/max_chats_count",
            serde_json::from_str("18446744073709551616").expect("a number"),
            "maximum",
        ),
        (
            "agent_created.json",
            "/payload/max_chats_count",
            3.into(),
            "",
        ),
    ];
    for (file, pointer, value, keyword) in cases {
        let mut body = sample_value(file);
        let (parent, key) = pointer.rsplit_once('/').expect("a member");
        match body.pointer_mut(parent).expect(parent) {
            serde_json::Value::Object(members) => drop(members.insert(key.to_owned(), value)),
            serde_json::Value::Array(items) => items[key.parse::<usize>().expect("index")] = value,
            other => panic!("{parent}: {other}"),
        }
        let bytes = serde_json::to_vec(&body).expect("serializes");
        let typed = common::oldest().0.parse(&bytes);
        match (keyword, validator.validate(&bytes)) {
            ("", Ok(_)) => assert!(typed.is_ok(), "{file}: the control body parses"),
            (_, Err(ValidationError::Invalid(violations))) => {
                assert!(typed.is_err(), "{keyword}: the types reject it too");
                assert!(
                    violations
                        .iter()
                        .any(|v| v.pointer == pointer && v.keyword == keyword),
                    "{keyword}: {violations:?}"
                );
            }
            (_, other) => panic!("{keyword} at {pointer}: {other:?}"),
        }
    }
}
