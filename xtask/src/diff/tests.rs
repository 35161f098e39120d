//! The comparison on small schema folders (`xtask/fixtures/diff/<case>/{old,new}/`), each case a
//! few kinds of change: the text and JSON outputs are reviewed snapshots (`snapshots/`). And
//! every version, and every fixture side, compared with itself reports nothing.

use std::path::{Path, PathBuf};

use super::report::ChangeKind;
use super::shape::related;
use super::{diff, diff_dirs, render, Format, Options};
use crate::layout::{self, VERSIONS};
use crate::schema::{SchemaFile, SchemaSet};

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/diff")
        .join(case)
}

const CASES: &[&str] = &["actions", "fields", "moved", "values"];

#[test]
fn every_case_has_its_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
        .collect();
    found.sort();
    assert_eq!(found, CASES, "a fixture case without a snapshot test");
    for case in CASES {
        let dir = fixture(case);
        let report = diff_dirs(&dir.join("old"), &dir.join("new"), "old", "new")
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("xtask/fixtures/diff/{case}"),
        }, {
            insta::assert_snapshot!(format!("{case}.txt"), render::text(&report));
            insta::assert_snapshot!(format!("{case}.json"), render::json(&report));
        });
    }
}

#[test]
fn a_version_against_itself_has_no_change() {
    for version in VERSIONS {
        let dir = layout::path(&version.schemas());
        let name = version.name();
        let report = diff_dirs(&dir, &dir, &name, &name).unwrap_or_else(|e| panic!("{e}"));
        assert!(report.is_empty(), "{name}: {report:?}");
        assert!(render::text(&report).contains("No webhook change"));
        assert!(render::json(&report).contains("\"webhook_change\": false"));
    }
    for case in CASES {
        for side in ["old", "new"] {
            let dir = fixture(case).join(side);
            let report = diff_dirs(&dir, &dir, side, side).unwrap_or_else(|e| panic!("{e}"));
            assert!(report.is_empty(), "{case}/{side}: {report:?}");
        }
    }
}

#[test]
fn a_moved_field_and_a_renamed_definition_are_no_change() {
    let dir = fixture("moved");
    let report = diff_dirs(&dir.join("old"), &dir.join("new"), "old", "new")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_empty(), "{report:?}");
    assert_eq!(report.structures.added, ["User", "Visit"]);
    assert_eq!(report.structures.removed, ["Person"]);
}

#[test]
fn the_reverse_diff_swaps_additions_and_removals() {
    let dir = fixture("actions");
    let forward = diff_dirs(&dir.join("old"), &dir.join("new"), "old", "new");
    let back = diff_dirs(&dir.join("new"), &dir.join("old"), "new", "old");
    let (forward, back) = (forward.expect("forward"), back.expect("back"));
    assert_eq!(forward.actions.added, back.actions.removed);
    assert_eq!(forward.actions.removed, back.actions.added);
    assert_eq!(forward.summary().breaking, 1);
    assert_eq!(back.summary().breaking, 1);
}

#[test]
fn only_an_optional_field_added_is_compatible() {
    assert!(!ChangeKind::FieldAdded { optional: true }.breaking());
    for kind in [
        ChangeKind::FieldAdded { optional: false },
        ChangeKind::FieldRemoved,
        ChangeKind::FieldRenamed,
        ChangeKind::Retyped,
        ChangeKind::MadeRequired,
        ChangeKind::MadeOptional,
        ChangeKind::ValueAdded,
        ChangeKind::ValueRemoved,
        ChangeKind::VariantAdded,
        ChangeKind::VariantRemoved,
        ChangeKind::ConstraintChanged,
    ] {
        assert!(kind.breaking(), "{}", kind.name());
    }
}

#[test]
fn renames_need_related_names() {
    assert!(related("queued_at_us", "queued_at"));
    assert!(related("visit", "last_visit"));
    assert!(!related("chat_id", "thread_id"));
    assert!(!related("email", "phone"));
    assert!(!related("visit", "visit"));
}

#[test]
fn the_command_line() {
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let parsed = Options::parse(&args(&["3.5", "3.6", "--format", "json"]));
    assert_eq!(
        parsed,
        Some(Options {
            from: "3.5".into(),
            to: "3.6".into(),
            format: Format::Json
        })
    );
    assert_eq!(
        Options::parse(&args(&["3.5", "3.6"])).map(|o| o.format),
        Some(Format::Text)
    );
    for bad in [
        &["3.5"][..],
        &["3.5", "3.6", "3.7"],
        &["3.5", "3.6", "--format"],
        &["3.5", "3.6", "--format", "xml"],
        &["3.5", "3.6", "--check"],
    ] {
        assert_eq!(Options::parse(&args(bad)), None, "{bad:?}");
    }
}

/// Every string member named `key` in `value`, rewritten by `f`.
fn rewrite(value: &mut serde_json::Value, key: &str, f: &dyn Fn(&str) -> String) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    serde_json::Value::String(s) if k == key => *s = f(s),
                    _ => rewrite(v, key, f),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, key, f)),
        _ => {}
    }
}

#[test]
fn new_ids_and_wording_are_no_webhook_change() {
    // A version derived from another (v3.7 from v3.6): other `$id`s and reworded descriptions.
    let version = VERSIONS[0];
    let old = SchemaSet::load(&layout::path(&version.schemas())).expect("schemas load");
    let files = old
        .files
        .iter()
        .map(|f| {
            let mut doc = f.doc.clone();
            rewrite(&mut doc, "$id", &|s| s.replace(&version.dir(), "v9.9"));
            rewrite(&mut doc, "description", &|s| format!("{s} Reworded."));
            rewrite(&mut doc, "title", &|s| s.to_uppercase());
            SchemaFile::from_doc(&f.rel, doc)
        })
        .collect();
    let new = SchemaSet::from_files(files).expect("rewritten schemas load");
    assert_ne!(old.files[0].doc, new.files[0].doc);
    let report = diff(&old, &new, &version.name(), "9.9");
    assert!(report.is_empty(), "{report:?}");
    assert!(render::text(&report).contains("No webhook change"));
}

#[test]
fn a_recursive_definition_is_compared_once() {
    let file = |item_type: &str| {
        let doc = serde_json::json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "https://example.test/actions/tree_set.json",
            "title": "tree_set webhook",
            "description": "A tree.",
            "type": "object",
            "required": ["webhook_id", "secret_key", "action", "organization_id", "payload"],
            "properties": {
                "webhook_id": {"description": "ID.", "type": "string"},
                "secret_key": {"description": "Secret.", "type": "string"},
                "action": {"description": "Action.", "const": "tree_set"},
                "organization_id": {"description": "Organization.", "type": "string"},
                "payload": {"description": "Data.", "$ref": "#/definitions/Tree"}
            },
            "definitions": {"Tree": {
                "title": "Tree",
                "description": "A node and its children.",
                "type": "object",
                "properties": {
                    "label": {"description": "Label.", "type": item_type},
                    "children": {
                        "description": "Children.",
                        "type": "array",
                        "items": {"$ref": "#/definitions/Tree"}
                    }
                }
            }}
        });
        let files = vec![SchemaFile::from_doc("actions/tree_set.json", doc)];
        SchemaSet::from_files(files).expect("the tree loads")
    };
    let report = diff(&file("string"), &file("integer"), "old", "new");
    let action = &report.actions.changed[0];
    let paths: Vec<&str> = action.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["payload.label"], "{:?}", action.changes);
    assert!(diff(&file("string"), &file("string"), "a", "a").is_empty());
}
