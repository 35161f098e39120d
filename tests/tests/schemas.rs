//! The schema files themselves: valid against their draft, identified, and covering the
//! actions of the typed version.

use serde_json::Value;
use webhooks_tests::{json_files, schema_dir, version_name};
use webhooks_types::Action;

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

#[test]
fn every_schema_is_valid_against_the_draft_07_meta_schema() {
    let files = json_files(&schema_dir());
    assert!(files.len() > 37, "only {} schema files", files.len());
    for (rel, schema) in &files {
        if let Err(e) = jsonschema::draft7::meta::validate(schema) {
            panic!(
                "{rel} is not a valid draft-07 schema: {e} at {}",
                e.instance_path()
            );
        }
    }
}

#[test]
fn every_schema_states_its_draft_and_a_stable_id() {
    let id_base = format!("https://schemas.livechat-webhooks.dev/v{}/", version_name());
    for (rel, schema) in json_files(&schema_dir()) {
        assert_eq!(schema["$schema"], DRAFT, "{rel}");
        assert_eq!(
            schema["$id"],
            Value::String(format!("{id_base}{rel}")),
            "{rel}"
        );
    }
}

#[test]
fn there_is_one_action_schema_per_action_and_no_other() {
    let actions: Vec<String> = json_files(&schema_dir().join("actions"))
        .into_iter()
        .map(|(rel, _)| rel.trim_end_matches(".json").to_owned())
        .collect();
    let mut expected: Vec<String> = Action::ALL.iter().map(|a| a.as_str().to_owned()).collect();
    expected.sort();
    assert_eq!(actions, expected);
    assert_eq!(actions.len(), 37);
}

#[test]
fn every_definition_has_a_title_and_a_description() {
    for (rel, schema) in json_files(&schema_dir()) {
        if let Some(defs) = schema.get("definitions").and_then(Value::as_object) {
            for (name, def) in defs {
                for key in ["title", "description"] {
                    assert!(
                        def.get(key).is_some_and(Value::is_string),
                        "{rel}: {name} has no {key}"
                    );
                }
            }
        }
    }
}
