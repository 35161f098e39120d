//! The bundles of `dist/` against the source schemas: every sample (valid, extra and
//! negative) gets the same verdict and the same error locations from a bundle as from its
//! source, and a bundle refers to nothing outside itself.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use webhooks_tests::{
    bundle_dir, compile, invalid_samples, json_files, read_json, samples, schema_dir,
    source_registry, version_name,
};

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// One JSON sample and whether it is one of the negative samples.
struct Case {
    name: String,
    value: Value,
    negative: bool,
}

/// Every sample that is JSON, and the number of negative samples that are not (skipped).
fn cases() -> (Vec<Case>, usize) {
    let mut cases: Vec<Case> = samples()
        .into_iter()
        .map(|s| Case {
            name: s.name,
            value: s.value,
            negative: false,
        })
        .collect();
    let mut not_json = 0;
    for (name, bytes) in invalid_samples() {
        match serde_json::from_slice(&bytes) {
            Ok(value) => cases.push(Case {
                name: format!("invalid/{name}"),
                value,
                negative: true,
            }),
            Err(_) => not_json += 1,
        }
    }
    (cases, not_json)
}

/// The instance pointers of the errors `validator` reports.
fn error_pointers(validator: &jsonschema::Validator, instance: &Value) -> BTreeSet<String> {
    validator
        .iter_errors(instance)
        .map(|e| e.instance_path().as_str().to_owned())
        .collect()
}

/// Compares the verdicts and error pointers of two validators; returns one line per difference.
fn differences(
    case: &Case,
    source: &jsonschema::Validator,
    bundle: &jsonschema::Validator,
    what: &str,
) -> Option<String> {
    let from_source = error_pointers(source, &case.value);
    let from_bundle = error_pointers(bundle, &case.value);
    (from_source != from_bundle).then(|| {
        format!(
            "{} ({what}): source errors at {from_source:?}, bundle errors at {from_bundle:?}\n",
            case.name
        )
    })
}

#[test]
fn the_webhook_bundle_gives_the_sources_verdicts_on_every_sample() {
    let registry = source_registry();
    let source = compile(
        &schema_dir().join("webhook.json").display().to_string(),
        &read_json(&schema_dir().join("webhook.json")),
        Some(&registry),
    );
    let bundle = compile(
        &bundle_dir().join("webhook.json").display().to_string(),
        &read_json(&bundle_dir().join("webhook.json")),
        None,
    );
    let (cases, not_json) = cases();
    assert_eq!(
        not_json, 1,
        "invalid/invalid_json.json is the one non-JSON sample"
    );
    let mut failures = String::new();
    let (mut valid, mut invalid) = (0, 0);
    for case in &cases {
        failures.extend(differences(case, &source, &bundle, "webhook.json"));
        let accepted = bundle.is_valid(&case.value);
        if accepted == case.negative {
            failures.push_str(&format!(
                "{}: the bundle says {}\n",
                case.name,
                if accepted { "valid" } else { "invalid" }
            ));
        }
        if accepted {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    assert!(failures.is_empty(), "{failures}");
    assert_eq!(valid, samples().len(), "every valid sample is valid");
    assert_eq!(
        invalid + not_json,
        invalid_samples().len(),
        "every negative sample is invalid"
    );
    eprintln!(
        "webhook bundle: {} samples ({valid} valid, {invalid} invalid, {not_json} not JSON), same verdicts and error pointers",
        cases.len() + not_json
    );
}

#[test]
fn each_action_bundle_gives_its_sources_verdicts() {
    let registry = source_registry();
    let mut validators: BTreeMap<String, (jsonschema::Validator, jsonschema::Validator)> =
        BTreeMap::new();
    for (rel, bundle) in json_files(&bundle_dir().join("actions")) {
        let source = read_json(&schema_dir().join("actions").join(&rel));
        let action = rel.trim_end_matches(".json").to_owned();
        let pair = (
            compile(
                &format!("{}/actions/{rel}", schema_dir().display()),
                &source,
                Some(&registry),
            ),
            compile(
                &format!("{}/actions/{rel}", bundle_dir().display()),
                &bundle,
                None,
            ),
        );
        validators.insert(action, pair);
    }
    assert_eq!(validators.len(), 37, "one bundle per action");

    let (cases, _) = cases();
    let mut failures = String::new();
    let (mut checked, mut rejected) = (0, 0);
    for case in &cases {
        let Some((source, bundle)) = case.value["action"]
            .as_str()
            .and_then(|action| validators.get(action))
        else {
            continue;
        };
        checked += 1;
        failures.extend(differences(case, source, bundle, "action bundle"));
        if !bundle.is_valid(&case.value) {
            rejected += 1;
        }
    }
    assert!(failures.is_empty(), "{failures}");
    let valid = samples().len();
    assert!(
        checked > valid && rejected > 0,
        "checked {checked} samples, {rejected} rejected: every valid sample and some negative ones should be checked"
    );
    assert_eq!(checked - rejected, valid, "only the valid samples pass");
}

/// Every `$ref` of `value` (keywords, not property names), with its JSON pointer.
fn refs(value: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, sub) in map {
                let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (key.as_str(), sub) {
                    ("$ref", Value::String(target)) => out.push((here, target.clone())),
                    _ => refs(sub, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, sub) in items.iter().enumerate() {
                refs(sub, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn bundles_are_self_contained_and_identified() {
    let mut files: Vec<(String, Value)> = json_files(&bundle_dir());
    files.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(files.len(), 38, "webhook.json and 37 action bundles");
    let version = version_name();
    let id_base = format!("https://schemas.livechat-webhooks.dev/bundle/v{version}/");
    for (rel, doc) in &files {
        assert_eq!(doc["$schema"], DRAFT, "{rel}");
        assert_eq!(doc["$id"], format!("{id_base}{rel}"), "{rel}");
        assert_eq!(doc["x-api-version"], version.as_str(), "{rel}");
        let version = doc["x-schema-version"].as_str().unwrap_or_default();
        assert_eq!(
            version.split('.').count(),
            3,
            "{rel}: x-schema-version {version:?}"
        );
        if let Err(e) = jsonschema::draft7::meta::validate(doc) {
            panic!(
                "{rel} is not a valid draft-07 schema: {e} at {}",
                e.instance_path()
            );
        }
        let mut found = Vec::new();
        refs(doc, "", &mut found);
        assert!(!found.is_empty(), "{rel} has no $ref at all");
        for (pointer, target) in found {
            let local = target.strip_prefix('#').filter(|t| t.starts_with('/'));
            let Some(local) = local else {
                panic!("{rel}#{pointer}: `$ref` {target:?} is not local");
            };
            assert!(
                doc.pointer(local).is_some(),
                "{rel}#{pointer}: `$ref` {target:?} is dangling"
            );
        }
        let defs = doc["$defs"]
            .as_object()
            .map(|d| d.values().collect::<Vec<_>>());
        for def in defs.unwrap_or_default() {
            assert!(
                def.get("$id").is_none() && def.get("$schema").is_none(),
                "{rel}"
            );
        }
    }
}

#[test]
fn the_webhook_bundle_dispatches_on_action_like_the_source() {
    let source = read_json(&schema_dir().join("webhook.json"));
    let bundle = read_json(&bundle_dir().join("webhook.json"));
    assert_eq!(
        bundle.pointer("/properties/action/enum"),
        source.pointer("/properties/action/enum")
    );
    let branches = bundle["allOf"].as_array().cloned().unwrap_or_default();
    assert_eq!(branches.len(), 37);
    for branch in branches {
        let condition = &branch["if"];
        assert_eq!(condition["type"], "object", "{branch}");
        assert_eq!(
            condition["required"],
            serde_json::json!(["action"]),
            "{branch}"
        );
        let action = condition["properties"]["action"]["const"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(
            branch["then"]["$ref"],
            format!("#/$defs/{action}"),
            "{branch}"
        );
        let defs = &bundle["$defs"][action];
        let own = read_json(&bundle_dir().join(format!("actions/{action}.json")));
        assert_eq!(defs["properties"], own["properties"], "{action}");
        assert_eq!(defs["required"], own["required"], "{action}");
    }
}
