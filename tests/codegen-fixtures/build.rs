//! Turns each snapshot of `xtask/src/codegen/snapshots/` into a module of this crate: the
//! snapshot's header and the generated file's inner doc comments are dropped, the Rust kept.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../xtask/src/codegen/snapshots");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the snapshots folder") {
        let path = entry.expect("a snapshot").path();
        if path.extension().is_some_and(|e| e == "snap") {
            names.push(path);
        }
    }
    names.sort();
    let mut out = String::new();
    for path in names {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 name");
        let text = std::fs::read_to_string(&path).expect("a readable snapshot");
        // `---`, the metadata, `---`, then the snapshot.
        let body = text.splitn(3, "---\n").nth(2).expect("an insta snapshot");
        let code: Vec<&str> = body.lines().filter(|l| !l.starts_with("//!")).collect();
        writeln!(
            out,
            "/// The fixture `{name}`.\npub mod {name} {{\n{}\n}}",
            code.join("\n")
        )
        .expect("write to a string");
    }
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("fixtures.rs");
    std::fs::write(target, out).expect("write the fixtures module");
}
