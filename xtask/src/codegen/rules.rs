//! The rules of the schemas that a Rust type cannot say by its shape — array lengths, member
//! counts, members that exclude or need each other, members a condition requires, URIs — read
//! from each definition and checked by the generated types after they read a value, so that a
//! body the types accept is one the schemas accept. A keyword of that kind in a place the
//! generator does not know is an error, never a rule silently left to the schemas. The test
//! each rule becomes in the generated code is written by [`super::checks`].

use std::collections::BTreeMap;

use serde_json::Value;

use crate::schema::{SchemaError, SchemaSet};

/// One rule of a definition.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// The array (the definition itself, or its member) has `min..=max` items.
    Items {
        /// The member, or `None` for an array definition.
        member: Option<String>,
        /// `minItems`.
        min: Option<u64>,
        /// `maxItems`.
        max: Option<u64>,
    },
    /// At least this many members are present (`minProperties`).
    MinMembers(u64),
    /// Not all of these members are present together (`not: {required: [...]}`).
    NotAll(Vec<String>),
    /// A present member needs the others (`dependencies` in array form).
    Needs(String, Vec<String>),
    /// Unless `member` is present (and, with a `value`, equal to that boolean), the members are
    /// required (`if: {not: {required: [member], properties: {member: {const: value}}}}, then:
    /// {required: [...]}`, the `properties` optional).
    RequiredUnless {
        /// The member of the condition.
        member: String,
        /// Its value that lifts the requirement; `None`: its presence does.
        value: Option<bool>,
        /// What is required otherwise.
        required: Vec<String>,
    },
    /// The string member is a URI (`format: uri`).
    Uri(String),
}

/// Keywords that constrain a value beyond what its Rust type says.
const RESIDUAL: &[&str] = &[
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minLength",
    "not",
    "dependencies",
    "if",
    "then",
    "else",
    "uniqueItems",
    "multipleOf",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "patternProperties",
    "propertyNames",
    "contains",
    "anyOf",
    "allOf",
];

/// The rules of every definition of `set` that has some, by definition name.
pub fn collect(set: &SchemaSet) -> Result<BTreeMap<String, Vec<Rule>>, SchemaError> {
    let mut all = BTreeMap::new();
    for (name, def) in &set.definitions {
        let error = |pointer: &str, message: String| SchemaError {
            file: def.file.clone(),
            pointer: format!("/definitions/{name}{pointer}"),
            message,
        };
        let rules = of_definition(&def.schema).map_err(|(at, m)| error(&at, m))?;
        if !rules.is_empty() {
            all.insert(name.clone(), rules);
        }
    }
    Ok(all)
}

type Found = Result<Vec<Rule>, (String, String)>;

/// The rules of one definition: its own keywords and those of its members' schemas.
fn of_definition(schema: &Value) -> Found {
    let mut rules = Vec::new();
    let Some(map) = schema.as_object() else {
        return Ok(rules);
    };
    let (min, max) = (count_of(schema, "minItems"), count_of(schema, "maxItems"));
    if min.is_some() || max.is_some() {
        rules.push(Rule::Items {
            member: None,
            min,
            max,
        });
    }
    if let Some(n) = count_of(schema, "minProperties") {
        rules.push(Rule::MinMembers(n));
    }
    if let Some(not) = map.get("not") {
        match names(not.get("required")) {
            Some(members) if not.as_object().is_some_and(|n| n.len() == 1) => {
                rules.push(Rule::NotAll(members));
            }
            _ => return Err(("/not".into(), unsupported("not", not))),
        }
    }
    if let Some(deps) = map.get("dependencies").and_then(Value::as_object) {
        for (member, needs) in deps {
            let needs = names(Some(needs))
                .ok_or_else(|| ("/dependencies".into(), unsupported("dependencies", needs)))?;
            rules.push(Rule::Needs(member.clone(), needs));
        }
    }
    if let Some(condition) = map.get("if") {
        rules.push(required_unless(condition, map.get("then"))?);
    }
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        for (member, property) in properties {
            let (min, max) = (
                count_of(property, "minItems"),
                count_of(property, "maxItems"),
            );
            if min.is_some() || max.is_some() {
                rules.push(Rule::Items {
                    member: Some(member.clone()),
                    min,
                    max,
                });
            }
            if property.get("format").and_then(Value::as_str) == Some("uri") {
                rules.push(Rule::Uri(member.clone()));
            }
            let handled = ["minItems", "maxItems", "format"];
            let at = format!("/properties/{member}");
            no_residual(property, &at, &handled)?;
        }
    }
    let handled = [
        "minItems",
        "maxItems",
        "minProperties",
        "not",
        "dependencies",
        "if",
        "then",
        "properties",
    ];
    no_residual(schema, "", &handled)?;
    Ok(rules)
}

/// The `if`/`then` pattern the schemas use for members a condition requires.
fn required_unless(condition: &Value, then: Option<&Value>) -> Result<Rule, (String, String)> {
    let bad = || ("/if".to_owned(), unsupported("if", condition));
    let inner = condition.get("not").ok_or_else(bad)?;
    let member = names(inner.get("required"))
        .and_then(|m| (m.len() == 1).then(|| m[0].clone()))
        .ok_or_else(bad)?;
    let value = match inner.get("properties") {
        None => None,
        Some(properties) => Some(properties[&member]["const"].as_bool().ok_or_else(bad)?),
    };
    let required = then
        .filter(|t| t.as_object().is_some_and(|t| t.len() == 1))
        .and_then(|t| names(t.get("required")))
        .ok_or_else(|| {
            (
                "/then".to_owned(),
                unsupported("then", then.unwrap_or(&Value::Null)),
            )
        })?;
    Ok(Rule::RequiredUnless {
        member,
        value,
        required,
    })
}

/// Fails on a residual keyword anywhere in `schema` but the `handled` ones at its top (a
/// nested object or array schema has none, a `$ref` is another definition's business).
fn no_residual(schema: &Value, at: &str, handled: &[&str]) -> Result<(), (String, String)> {
    let Some(map) = schema.as_object() else {
        return Ok(());
    };
    for (key, value) in map {
        if RESIDUAL.contains(&key.as_str()) && !handled.contains(&key.as_str()) {
            return Err((format!("{at}/{key}"), unsupported(key, value)));
        }
        if key == "format" && !matches!(value.as_str(), Some("date-time" | "uri")) {
            return Err((format!("{at}/format"), unsupported(key, value)));
        }
        let nested: Vec<(String, &Value)> = match (key.as_str(), value) {
            ("properties", Value::Object(m)) if !handled.contains(&"properties") => m
                .iter()
                .map(|(k, v)| (format!("{at}/properties/{k}"), v))
                .collect(),
            ("items" | "additionalProperties", v) => vec![(format!("{at}/{key}"), v)],
            ("oneOf", Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{at}/oneOf/{i}"), v))
                .collect(),
            _ => Vec::new(),
        };
        for (inner_at, inner) in nested {
            no_residual(inner, &inner_at, &[])?;
        }
    }
    Ok(())
}

fn unsupported(keyword: &str, value: &Value) -> String {
    format!(
        "`{keyword}: {value}` here is a rule the generated types cannot check; teach \
         `xtask/src/codegen/rules.rs` to generate it, or the types would accept what the \
         schemas reject"
    )
}

fn count_of(schema: &Value, key: &str) -> Option<u64> {
    schema.get(key).and_then(Value::as_u64)
}

fn names(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}
