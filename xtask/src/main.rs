//! Maintenance tasks of the workspace, run as `cargo xtask <task>`.
//!
//! - `codegen [--check]`: generates the modules of `webhooks-types` from `schemas/`.
//! - `samples --from PAGE [--check]`: extracts the documented samples into `samples/v3.5/`.
//! - `bundle [--check]`: writes the self-contained schemas of `dist/v3.5/`.

mod bundle;
mod codegen;
mod files;
mod jsonc;
mod samples;
mod schema;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  codegen [--check]   generate crates/webhooks-types/src/generated/, and the copy of
                      the schemas that webhooks-validate embeds, from schemas/;
                      with --check, write nothing and fail when a file is stale
  samples --from PAGE [--check]
                      read the docs page PAGE (text form), apply samples/v3.5/errata.json
                      and write samples/v3.5/<action>.json; with --check, write nothing
                      and fail, naming the action, when a sample differs from the page
  bundle [--check]    write the self-contained schemas dist/v3.5/webhook.json and
                      dist/v3.5/actions/<action>.json from schemas/ (version: the top
                      entry of schemas/CHANGELOG.md); with --check, write nothing and
                      fail, naming each stale file";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => match &args[1..] {
            [] => codegen(false),
            [flag] if flag == "--check" => codegen(true),
            _ => Err(usage()),
        },
        Some("samples") => samples_task(&args[1..]),
        Some("bundle") => match &args[1..] {
            [] => bundle_task(false),
            [flag] if flag == "--check" => bundle_task(true),
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
    let outcome =
        files::sync(&dir, &generated, codegen::OWNED, check).map_err(|e| e.to_string())?;
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

/// Generates the bundles in memory: `(path relative to the workspace root, text)`.
pub fn generate_bundles() -> Result<Vec<(String, String)>, String> {
    let set = schema::SchemaSet::load(&schema_root()).map_err(|e| format!("schemas/v3.5/{e}"))?;
    let changelog_path = workspace_root().join("schemas/CHANGELOG.md");
    let changelog = std::fs::read_to_string(&changelog_path)
        .map_err(|e| format!("cannot read {}: {e}", changelog_path.display()))?;
    let version = bundle::version_from_changelog(&changelog)?;
    bundle::generate(&set, &version).map_err(|e| format!("schemas/v3.5/{e}"))
}

/// Brings `dist/v3.5/` in line with `bundles`: stale files (and files of `dist/v3.5/` that are
/// not generated) are listed; unless checking they are rewritten (or removed).
pub fn sync_bundles(bundles: &[(String, String)], check: bool) -> Result<Vec<String>, String> {
    files::sync(&workspace_root(), bundles, &[bundle::DIST_DIR], check)
        .map(|outcome| outcome.stale)
        .map_err(|e| format!("{}: {e}", bundle::DIST_DIR))
}

fn bundle_task(check: bool) -> Result<(), String> {
    let start = std::time::Instant::now();
    let bundles = generate_bundles()?;
    let stale = sync_bundles(&bundles, check)?;
    if check {
        if !stale.is_empty() {
            return Err(format!(
                "the bundles are stale; run `cargo xtask bundle`:\n  {}",
                stale.join("\n  ")
            ));
        }
        eprintln!(
            "bundle: {} files up to date ({} ms)",
            bundles.len(),
            start.elapsed().as_millis()
        );
    } else {
        eprintln!(
            "bundle: {} files, {} written ({} ms)",
            bundles.len(),
            stale.len(),
            start.elapsed().as_millis()
        );
    }
    Ok(())
}

/// Where the documented samples go.
pub fn samples_dir() -> PathBuf {
    workspace_root().join("samples").join("v3.5")
}

fn samples_task(args: &[String]) -> Result<(), String> {
    let mut page = None;
    let mut check = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--from" => page = rest.next().cloned(),
            _ => return Err(usage()),
        }
    }
    let page = page.ok_or_else(usage)?;
    let text = std::fs::read_to_string(&page).map_err(|e| format!("cannot read {page}: {e}"))?;
    let stale = run_samples(&text, check).map_err(|e| format!("samples: {e}"))?;
    if check && !stale.is_empty() {
        return Err(format!(
            "samples differ from the page; run `cargo xtask samples --from {page}`:\n  {}",
            stale.join("\n  ")
        ));
    }
    eprintln!(
        "samples: {} {}",
        stale.len(),
        if check { "stale" } else { "written" }
    );
    Ok(())
}

/// Extracts the samples of `page` and syncs `samples/v3.5/`; returns the stale stems.
pub fn run_samples(page: &str, check: bool) -> Result<Vec<String>, samples::SampleError> {
    let set = schema::SchemaSet::load(&schema_root()).map_err(|e| samples::SampleError {
        action: None,
        line: None,
        message: format!("schemas/v3.5/{e}"),
    })?;
    let actions = set
        .actions()
        .map_err(|e| samples::SampleError {
            action: None,
            line: None,
            message: format!("schemas/v3.5/{e}"),
        })?
        .into_iter()
        .map(|a| a.name)
        .collect();
    samples::run(page, &actions, &samples_dir(), check)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in generated code is what the schemas produce.
    #[test]
    fn generated_code_is_fresh() {
        let set = schema::SchemaSet::load(&schema_root()).expect("schemas load");
        let generated = codegen::generate(&set).expect("codegen succeeds");
        let outcome = files::sync(&workspace_root(), &generated, codegen::OWNED, true)
            .expect("read generated");
        assert!(
            outcome.stale.is_empty(),
            "stale generated files (run `cargo xtask codegen`): {:?}",
            outcome.stale
        );
    }

    /// The checked-in bundles of `dist/v3.5/` are what the schemas and the changelog produce.
    #[test]
    fn bundles_are_fresh() {
        let bundles = generate_bundles().expect("bundles generate");
        assert_eq!(bundles.len(), 38, "webhook.json and one file per action");
        let stale = sync_bundles(&bundles, true).expect("read dist/");
        assert!(
            stale.is_empty(),
            "stale bundle files (run `cargo xtask bundle`): {stale:?}"
        );
    }

    /// A bundle that differs from its generated text is named.
    #[test]
    fn a_stale_bundle_is_named() {
        let mut bundles = generate_bundles().expect("bundles generate");
        let (path, text) = bundles
            .iter_mut()
            .find(|(path, _)| path.ends_with("/incoming_chat.json"))
            .expect("incoming_chat is bundled");
        text.push(' ');
        let path = path.clone();
        let stale = sync_bundles(&bundles, true).expect("read dist/");
        assert_eq!(stale, [path]);
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
