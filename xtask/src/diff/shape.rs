//! One schema at a time: what a `$ref` points to, the kind and a short label of a schema, the
//! presence of a field, the branches of a `oneOf`, rule keywords in a comparable form.

use std::collections::BTreeMap;

use serde_json::Value;

use super::report::Presence;
use crate::schema::{join, SchemaSet};

/// A schema, the file it is written in (for relative `$ref`s) and the definition name it was
/// reached by, if any.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    /// The schema.
    pub value: &'a Value,
    /// Its file, relative to the version root.
    pub file: &'a str,
    /// The definition it is, when reached through a `$ref`.
    pub name: Option<&'a str>,
}

/// Whether a definition is a shared structure: one outside the action files.
pub fn is_shared(set: &SchemaSet, name: &str) -> bool {
    set.definition(name)
        .is_some_and(|d| !d.file.starts_with("actions/"))
}

/// A schema written inside `parent` (same file, no definition name).
pub fn child<'a>(parent: Node<'a>, value: &'a Value) -> Node<'a> {
    Node {
        value,
        file: parent.file,
        name: None,
    }
}

/// The definition (or whole file) a `$ref` points to, with its name.
pub fn target<'a>(set: &'a SchemaSet, node: Node<'a>) -> Option<(String, Node<'a>)> {
    let reference = node.value.get("$ref")?.as_str()?;
    match set.resolve(node.file, reference).ok()? {
        Some(name) => {
            let (key, def) = set.definitions.get_key_value(&name)?;
            let value = &def.schema;
            let file = &def.file;
            Some((
                name,
                Node {
                    value,
                    file,
                    name: Some(key),
                },
            ))
        }
        None => {
            let rel = join(node.file, reference.split('#').next().unwrap_or_default())?;
            let file = set.files.iter().find(|f| f.rel == rel)?;
            let node = Node {
                value: &file.doc,
                file: &file.rel,
                name: Some(&file.rel),
            };
            Some((rel, node))
        }
    }
}

/// The kind of value a schema describes, for telling a retyping.
pub fn kind(schema: &Value) -> &str {
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        return t;
    }
    if schema.get("oneOf").is_some() {
        return "oneOf";
    }
    if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
        return "object";
    }
    if schema.get("items").is_some() {
        return "array";
    }
    let value = schema
        .get("const")
        .or_else(|| schema.get("enum").and_then(|e| e.get(0)));
    match value {
        Some(Value::String(_)) => "string",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(n)) if n.is_f64() => "number",
        Some(Value::Number(_)) => "integer",
        Some(Value::Object(_)) => "object",
        Some(Value::Array(_)) => "array",
        Some(Value::Null) => "null",
        None => "any",
    }
}

/// A short description of a schema: its definition name, or its kind.
pub fn label(node: Node<'_>) -> String {
    if let Some(name) = node.name {
        return name.to_owned();
    }
    let schema = node.value;
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    if let Some(c) = schema.get("const") {
        return c.to_string();
    }
    let kind = kind(schema);
    match kind {
        "array" => match schema.get("items") {
            Some(items) => format!("array of {}", label(child(node, items))),
            None => "array".to_owned(),
        },
        "oneOf" => {
            let branches = schema.get("oneOf").and_then(Value::as_array);
            let names: Vec<String> = branches
                .into_iter()
                .flatten()
                .map(|b| label(child(node, b)))
                .collect();
            format!("one of {}", names.join(" | "))
        }
        _ => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{kind} ({format})"),
            None if schema.get("enum").is_some() => format!("{kind} (enum)"),
            None => kind.to_owned(),
        },
    }
}

/// The `properties` of an object schema, by name.
pub fn properties<'a>(node: Node<'a>) -> BTreeMap<&'a str, &'a Value> {
    let props = node.value.get("properties").and_then(Value::as_object);
    props
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v))
        .collect()
}

fn listed(list: Option<&Value>, name: &str) -> bool {
    list.and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|r| r == name))
}

/// Whether the object `node` requires its field `name` (`required`, or the `required` of its
/// `then`).
pub fn presence(node: Node<'_>, name: &str) -> Presence {
    if listed(node.value.get("required"), name) {
        Presence::Required
    } else if listed(node.value.pointer("/then/required"), name) {
        Presence::Conditional
    } else {
        Presence::Optional
    }
}

/// Whether two field names may be one field renamed: the `_`-separated words of one are a run of
/// the words of the other (`queued_at` in `queued_at_us`, `visit` in `last_visit`; not `chat_id`
/// and `thread_id`).
pub fn related(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('_').collect(), b.split('_').collect());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() < long.len() && long.windows(short.len()).any(|w| w == short.as_slice())
}

/// `additionalProperties` in one word: `open`, `closed` or `map` (a schema for the values).
pub fn openness(value: Option<&Value>) -> &'static str {
    match value {
        None | Some(Value::Bool(true)) => "open",
        Some(Value::Bool(false)) => "closed",
        Some(_) => "map",
    }
}

/// The branches of a `oneOf`, keyed by definition name (or kind, for inline branches).
pub fn variants<'a>(set: &'a SchemaSet, node: Node<'a>) -> Vec<(String, Node<'a>)> {
    let branches = node.value.get("oneOf").and_then(Value::as_array);
    let mut out: Vec<(String, Node<'a>)> = Vec::new();
    for branch in branches.into_iter().flatten() {
        let branch = child(node, branch);
        let mut key = match target(set, branch) {
            Some((name, _)) => name,
            None => label(branch),
        };
        if out.iter().any(|(k, _)| *k == key) {
            key = format!("{key}#{}", out.len() + 1);
        }
        out.push((key, branch));
    }
    out
}

/// A rule keyword in a comparable form: descriptions dropped, `$ref`s as target names, and for
/// `then` its `required` left out (compared as presence). `null` when absent.
pub fn rule(set: &SchemaSet, node: Node<'_>, keyword: &str) -> Value {
    let Some(value) = node.value.get(keyword) else {
        return Value::Null;
    };
    let mut value = canonical(set, node.file, value);
    if keyword == "then" {
        if let Some(map) = value.as_object_mut() {
            map.remove("required");
            if map.is_empty() {
                return Value::Null;
            }
        }
    }
    value
}

fn canonical(set: &SchemaSet, file: &str, value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "title" | "description" => {}
                    "$ref" => {
                        let name = v.as_str().and_then(|r| set.resolve(file, r).ok().flatten());
                        out.insert(k.clone(), name.map_or_else(|| v.clone(), Value::String));
                    }
                    _ => {
                        out.insert(k.clone(), canonical(set, file, v));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| canonical(set, file, v)).collect())
        }
        other => other.clone(),
    }
}
