//! Loading and checking schema sets, on small sets made in memory and on the real folders.

use super::*;
use serde_json::json;

fn file(rel: &str, doc: Value) -> SchemaFile {
    SchemaFile::from_doc(rel, doc)
}

fn header(extra: Value) -> Value {
    let mut doc = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://example.test/x.json",
        "title": "x",
        "description": "x"
    });
    if let (Some(doc), Some(extra)) = (doc.as_object_mut(), extra.as_object()) {
        doc.extend(extra.clone());
    }
    doc
}

/// `definitions/a.json` with one definition `A` (titled and described) holding `members`.
fn definition_a(members: Value) -> SchemaFile {
    let mut a = json!({"title": "A", "description": "a"});
    if let (Some(a), Some(members)) = (a.as_object_mut(), members.as_object()) {
        a.extend(members.clone());
    }
    file(
        "definitions/a.json",
        header(json!({"definitions": {"A": a}})),
    )
}

fn error_of(files: Vec<SchemaFile>) -> SchemaError {
    SchemaSet::from_files(files).expect_err("the set is invalid")
}

#[test]
fn invalid_json_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("xtask-schema-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("definitions")).expect("temp dir");
    std::fs::write(
        dir.join("definitions/bad.json"),
        "{\n  \"title\": \"x\",\n}\n",
    )
    .expect("write");
    let e = SchemaSet::load(&dir).expect_err("bad JSON");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(e.file, "definitions/bad.json");
    assert!(e.message.contains("line 3, column 1"), "{e}");
}

/// Invalid sets: each is reported with the file, the JSON pointer and a part of the message.
#[test]
fn invalid_sets_name_file_pointer_and_reason() {
    let a_def = json!({"definitions": {"A": {"title": "A", "description": "a", "type": "string"}}});
    let cases = [
        (
            vec![definition_a(
                json!({"type": "object", "properties": {"b": {"$ref": "b.json#/definitions/B"}}}),
            )],
            ("definitions/a.json", "/definitions/A/properties/b/$ref"),
            "dangling",
        ),
        (
            vec![
                definition_a(json!({"$ref": "b.json#/definitions/Missing"})),
                file("definitions/b.json", header(json!({"definitions": {}}))),
            ],
            ("definitions/a.json", "/definitions/A/$ref"),
            "has no /definitions/Missing",
        ),
        (
            vec![definition_a(
                json!({"type": "object", "patternProperties": {"^x": {"type": "string"}}}),
            )],
            ("definitions/a.json", "/definitions/A"),
            "unsupported keyword `patternProperties`",
        ),
        (
            vec![
                file("definitions/a.json", header(a_def.clone())),
                file("definitions/b.json", header(a_def)),
            ],
            ("definitions/b.json", "/definitions/A"),
            "also defined in definitions/a.json",
        ),
        (
            vec![definition_a(
                json!({"type": "object", "properties": {"b": {"type": "string"}}}),
            )],
            ("definitions/a.json", "/definitions/A/properties/b"),
            "has no description",
        ),
    ];
    for (files, (file, pointer), reason) in cases {
        let e = error_of(files);
        assert_eq!(
            (e.file.as_str(), e.pointer.as_str()),
            (file, pointer),
            "{e}"
        );
        assert!(e.message.contains(reason), "{e}");
    }
}

#[test]
fn the_real_schemas_load() {
    for version in crate::layout::VERSIONS {
        let dir = crate::layout::path(&version.schemas());
        let set = SchemaSet::load(&dir).expect("schemas load");
        assert!(set.actions().expect("actions").len() > 30, "{version:?}");
    }
}
