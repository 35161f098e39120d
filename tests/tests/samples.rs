//! The samples of every version (as `samples/index.json` lists them) against its schemas and
//! its generated types: every valid sample is accepted by both and survives a round trip;
//! every negative sample fails where the manifest says; the typed values of each version's own
//! samples are snapshots. The coverage of actions and the public surface are in `surface.rs`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;
use webhooks_tests::{check_every_version, read_json, root, versions, ApiVersion, Sample};
use webhooks_validate::{ValidationError, Validator};

/// Snapshot name of a sample: `extra/incoming_chat.full` of v3.6 →
/// `typed__v3.6__extra__incoming_chat.full`.
fn snapshot_name(version: &ApiVersion, sample: &str) -> String {
    format!("typed__v{}__{}", version.name, sample.replace('/', "__"))
}

/// The samples a version holds itself, not those it takes from the version whose schemas it
/// uses (named `../vX.Y/...`): each is snapshotted once, under its own version.
fn own(samples: Vec<Sample>) -> impl Iterator<Item = Sample> {
    samples.into_iter().filter(|s| !s.name.starts_with("../"))
}

fn validator(version: &ApiVersion, strict: bool) -> Validator {
    Validator::builder()
        .api_version(version.api())
        .strict(strict)
        .build()
        .expect("schemas compile")
}

#[test]
fn there_are_documented_extra_and_negative_samples() {
    for version in versions() {
        let all = version.samples();
        let actions = version.api().action_names().len();
        let documented = all.iter().filter(|s| s.documented()).count();
        let extra = all.len() - documented;
        // One per action at least (`auto_accesses_updated` is documented three times).
        assert!(
            documented > actions,
            "v{}: {documented} documented samples",
            version.name
        );
        // A minimal and a full sample per action, at least.
        assert!(
            extra >= 2 * actions,
            "v{}: only {extra} extra samples",
            version.name
        );
        let negatives = version.negatives().len();
        assert!(
            negatives >= 10,
            "v{}: {negatives} negative samples",
            version.name
        );
    }
}

/// Every valid sample passes the validator crate, lenient and strict: schema, then the typed
/// parse (a disagreement fails). `versions.rs` checks them against `webhook.json` alone.
#[test]
fn every_sample_is_valid_against_its_schema() {
    check_every_version("samples rejected by the validator", |version, failures| {
        let validators = [validator(version, false), validator(version, true)];
        for sample in version.samples() {
            for validator in &validators {
                if let Err(e) = validator.validate(&sample.bytes) {
                    let _ = writeln!(
                        failures,
                        "v{} {} (strict: {}): {e}",
                        version.name,
                        sample.name,
                        validator.is_strict()
                    );
                }
            }
        }
    });
}

#[test]
fn every_sample_parses_into_its_variant_and_round_trips() {
    check_every_version(
        "samples that do not parse or round-trip",
        |version, failures| {
            let api = version.api();
            for sample in version.samples() {
                let at = format!("v{} {}", version.name, sample.name);
                let webhook = match api.parse(&sample.bytes) {
                    Ok(webhook) => webhook,
                    Err(e) => {
                        let _ = writeln!(failures, "{at}: {e}");
                        continue;
                    }
                };
                if !webhook.is_typed() || webhook.action_name() != sample.action() {
                    let _ = writeln!(
                        failures,
                        "{at}: action `{}` parsed as `{}` (typed: {})",
                        sample.action(),
                        webhook.action_name(),
                        webhook.is_typed()
                    );
                }
                match serde_json::to_value(&webhook) {
                    Ok(back) if back == sample.value => {}
                    Ok(back) => {
                        let _ = writeln!(
                            failures,
                            "{at}: round trip differs:\n  in:  {}\n  out: {}",
                            sample.value, back
                        );
                    }
                    Err(e) => {
                        let _ = writeln!(failures, "{at}: does not serialize: {e}");
                    }
                }
                // The generic `Deserialize` (from a `Value`) agrees with the fast path.
                match api.from_value(sample.value.clone()) {
                    Ok(generic) if generic == webhook => {}
                    Ok(_) => {
                        let _ = writeln!(failures, "{at}: generic parse differs");
                    }
                    Err(e) => {
                        let _ = writeln!(failures, "{at}: generic parse fails: {e}");
                    }
                }
            }
        },
    );
}

#[test]
fn typed_values_match_their_snapshots() {
    for version in versions() {
        for sample in own(version.samples()) {
            let webhook = version
                .api()
                .parse(&sample.bytes)
                .unwrap_or_else(|e| panic!("v{} {}: {e}", version.name, sample.name));
            let secret = sample.value["secret_key"].as_str().unwrap_or_default();
            let debug = format!("{webhook:#?}");
            assert!(
                secret.len() < 4 || !debug.contains(secret),
                "{}: the secret key shows in Debug output",
                sample.name
            );
            insta::assert_snapshot!(snapshot_name(&version, &sample.name), debug);
        }
    }
}

#[test]
fn no_snapshot_outlives_its_sample() {
    let wanted: BTreeSet<String> = versions()
        .iter()
        .flat_map(|v| {
            own(v.samples()).map(|s| format!("samples__{}.snap", snapshot_name(v, &s.name)))
        })
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

/// Each negative sample fails validation with the pointer and keyword the manifest records
/// (or as invalid JSON), never as a schema/type disagreement, and the typed parse alone
/// rejects or accepts it as recorded; the report of each version is a snapshot.
#[test]
fn negative_samples_fail_where_expected() {
    check_every_version("negative samples", |version, failures| {
        let report = negatives_of(version, failures);
        insta::assert_snapshot!(format!("negative_samples__v{}", version.name), report);
    });
}

/// Checks the negative samples of `version`, adding what is wrong to `failures`; returns the
/// report of what each gives.
fn negatives_of(version: &ApiVersion, failures: &mut String) -> String {
    let validator = validator(version, false);
    let engine = version.webhook_validator();
    let mut report = String::new();
    for negative in version.negatives() {
        let name = format!("v{} {}", version.name, negative.name);
        let (pointer, keyword) = (negative.pointer.as_str(), negative.keyword.as_str());
        let _ = writeln!(report, "{}: {}", negative.name, negative.description);
        match validator.validate(&negative.bytes) {
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
            Err(e @ ValidationError::UnknownAction { .. }) if keyword == "unknown_action" => {
                let _ = writeln!(report, "  {e}");
            }
            Err(e) => {
                let _ = writeln!(failures, "{name}: {e}");
            }
        }

        // The engine alone, through `webhook.json`, rejects it too.
        if let Ok(value) = serde_json::from_slice::<Value>(&negative.bytes) {
            if engine.is_valid(&value) {
                let _ = writeln!(failures, "{name}: webhook.json accepts it");
            }
        }

        let typed = version.api().parse(&negative.bytes);
        match &typed {
            Ok(webhook) => {
                let _ = writeln!(report, "  typed: accepted as {}", webhook.action_name());
            }
            Err(e) => {
                let _ = writeln!(report, "  typed: {e}");
            }
        }
        match (negative.typed.as_str(), typed.is_ok()) {
            ("reject", false) | ("accept", true) => {}
            (verdict, accepted) => {
                let _ = writeln!(
                    failures,
                    "{name}: typed parse accepted={accepted}, expected {verdict:?}"
                );
            }
        }
    }
    report
}

/// Every `extra/<action>.full.json` sample holds every property its schema documents, in every
/// object it contains (the variant its tag selects, for a union), but for the members a `not`
/// forbids together (a match condition has `values` or `exclude_values`).
#[test]
fn full_samples_hold_every_documented_property() {
    let mut missing = Vec::new();
    for version in versions() {
        let mut count = 0;
        for sample in version.samples() {
            if !sample.name.ends_with(".full") {
                continue;
            }
            count += 1;
            let bundle = read_json(
                &version
                    .dist
                    .join("actions")
                    .join(format!("{}.json", sample.action())),
            );
            let name = format!("v{} {}", version.name, sample.name);
            let mut walk = Walk {
                bundle: &bundle,
                missing: &mut missing,
                sample: &name,
            };
            walk.check(&bundle, &sample.value, "");
        }
        let actions = version.api().action_names().len();
        assert_eq!(
            count, actions,
            "v{}: one full sample per action",
            version.name
        );
    }
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
