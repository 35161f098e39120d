//! Self-contained bundles of the schemas for other toolchains (`dist/v3.5/`).
//!
//! Every definition of every file goes under `$defs` of one document, with each `$ref`
//! rewritten to `#/$defs/<Name>`; each action becomes a `$defs` entry named after the action.
//! `webhook.json` holds them all and dispatches on `action` like the source `webhook.json`;
//! `actions/<action>.json` holds one action and only the definitions it reaches.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::schema::{escape, join, SchemaError, SchemaSet};

/// The draft the bundles declare (the same as the sources).
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";
/// Base of the bundles' `$id`s.
pub const ID_BASE: &str = "https://schemas.livechat-webhooks.dev/bundle/v3.5/";
/// The LiveChat API version of the schemas.
pub const API_VERSION: &str = "3.5";
/// Where the bundles go, relative to the workspace root.
pub const DIST_DIR: &str = "dist/v3.5";

/// Reads the schema package version: the first `## ` heading of `schemas/CHANGELOG.md`, which
/// must be a `MAJOR.MINOR.PATCH` version.
pub fn version_from_changelog(changelog: &str) -> Result<String, String> {
    let heading = changelog
        .lines()
        .find_map(|line| line.strip_prefix("## "))
        .ok_or("schemas/CHANGELOG.md: no `## <version>` heading")?;
    let version = heading.split_whitespace().next().unwrap_or_default();
    let parts: Vec<&str> = version.split('.').collect();
    let semver = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !semver {
        return Err(format!(
            "schemas/CHANGELOG.md: the top heading `## {heading}` does not start with a MAJOR.MINOR.PATCH version"
        ));
    }
    Ok(version.to_owned())
}

/// One `$defs` entry before its references are rewritten.
struct Entry {
    /// Where it comes from, for messages: `file#/definitions/Name` or the action file.
    origin: String,
    /// The file its `$ref`s are relative to.
    file: String,
    /// JSON pointer of the schema inside that file.
    pointer: String,
    /// The schema as written.
    schema: Value,
}

/// Builds the bundle files: `(path relative to the workspace root, text)`, sorted by path.
pub fn generate(set: &SchemaSet, version: &str) -> Result<Vec<(String, String)>, SchemaError> {
    let entries = entries(set)?;
    let mut rewritten: BTreeMap<String, (Value, BTreeSet<String>)> = BTreeMap::new();
    for (name, entry) in &entries {
        let mut refs = BTreeSet::new();
        let schema = rewrite(set, &entry.file, &entry.schema, &entry.pointer, &mut refs)?;
        rewritten.insert(name.clone(), (schema, refs));
    }

    let mut out = Vec::new();
    let root_file = set
        .files
        .iter()
        .find(|f| f.rel == "webhook.json")
        .ok_or_else(|| SchemaError {
            file: "webhook.json".to_owned(),
            pointer: String::new(),
            message: "missing: the bundle starts from it".to_owned(),
        })?;
    let mut root_refs = BTreeSet::new();
    let root = rewrite(set, "webhook.json", &root_file.doc, "", &mut root_refs)?;
    let all: Map<String, Value> = rewritten
        .iter()
        .map(|(name, (schema, _))| (name.clone(), schema.clone()))
        .collect();
    out.push((
        format!("{DIST_DIR}/webhook.json"),
        document(root, "webhook.json", version, all),
    ));

    for action in set.actions()? {
        let (schema, refs) = &rewritten[&action.name];
        let defs: Map<String, Value> = reachable(refs, &rewritten)
            .into_iter()
            .map(|name| (name.clone(), rewritten[&name].0.clone()))
            .collect();
        let rel = format!("actions/{}.json", action.name);
        out.push((
            format!("{DIST_DIR}/{rel}"),
            document(schema.clone(), &rel, version, defs),
        ));
    }
    out.sort();
    Ok(out)
}

/// Every `$defs` entry by name: the definitions of every file, then one per action. Two
/// entries of the same name are an error naming both origins.
fn entries(set: &SchemaSet) -> Result<BTreeMap<String, Entry>, SchemaError> {
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut add = |name: String, entry: Entry| {
        if let Some(previous) = entries.get(&name) {
            return Err(SchemaError {
                file: entry.file.clone(),
                pointer: entry.pointer.clone(),
                message: format!(
                    "bundle name `{name}` of {} clashes with {}",
                    entry.origin, previous.origin
                ),
            });
        }
        entries.insert(name, entry);
        Ok(())
    };
    for file in &set.files {
        if let Some(defs) = file.doc.get("definitions").and_then(Value::as_object) {
            for (name, schema) in defs {
                let pointer = format!("/definitions/{}", escape(name));
                let entry = Entry {
                    origin: format!("{}#{pointer}", file.rel),
                    file: file.rel.clone(),
                    pointer,
                    schema: schema.clone(),
                };
                add(name.clone(), entry)?;
            }
        }
    }
    for action in set.actions()? {
        let rel = format!("actions/{}.json", action.name);
        let doc = set
            .files
            .iter()
            .find(|f| f.rel == rel)
            .map(|f| f.doc.clone())
            .unwrap_or_default();
        let entry = Entry {
            origin: rel.clone(),
            file: rel,
            pointer: String::new(),
            schema: doc,
        };
        add(action.name.clone(), entry)?;
    }
    Ok(entries)
}

/// The `$defs` name a `$ref` written in `file` points to.
fn target(
    set: &SchemaSet,
    file: &str,
    reference: &str,
    pointer: &str,
) -> Result<String, SchemaError> {
    let error = |message: String| SchemaError {
        file: file.to_owned(),
        pointer: format!("{pointer}/$ref"),
        message,
    };
    match set.resolve(file, reference).map_err(error)? {
        Some(name) => Ok(name),
        None => {
            let path = reference.split('#').next().unwrap_or_default();
            let rel = join(file, path).unwrap_or_default();
            let action = rel
                .strip_prefix("actions/")
                .and_then(|f| f.strip_suffix(".json"))
                .filter(|name| !name.contains('/'));
            if let Some(name) = action {
                Ok(name.to_owned())
            } else {
                Err(error(format!(
                    "`{reference}` names a whole file that is not an action schema; the bundle cannot inline it"
                )))
            }
        }
    }
}

/// Copies a schema written in `file`, rewriting every `$ref` to `#/$defs/<Name>` (collected into
/// `refs`) and dropping `$schema`, `$id` and `definitions` (the latter live under `$defs`).
/// Property names, enums and constants are copied as they are.
fn rewrite(
    set: &SchemaSet,
    file: &str,
    schema: &Value,
    pointer: &str,
    refs: &mut BTreeSet<String>,
) -> Result<Value, SchemaError> {
    let Value::Object(obj) = schema else {
        return Ok(schema.clone());
    };
    let mut out = Map::new();
    for (key, value) in obj {
        let here = format!("{pointer}/{}", escape(key));
        let copied = match key.as_str() {
            "$schema" | "$id" | "definitions" => continue,
            "$ref" => {
                let reference = value.as_str().unwrap_or_default();
                let name = target(set, file, reference, pointer)?;
                let local = format!("#/$defs/{}", escape(&name));
                refs.insert(name);
                Value::String(local)
            }
            "properties" | "patternProperties" | "dependencies" => match value {
                Value::Object(members) => {
                    let mut copy = Map::new();
                    for (name, sub) in members {
                        let at = format!("{here}/{}", escape(name));
                        // `dependencies` maps to a schema or to a list of property names.
                        let sub = if sub.is_object() || sub.is_boolean() {
                            rewrite(set, file, sub, &at, refs)?
                        } else {
                            sub.clone()
                        };
                        copy.insert(name.clone(), sub);
                    }
                    Value::Object(copy)
                }
                other => other.clone(),
            },
            "items"
            | "additionalProperties"
            | "additionalItems"
            | "contains"
            | "not"
            | "if"
            | "then"
            | "else"
            | "propertyNames"
            | "oneOf"
            | "anyOf"
            | "allOf" => match value {
                // A list of schemas (`items` may also be one schema; the combinators only a list).
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, sub)| rewrite(set, file, sub, &format!("{here}/{i}"), refs))
                        .collect::<Result<_, _>>()?,
                ),
                other if matches!(key.as_str(), "oneOf" | "anyOf" | "allOf") => other.clone(),
                sub => rewrite(set, file, sub, &here, refs)?,
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), copied);
    }
    Ok(Value::Object(out))
}

/// The `$defs` names reachable from `start`, following the references of each entry.
fn reachable(
    start: &BTreeSet<String>,
    entries: &BTreeMap<String, (Value, BTreeSet<String>)>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = start.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some((_, refs)) = entries.get(&name) {
            todo.extend(refs.iter().filter(|r| !seen.contains(*r)).cloned());
        }
    }
    seen
}

/// A bundle file: the root schema with the bundle's header, `$defs` last.
fn document(root: Value, rel: &str, version: &str, defs: Map<String, Value>) -> String {
    let mut doc = match root {
        Value::Object(obj) => obj,
        _ => Map::new(),
    };
    doc.insert("$schema".to_owned(), Value::String(DRAFT.to_owned()));
    doc.insert("$id".to_owned(), Value::String(format!("{ID_BASE}{rel}")));
    doc.insert(
        "x-api-version".to_owned(),
        Value::String(API_VERSION.to_owned()),
    );
    doc.insert(
        "x-schema-version".to_owned(),
        Value::String(version.to_owned()),
    );
    if !defs.is_empty() {
        doc.insert("$defs".to_owned(), Value::Object(defs));
    }
    let mut text = String::new();
    write_value(&Value::Object(doc), 0, &mut text);
    text.push('\n');
    text
}

/// Where a key goes in an object: the header keywords first, `$defs` last, the rest sorted.
fn key_rank(key: &str) -> (u8, &str) {
    const FIRST: &[&str] = &[
        "$schema",
        "$id",
        "x-api-version",
        "x-schema-version",
        "title",
        "description",
    ];
    match FIRST.iter().position(|k| *k == key) {
        Some(i) => (i as u8, ""),
        None if key == "$defs" => (u8::MAX, ""),
        None => (FIRST.len() as u8, key),
    }
}

/// Pretty-prints JSON with two-space indentation and a fixed key order, whatever the order of
/// the map type in use.
fn write_value(value: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize, out: &mut String| out.extend(std::iter::repeat_n(' ', n));
    match value {
        Value::Object(obj) if !obj.is_empty() => {
            let mut keys: Vec<&String> = obj.keys().collect();
            keys.sort_by_key(|k| key_rank(k));
            out.push_str("{\n");
            for (i, key) in keys.iter().enumerate() {
                pad(indent + 2, out);
                out.push_str(&Value::String((*key).clone()).to_string());
                out.push_str(": ");
                write_value(&obj[key.as_str()], indent + 2, out);
                if i + 1 < keys.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(indent + 2, out);
                write_value(item, indent + 2, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaFile;
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
        generate(&set, "1.2.3")
            .expect("bundles")
            .into_iter()
            .map(|(path, text)| (path, serde_json::from_str(&text).expect("bundle is JSON")))
            .collect()
    }

    #[test]
    fn refs_become_local_and_actions_keep_only_what_they_reach() {
        let out = generated(set());
        let root = &out["dist/v3.5/webhook.json"];
        assert_eq!(root["$id"], format!("{ID_BASE}webhook.json"));
        assert_eq!(root["$schema"], DRAFT);
        assert_eq!(root["x-api-version"], "3.5");
        assert_eq!(root["x-schema-version"], "1.2.3");
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

        let action = &out["dist/v3.5/actions/a_done.json"];
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
        let e = generate(&set, "1.0.0").expect_err("clash");
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
        let e = generate(&set, "1.0.0").expect_err("whole file");
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
            [
                "$schema",
                "$id",
                "x-api-version",
                "x-schema-version",
                "title",
                "type",
                "$defs"
            ]
        );
        assert!(text.contains("\"enum\": []"), "{text}");
    }
}
