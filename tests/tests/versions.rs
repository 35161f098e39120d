//! The samples of every version (as `samples/index.json` lists them) against that version's
//! source `webhook.json`: every valid sample is accepted, every negative one rejected with the
//! pointer and keyword the manifest records, and every action has its samples.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;
use webhooks_tests::{
    check_every_version, error_locations, json_files, read_json, schema_errors, versions,
};

#[test]
fn every_valid_sample_of_every_version_passes_its_webhook_schema() {
    check_every_version("valid samples rejected", |version, failures| {
        let engine = version.webhook_validator();
        let samples = version.samples();
        assert!(!samples.is_empty(), "v{}: no valid sample", version.name);
        for sample in &samples {
            for (pointer, keyword, message) in schema_errors(&engine, &sample.value) {
                let _ = writeln!(
                    failures,
                    "v{}: {}: {pointer} ({keyword}): {message}",
                    version.name, sample.name
                );
            }
        }
    });
}

#[test]
fn every_negative_sample_of_every_version_fails_where_the_manifest_says() {
    check_every_version("negative samples", |version, failures| {
        let engine = version.webhook_validator();
        let negatives = version.negatives();
        assert!(
            !negatives.is_empty(),
            "v{}: no negative sample",
            version.name
        );
        for negative in &negatives {
            let at = format!("v{}: invalid/{}", version.name, negative.name);
            let Ok(value) = serde_json::from_slice::<Value>(&negative.bytes) else {
                if negative.keyword != "json" || !negative.pointer.is_empty() {
                    let _ = writeln!(
                        failures,
                        "{at}: not JSON, but expected `{}` at {:?}",
                        negative.keyword, negative.pointer
                    );
                }
                continue;
            };
            // The validator's `unknown_action` is, for the schema alone, the `enum` of
            // `webhook.json`'s `action`.
            let keyword = match negative.keyword.as_str() {
                "unknown_action" => "enum",
                other => other,
            };
            let errors = error_locations(&engine, &value);
            let has = |pointer: &str, keyword: &str| {
                errors.iter().any(|(p, k)| p == pointer && k == keyword)
            };
            // A union's tag outside its values is, for the validator, `oneOf` at the tag; for
            // the schema alone, `oneOf` at the object and `const` at the tag.
            let parent = negative
                .pointer
                .rsplit_once('/')
                .map_or("", |(parent, _)| parent);
            let union_tag =
                keyword == "oneOf" && has(parent, "oneOf") && has(&negative.pointer, "const");
            if !has(&negative.pointer, keyword) && !union_tag {
                let _ = writeln!(
                    failures,
                    "{at}: expected `{keyword}` at {:?}, got {errors:?}",
                    negative.pointer
                );
            }
        }
    });
}

/// Every action of a version has a documented and an extra sample there, and every valid
/// sample names one of the version's actions.
#[test]
fn every_action_of_every_version_has_documented_and_extra_samples() {
    let mut problems = Vec::new();
    for version in versions() {
        let actions: BTreeSet<String> = version.actions().into_iter().collect();
        let samples = version.samples();
        let with = |documented: bool| -> BTreeSet<String> {
            samples
                .iter()
                .filter(|s| s.documented() == documented)
                .map(|s| s.action().to_owned())
                .collect()
        };
        let (documented, extra) = (with(true), with(false));
        for action in &actions {
            if !documented.contains(action) {
                problems.push(format!(
                    "v{}: `{action}` has no documented sample",
                    version.name
                ));
            }
            if !extra.contains(action) {
                problems.push(format!("v{}: `{action}` has no extra sample", version.name));
            }
        }
        for action in documented.union(&extra) {
            if !actions.contains(action) {
                problems.push(format!(
                    "v{}: a sample's action `{action}` is not an action of the version",
                    version.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A version whose webhooks equal an earlier version's takes that version's schemas folder (the
/// manifest names the same one for both). Then its documented samples, extracted from its own
/// page, equal the earlier version's byte for byte (the pages document the same webhooks), and
/// its bundles differ from the earlier ones only in their `$id` and the API version their
/// `$comment` states.
#[test]
fn versions_sharing_schemas_document_the_same_webhooks() {
    let all = versions();
    for (i, version) in all.iter().enumerate() {
        let own_folder = format!("v{}", version.name);
        if version.schemas.ends_with(&own_folder) {
            continue;
        }
        let earlier = all[..i]
            .iter()
            .find(|e| e.schemas == version.schemas)
            .unwrap_or_else(|| {
                panic!(
                    "v{} uses {}, the schemas of no earlier version",
                    version.name,
                    version.schemas.display()
                )
            });
        let documented = |v: &webhooks_tests::ApiVersion| -> Vec<(String, Vec<u8>)> {
            v.samples()
                .into_iter()
                .filter(|s| s.documented())
                .map(|s| (s.name, s.bytes))
                .collect()
        };
        let (mine, theirs) = (documented(version), documented(earlier));
        assert!(!mine.is_empty(), "v{}: no documented sample", version.name);
        assert_eq!(
            mine, theirs,
            "v{} and v{}: the documented samples differ",
            version.name, earlier.name
        );

        let strip = |mut doc: Value| {
            if let Some(map) = doc.as_object_mut() {
                map.remove("$id");
                map.remove("$comment");
            }
            doc
        };
        // The bundles; the OpenAPI and AsyncAPI documents beside them are compared below.
        let bundles = |dist: &std::path::Path| {
            let mut files = json_files(dist);
            files.retain(|(rel, _)| rel == "webhook.json" || rel.starts_with("actions/"));
            files
        };
        let (mine, theirs) = (bundles(&version.dist), bundles(&earlier.dist));
        assert_eq!(
            mine.iter().map(|(rel, _)| rel).collect::<Vec<_>>(),
            theirs.iter().map(|(rel, _)| rel).collect::<Vec<_>>(),
            "v{} and v{}: the bundle files differ",
            version.name,
            earlier.name
        );
        for ((rel, a), (_, b)) in mine.into_iter().zip(theirs) {
            let comment = a["$comment"].as_str().unwrap_or_default();
            let stamp = format!("LiveChat Webhooks API {}, ", version.name);
            assert!(comment.starts_with(&stamp), "{rel}: $comment {comment:?}");
            assert_ne!(a["$id"], b["$id"], "{rel}");
            assert_eq!(
                strip(a),
                strip(b),
                "v{} and v{}: dist {rel} differs beyond its id and API version",
                version.name,
                earlier.name
            );
        }
        for document in ["openapi.json", "asyncapi.json"] {
            let (a, b) = (
                read_json(&version.dist.join(document)),
                read_json(&earlier.dist.join(document)),
            );
            assert!(a["components"]["schemas"].is_object(), "{document}");
            assert_eq!(
                a["components"]["schemas"], b["components"]["schemas"],
                "v{} and v{}: the schemas of {document} differ",
                version.name, earlier.name
            );
        }
    }
}

/// Each version's valid samples pass under that version (validator and types), and, checked
/// under every later version, fail only as recorded: the report of which fail under each later
/// version, and why, is a snapshot per pair. Versions that share their schemas accept each
/// other's samples.
#[test]
fn samples_of_a_version_under_the_later_versions() {
    let all = versions();
    for (i, older) in all.iter().enumerate() {
        let own = webhooks_validate::Validator::builder()
            .api_version(older.api())
            .build()
            .expect("builds");
        let samples: Vec<_> = older
            .samples()
            .into_iter()
            .filter(|s| !s.name.starts_with("../"))
            .collect();
        for sample in &samples {
            let verdict = own.validate(&sample.bytes);
            assert!(
                verdict.is_ok(),
                "v{} {}: {verdict:?}",
                older.name,
                sample.name
            );
        }
        for newer in &all[i + 1..] {
            let validator = webhooks_validate::Validator::builder()
                .api_version(newer.api())
                .build()
                .expect("builds");
            let mut report = String::new();
            let mut failing = 0;
            for sample in &samples {
                if let Err(e) = validator.validate(&sample.bytes) {
                    failing += 1;
                    let _ = writeln!(report, "{}: {e}", sample.name);
                }
            }
            if newer.schemas == older.schemas {
                assert_eq!(
                    failing, 0,
                    "v{} under v{}:\n{report}",
                    older.name, newer.name
                );
                continue;
            }
            let head = format!(
                "{failing} of {} samples of v{} fail under v{}\n\n",
                samples.len(),
                older.name,
                newer.name
            );
            insta::assert_snapshot!(
                format!("v{}_samples_under_v{}", older.name, newer.name),
                head + &report
            );
        }
    }
}
