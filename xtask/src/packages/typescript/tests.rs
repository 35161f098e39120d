//! What a small bundle becomes: every construct the generator has a rule for, and the
//! constructs it refuses.

use serde_json::{json, Value};

use super::module;
use crate::layout::Version;

const VERSION: Version = Version { major: 9, minor: 1 };

/// A bundle with one action and a structure of each kind.
fn fixture() -> Value {
    json!({
        "description": "Any fixture webhook.",
        "properties": {"action": {"enum": ["thing_done"], "type": "string"}},
        "$defs": {
            "thing_done": {
                "title": "thing_done webhook",
                "description": "A thing was done.",
                "properties": {
                    "action": {"description": "Name of the action.", "const": "thing_done"},
                    "payload": {"$ref": "#/$defs/Thing"},
                    "extra": {"description": "Free-form JSON."},
                },
                "required": ["action", "payload"],
                "type": "object",
            },
            "Thing": {
                "title": "Thing",
                "description": "A thing; its comment may not end the doc comment: */ stays inside.",
                "properties": {
                    "id": {"description": "ID.", "type": "string", "format": "uri"},
                    "count": {"type": "integer", "minimum": 0},
                    "ratio": {"type": "number"},
                    "done": {"type": "boolean"},
                    "kind": {"$ref": "#/$defs/Kind"},
                    "parts": {"items": {"$ref": "#/$defs/Part"}, "type": "array"},
                    "labels": {"$ref": "#/$defs/Labels"},
                    "content": {"type": "object"},
                    "note": {"type": ["string", "null"]},
                    "seven": {"const": 7},
                    "any_list": {"type": "array"},
                    "x-odd name": {"type": "string"},
                },
                "required": ["id", "kind"],
                "if": {"properties": {"done": {"const": true}}},
                "then": {"required": ["count"]},
                "type": "object",
            },
            "Kind": {"description": "Kind of a thing.", "enum": ["big", "small"], "type": "string"},
            "Part": {"description": "A part, told apart by `type`.", "oneOf": [
                {"$ref": "#/$defs/WheelPart"}, {"$ref": "#/$defs/BoltPart"}
            ]},
            "WheelPart": {
                "properties": {"type": {"const": "wheel"}, "size": {"type": "number"}},
                "required": ["type"],
                "type": "object",
            },
            "BoltPart": {
                "properties": {"type": {"const": "bolt"}},
                "required": ["type"],
                "type": "object",
            },
            "Labels": {
                "title": "Labels",
                "additionalProperties": {"items": {"$ref": "#/$defs/Part"}, "type": "array"},
                "type": "object",
            },
            "Open": {
                "properties": {"known": {"type": "string"}},
                "additionalProperties": {"type": "string"},
                "type": "object",
            },
        },
    })
}

#[test]
fn each_construct() -> Result<(), String> {
    insta::assert_snapshot!(module(&fixture(), VERSION)?);
    Ok(())
}

/// The generator fails on what it has no rule for, naming the place.
#[test]
fn refusals() {
    let cases: [(&str, Value, &str); 4] = [
        (
            "/$defs/Kind",
            json!({"allOf": [{"type": "string"}]}),
            "allOf",
        ),
        ("/$defs/Kind", json!({"enum": []}), "empty list"),
        (
            "/$defs/Kind/$ref",
            json!("#/$defs/Missing"),
            "names no $defs entry",
        ),
        (
            "/$defs/Webhook",
            json!({"type": "string"}),
            "cannot name a TypeScript type",
        ),
    ];
    for (pointer, value, expected) in cases {
        let mut bundle = fixture();
        if pointer == "/$defs/Kind/$ref" {
            bundle["$defs"]["Kind"] = json!({"$ref": value});
        } else if let Some(slot) = bundle.pointer_mut(pointer) {
            *slot = value;
        } else {
            bundle["$defs"]["Webhook"] = value;
        }
        let error = module(&bundle, VERSION).expect_err(pointer);
        assert!(error.contains(expected), "{pointer}: {error}");
    }
}
