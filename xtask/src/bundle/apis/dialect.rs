//! The bundle's `$defs` entries as `components/schemas` of an API document: every `$ref` to
//! `#/$defs/<Name>` becomes `#/components/schemas/<Name>`, and for OpenAPI 3.1, whose schemas
//! are JSON Schema 2020-12, the draft-07 forms that 2020-12 reads otherwise are rewritten:
//!
//! - `items` as a list (a tuple) becomes `prefixItems`, and `additionalItems` the `items` after
//!   it (without a tuple, draft-07 ignores `additionalItems`, and so it is left out);
//! - `dependencies` becomes `dependentRequired` (its lists of names) and `dependentSchemas` (its
//!   schemas);
//! - a `$ref` may have only annotations beside it (`title`, `description`, `$comment`): draft-07
//!   ignores its siblings and 2020-12 applies them, so any other is an error.
//!
//! AsyncAPI 3.0's default schema format is a superset of draft-07: there only the `$ref`s
//! change. A keyword this module does not know is an error rather than copied with a meaning
//! that may differ.

use serde_json::{Map, Value};

/// The JSON Schema dialect of the document the schemas go into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Draft-07, as the bundles (AsyncAPI 3.0's default schema format).
    Draft07,
    /// JSON Schema 2020-12 (OpenAPI 3.1's schemas).
    Draft2020,
}

/// Where the converted `$ref`s point.
pub const COMPONENTS: &str = "#/components/schemas/";

/// Where the bundles' `$ref`s point.
const DEFS: &str = "#/$defs/";

/// Keywords copied as they are: annotations and assertions that read the same in draft-07 and
/// in 2020-12, and whose values are not schemas.
const PLAIN: &[&str] = &[
    "title",
    "description",
    "$comment",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "type",
    "enum",
    "const",
    "format",
    "required",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

/// Keywords whose value is one schema.
const ONE: &[&str] = &[
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
];

/// Keywords whose value is a list of schemas.
const LIST: &[&str] = &["allOf", "anyOf", "oneOf"];

/// The annotations that may stand beside a `$ref`.
const BESIDE_REF: &[&str] = &["$ref", "title", "description", "$comment"];

/// Converts one schema of a bundle; `at` is its JSON pointer in the output, for errors.
pub fn convert(schema: &Value, dialect: Dialect, at: &str) -> Result<Value, String> {
    let obj = match schema {
        Value::Object(obj) => obj,
        Value::Bool(_) => return Ok(schema.clone()),
        other => {
            return Err(format!(
                "{at}: a schema is an object or a boolean, not {other}"
            ))
        }
    };
    if obj.contains_key("$ref") {
        if let Some(key) = obj.keys().find(|k| !BESIDE_REF.contains(&k.as_str())) {
            return Err(format!(
                "{at}/{key}: beside `$ref`, which draft-07 reads alone and 2020-12 does not"
            ));
        }
    }
    let mut out = Map::new();
    for (key, value) in obj {
        let here = format!("{at}/{}", crate::schema::escape(key));
        match key.as_str() {
            "$ref" => {
                let reference = value.as_str().unwrap_or_default();
                let name = reference
                    .strip_prefix(DEFS)
                    .filter(|name| !name.is_empty() && !name.contains('/'))
                    .ok_or_else(|| format!("{here}: `{reference}` is not a $defs entry"))?;
                out.insert(key.clone(), Value::String(format!("{COMPONENTS}{name}")));
            }
            "properties" => {
                out.insert(key.clone(), Value::Object(schemas(value, dialect, &here)?));
            }
            "dependencies" => dependencies(value, dialect, &here, &mut out)?,
            "items" => match (value, dialect) {
                (Value::Array(_), Dialect::Draft2020) => {
                    out.insert("prefixItems".into(), list(value, dialect, &here)?);
                    if let Some(rest) = obj.get("additionalItems") {
                        let at = format!("{at}/additionalItems");
                        out.insert("items".into(), convert(rest, dialect, &at)?);
                    }
                }
                (Value::Array(_), Dialect::Draft07) => {
                    out.insert(key.clone(), list(value, dialect, &here)?);
                }
                _ => {
                    out.insert(key.clone(), convert(value, dialect, &here)?);
                }
            },
            "additionalItems" => {
                let tuple = obj.get("items").is_some_and(Value::is_array);
                if tuple && dialect == Dialect::Draft07 {
                    out.insert(key.clone(), convert(value, dialect, &here)?);
                }
            }
            k if ONE.contains(&k) => {
                out.insert(key.clone(), convert(value, dialect, &here)?);
            }
            k if LIST.contains(&k) => {
                out.insert(key.clone(), list(value, dialect, &here)?);
            }
            k if PLAIN.contains(&k) => {
                out.insert(key.clone(), value.clone());
            }
            _ => return Err(format!("{here}: keyword `{key}` is not converted")),
        }
    }
    Ok(Value::Object(out))
}

/// A map of names to schemas (`properties`).
fn schemas(value: &Value, dialect: Dialect, at: &str) -> Result<Map<String, Value>, String> {
    let members = value
        .as_object()
        .ok_or_else(|| format!("{at}: expected an object of schemas"))?;
    members
        .iter()
        .map(|(name, sub)| {
            let here = format!("{at}/{}", crate::schema::escape(name));
            Ok((name.clone(), convert(sub, dialect, &here)?))
        })
        .collect()
}

/// A list of schemas.
fn list(value: &Value, dialect: Dialect, at: &str) -> Result<Value, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("{at}: expected a list of schemas"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, sub)| convert(sub, dialect, &format!("{at}/{i}")))
        .collect::<Result<_, _>>()
        .map(Value::Array)
}

/// `dependencies`: kept in draft-07; in 2020-12 its lists of names go to `dependentRequired`
/// and its schemas to `dependentSchemas`.
fn dependencies(
    value: &Value,
    dialect: Dialect,
    at: &str,
    out: &mut Map<String, Value>,
) -> Result<(), String> {
    let members = value
        .as_object()
        .ok_or_else(|| format!("{at}: expected an object"))?;
    let (mut names, mut schemas) = (Map::new(), Map::new());
    for (property, dependency) in members {
        let here = format!("{at}/{}", crate::schema::escape(property));
        if dependency.is_array() {
            names.insert(property.clone(), dependency.clone());
        } else {
            schemas.insert(property.clone(), convert(dependency, dialect, &here)?);
        }
    }
    if dialect == Dialect::Draft07 {
        names.extend(schemas);
        out.insert("dependencies".into(), Value::Object(names));
        return Ok(());
    }
    if !names.is_empty() {
        out.insert("dependentRequired".into(), Value::Object(names));
    }
    if !schemas.is_empty() {
        out.insert("dependentSchemas".into(), Value::Object(schemas));
    }
    Ok(())
}
