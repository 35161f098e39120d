//! Maintenance tasks of the workspace, run as `cargo xtask <task>`.
//!
//! - `codegen [--check]`: generates the modules of `webhooks-types` from `schemas/`.

mod codegen;
mod files;
mod schema;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  codegen [--check]   generate crates/webhooks-types/src/generated/ (and the schema
                      list of webhooks-validate) from schemas/;
                      with --check, write nothing and fail when a file is stale";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => match &args[1..] {
            [] => codegen(false),
            [flag] if flag == "--check" => codegen(true),
            _ => Err(usage()),
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    USAGE.to_owned()
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Schema root of the API version the crate is generated from.
pub fn schema_root() -> PathBuf {
    workspace_root().join("schemas").join("v3.5")
}

fn codegen(check: bool) -> Result<(), String> {
    let start = std::time::Instant::now();
    let set = schema::SchemaSet::load(&schema_root()).map_err(|e| format!("schemas/v3.5/{e}"))?;
    let generated = codegen::generate(&set).map_err(|e| format!("schemas/v3.5/{e}"))?;
    let dir = workspace_root();
    let outcome = files::sync(&dir, &generated, check).map_err(|e| e.to_string())?;
    if check {
        if !outcome.stale.is_empty() {
            let names: Vec<String> = outcome.stale.iter().map(|f| format!("  {f}")).collect();
            return Err(format!(
                "generated code is stale; run `cargo xtask codegen`:\n{}",
                names.join("\n")
            ));
        }
        eprintln!(
            "codegen: {} files up to date ({} ms)",
            generated.len(),
            start.elapsed().as_millis()
        );
    } else {
        eprintln!(
            "codegen: {} files, {} written ({} ms)",
            generated.len(),
            outcome.stale.len(),
            start.elapsed().as_millis()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in generated code is what the schemas produce.
    #[test]
    fn generated_code_is_fresh() {
        let set = schema::SchemaSet::load(&schema_root()).expect("schemas load");
        let generated = codegen::generate(&set).expect("codegen succeeds");
        let outcome = files::sync(&workspace_root(), &generated, true).expect("read generated");
        assert!(
            outcome.stale.is_empty(),
            "stale generated files (run `cargo xtask codegen`): {:?}",
            outcome.stale
        );
    }

    /// Two runs give identical bytes.
    #[test]
    fn codegen_is_deterministic() {
        let set = schema::SchemaSet::load(&schema_root()).expect("schemas load");
        let a = codegen::generate(&set).expect("codegen succeeds");
        let b = codegen::generate(&schema::SchemaSet::load(&schema_root()).expect("load"))
            .expect("codegen succeeds");
        assert_eq!(a, b);
    }
}
