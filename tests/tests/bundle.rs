//! The bundles of `dist/` against the source schemas, for every version of the manifest: every
//! sample (valid, extra and negative) gets the same verdict and the same error locations from a
//! bundle as from its source, and a bundle refers to nothing outside itself.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use webhooks_tests::{compile, json_files, read_json, versions, ApiVersion};

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// One JSON sample and whether it is one of the negative samples.
struct Case {
    name: String,
    value: Value,
    negative: bool,
}

/// Every sample of `version` that is JSON, and the number of negative samples that are not
/// (skipped).
fn cases(version: &ApiVersion) -> (Vec<Case>, usize) {
    let mut cases: Vec<Case> = version
        .samples()
        .into_iter()
        .map(|s| Case {
            name: format!("v{}: {}", version.name, s.name),
            value: s.value,
            negative: false,
        })
        .collect();
    let mut not_json = 0;
    for negative in version.negatives() {
        match serde_json::from_slice(&negative.bytes) {
            Ok(value) => cases.push(Case {
                name: format!("v{}: invalid/{}", version.name, negative.name),
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
    for version in versions() {
        let (schemas, dist) = (&version.schemas, &version.dist);
        let source = compile(
            &schemas.join("webhook.json").display().to_string(),
            &read_json(&schemas.join("webhook.json")),
            Some(&version.source_registry()),
        );
        let bundle = compile(
            &dist.join("webhook.json").display().to_string(),
            &read_json(&dist.join("webhook.json")),
            None,
        );
        let (cases, not_json) = cases(&version);
        let negatives = version.negatives();
        assert_eq!(
            not_json,
            negatives.iter().filter(|n| n.keyword == "json").count(),
            "v{}: the negative samples that are not JSON are those expected to fail as JSON",
            version.name
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
        assert_eq!(
            valid,
            version.samples().len(),
            "v{}: every valid sample is valid",
            version.name
        );
        assert_eq!(
            invalid + not_json,
            negatives.len(),
            "v{}: every negative sample is invalid",
            version.name
        );
        eprintln!(
            "v{} webhook bundle: {} samples ({valid} valid, {invalid} invalid, {not_json} not JSON), same verdicts and error pointers",
            version.name,
            cases.len() + not_json
        );
    }
}

#[test]
fn each_action_bundle_gives_its_sources_verdicts() {
    for version in versions() {
        each_action_bundle_gives_its_sources_verdicts_in(&version);
    }
}

fn each_action_bundle_gives_its_sources_verdicts_in(version: &ApiVersion) {
    let registry = version.source_registry();
    let (schemas, dist) = (&version.schemas, &version.dist);
    let mut validators: BTreeMap<String, (jsonschema::Validator, jsonschema::Validator)> =
        BTreeMap::new();
    for (rel, bundle) in json_files(&dist.join("actions")) {
        let source = read_json(&schemas.join("actions").join(&rel));
        let action = rel.trim_end_matches(".json").to_owned();
        let pair = (
            compile(
                &format!("{}/actions/{rel}", schemas.display()),
                &source,
                Some(&registry),
            ),
            compile(&format!("{}/actions/{rel}", dist.display()), &bundle, None),
        );
        validators.insert(action, pair);
    }
    assert_eq!(
        validators.len(),
        version.actions().len(),
        "v{}: one bundle per action",
        version.name
    );

    let (cases, _) = cases(version);
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
    let valid = version.samples().len();
    assert!(
        checked > valid && rejected > 0,
        "v{}: checked {checked} samples, {rejected} rejected: every valid sample and some negative ones should be checked",
        version.name
    );
    assert_eq!(
        checked - rejected,
        valid,
        "v{}: only the valid samples pass",
        version.name
    );
}

/// The JSON pointers of the keywords of `schema` that JSON Schema does not define (`x-…`), which
/// strict validators (ajv's strict mode) refuse. Property names and values are not keywords.
fn custom_keywords(schema: &Value, pointer: &str, out: &mut Vec<String>) {
    let Value::Object(map) = schema else {
        return;
    };
    for (key, sub) in map {
        let here = format!("{pointer}/{}", webhooks_types::location::escape(key));
        match (key.as_str(), sub) {
            (k, _) if k.starts_with("x-") => out.push(here),
            ("properties" | "$defs" | "dependencies", Value::Object(members)) => {
                for (name, member) in members {
                    let at = format!("{here}/{}", webhooks_types::location::escape(name));
                    custom_keywords(member, &at, out);
                }
            }
            ("oneOf" | "allOf" | "anyOf", Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    custom_keywords(item, &format!("{here}/{i}"), out);
                }
            }
            ("enum" | "const" | "required" | "examples" | "default", _) => {}
            _ => custom_keywords(sub, &here, out),
        }
    }
}

/// Every `$ref` of `value` (keywords, not property names), with its JSON pointer.
fn refs(value: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, sub) in map {
                let here = format!("{pointer}/{}", webhooks_types::location::escape(key));
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
    for version in versions() {
        bundles_are_self_contained_and_identified_in(&version);
    }
}

/// The bundles of a version: `webhook.json` and `actions/*.json` (`dist/vX.Y/` holds its OpenAPI
/// and AsyncAPI documents too).
fn bundles(api: &ApiVersion) -> Vec<(String, Value)> {
    let mut files: Vec<(String, Value)> = json_files(&api.dist);
    files.retain(|(rel, _)| rel == "webhook.json" || rel.starts_with("actions/"));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn bundles_are_self_contained_and_identified_in(api: &ApiVersion) {
    let files = bundles(api);
    assert_eq!(
        files.len(),
        api.actions().len() + 1,
        "v{}: webhook.json and one bundle per action",
        api.name
    );
    let version = &api.name;
    let id_base = format!("https://schemas.livechat-webhooks.dev/bundle/v{version}/");
    for (rel, doc) in &files {
        assert_eq!(doc["$schema"], DRAFT, "{rel}");
        assert_eq!(doc["$id"], format!("{id_base}{rel}"), "v{version}: {rel}");
        // The versions are stated in `$comment`: the API's, then the schema package's.
        let comment = doc["$comment"].as_str().unwrap_or_default();
        let package = comment
            .strip_prefix(&format!("LiveChat Webhooks API {version}, schema package "))
            .and_then(|rest| rest.split_once(". ").map(|(package, _)| package))
            .unwrap_or_else(|| panic!("v{version}: {rel}: $comment {comment:?}"));
        assert_eq!(
            package
                .split('.')
                .filter(|p| p.parse::<u32>().is_ok())
                .count(),
            3,
            "{rel}: schema package version {package:?}"
        );
        let mut custom = Vec::new();
        custom_keywords(doc, "", &mut custom);
        assert!(
            custom.is_empty(),
            "v{version}: {rel}: custom keywords at {custom:?}"
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
    for version in versions() {
        dispatches_like_the_source(&version);
    }
}

fn dispatches_like_the_source(version: &ApiVersion) {
    let source = read_json(&version.schemas.join("webhook.json"));
    let bundle = read_json(&version.dist.join("webhook.json"));
    assert_eq!(
        bundle.pointer("/properties/action/enum"),
        source.pointer("/properties/action/enum")
    );
    let branches = bundle["allOf"].as_array().cloned().unwrap_or_default();
    assert_eq!(branches.len(), version.actions().len(), "v{}", version.name);
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
        let own = read_json(&version.dist.join(format!("actions/{action}.json")));
        assert_eq!(defs["properties"], own["properties"], "{action}");
        assert_eq!(defs["required"], own["required"], "{action}");
    }
}
