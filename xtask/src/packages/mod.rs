//! The packages for other languages: npm (`livechat-webhooks`, TypeScript types and
//! precompiled validators) and PyPI (`livechat-webhooks`, pydantic models and validators).
//!
//! Their generated sources are part of `cargo xtask codegen` ([`generate_all`], checked with
//! `--check` like the Rust types): `typescript` writes `packages/npm/src/generated/`, `python`
//! writes `packages/python/src/livechat_webhooks/_generated/`. `cargo xtask package`
//! ([`run`]) builds the artifacts from them into `<cargo target dir>/packages/`: `npm` the
//! tarball, `wheel` the wheel and the sdist. Both carry the schema package's version (the top
//! heading of `schemas/CHANGELOG.md`).

pub mod npm;
pub mod python;
pub mod typescript;
pub mod wheel;

use std::path::PathBuf;

use crate::codegen::Files;
use crate::layout;

/// The generated sources of both packages, in memory.
pub fn generate_all() -> Result<Files, String> {
    let mut files = typescript::generate_all()?;
    files.extend(python::generate_all()?);
    Ok(files)
}

/// What building an artifact needs.
#[derive(Debug, Clone)]
pub struct Context {
    /// The workspace root.
    pub root: PathBuf,
    /// The version of both packages: the schema package's.
    pub version: String,
    /// Where the artifacts go: `<target>/packages/`.
    pub out: PathBuf,
    /// A folder to stage in: `<target>/packages-work/`, emptied by each run.
    pub work: PathBuf,
}

/// `cargo xtask package`: builds the npm tarball, the wheel and the sdist into
/// `<target>/packages/` and prints their paths.
pub fn run() -> Result<(), String> {
    let start = std::time::Instant::now();
    let changelog = std::fs::read_to_string(layout::path(layout::CHANGELOG))
        .map_err(|e| format!("cannot read {}: {e}", layout::CHANGELOG))?;
    let target = layout::target_dir();
    let context = Context {
        root: layout::root(),
        version: crate::bundle::version_from_changelog(&changelog)?,
        out: target.join(layout::PACKAGES_OUT),
        work: target.join(layout::PACKAGES_WORK),
    };
    for dir in [&context.out, &context.work] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut built = vec![npm::build(&context)?];
    built.extend(wheel::build(&context)?);
    for path in &built {
        println!("built {}", path.display());
    }
    println!(
        "package: {} artifacts of version {} in {:.1} s",
        built.len(),
        context.version,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
