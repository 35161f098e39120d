//! Strict mode: the schemas with every documented object closed.

use serde_json::{Map, Value};

/// Returns `schema` with `additionalProperties: false` on every object schema that lists its
/// `properties` and says nothing of others. Maps (`additionalProperties` given) and open
/// objects (no `properties`) stay open, as the API leaves them. Conditions (`if`, `not`,
/// `dependencies`) are left alone: closing them would change what they test.
pub(crate) fn close(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len() + 1);
            for (key, value) in map {
                let value = match key.as_str() {
                    "if" | "not" | "dependencies" | "const" | "enum" | "examples" => value.clone(),
                    "properties" | "definitions" | "$defs" | "patternProperties" => Value::Object(
                        value
                            .as_object()
                            .map(|m| m.iter().map(|(k, v)| (k.clone(), close(v))).collect())
                            .unwrap_or_default(),
                    ),
                    _ => close(value),
                };
                out.insert(key.clone(), value);
            }
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                out.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(close).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn closes_documented_objects_and_nothing_else() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": {"type": "object", "properties": {"b": {"type": "string"}}},
                "m": {"type": "object", "additionalProperties": {"type": "integer"}},
                "open": {"type": "object"}
            },
            "if": {"properties": {"a": {"const": 1}}},
            "not": {"properties": {"x": {}}, "required": ["x"]},
            "definitions": {"D": {"properties": {"properties": {"type": "string"}}}}
        });
        let closed = close(&schema);
        assert_eq!(closed["additionalProperties"], false);
        assert_eq!(closed["properties"]["a"]["additionalProperties"], false);
        assert_eq!(
            closed["properties"]["m"]["additionalProperties"]["type"],
            "integer"
        );
        assert!(closed["properties"]["open"]
            .get("additionalProperties")
            .is_none());
        assert!(closed["if"].get("additionalProperties").is_none());
        assert!(closed["not"].get("additionalProperties").is_none());
        assert_eq!(closed["definitions"]["D"]["additionalProperties"], false);
        // A property named `properties` is a property, not a keyword.
        assert!(closed["definitions"]["D"]["properties"]["properties"]
            .get("additionalProperties")
            .is_none());
    }
}
