//! The OpenAPI and AsyncAPI documents of `dist/` (written by `cargo xtask bundle`), for every
//! version of the manifest. Each webhook's requestBody schema, read as JSON Schema 2020-12 within
//! the OpenAPI document, gives every sample the verdict and the error locations of its action's
//! bundle (draft-07). The AsyncAPI document has one receive operation and one message per action,
//! and the bundle's definitions as its schemas.

use std::collections::BTreeSet;

use serde_json::Value;
use webhooks_tests::{compile, read_json, versions, ApiVersion};

/// The address the OpenAPI document is registered under, for `$ref`s into it.
const DOCUMENT: &str = "https://openapi.test/openapi.json";

/// Instance pointers of the errors of `validator` on `value`.
fn pointers(validator: &jsonschema::Validator, value: &Value) -> BTreeSet<String> {
    validator
        .iter_errors(value)
        .map(|e| e.instance_path().as_str().to_owned())
        .collect()
}

/// A 2020-12 validator, formats checked, for the requestBody schema of `action`'s webhook.
fn request_body(registry: &jsonschema::Registry<'_>, action: &str) -> jsonschema::Validator {
    let pointer = format!("/webhooks/{action}/post/requestBody/content/application~1json/schema");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_registry(registry)
        .build(&serde_json::json!({"$ref": format!("{DOCUMENT}#{pointer}")}))
        .unwrap_or_else(|e| panic!("{action}: the requestBody schema does not compile: {e}"))
}

#[test]
fn request_bodies_give_the_bundles_verdicts() {
    for version in versions() {
        request_bodies_give_the_bundles_verdicts_in(&version);
    }
}

fn request_bodies_give_the_bundles_verdicts_in(version: &ApiVersion) {
    let openapi = read_json(&version.dist.join("openapi.json"));
    assert_eq!(openapi["openapi"], "3.1.0");
    let registry = jsonschema::Registry::new()
        .draft(jsonschema::Draft::Draft202012)
        .add(
            DOCUMENT,
            jsonschema::Resource::from_contents(openapi.clone()),
        )
        .and_then(|b| b.prepare())
        .unwrap_or_else(|e| panic!("v{}: openapi.json does not resolve: {e}", version.name));
    let webhooks = openapi["webhooks"].as_object().cloned().unwrap_or_default();
    let names: Vec<&String> = webhooks.keys().collect();
    let mut actions = version.actions();
    actions.sort();
    assert_eq!(
        names,
        actions.iter().collect::<Vec<_>>(),
        "v{}",
        version.name
    );

    let mut values: Vec<(String, Value, bool)> = version
        .samples()
        .into_iter()
        .map(|s| (s.name, s.value, true))
        .collect();
    for negative in version.negatives() {
        if let Ok(value) = serde_json::from_slice(&negative.bytes) {
            values.push((format!("invalid/{}", negative.name), value, false));
        }
    }
    let mut failures = String::new();
    let (mut checked, mut rejected) = (0, 0);
    for action in webhooks.keys() {
        let body = request_body(&registry, action);
        let rel = format!("actions/{action}.json");
        let bundle = compile(&rel, &read_json(&version.dist.join(&rel)), None);
        for (name, value, valid) in values.iter().filter(|(_, v, _)| v["action"] == **action) {
            checked += 1;
            let (from_body, from_bundle) = (pointers(&body, value), pointers(&bundle, value));
            rejected += usize::from(!from_body.is_empty());
            if from_body != from_bundle || from_body.is_empty() != *valid {
                failures.push_str(&format!(
                    "v{} {name}: requestBody errors at {from_body:?}, bundle errors at {from_bundle:?}\n",
                    version.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
    let valid = values.iter().filter(|(_, _, valid)| *valid).count();
    assert!(
        checked - rejected == valid && rejected > 0,
        "v{}: {checked} samples checked, {rejected} rejected, {valid} valid",
        version.name
    );
}

#[test]
fn the_asyncapi_document_receives_every_action_with_the_bundles_schemas() {
    for version in versions() {
        let asyncapi = read_json(&version.dist.join("asyncapi.json"));
        let bundle = read_json(&version.dist.join("webhook.json"));
        assert_eq!(asyncapi["asyncapi"], "3.0.0");
        let actions = version.actions();
        let operations = asyncapi["operations"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(operations.len(), actions.len(), "v{}", version.name);
        for action in &actions {
            let operation = &operations[action];
            assert_eq!(operation["action"], "receive", "{action}");
            let channel = operation["channel"]["$ref"].as_str().unwrap_or_default();
            let message = operation["messages"][0]["$ref"]
                .as_str()
                .unwrap_or_default();
            assert_eq!(message, format!("{channel}/messages/{action}"), "{action}");
            let payload = &asyncapi["components"]["messages"][action]["payload"];
            assert_eq!(payload["$ref"], format!("#/components/schemas/{action}"));
        }
        // The schemas are the bundle's definitions, draft-07 as they are, with their `$ref`s
        // pointing into the document's components.
        let defs = serde_json::to_string(&bundle["$defs"])
            .expect("JSON")
            .replace("\"#/$defs/", "\"#/components/schemas/");
        let defs: Value = serde_json::from_str(&defs).expect("JSON");
        assert_eq!(asyncapi["components"]["schemas"], defs, "v{}", version.name);
    }
}
