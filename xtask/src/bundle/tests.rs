//! Bundling on small schema sets made in memory.

use super::*;
use crate::schema::SchemaFile;

/// A version of the tests' own: the bundle paths and ids follow it.
const API: Version = Version { major: 9, minor: 1 };
const ID_BASE: &str = "https://schemas.livechat-webhooks.dev/bundle/v9.1/";
use serde_json::json;

fn file(rel: &str, extra: Value) -> SchemaFile {
    let mut doc = json!({
        "$schema": DRAFT,
        "$id": format!("https://example.test/{rel}"),
        "title": rel,
        "description": rel
    });
    if let (Some(doc), Some(extra)) = (doc.as_object_mut(), extra.as_object()) {
        doc.extend(extra.clone());
    }
    SchemaFile::from_doc(rel, doc)
}

fn action(name: &str, payload_ref: &str) -> SchemaFile {
    let props = json!({
        "webhook_id": {"description": "d", "$ref": "../definitions/common.json#/definitions/Id"},
        "secret_key": {"description": "d", "type": "string"},
        "action": {"description": "d", "const": name},
        "organization_id": {"description": "d", "type": "string"},
        "payload": {"description": "d", "$ref": payload_ref}
    });
    file(
        &format!("actions/{name}.json"),
        json!({
            "type": "object",
            "x-group": "Things",
            "required": ["webhook_id", "secret_key", "action", "organization_id", "payload"],
            "properties": props,
            "definitions": {"Local": {"title": "L", "description": "l", "type": "object",
                "properties": {"$ref": {"description": "a property named $ref", "type": "string"}}}}
        }),
    )
}

fn set() -> Vec<SchemaFile> {
    vec![
        action("a_done", "#/definitions/Local"),
        file(
            "definitions/common.json",
            json!({"definitions": {
                "Id": {"title": "Id", "description": "id", "type": "string"},
                "Unused": {"title": "U", "description": "u", "$ref": "#/definitions/Id"}
            }}),
        ),
        file(
            "webhook.json",
            json!({"type": "object", "allOf": [{
                "if": {"type": "object", "required": ["action"],
                       "properties": {"action": {"const": "a_done"}}},
                "then": {"$ref": "actions/a_done.json"}
            }]}),
        ),
    ]
}

fn generated(files: Vec<SchemaFile>) -> BTreeMap<String, Value> {
    let set = SchemaSet::from_files(files).expect("a valid set");
    generate(&set, API, "1.2.3")
        .expect("bundles")
        .into_iter()
        .map(|(path, text)| (path, serde_json::from_str(&text).expect("bundle is JSON")))
        .collect()
}

#[test]
fn refs_become_local_and_actions_keep_only_what_they_reach() {
    let out = generated(set());
    let root = &out["dist/v9.1/webhook.json"];
    assert_eq!(root["$id"], format!("{ID_BASE}webhook.json"));
    assert_eq!(root["$schema"], DRAFT);
    assert_eq!(
        root["$comment"],
        "LiveChat Webhooks API 9.1, schema package 1.2.3. Generated from schemas/v9.1/ by `cargo xtask bundle`; do not edit."
    );
    assert_eq!(root["allOf"][0]["then"]["$ref"], "#/$defs/a_done");
    assert_eq!(root["$defs"]["Unused"]["$ref"], "#/$defs/Id");
    let entry = &root["$defs"]["a_done"];
    assert_eq!(
        entry["properties"]["webhook_id"]["$ref"], "#/$defs/Id",
        "{entry}"
    );
    assert_eq!(entry["properties"]["payload"]["$ref"], "#/$defs/Local");
    assert!(entry.get("$id").is_none() && entry.get("definitions").is_none());
    // A property called `$ref` is a name, not a reference.
    assert_eq!(
        root["$defs"]["Local"]["properties"]["$ref"]["type"],
        "string"
    );

    let action = &out["dist/v9.1/actions/a_done.json"];
    // The sources' `x-group` is no keyword of JSON Schema: the bundles leave it out.
    assert!(entry.get("x-group").is_none() && action.get("x-group").is_none());
    assert_eq!(action["$id"], format!("{ID_BASE}actions/a_done.json"));
    let names: Vec<&String> = action["$defs"].as_object().expect("$defs").keys().collect();
    assert_eq!(names, ["Id", "Local"]);
    assert_eq!(action["properties"]["action"]["const"], "a_done");
}

#[test]
fn a_definition_named_like_an_action_is_a_clash_naming_both_files() {
    let mut files = set();
    files.push(file(
        "definitions/other.json",
        json!({"definitions": {"a_done": {"title": "x", "description": "x", "type": "string"}}}),
    ));
    let set = SchemaSet::from_files(files).expect("a valid set");
    let e = generate(&set, API, "1.0.0").expect_err("clash");
    assert!(
        e.message
            .contains("definitions/other.json#/definitions/a_done")
            && e.message.contains("actions/a_done.json"),
        "{e}"
    );
}

#[test]
fn a_whole_file_ref_to_a_definitions_file_is_rejected_with_its_pointer() {
    let mut files = set();
    files[1] = file(
        "definitions/common.json",
        json!({"definitions": {
            "Id": {"title": "Id", "description": "id", "type": "string"},
            "Unused": {"title": "U", "description": "u", "$ref": "common.json"}
        }}),
    );
    let set = SchemaSet::from_files(files).expect("a valid set");
    let e = generate(&set, API, "1.0.0").expect_err("whole file");
    assert_eq!(e.file, "definitions/common.json");
    assert_eq!(e.pointer, "/definitions/Unused/$ref", "{e}");
    assert!(e.message.contains("whole file"), "{e}");
}

#[test]
fn the_version_is_the_changelogs_top_heading() {
    let text = "# Changelog\n\npolicy\n\n## 2.1.0 - 2026-01-01\n\n## 2.0.0\n";
    assert_eq!(version_from_changelog(text).as_deref(), Ok("2.1.0"));
    let e = version_from_changelog("# Changelog\n\n## Unreleased\n").expect_err("no version");
    assert!(e.contains("Unreleased"), "{e}");
    assert!(version_from_changelog("# Changelog\n").is_err());
}

#[test]
fn output_keeps_headers_first_and_defs_last() {
    let text = document(
        json!({"type": "object", "title": "t"}),
        "webhook.json",
        API,
        "1.0.0",
        [("B".to_owned(), json!({"enum": []}))]
            .into_iter()
            .collect(),
    );
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  \""))
        .map(|l| l.trim().split('"').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(
        keys,
        ["$schema", "$id", "$comment", "title", "type", "$defs"]
    );
    assert!(text.contains("\"enum\": []"), "{text}");
}

/// The checked-in bundles of `dist/` are what the schemas and the changelog produce.
#[test]
fn bundles_are_fresh() {
    let bundles = generate_all().expect("bundles generate");
    let per_version = bundles.len() / VERSIONS.len();
    assert!(per_version > 30, "webhook.json and one file per action");
    let stale = sync(&bundles, true).expect("read dist/");
    assert!(
        stale.is_empty(),
        "stale bundle files (run `cargo xtask bundle`): {stale:?}"
    );
}

/// A bundle that differs from its generated text is named.
#[test]
fn a_stale_bundle_is_named() {
    let mut bundles = generate_all().expect("bundles generate");
    let (path, text) = bundles
        .iter_mut()
        .find(|(path, _)| path.ends_with("/incoming_chat.json"))
        .expect("incoming_chat is bundled");
    text.push(' ');
    let path = path.clone();
    assert_eq!(sync(&bundles, true).expect("read dist/"), [path]);
}
