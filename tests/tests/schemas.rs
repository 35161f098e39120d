//! The schema files of every version: valid against their draft, identified, one per action,
//! and covering the actions of the typed version.

use serde_json::Value;
use webhooks_tests::{json_files, versions};

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

#[test]
fn every_schema_is_valid_against_the_draft_07_meta_schema() {
    for version in versions() {
        let files = json_files(&version.schemas);
        let actions = version.actions().len();
        assert!(
            actions > 0,
            "v{}: webhook.json lists no action",
            version.name
        );
        assert!(
            files.len() > actions,
            "v{}: only {} schema files",
            version.name,
            files.len()
        );
        for (rel, schema) in &files {
            if let Err(e) = jsonschema::draft7::meta::validate(schema) {
                panic!(
                    "v{}: {rel} is not a valid draft-07 schema: {e} at {}",
                    version.name,
                    e.instance_path()
                );
            }
        }
    }
}

/// Each file's `$id` is the base of its schemas folder followed by its path, so that an `$id`
/// never changes while the file stays where it is.
#[test]
fn every_schema_states_its_draft_and_a_stable_id() {
    for version in versions() {
        let folder = version
            .schemas
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id_base = format!("https://schemas.livechat-webhooks.dev/{folder}/");
        for (rel, schema) in json_files(&version.schemas) {
            assert_eq!(schema["$schema"], DRAFT, "v{}: {rel}", version.name);
            assert_eq!(
                schema["$id"],
                Value::String(format!("{id_base}{rel}")),
                "v{}: {rel}",
                version.name
            );
        }
    }
}

#[test]
fn there_is_one_action_schema_per_action_and_no_other() {
    for version in versions() {
        let files: Vec<String> = json_files(&version.schemas.join("actions"))
            .into_iter()
            .map(|(rel, _)| rel.trim_end_matches(".json").to_owned())
            .collect();
        let mut actions = version.actions();
        actions.sort();
        assert_eq!(files, actions, "v{}", version.name);
        // The actions of the generated types are those of the schemas.
        let mut generated: Vec<String> = version
            .api()
            .action_names()
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        generated.sort();
        assert_eq!(generated, actions, "v{}", version.name);
    }
}

#[test]
fn every_definition_has_a_title_and_a_description() {
    for version in versions() {
        for (rel, schema) in json_files(&version.schemas) {
            if let Some(defs) = schema.get("definitions").and_then(Value::as_object) {
                for (name, def) in defs {
                    for key in ["title", "description"] {
                        assert!(
                            def.get(key).is_some_and(Value::is_string),
                            "v{}: {rel}: {name} has no {key}",
                            version.name
                        );
                    }
                }
            }
        }
    }
}
