//! The samples of the typed version (as `samples/index.json` lists them) against the schemas
//! and the generated types: every valid sample is accepted by both and survives a round trip;
//! every negative sample fails where `invalid/expected.json` says; the typed values are
//! snapshots. The coverage of actions and the public surface are in `surface.rs`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;
use webhooks_tests::{
    bundle_dir, invalid_samples, read_json, root, sample_dir, samples, schema_errors,
    webhook_validator,
};
use webhooks_types::{Action, Webhook};
use webhooks_validate::{ValidationError, Validator};

/// Snapshot name of a sample: `extra/incoming_chat.full` → `typed__extra__incoming_chat.full`.
fn snapshot_name(sample: &str) -> String {
    format!("typed__{}", sample.replace('/', "__"))
}

#[test]
fn there_are_documented_extra_and_negative_samples() {
    let all = samples();
    let documented = all.iter().filter(|s| s.documented()).count();
    let extra = all.len() - documented;
    // 37 actions, `auto_accesses_updated` documented three times.
    assert_eq!(documented, 39, "documented samples");
    // A minimal and a full sample per action, at least.
    assert!(extra >= 2 * Action::ALL.len(), "only {extra} extra samples");
    assert!(
        invalid_samples().len() >= 20,
        "fewer than 20 negative samples"
    );
}

#[test]
fn every_sample_is_valid_against_its_schema() {
    let lenient = Validator::new().expect("schemas compile");
    let strict = Validator::builder()
        .strict(true)
        .build()
        .expect("schemas compile");
    let engine = webhook_validator();
    let mut failures = String::new();
    for sample in samples() {
        // Through the validator crate: schema, then the typed parse (a disagreement fails).
        for validator in [&lenient, &strict] {
            if let Err(e) = validator.validate(&sample.bytes) {
                let _ = writeln!(
                    failures,
                    "{} (strict: {}): {e}",
                    sample.name,
                    validator.is_strict()
                );
            }
        }
        // And through `webhook.json` with the engine alone.
        for (pointer, keyword, message) in schema_errors(&engine, &sample.value) {
            let _ = writeln!(
                failures,
                "{}: {pointer} ({keyword}): {message}",
                sample.name
            );
        }
    }
    assert!(
        failures.is_empty(),
        "samples rejected by the schemas:\n{failures}"
    );
}

#[test]
fn every_sample_parses_into_its_variant_and_round_trips() {
    let mut failures = String::new();
    for sample in samples() {
        let webhook = match Webhook::from_slice(&sample.bytes) {
            Ok(webhook) => webhook,
            Err(e) => {
                let _ = writeln!(failures, "{}: {e}", sample.name);
                continue;
            }
        };
        let expected = Action::from_name(sample.action());
        if expected.is_none() || webhook.action() != expected {
            let _ = writeln!(
                failures,
                "{}: action `{}` parsed as variant of {:?}",
                sample.name,
                sample.action(),
                webhook.action()
            );
        }
        match serde_json::to_value(&webhook) {
            Ok(back) if back == sample.value => {}
            Ok(back) => {
                let _ = writeln!(
                    failures,
                    "{}: round trip differs:\n  in:  {}\n  out: {}",
                    sample.name, sample.value, back
                );
            }
            Err(e) => {
                let _ = writeln!(failures, "{}: does not serialize: {e}", sample.name);
            }
        }
        // The generic `Deserialize` (from a `Value`) agrees with the fast path.
        match serde_json::from_value::<Webhook>(sample.value.clone()) {
            Ok(generic) if generic == webhook => {}
            Ok(_) => {
                let _ = writeln!(failures, "{}: generic parse differs", sample.name);
            }
            Err(e) => {
                let _ = writeln!(failures, "{}: generic parse fails: {e}", sample.name);
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn typed_values_match_their_snapshots() {
    for sample in samples() {
        let webhook =
            Webhook::from_slice(&sample.bytes).unwrap_or_else(|e| panic!("{}: {e}", sample.name));
        let secret = sample.value["secret_key"].as_str().unwrap_or_default();
        let debug = format!("{webhook:#?}");
        assert!(
            secret.len() < 4 || !debug.contains(secret),
            "{}: the secret key shows in Debug output",
            sample.name
        );
        insta::assert_snapshot!(snapshot_name(&sample.name), debug);
    }
}

#[test]
fn no_snapshot_outlives_its_sample() {
    let wanted: BTreeSet<String> = samples()
        .iter()
        .map(|s| format!("samples__{}.snap", snapshot_name(&s.name)))
        .collect();
    let dir = root().join("tests/tests/snapshots");
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with("samples__typed__") && name.ends_with(".snap"))
                .collect()
        })
        .unwrap_or_default();
    let orphans: Vec<_> = present.difference(&wanted).collect();
    assert!(
        orphans.is_empty(),
        "snapshots without a sample: {orphans:?}"
    );
}

/// Each negative sample fails validation with the pointer and keyword `invalid/expected.json`
/// records (or as invalid JSON), never as a schema/type disagreement, and the typed parse alone
/// rejects or accepts it as recorded.
#[test]
fn negative_samples_fail_where_expected() {
    let expected: Value = std::fs::read(sample_dir().join("invalid/expected.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| panic!("invalid/expected.json is missing or not JSON"));
    let expected = expected
        .as_object()
        .unwrap_or_else(|| panic!("invalid/expected.json is not an object"));
    let validator = Validator::new().expect("schemas compile");
    let engine = webhook_validator();
    let cases = invalid_samples();
    let names: BTreeSet<&str> = cases.iter().map(|(name, _)| name.as_str()).collect();
    for name in expected.keys() {
        assert!(
            names.contains(name.as_str()),
            "expected.json names a missing file: {name}"
        );
    }

    let mut failures = String::new();
    let mut report = String::new();
    for (name, bytes) in &cases {
        let Some(want) = expected.get(name) else {
            let _ = writeln!(failures, "{name}: not in expected.json");
            continue;
        };
        let pointer = want["pointer"].as_str().unwrap_or_default();
        let keyword = want["keyword"].as_str().unwrap_or_default();
        let _ = writeln!(
            report,
            "{name}: {}",
            want["description"].as_str().unwrap_or_default()
        );

        match validator.validate(bytes) {
            Ok(webhook) => {
                let _ = writeln!(failures, "{name}: accepted as {}", webhook.action_name());
            }
            Err(ValidationError::Invalid(violations)) => {
                for v in &violations {
                    let _ = writeln!(report, "  {} [{}] {v}", v.keyword, v.schema);
                }
                if !violations
                    .iter()
                    .any(|v| v.pointer == pointer && v.keyword == keyword)
                {
                    let _ = writeln!(
                        failures,
                        "{name}: expected `{keyword}` at {pointer:?}, got {violations:#?}"
                    );
                }
            }
            Err(e @ (ValidationError::Json { .. } | ValidationError::NotAnObject { .. })) => {
                let _ = writeln!(report, "  {e}");
                let kind = if matches!(e, ValidationError::Json { .. }) {
                    "json"
                } else {
                    "type"
                };
                if keyword != kind || !pointer.is_empty() {
                    let _ = writeln!(failures, "{name}: {e}, expected `{keyword}` at {pointer:?}");
                }
            }
            Err(e) => {
                let _ = writeln!(failures, "{name}: {e}");
            }
        }

        // The engine alone, through `webhook.json`, rejects it too.
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            if engine.is_valid(&value) {
                let _ = writeln!(failures, "{name}: webhook.json accepts it");
            }
        }

        let typed = Webhook::from_slice(bytes);
        match &typed {
            Ok(webhook) => {
                let _ = writeln!(report, "  typed: accepted as {}", webhook.action_name());
            }
            Err(e) => {
                let _ = writeln!(report, "  typed: {e}");
            }
        }
        match (want["typed"].as_str(), typed.is_ok()) {
            (Some("reject"), false) | (Some("accept"), true) => {}
            (verdict, accepted) => {
                let _ = writeln!(
                    failures,
                    "{name}: typed parse accepted={accepted}, expected {verdict:?}"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
    insta::assert_snapshot!("negative_samples", report);
}

/// Every `extra/<action>.full.json` sample holds every property its schema documents, in every
/// object it contains (the variant its tag selects, for a union), but for the members a `not`
/// forbids together (a match condition has `values` or `exclude_values`).
#[test]
fn full_samples_hold_every_documented_property() {
    let mut missing = Vec::new();
    let mut count = 0;
    for sample in samples() {
        if !sample.name.ends_with(".full") {
            continue;
        }
        count += 1;
        let bundle = read_json(
            &bundle_dir()
                .join("actions")
                .join(format!("{}.json", sample.action())),
        );
        let mut walk = Walk {
            bundle: &bundle,
            missing: &mut missing,
            sample: &sample.name,
        };
        walk.check(&bundle, &sample.value, "");
    }
    assert_eq!(count, Action::ALL.len(), "one full sample per action");
    assert!(
        missing.is_empty(),
        "documented properties missing: {missing:#?}"
    );
}

struct Walk<'a> {
    bundle: &'a Value,
    missing: &'a mut Vec<String>,
    sample: &'a str,
}

impl Walk<'_> {
    fn check(&mut self, schema: &Value, value: &Value, at: &str) {
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = target.trim_start_matches('#');
            let resolved = self
                .bundle
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling {target}"))
                .clone();
            return self.check(&resolved, value, at);
        }
        if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
            for alternative in alternatives {
                let resolved = match alternative.get("$ref").and_then(Value::as_str) {
                    Some(target) => self
                        .bundle
                        .pointer(target.trim_start_matches('#'))
                        .cloned()
                        .unwrap_or_default(),
                    None => alternative.clone(),
                };
                let tags: Vec<(&String, &Value)> = resolved["properties"]
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .filter_map(|(k, v)| v.get("const").map(|c| (k, c)))
                            .collect()
                    })
                    .unwrap_or_default();
                if !tags.is_empty() && tags.iter().all(|(k, c)| value.get(k.as_str()) == Some(*c)) {
                    return self.check(&resolved, value, at);
                }
            }
            return;
        }
        if let (Some(properties), Some(object)) = (
            schema.get("properties").and_then(Value::as_object),
            value.as_object(),
        ) {
            let exclusive: Vec<&str> = schema["not"]["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, property) in properties {
                match object.get(name) {
                    Some(inner) => self.check(property, inner, &format!("{at}/{name}")),
                    None if exclusive.contains(&name.as_str())
                        && exclusive.iter().any(|e| object.contains_key(*e)) => {}
                    None => self.missing.push(format!("{}: {at}/{name}", self.sample)),
                }
            }
        }
        if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
            for (i, item) in array.iter().enumerate() {
                self.check(items, item, &format!("{at}/{i}"));
            }
        }
        if let (Some(values), Some(object)) = (
            schema.get("additionalProperties").filter(|s| s.is_object()),
            value.as_object(),
        ) {
            for (key, inner) in object {
                self.check(values, inner, &format!("{at}/{key}"));
            }
        }
    }
}
