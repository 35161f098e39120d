//! `cargo xtask bundle`: self-contained bundles of every version's schemas for other
//! toolchains (`dist/vX.Y/`).
//!
//! Every definition of every file goes under `$defs` of one document, with each `$ref`
//! rewritten to `#/$defs/<Name>`; each action becomes a `$defs` entry named after the action.
//! `webhook.json` holds them all and dispatches on `action` like the source `webhook.json`;
//! `actions/<action>.json` holds one action and only the definitions it reaches. The bundles
//! carry no keyword outside JSON Schema (so that strict validators such as ajv's compile them):
//! the versions are stated in `$comment`, and the sources' `x-group` is left out. The same
//! definitions make the OpenAPI and AsyncAPI documents of each version ([`apis`]).

mod apis;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::json::Json;
use crate::layout::{self, Version, VERSIONS};
use crate::schema::{escape, join, SchemaError, SchemaSet};

/// The draft the bundles declare (the same as the sources).
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// Runs the task: writes the bundles of every version whose text changed (and removes files of
/// `dist/` that are not generated), or with `check` names them and fails.
pub fn run(check: bool) -> Result<(), String> {
    let start = std::time::Instant::now();
    let bundles = generate_all()?;
    let stale = sync(&bundles, check)?;
    crate::files::report("bundle", &bundles, &stale, check, start)
}

/// The bundles of every version, in memory: `(path relative to the workspace root, text)`.
pub fn generate_all() -> Result<Vec<(String, String)>, String> {
    let changelog = std::fs::read_to_string(layout::path(layout::CHANGELOG))
        .map_err(|e| format!("cannot read {}: {e}", layout::CHANGELOG))?;
    let package = version_from_changelog(&changelog)?;
    let mut out = Vec::new();
    for &version in VERSIONS {
        let schemas = version.schemas();
        let set = SchemaSet::load(&layout::path(&schemas)).map_err(|e| format!("{schemas}/{e}"))?;
        out.extend(generate(&set, version, &package).map_err(|e| format!("{schemas}/{e}"))?);
        let examples = apis::documented_examples(version)?;
        let input = apis::Input {
            api: version,
            package: &package,
            actions: &set.actions().map_err(|e| format!("{schemas}/{e}"))?,
            definitions: &definitions(&set).map_err(|e| format!("{schemas}/{e}"))?,
            examples: &examples,
        };
        out.extend(apis::generate(&input)?);
    }
    out.sort();
    Ok(out)
}

/// Brings `dist/` in line with `bundles`; returns the stale files (and the files of `dist/`
/// that are not generated), rewritten or removed unless checking.
pub fn sync(bundles: &[(String, String)], check: bool) -> Result<Vec<String>, String> {
    crate::files::sync(&layout::root(), bundles, &[layout::DIST_DIR], check)
        .map(|outcome| outcome.stale)
        .map_err(|e| format!("{}: {e}", layout::DIST_DIR))
}

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
pub fn generate(
    set: &SchemaSet,
    api: Version,
    version: &str,
) -> Result<Vec<(String, String)>, SchemaError> {
    let dist = api.dist();
    let rewritten = rewritten(set)?;
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
        format!("{dist}/webhook.json"),
        document(root, "webhook.json", api, version, all),
    ));

    for action in set.actions()? {
        let (schema, refs) = &rewritten[&action.name];
        let defs: Map<String, Value> = reachable(refs, &rewritten)
            .into_iter()
            .map(|name| (name.clone(), rewritten[&name].0.clone()))
            .collect();
        let rel = format!("actions/{}.json", action.name);
        out.push((
            format!("{dist}/{rel}"),
            document(schema.clone(), &rel, api, version, defs),
        ));
    }
    out.sort();
    Ok(out)
}

/// Every `$defs` entry of `webhook.json` by name, as the bundle writes it: the definitions of
/// every file and one entry per action.
fn definitions(set: &SchemaSet) -> Result<Map<String, Value>, SchemaError> {
    Ok(rewritten(set)?
        .into_iter()
        .map(|(name, (schema, _))| (name, schema))
        .collect())
}

/// Every `$defs` entry by name, rewritten, with the names its `$ref`s point to.
type Rewritten = BTreeMap<String, (Value, BTreeSet<String>)>;

/// Every `$defs` entry, rewritten ([`rewrite`]), with the names it refers to.
fn rewritten(set: &SchemaSet) -> Result<Rewritten, SchemaError> {
    let mut rewritten = Rewritten::new();
    for (name, entry) in &entries(set)? {
        let mut refs = BTreeSet::new();
        let schema = rewrite(set, &entry.file, &entry.schema, &entry.pointer, &mut refs)?;
        rewritten.insert(name.clone(), (schema, refs));
    }
    Ok(rewritten)
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
/// `refs`) and dropping `$schema`, `$id` and `definitions` (the latter live under `$defs`), and
/// the annotation `x-group` (the documentation's group of an action, which the generated code
/// reads from the sources and the OpenAPI and AsyncAPI documents give as the action's tag).
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
            "$schema" | "$id" | "definitions" | "x-group" => continue,
            "$ref" => {
                let reference = value.as_str().unwrap_or_default();
                let name = target(set, file, reference, pointer)?;
                let local = format!("#/$defs/{}", escape(&name));
                refs.insert(name);
                Value::String(local)
            }
            // Only the keywords the schema checker allows (`schema::KEYWORDS`) can occur.
            "properties" | "dependencies" => match value {
                Value::Object(members) => {
                    let mut copy = Map::new();
                    for (name, sub) in members {
                        let at = format!("{here}/{}", escape(name));
                        // `dependencies` maps to a schema or to a list of property names.
                        let sub = if sub.is_object() {
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
            // A list of schemas.
            "oneOf" | "allOf" => match value {
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, sub)| rewrite(set, file, sub, &format!("{here}/{i}"), refs))
                        .collect::<Result<_, _>>()?,
                ),
                other => other.clone(),
            },
            // One schema (`additionalProperties` may also be `false`, left as it is).
            "items" | "additionalProperties" | "not" | "if" | "then" => {
                rewrite(set, file, value, &here, refs)?
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), copied);
    }
    Ok(Value::Object(out))
}

/// The `$defs` names reachable from `start`, following the references of each entry.
fn reachable(start: &BTreeSet<String>, entries: &Rewritten) -> BTreeSet<String> {
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
fn document(
    root: Value,
    rel: &str,
    api: Version,
    version: &str,
    defs: Map<String, Value>,
) -> String {
    let mut doc = match root {
        Value::Object(obj) => obj,
        _ => Map::new(),
    };
    doc.insert("$schema".to_owned(), Value::String(DRAFT.to_owned()));
    let id = format!("{}{rel}", api.bundle_id_base());
    doc.insert("$id".to_owned(), Value::String(id));
    doc.insert("$comment".to_owned(), Value::String(stamp(api, version)));
    if !defs.is_empty() {
        doc.insert("$defs".to_owned(), Value::Object(defs));
    }
    Json::from_value_by(&Value::Object(doc), &key_rank).pretty()
}

/// The `$comment` of every bundle: the API version, the schema package version, where the
/// bundle comes from.
fn stamp(api: Version, version: &str) -> String {
    format!(
        "LiveChat Webhooks API {}, schema package {version}. Generated from {}/ by `cargo xtask bundle`; do not edit.",
        api.name(),
        api.schemas()
    )
}

/// Where a key goes in an object: the header keywords first, `$defs` last, the rest sorted.
fn key_rank(key: &str) -> (u8, String) {
    const FIRST: &[&str] = &["$schema", "$id", "$comment", "title", "description"];
    match FIRST.iter().position(|k| *k == key) {
        Some(i) => (i as u8, String::new()),
        None if key == "$defs" => (u8::MAX, String::new()),
        None => (FIRST.len() as u8, key.to_owned()),
    }
}

#[cfg(test)]
mod tests;
