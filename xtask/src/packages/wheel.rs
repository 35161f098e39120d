//! Builds the Python wheel `livechat_webhooks-<version>-py3-none-any.whl` and the sdist
//! `livechat_webhooks-<version>.tar.gz`.
//!
//! In `<work>/python/`: a copy of `packages/python/` (`pyproject.toml`, `README.md`, `src/`,
//! whose `_generated/` and version modules `cargo xtask codegen` writes) with `_version.py`
//! written (the schema package's version) and the bundles of each version's `dist/vX.Y/`
//! (`webhook.json`, `actions/`) copied in as package data (`livechat_webhooks/schemas/vX.Y/`).
//! Then `python3 -m build --no-isolation` from a virtual environment under
//! `<target>/packages-cache/python/` that holds the pinned build tools
//! (`packages/python/build-requirements.txt`; installed again only when that file or the
//! interpreter changes) writes the sdist, and the wheel built from it, into `context.out`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::python::bundle_dir;
use super::{copy_file, copy_tree, write, Context};
use crate::layout::{self, VERSIONS};

/// The folder of [`super::Context::cache`] for the virtual environment with the build tools.
const CACHE: &str = "python";
/// The pinned build tools, in `packages/python/`.
const REQUIREMENTS: &str = "build-requirements.txt";
/// What of `packages/python/` goes into the build.
const STAGED: &[&str] = &["pyproject.toml", "README.md", "src"];
/// What of a version's `dist/` folder the package ships: the bundles (not the OpenAPI and
/// AsyncAPI documents beside them).
const BUNDLES: &[&str] = &["webhook.json", "actions"];

/// Builds the sdist and the wheel into `context.out`; returns their paths (wheel first).
pub fn build(context: &Context) -> Result<Vec<PathBuf>, String> {
    let source = context.root.join(layout::PYTHON_DIR);
    let stage = context.work.join("python");
    for entry in STAGED {
        copy(&source.join(entry), &stage.join(entry))?;
    }
    let package = stage.join("src").join(layout::PYTHON_IMPORT);
    write(
        &package.join("_version.py"),
        &format!(
            "# Written by `cargo xtask package`: the version of the schemas (schemas/CHANGELOG.md).\n\
             __version__ = \"{}\"\n",
            context.version
        ),
    )?;
    for &version in VERSIONS {
        for entry in BUNDLES {
            copy(
                &context.root.join(version.dist()).join(entry),
                &package.join(bundle_dir(version)).join(entry),
            )?;
        }
    }
    let python = environment(context, &source)?;
    run(
        "python3 -m build",
        Command::new(&python)
            .args(["-m", "build", "--no-isolation", "--outdir"])
            .arg(&context.out)
            .arg(&stage)
            // The wheel's and the sdist's timestamps: the same bytes for the same sources.
            .env("SOURCE_DATE_EPOCH", "315532800"),
        &stage,
    )?;
    let stem = format!(
        "{}-{}",
        layout::PACKAGE_NAME.replace('-', "_"),
        context.version
    );
    let built = vec![
        context.out.join(format!("{stem}-py3-none-any.whl")),
        context.out.join(format!("{stem}.tar.gz")),
    ];
    for path in &built {
        if !path.is_file() {
            let found: Vec<String> = std::fs::read_dir(&context.out)
                .map(|d| {
                    d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                        .collect()
                })
                .unwrap_or_default();
            return Err(format!(
                "Python package: `python3 -m build` did not write {} (found: {})",
                path.display(),
                found.join(", ")
            ));
        }
    }
    Ok(built)
}

/// The interpreter of the virtual environment with the pinned build tools, made (again) when
/// the requirements or the interpreter changed since it was.
fn environment(context: &Context, source: &Path) -> Result<PathBuf, String> {
    let venv = context.cache(CACHE);
    let requirements = source.join(REQUIREMENTS);
    let pins = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("{}/{REQUIREMENTS}: {e}", layout::PYTHON_DIR))?;
    let interpreter = run(
        "python3 --version",
        Command::new("python3").arg("--version"),
        &context.root,
    )?;
    let stamp = format!("{}\n{pins}", interpreter.trim());
    let python = venv.join("bin").join("python");
    super::install_once(&venv, &stamp, &python, || {
        run(
            "python3 -m venv",
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            &context.root,
        )?;
        run(
            "pip install the build tools",
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(["--require-virtualenv", "--no-deps", "-r"])
                .arg(&requirements),
            &context.root,
        )
        .map(drop)
    })?;
    Ok(python)
}

/// Runs one step of the build; its error names the step and holds its output.
fn run(step: &str, command: &mut Command, dir: &Path) -> Result<String, String> {
    super::run_step("Python package", step, command, dir)
}

/// Copies a file, or a folder and everything below it but Python's caches.
fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if from.is_file() {
        return copy_file(from, to);
    }
    let keep = |rel: &Path, _: bool| {
        rel.file_name().is_none_or(|n| n != "__pycache__")
            && rel.extension().is_none_or(|e| e != "pyc")
    };
    copy_tree(from, to, &keep)
}
