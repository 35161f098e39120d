//! The generator on small schemas (`xtask/fixtures/codegen/<name>/`), one feature each: what each
//! becomes is a reviewed snapshot (`snapshots/`), and the `codegen-fixtures` crate compiles every
//! snapshot. A change to the generator shows up here first, small and readable.

use std::path::{Path, PathBuf};

use super::typify::generate_types;
use super::unions::find_unions;
use crate::schema::SchemaSet;

/// The fixture folders, by name.
fn fixtures() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/codegen");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a fixture folder").path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, path)
        })
        .collect();
    out.sort();
    out
}

/// The generated module of one fixture.
fn generate(dir: &Path) -> String {
    let set = SchemaSet::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let unions = find_unions(&set).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    generate_types(&set, &unions).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

#[test]
fn every_fixture_generates_its_snapshot() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 12, "{} fixtures", fixtures.len());
    for (name, dir) in fixtures {
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("xtask/fixtures/codegen/{name}"),
        }, {
            insta::assert_snapshot!(name.as_str(), generate(&dir));
        });
    }
}
