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

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::codegen::Files;
use crate::layout::{self, Version};
use crate::schema::SchemaSet;

/// The generated sources of both packages, in memory, from the schema set of each version
/// that has schemas of its own (as `cargo xtask codegen` loaded them).
pub fn generate_all(sets: &[(Version, SchemaSet)]) -> Result<Files, String> {
    let mut files = typescript::generate_all(sets)?;
    files.extend(python::generate_all(sets)?);
    Ok(files)
}

/// The schema set of `version`'s own schemas among `sets`.
fn set_of(sets: &[(Version, SchemaSet)], version: Version) -> Result<&SchemaSet, String> {
    let own = version.schemas_of();
    sets.iter()
        .find(|(v, _)| *v == own)
        .map(|(_, set)| set)
        .ok_or_else(|| format!("{}: the schemas were not loaded", own.schemas()))
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

impl Context {
    /// A folder of tools kept between runs: `<target>/packages-cache/<name>`.
    pub fn cache(&self, name: &str) -> PathBuf {
        let target = self.out.parent().unwrap_or(&self.work);
        target.join(layout::PACKAGES_CACHE).join(name)
    }
}

/// Fills `dir` with `install` unless it already holds what `stamp` describes (the stamp is
/// kept in `dir/.installed` once `install` succeeded) and `present` exists; otherwise `dir` is
/// emptied first. The tools are then installed again only when their pins or the
/// interpreter change.
pub fn install_once(
    dir: &Path,
    stamp: &str,
    present: &Path,
    install: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let stamp_file = dir.join(".installed");
    if std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp) && present.exists() {
        return Ok(());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    install()?;
    write(&stamp_file, stamp)
}

/// Runs one step of a package's build in `dir`: its standard output, or an error naming the
/// package, the step and its output.
pub fn run_step(
    package: &str,
    step: &str,
    command: &mut Command,
    dir: &Path,
) -> Result<String, String> {
    let output = command
        .current_dir(dir)
        .output()
        .map_err(|e| format!("{package}: cannot run `{step}`: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "{package}: `{step}` failed ({}) in {}:\n{stdout}{}",
            output.status,
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(stdout)
}

/// Writes `text` to `path`, making its folder.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Copies a file, making the folder of the copy.
pub fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))
}

/// Copies what is below `from` to `to`: each file and folder that `keep` accepts, given its
/// path relative to `from` and whether it is a folder (a folder refused is not entered).
pub fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path, bool) -> bool) -> Result<(), String> {
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let dir = from.join(&rel);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let sub = rel.join(entry.file_name());
            let path = entry.path();
            let is_dir = path.is_dir();
            if !keep(&sub, is_dir) {
                continue;
            }
            if is_dir {
                pending.push(sub);
            } else {
                copy_file(&path, &to.join(&sub))?;
            }
        }
    }
    Ok(())
}
