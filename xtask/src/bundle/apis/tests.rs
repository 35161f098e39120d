//! The API documents and the schema conversion on small inputs made in memory.

use serde_json::{json, Map, Value};

use super::dialect::{convert, Dialect};
use super::*;
use crate::json::Json;
use crate::layout::Version;

/// A version of the tests' own.
const API: Version = Version { major: 9, minor: 1 };

fn action(name: &str, group: &str) -> ActionSchema {
    ActionSchema {
        name: name.to_owned(),
        group: group.to_owned(),
        description: format!("{name} happened."),
        payload: "Payload".to_owned(),
        additional_data_required: false,
    }
}

fn definitions() -> Map<String, Value> {
    let envelope = |name: &str| {
        json!({
            "title": format!("{name} webhook"),
            "description": format!("{name} happened."),
            "type": "object",
            "required": ["action", "payload"],
            "properties": {
                "action": {"description": "a", "const": name},
                "payload": {"description": "p", "$ref": "#/$defs/Payload"}
            }
        })
    };
    let payload = json!({
        "title": "Payload",
        "description": "p",
        "type": "object",
        "properties": {"postback": {"type": "string"}, "value": {"type": "string"}},
        "dependencies": {"postback": ["value"]}
    });
    [
        ("a_done".to_owned(), envelope("a_done")),
        ("b_done".to_owned(), envelope("b_done")),
        ("Payload".to_owned(), payload),
    ]
    .into_iter()
    .collect()
}

fn sample(action: &str) -> Json {
    crate::json::parse(&format!(
        r#"{{"payload": {{"n": 1.50}}, "action": "{action}"}}"#
    ))
    .expect("JSON")
}

/// Both documents of the fixture, parsed: (openapi, asyncapi).
fn documents(examples: &[(String, Json)]) -> (Value, Value) {
    let actions = [action("a_done", "Things"), action("b_done", "")];
    let input = Input {
        api: API,
        package: "1.2.3",
        actions: &actions,
        definitions: &definitions(),
        examples,
    };
    let out = generate(&input).expect("documents");
    let paths: Vec<&str> = out.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["dist/v9.1/asyncapi.json", "dist/v9.1/openapi.json"]);
    let parse = |text: &str| serde_json::from_str::<Value>(text).expect("JSON");
    (parse(&out[1].1), parse(&out[0].1))
}

#[test]
fn draft_07_forms_become_2020_12_and_refs_point_into_components() {
    let schema = json!({
        "type": "object",
        "properties": {
            "pair": {"type": "array", "items": [{"type": "string"}, {"$ref": "#/$defs/N"}],
                     "additionalItems": false},
            "list": {"type": "array", "items": {"$ref": "#/$defs/N"}},
            "$ref": {"description": "a property named $ref", "type": "string"}
        },
        "dependencies": {"a": ["b"], "c": {"required": ["d"]}}
    });
    let converted = convert(&schema, Dialect::Draft2020, "").expect("converts");
    assert_eq!(
        converted["properties"]["pair"],
        json!({"type": "array", "prefixItems": [{"type": "string"},
              {"$ref": "#/components/schemas/N"}], "items": false})
    );
    assert_eq!(
        converted["properties"]["list"]["items"]["$ref"],
        "#/components/schemas/N"
    );
    assert_eq!(converted["properties"]["$ref"]["type"], "string");
    assert_eq!(converted["dependentRequired"], json!({"a": ["b"]}));
    assert_eq!(
        converted["dependentSchemas"],
        json!({"c": {"required": ["d"]}})
    );
    assert!(converted.get("dependencies").is_none());

    // AsyncAPI's schemas are draft-07: only the references change.
    let kept = convert(&schema, Dialect::Draft07, "").expect("converts");
    let expected = serde_json::to_string(&schema)
        .expect("JSON")
        .replace("#/$defs/", "#/components/schemas/");
    assert_eq!(
        kept,
        serde_json::from_str::<Value>(&expected).expect("JSON")
    );
}

#[test]
fn what_2020_12_would_read_otherwise_is_an_error_with_its_pointer() {
    let cases = [
        (
            json!({"properties": {"a": {"$ref": "#/$defs/N", "type": "string"}}}),
            "/properties/a/type",
            "beside `$ref`",
        ),
        (
            json!({"allOf": [{"$ref": "other.json#/definitions/N"}]}),
            "/allOf/0/$ref",
            "not a $defs entry",
        ),
        (
            json!({"items": {"x-group": "G"}}),
            "/items/x-group",
            "not converted",
        ),
        (
            json!({"not": {"definitions": {}}}),
            "/not/definitions",
            "not converted",
        ),
    ];
    for (schema, pointer, message) in cases {
        let e = convert(&schema, Dialect::Draft2020, "").expect_err("an error");
        assert!(
            e.starts_with(&format!("{pointer}:")) && e.contains(message),
            "{e}"
        );
    }
}

#[test]
fn openapi_has_one_webhook_per_action_with_its_body_examples_and_answers() {
    let examples = [
        ("a_done".to_owned(), sample("a_done")),
        ("a_done.other".to_owned(), sample("a_done")),
    ];
    let (doc, _) = documents(&examples);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], "1.2.3");
    let description = doc["info"]["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("Community-maintained, not LiveChat's"),
        "{description}"
    );
    let names: Vec<&String> = doc["webhooks"]
        .as_object()
        .expect("webhooks")
        .keys()
        .collect();
    assert_eq!(names, ["a_done", "b_done"]);
    let post = &doc["webhooks"]["a_done"]["post"];
    assert_eq!(post["operationId"], "a_done");
    assert_eq!(post["summary"], "a_done webhook");
    assert_eq!(post["tags"], json!(["Things"]));
    assert_eq!(doc["tags"][0]["name"], "Things");
    assert_eq!(doc["tags"].as_array().map(Vec::len), Some(1));
    assert_eq!(post["requestBody"]["required"], true);
    let media = &post["requestBody"]["content"]["application/json"];
    assert_eq!(media["schema"]["$ref"], "#/components/schemas/a_done");
    let example = &media["examples"]["a_done.other"];
    assert_eq!(
        example["summary"],
        "The sample of LiveChat's documentation (samples/v9.1/a_done.other.json)"
    );
    assert_eq!(example["value"]["payload"]["n"], json!(1.5));
    let responses = post["responses"].as_object().expect("responses");
    assert_eq!(responses.keys().collect::<Vec<_>>(), ["200", "default"]);
    assert_eq!(responses["200"]["description"], ACKNOWLEDGED);
    assert_eq!(responses["default"]["description"], RETRIED);
    assert_eq!(post["security"], json!([]));
    // b_done has no sample: no examples, no tag.
    let other = &doc["webhooks"]["b_done"]["post"];
    assert!(other["requestBody"]["content"]["application/json"]
        .get("examples")
        .is_none());
    assert!(other.get("tags").is_none());
    let payload = &doc["components"]["schemas"]["Payload"];
    assert_eq!(payload["dependentRequired"], json!({"postback": ["value"]}));
    assert_eq!(
        doc["components"]["schemas"]["a_done"]["properties"]["payload"]["$ref"],
        "#/components/schemas/Payload"
    );
}

#[test]
fn examples_keep_their_members_and_numbers_as_written() {
    let actions = [action("a_done", "Things"), action("b_done", "")];
    let examples = [("a_done".to_owned(), sample("a_done"))];
    let input = Input {
        api: API,
        package: "1.2.3",
        actions: &actions,
        definitions: &definitions(),
        examples: &examples,
    };
    let out = generate(&input).expect("documents");
    let openapi = &out[1].1;
    let at = openapi.find("\"value\": {").expect("the example");
    let value = &openapi[at..];
    let (payload, action) = (value.find("\"payload\""), value.find("\"action\""));
    assert!(payload < action, "members in written order");
    assert!(value.contains("\"n\": 1.50"), "numbers as written");
}

#[test]
fn asyncapi_receives_one_message_per_action_on_one_channel() {
    let (_, doc) = documents(&[("a_done".to_owned(), sample("a_done"))]);
    assert_eq!(doc["asyncapi"], "3.0.0");
    assert_eq!(doc["info"]["version"], "1.2.3");
    let channels = doc["channels"].as_object().expect("channels");
    assert_eq!(channels.len(), 1);
    assert_eq!(doc["channels"]["webhooks"]["address"], "/");
    let operation = &doc["operations"]["a_done"];
    assert_eq!(operation["action"], "receive");
    assert_eq!(operation["channel"]["$ref"], "#/channels/webhooks");
    assert_eq!(operation["bindings"]["http"]["method"], "POST");
    assert_eq!(
        operation["messages"],
        json!([{"$ref": "#/channels/webhooks/messages/a_done"}])
    );
    assert_eq!(
        doc["channels"]["webhooks"]["messages"]["b_done"]["$ref"],
        "#/components/messages/b_done"
    );
    let message = &doc["components"]["messages"]["a_done"];
    assert_eq!(message["payload"]["$ref"], "#/components/schemas/a_done");
    assert_eq!(message["examples"][0]["name"], "a_done");
    assert_eq!(message["examples"][0]["payload"]["action"], "a_done");
    assert!(doc["components"]["messages"]["b_done"]
        .get("examples")
        .is_none());
    // Draft-07 as the bundles: `dependencies` stays.
    assert_eq!(
        doc["components"]["schemas"]["Payload"]["dependencies"],
        json!({"postback": ["value"]})
    );
}

#[test]
fn a_sample_of_no_action_of_the_version_and_a_bad_component_name_are_errors() {
    let actions = [action("a_done", "Things")];
    let mut defs = definitions();
    defs.remove("b_done");
    let examples = [("c_done".to_owned(), sample("c_done"))];
    let input = Input {
        api: API,
        package: "1.0.0",
        actions: &actions,
        definitions: &defs,
        examples: &examples,
    };
    let e = generate(&input).expect_err("unknown action");
    assert!(
        e.starts_with("dist/v9.1/openapi.json: sample c_done") && e.contains("`c_done`"),
        "{e}"
    );

    let mut bad = defs.clone();
    bad.insert("Bad name".to_owned(), json!({"type": "string"}));
    let input = Input {
        examples: &[],
        definitions: &bad,
        ..input
    };
    let e = generate(&input).expect_err("bad name");
    assert!(e.contains("`Bad name` is no component name"), "{e}");
}
