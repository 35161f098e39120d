//! The comparison on small schema folders (`xtask/fixtures/diff/<case>/{old,new}/`), each case a
//! few kinds of change: the text and JSON outputs are reviewed snapshots (`snapshots/`). And
//! every version, and every fixture side, compared with itself reports nothing.

use std::path::{Path, PathBuf};

use super::report::ChangeKind;
use super::shape::related;
use super::{diff_dirs, render, Format, Options};
use crate::layout::{self, VERSIONS};

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
    assert_eq!(report.structures_added, ["User", "Visit"]);
    assert_eq!(report.structures_removed, ["Person"]);
}

#[test]
fn the_reverse_diff_swaps_additions_and_removals() {
    let dir = fixture("actions");
    let forward = diff_dirs(&dir.join("old"), &dir.join("new"), "old", "new");
    let back = diff_dirs(&dir.join("new"), &dir.join("old"), "new", "old");
    let (forward, back) = (forward.expect("forward"), back.expect("back"));
    assert_eq!(forward.actions_added, back.actions_removed);
    assert_eq!(forward.actions_removed, back.actions_added);
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
