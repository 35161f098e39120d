//! Builds the npm tarball `livechat-webhooks-<version>.tgz`.
//!
//! In `<work>/npm/`: a copy of `packages/npm/` (its `src/generated/` written by
//! `cargo xtask codegen`) with `package.json` stamped (version, `exports` and the rest derived
//! from the versions), the bundles of `dist/vX.Y/` and the documented samples as
//! `vX.Y/examples/`; then the pinned build tools (`npm ci` from the committed lock file, kept
//! under `<target>/packages-cache/npm/` while the lock file and node stay the same),
//! `node build.mjs` (ajv's standalone validators), `tsc` (JavaScript and declarations) and
//! `npm pack` into `context.out`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{copy_file, copy_tree, write, Context};
use crate::json::{self, Json};
use crate::layout::{self, Version, VERSIONS};

/// The folder of [`super::Context::cache`] for the installed build tools.
const CACHE: &str = "npm";

/// Builds the tarball into `context.out`; returns its path.
pub fn build(context: &Context) -> Result<PathBuf, String> {
    let source = context.root.join(layout::NPM_DIR);
    let stage = context.work.join("npm");
    copy_dir(
        &source,
        &stage,
        &["node_modules", "dist", "src/validators"],
        "",
    )?;
    stamp_manifest(&stage.join("package.json"), &context.version)?;
    let mut config = Vec::new();
    for &version in VERSIONS {
        stage_version(context, &stage, version)?;
        if version.schemas_of() == version {
            config.push(Json::Object(vec![
                ("module".into(), Json::String(version.module())),
                (
                    "bundle".into(),
                    Json::String(format!("{}/webhook.json", version.dir())),
                ),
            ]));
        }
    }
    let config = Json::Object(vec![("versions".into(), Json::Array(config))]);
    write(&stage.join("build.json"), &config.pretty())?;
    install(context, &source, &stage)?;
    run(
        "node build.mjs",
        Command::new("node").args(["build.mjs", "build.json"]),
        &stage,
    )?;
    let tsc = Path::new("node_modules").join("typescript/bin/tsc");
    run(
        "tsc",
        Command::new("node").arg(tsc).args(["-p", "tsconfig.json"]),
        &stage,
    )?;
    std::fs::remove_file(stage.join("build.json")).map_err(|e| format!("build.json: {e}"))?;
    let out = run(
        "npm pack",
        Command::new("npm")
            .args(["pack", "--json", "--ignore-scripts", "--pack-destination"])
            .arg(&context.out),
        &stage,
    )?;
    let packed: serde_json::Value = serde_json::from_str(&out)
        .map_err(|e| format!("npm pack: unreadable output ({e}):\n{out}"))?;
    let name = packed[0]["filename"].as_str().unwrap_or_default();
    let expected = format!("{}-{}.tgz", layout::PACKAGE_NAME, context.version);
    let tarball = context.out.join(&expected);
    if name != expected || !tarball.is_file() {
        return Err(format!(
            "npm pack: expected {} in {}, npm made `{name}`",
            expected,
            context.out.display()
        ));
    }
    Ok(tarball)
}

/// The version's bundles (`vX.Y/webhook.json`, `vX.Y/actions/`) and documented samples
/// (`vX.Y/examples/`), as the package ships them.
fn stage_version(context: &Context, stage: &Path, version: Version) -> Result<(), String> {
    let (dist, to) = (context.root.join(version.dist()), stage.join(version.dir()));
    copy_file(&dist.join("webhook.json"), &to.join("webhook.json"))?;
    copy_dir(&dist.join("actions"), &to.join("actions"), &[], "json")?;
    let samples = context.root.join(version.samples());
    for file in crate::manifest::documented(version)? {
        let target = to.join("examples").join(&file);
        copy_file(&samples.join(&file), &target)?;
    }
    Ok(())
}

/// Stamps `package.json`: the version, the entry points (the stable version at the root, a
/// subpath per version, its bundles and examples) and the files to pack.
fn stamp_manifest(path: &Path, version: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut manifest = json::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let s = |text: &str| Json::String(text.to_owned());
    let entry = |module: &str| {
        Json::Object(vec![
            (
                "types".into(),
                s(&format!("./dist/generated/{module}.d.ts")),
            ),
            ("import".into(), s(&format!("./dist/generated/{module}.js"))),
            // `require` of an ES module (Node 20.19 and later) takes this one.
            (
                "default".into(),
                s(&format!("./dist/generated/{module}.js")),
            ),
        ])
    };
    let mut exports = vec![(".".to_owned(), entry("index"))];
    let mut types_versions = Vec::new();
    let mut files = vec![s("dist")];
    for v in VERSIONS {
        let (dir, module) = (v.dir(), v.module());
        exports.push((format!("./{dir}"), entry(&module)));
        for sub in ["webhook.json", "actions/*", "examples/*"] {
            exports.push((format!("./{dir}/{sub}"), s(&format!("./{dir}/{sub}"))));
        }
        types_versions.push((
            dir.clone(),
            Json::Array(vec![s(&format!("dist/generated/{module}.d.ts"))]),
        ));
        files.push(s(&dir));
    }
    exports.push(("./package.json".to_owned(), s("./package.json")));
    let stamps = [
        ("/version", s(version)),
        ("/main", s("./dist/generated/index.js")),
        ("/types", s("./dist/generated/index.d.ts")),
        ("/exports", Json::Object(exports)),
        // For TypeScript's `node` module resolution, which does not read `exports`.
        (
            "/typesVersions",
            Json::Object(vec![("*".into(), Json::Object(types_versions))]),
        ),
        ("/files", Json::Array(files)),
    ];
    for (pointer, value) in stamps {
        if !manifest.set(pointer, value) {
            return Err(format!("{}: cannot set {pointer}", path.display()));
        }
    }
    write(path, &manifest.pretty())
}

/// Gives the stage the build tools: `npm ci` from the committed lock file into the cache (when
/// the lock file or node changed), linked as the stage's `node_modules`.
fn install(context: &Context, source: &Path, stage: &Path) -> Result<(), String> {
    let cache = context.cache(CACHE);
    let lock = std::fs::read_to_string(source.join("package-lock.json"))
        .map_err(|e| format!("{}/package-lock.json: {e}", layout::NPM_DIR))?;
    let node = run(
        "node --version",
        Command::new("node").arg("--version"),
        stage,
    )?;
    let stamp = format!("{}\n{lock}", node.trim());
    let modules = cache.join("node_modules");
    super::install_once(&cache, &stamp, &modules, || {
        for file in ["package.json", "package-lock.json"] {
            copy_file(&source.join(file), &cache.join(file))?;
        }
        run(
            "npm ci",
            Command::new("npm").args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ]),
            &cache,
        )
        .map(drop)
    })?;
    link(&modules, &stage.join("node_modules"))
}

/// `link` pointing to `dir`: a symbolic link where there are, else a copy.
fn link(dir: &Path, link: &Path) -> Result<(), String> {
    #[cfg(unix)]
    return std::os::unix::fs::symlink(dir, link).map_err(|e| format!("{}: {e}", link.display()));
    #[cfg(not(unix))]
    copy_dir(dir, link, &[], "")
}

/// Runs a step in `dir`; its standard output, or an error naming the step with its output.
fn run(step: &str, command: &mut Command, dir: &Path) -> Result<String, String> {
    super::run_step("npm package", step, command, dir)
}

/// Copies the files of `from` below `to`, leaving out the paths `skip` (relative to `from`)
/// and, when `ext` is not empty, the files of another extension.
fn copy_dir(from: &Path, to: &Path, skip: &[&str], ext: &str) -> Result<(), String> {
    let keep = |rel: &Path, is_dir: bool| {
        !skip.iter().any(|s| Path::new(s) == rel)
            && (is_dir || ext.is_empty() || rel.extension().is_some_and(|e| e == ext))
    };
    copy_tree(from, to, &keep)
}
