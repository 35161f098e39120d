//! Schema to TypeScript: the name of each `$defs` entry, the declaration of each structure,
//! the type of each schema, and doc comments.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use super::RESERVED;

/// The TypeScript name of every `$defs` entry: definitions keep theirs, an action's envelope
/// is `<Action>Webhook`.
pub(super) struct Names {
    pub(super) by_def: BTreeMap<String, String>,
}

impl Names {
    pub(super) fn new(
        defs: &serde_json::Map<String, Value>,
        actions: &[String],
    ) -> Result<Self, String> {
        let mut by_def = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for name in defs.keys() {
            let ts = if actions.contains(name) {
                format!("{}Webhook", pascal(name))
            } else {
                name.clone()
            };
            if !is_identifier(&ts) || RESERVED.contains(&ts.as_str()) || !taken.insert(ts.clone()) {
                return Err(format!(
                    "$defs/{name}: `{ts}` cannot name a TypeScript type here (not an identifier, taken by the module, or used twice)"
                ));
            }
            by_def.insert(name.clone(), ts);
        }
        Ok(Self { by_def })
    }

    /// The type a `$ref` names.
    pub(super) fn of_ref(&self, reference: &str, at: &str) -> Result<&str, String> {
        reference
            .strip_prefix("#/$defs/")
            .and_then(|name| self.by_def.get(name))
            .map(String::as_str)
            .ok_or_else(|| format!("{at}: `$ref` {reference} names no $defs entry"))
    }
}

/// The declaration of one `$defs` entry: an interface for an object with properties, else a
/// type alias.
pub(super) fn declaration(
    ts: &str,
    schema: &Value,
    names: &Names,
    def: &str,
) -> Result<String, String> {
    let at = format!("$defs/{def}");
    // A title that repeats the name says nothing.
    let title = schema
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.eq_ignore_ascii_case(def) && !t.eq_ignore_ascii_case(ts));
    let description = schema.get("description").and_then(Value::as_str);
    let mut out = doc("", title, description);
    match schema.get("properties").and_then(Value::as_object) {
        Some(properties) if is_plain_object(schema) => {
            let _ = writeln!(out, "export interface {ts} {{");
            out.push_str(&members(schema, properties, names, &at, "  ")?);
            out.push_str("}\n");
        }
        _ => {
            let _ = writeln!(out, "export type {ts} = {};", type_of(schema, names, &at)?);
        }
    }
    Ok(out)
}

/// Whether a schema with `properties` is an object and nothing else (no `$ref`, union,
/// constant or list of values that would decide its type).
fn is_plain_object(schema: &Value) -> bool {
    ["$ref", "oneOf", "anyOf", "allOf", "enum", "const"]
        .iter()
        .all(|k| schema.get(k).is_none())
        && schema.get("type").is_none_or(|t| t == "object")
}

/// The members of an object type: one per property (optional unless required), and an index
/// signature when `additionalProperties` is a schema.
fn members(
    schema: &Value,
    properties: &serde_json::Map<String, Value>,
    names: &Names,
    at: &str,
    indent: &str,
) -> Result<String, String> {
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = String::new();
    for (name, property) in properties {
        let here = format!("{at}/properties/{name}");
        out.push_str(&doc(
            indent,
            property.get("title").and_then(Value::as_str),
            property.get("description").and_then(Value::as_str),
        ));
        let optional = if required.contains(name.as_str()) {
            ""
        } else {
            "?"
        };
        let _ = writeln!(
            out,
            "{indent}{}{optional}: {};",
            member(name),
            type_of(property, names, &here)?
        );
    }
    if schema
        .get("additionalProperties")
        .is_some_and(Value::is_object)
    {
        // Every property's type must fit the index signature: `unknown` fits them all.
        let _ = writeln!(out, "{indent}[key: string]: unknown;");
    }
    Ok(out)
}

/// The TypeScript type of a schema.
fn type_of(schema: &Value, names: &Names, at: &str) -> Result<String, String> {
    if schema.get("allOf").is_some() || schema.get("anyOf").is_some() {
        return Err(format!(
            "{at}: `allOf` and `anyOf` have no TypeScript rule (only the bundle's root dispatch uses allOf)"
        ));
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return names.of_ref(reference, at).map(str::to_owned);
    }
    if let Some(value) = schema.get("const") {
        return literal(value, at);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return union(values.iter().map(|v| literal(v, at)), at);
    }
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        return union(branches.iter().map(|b| type_of(b, names, at)), at);
    }
    match schema.get("type") {
        None => Ok("unknown".to_owned()),
        Some(Value::String(ty)) => type_named(ty, schema, names, at),
        Some(Value::Array(types)) => union(
            types.iter().map(|t| match t.as_str() {
                Some(ty) => type_named(ty, schema, names, at),
                None => Err(format!("{at}: a `type` that is not a string")),
            }),
            at,
        ),
        Some(_) => Err(format!("{at}: `type` is neither a string nor a list")),
    }
}

/// The type of a schema whose `type` is `ty`.
fn type_named(ty: &str, schema: &Value, names: &Names, at: &str) -> Result<String, String> {
    Ok(match ty {
        "string" => "string".to_owned(),
        "integer" | "number" => "number".to_owned(),
        "boolean" => "boolean".to_owned(),
        "null" => "null".to_owned(),
        "array" => match schema.get("items") {
            Some(items) if items.is_object() => {
                let item = type_of(items, names, &format!("{at}/items"))?;
                if item.contains(' ') {
                    format!("({item})[]")
                } else {
                    format!("{item}[]")
                }
            }
            Some(_) => return Err(format!("{at}: `items` as a list has no TypeScript rule")),
            None => "unknown[]".to_owned(),
        },
        "object" => match schema.get("properties").and_then(Value::as_object) {
            Some(properties) => {
                let body = members(schema, properties, names, at, "")?;
                format!("{{ {} }}", body.lines().collect::<Vec<_>>().join(" "))
            }
            None => match schema.get("additionalProperties") {
                // A key may be absent: reading one gives `undefined` too. (And an array of
                // object literals with different keys, which TypeScript widens with
                // `key?: undefined`, is then a list of maps.)
                Some(values) if values.is_object() => format!(
                    "{{ [key: string]: {} | undefined }}",
                    type_of(values, names, &format!("{at}/additionalProperties"))?
                ),
                _ => "{ [key: string]: unknown }".to_owned(),
            },
        },
        other => return Err(format!("{at}: unknown `type` {other}")),
    })
}

/// The union of `types`, each once, in order; a list that is empty is an error (it would be
/// `never`).
fn union(types: impl Iterator<Item = Result<String, String>>, at: &str) -> Result<String, String> {
    let mut seen = Vec::new();
    for ty in types {
        let ty = ty?;
        if !seen.contains(&ty) {
            seen.push(ty);
        }
    }
    if seen.is_empty() {
        return Err(format!("{at}: an empty list of values or branches"));
    }
    Ok(seen.join(" | "))
}

/// A JSON scalar as a TypeScript literal type.
fn literal(value: &Value, at: &str) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(quote(s)),
        Value::Number(_) | Value::Bool(_) | Value::Null => Ok(value.to_string()),
        _ => Err(format!(
            "{at}: a constant array or object has no literal type"
        )),
    }
}

/// A string literal (JSON's escapes are TypeScript's).
pub(super) fn quote(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// A member name: bare when it is an identifier, else quoted.
pub(super) fn member(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        quote(name)
    }
}

/// Whether `name` is an ASCII identifier.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// `snake_case` to `PascalCase`.
fn pascal(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A doc comment of `title` (when it says more than nothing) and `description`, or nothing.
fn doc(indent: &str, title: Option<&str>, description: Option<&str>) -> String {
    let paragraphs: Vec<&str> = [title, description].into_iter().flatten().collect();
    match paragraphs[..] {
        [] => return String::new(),
        [line] if !line.contains('\n') && indent.len() + line.len() <= 92 => {
            return format!("{indent}/** {} */\n", line.replace("*/", "*\\/"));
        }
        _ => {}
    }
    let mut out = format!("{indent}/**\n");
    for (i, paragraph) in paragraphs.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out, "{indent} *");
        }
        for line in paragraph.replace("*/", "*\\/").lines() {
            match line.trim_end() {
                "" => out.push_str(&format!("{indent} *\n")),
                line => out.push_str(&format!("{indent} * {line}\n")),
            }
        }
    }
    let _ = writeln!(out, "{indent} */");
    out
}
