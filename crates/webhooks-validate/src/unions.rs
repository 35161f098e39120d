//! Tagged unions checked by dispatch on their tag.
//!
//! A `oneOf` whose alternatives are object definitions that each require one property (the
//! tag, e.g. `type`) with a different constant value accepts exactly what "the alternative the
//! tag names accepts" does. The schema engine, though, checks a failing `oneOf` against every
//! alternative and keeps a copy of the value and of every error for each: a thread of 20,000
//! faulty events costs hundreds of megabytes and errors nobody reads. Rewritten as a chain of
//! `if` (the tag has this value) / `then` (that alternative) / `else` (the next one), ending in
//! one check that the tag is present and one of the known values, the schema gives the same
//! verdicts and reports only the errors of the alternative the tag names.

use serde_json::{json, Map, Value};

/// Rewrites every tagged `oneOf` of `doc` whose alternatives are `#/definitions/...` of the same
/// document, as [described](self). Other `oneOf`s are left alone.
pub(crate) fn dispatch(doc: &Value) -> Value {
    rewrite(doc, doc)
}

fn rewrite(node: &Value, doc: &Value) -> Value {
    match node {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .map(|(key, value)| match key.as_str() {
                    // Values, not schemas.
                    "const" | "enum" | "examples" | "default" => (key.clone(), value.clone()),
                    _ => (key.clone(), rewrite(value, doc)),
                })
                .collect();
            if let Some(chain) = map.get("oneOf").and_then(|alts| chain(alts, doc)) {
                out.remove("oneOf");
                out.extend(chain);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| rewrite(v, doc)).collect()),
        other => other.clone(),
    }
}

/// The `if`/`then`/`else` members replacing the tagged `oneOf` `alternatives`, or `None` when
/// the alternatives are not a tagged union of local definitions.
fn chain(alternatives: &Value, doc: &Value) -> Option<Map<String, Value>> {
    let alternatives = alternatives.as_array()?;
    let mut tag: Option<&str> = None;
    let mut arms = Vec::with_capacity(alternatives.len());
    for alternative in alternatives {
        let reference = alternative.as_object()?.get("$ref")?.as_str()?;
        if alternative.as_object()?.len() != 1 {
            return None;
        }
        let target = doc.pointer(reference.strip_prefix('#')?)?;
        let (name, value) = tag_of(target, tag)?;
        tag = Some(name);
        arms.push((value, reference));
    }
    let tag = tag?;
    let values: Vec<&Value> = arms.iter().map(|(value, _)| *value).collect();
    for (i, value) in values.iter().enumerate() {
        if values[..i].contains(value) {
            return None;
        }
    }
    // The last `else`: the tag is missing or has no known value.
    let mut rest = json!({
        "type": "object",
        "required": [tag],
        "properties": { tag: { "enum": values } }
    });
    for (value, reference) in arms.into_iter().rev() {
        rest = json!({
            "if": {
                "type": "object",
                "required": [tag],
                "properties": { tag: { "const": value } }
            },
            "then": { "$ref": reference },
            "else": rest
        });
    }
    match rest {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The tag of an alternative: a property it requires with a `const` value; `expected` names
/// the tag of the alternatives before it.
fn tag_of<'d>(schema: &'d Value, expected: Option<&str>) -> Option<(&'d str, &'d Value)> {
    let schema = schema.as_object()?;
    let required = schema.get("required")?.as_array()?;
    let properties = schema.get("properties")?.as_object()?;
    required.iter().filter_map(Value::as_str).find_map(|name| {
        if expected.is_some_and(|e| e != name) {
            return None;
        }
        let (key, property) = properties.get_key_value(name)?;
        Some((key.as_str(), property.as_object()?.get("const")?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validator(schema: &Value) -> jsonschema::Validator {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(schema)
            .expect("compiles")
    }

    #[test]
    fn a_tagged_union_gives_the_same_verdicts_and_only_the_named_alternative_errors() {
        let schema = json!({
            "definitions": {
                "A": {"type": "object", "required": ["kind", "a"],
                      "properties": {"kind": {"const": "a"}, "a": {"type": "string"}}},
                "B": {"type": "object", "required": ["kind"],
                      "properties": {"kind": {"const": "b"}, "b": {"type": "integer"}}},
                "Scalar": {"oneOf": [{"type": "integer"}, {"type": "string"}]}
            },
            "type": "array",
            "items": {"oneOf": [{"$ref": "#/definitions/A"}, {"$ref": "#/definitions/B"}]}
        });
        let rewritten = dispatch(&schema);
        assert!(rewritten["items"].get("oneOf").is_none());
        assert!(rewritten["definitions"]["Scalar"].get("oneOf").is_some());
        let (before, after) = (validator(&schema), validator(&rewritten));
        for (instance, valid) in [
            (json!([{"kind": "a", "a": "x"}, {"kind": "b"}]), true),
            (json!([{"kind": "a"}]), false),
            (json!([{"kind": "b", "b": "no"}]), false),
            (json!([{"kind": "c"}]), false),
            (json!([{"a": "x"}]), false),
            (json!([7]), false),
        ] {
            assert_eq!(before.is_valid(&instance), valid, "{instance}");
            assert_eq!(after.is_valid(&instance), valid, "{instance}");
        }
        let errors = |instance: Value| -> Vec<(String, String)> {
            after
                .iter_errors(&instance)
                .map(|e| (e.instance_path().to_string(), e.kind().keyword().to_owned()))
                .collect()
        };
        assert_eq!(
            errors(json!([{"kind": "b", "b": "no"}])),
            [("/0/b".to_owned(), "type".to_owned())]
        );
        assert_eq!(
            errors(json!([{"kind": "c"}])),
            [("/0/kind".to_owned(), "enum".to_owned())]
        );
        assert_eq!(
            errors(json!([{}])),
            [("/0".to_owned(), "required".to_owned())]
        );
        assert_eq!(errors(json!([7])), [("/0".to_owned(), "type".to_owned())]);
    }

    #[test]
    fn unions_without_one_tag_are_left_alone() {
        for alternatives in [
            // No common tag.
            json!([{"$ref": "#/definitions/A"}, {"$ref": "#/definitions/C"}]),
            // Two alternatives with the same tag value.
            json!([{"$ref": "#/definitions/A"}, {"$ref": "#/definitions/A"}]),
            // Not a local reference.
            json!([{"$ref": "#/definitions/A"}, {"$ref": "other.json#/definitions/B"}]),
            // More than a reference.
            json!([{"$ref": "#/definitions/A", "title": "A"}]),
        ] {
            let schema = json!({
                "definitions": {
                    "A": {"required": ["kind"], "properties": {"kind": {"const": "a"}}},
                    "C": {"required": ["sort"], "properties": {"sort": {"const": "c"}}}
                },
                "oneOf": alternatives
            });
            assert_eq!(dispatch(&schema), schema);
        }
    }
}
