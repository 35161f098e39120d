//! The generator on a small schema set (`xtask/fixtures/python/constructs/`) holding each
//! construct once, whose module is a reviewed snapshot (`snapshots/`); the text helpers; and
//! the public version modules, which live outside the generated folder.

use std::path::Path;

use super::{models, text};
use crate::layout::{self, Version};
use crate::schema::SchemaSet;

fn fixture(name: &str) -> SchemaSet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/python")
        .join(name);
    SchemaSet::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

#[test]
fn every_construct_gives_its_snapshot() {
    let set = fixture("constructs");
    let generated = models::generate(&set).expect("the fixture generates");
    // A version after every real one: the text does not move with `STABLE`.
    let version = Version { major: 9, minor: 9 };
    let module = super::own_module(version, &generated).expect("the module");
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => "xtask/fixtures/python/constructs",
    }, {
        insta::assert_snapshot!("python_constructs", module);
    });
}

#[test]
fn a_definition_named_like_an_import_is_an_error() {
    let files = fixture("constructs")
        .files
        .into_iter()
        .map(|file| {
            let text = file
                .text
                .replace("\"Count\"", "\"Field\"")
                .replace("#/definitions/Count", "#/definitions/Field");
            let doc = serde_json::from_str(&text).expect("still JSON");
            crate::schema::SchemaFile::from_doc(&file.rel, doc)
        })
        .collect();
    let set = SchemaSet::from_files(files).expect("still a schema set");
    let error = models::generate(&set).expect_err("`Field` is imported");
    assert_eq!(error.file, "definitions/common.json");
    assert_eq!(error.pointer, "/definitions/Field");
    assert!(
        error.message.contains("cannot name a Python type"),
        "{error}"
    );
}

#[test]
fn strings_escape_what_python_reads_otherwise() {
    assert_eq!(text::string("plain"), "\"plain\"");
    assert_eq!(text::string("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
    assert_eq!(text::string("l1\nl2\t\u{1}"), r#""l1\nl2\t\x01""#);
    assert_eq!(text::string("été \u{2028}"), "\"été \\u2028\"");
}

#[test]
fn docstrings_fit_or_wrap() {
    assert_eq!(text::docstring("Short.", 4, 40), "    \"\"\"Short.\"\"\"\n");
    assert_eq!(
        text::docstring("one two three four five six seven eight", 0, 20),
        "\"\"\"one two three\nfour five six seven\neight\n\"\"\"\n"
    );
    assert_eq!(
        text::docstring("First.\n\nSecond \"quoted\".", 0, 100),
        "\"\"\"First.\n\nSecond \\\"quoted\\\".\n\"\"\"\n"
    );
}

#[test]
fn members_that_are_not_attributes_get_an_alias() {
    assert_eq!(text::attribute("chat_id", &[]), ("chat_id".into(), None));
    assert_eq!(
        text::attribute("from", &[]),
        ("from_".into(), Some("from".into()))
    );
    assert_eq!(
        text::attribute("json", &[]),
        ("json_".into(), Some("json".into()))
    );
    assert_eq!(
        text::attribute("x-y", &[]),
        ("x_y".into(), Some("x-y".into()))
    );
    assert_eq!(
        text::attribute("2fa", &[]),
        ("n_2fa".into(), Some("2fa".into()))
    );
    assert_eq!(
        text::attribute("_id", &[]),
        ("field__id".into(), Some("_id".into()))
    );
    assert_eq!(
        text::attribute("Chat", &["Chat"]),
        ("Chat_".into(), Some("Chat".into()))
    );
}

/// The public module of each version is generated outside the owned folder, where a stale one
/// would not be removed: the package's `v*.py` files are exactly those of `VERSIONS`.
#[test]
fn the_public_version_modules_are_those_of_the_versions() {
    let dir = layout::path(&super::package_dir());
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with('v') && name.ends_with(".py"))
        .collect();
    found.sort();
    let mut wanted: Vec<String> = layout::VERSIONS
        .iter()
        .map(|v| format!("{}.py", v.module()))
        .collect();
    wanted.sort();
    assert_eq!(found, wanted, "in {}", dir.display());
}
