//! Shared helpers of the workspace tests: where things are, and loading them.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The manifest `samples/index.json`, written by `cargo xtask codegen` from the one layout
/// module: the versions, their folders and their samples.
pub fn manifest() -> Value {
    read_json(&root().join("samples/index.json"))
}

/// The manifest's entry of the version the types are generated for.
pub fn typed_version() -> Value {
    let manifest = manifest();
    let name = manifest["typed_version"].clone();
    manifest["versions"]
        .as_array()
        .and_then(|versions| versions.iter().find(|v| v["version"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("samples/index.json has no entry for {name}"))
}

/// The name of the typed version, e.g. `3.5`.
pub fn version_name() -> String {
    typed_version()["version"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A folder of the typed version named by the manifest (`schemas`, `samples`, `dist`).
fn folder(key: &str) -> PathBuf {
    let version = typed_version();
    let rel = version[key]
        .as_str()
        .unwrap_or_else(|| panic!("samples/index.json: no `{key}` folder"));
    root().join(rel)
}

/// The schema directory of the typed version.
pub fn schema_dir() -> PathBuf {
    folder("schemas")
}

/// The sample directory of the typed version.
pub fn sample_dir() -> PathBuf {
    folder("samples")
}

/// The bundle directory of the typed version.
pub fn bundle_dir() -> PathBuf {
    folder("dist")
}

/// The sample files of the typed version with the given `valid` verdict, as the manifest lists
/// them: (path below the samples folder without `.json`, bytes).
fn manifest_samples(valid: bool) -> Vec<(String, Vec<u8>)> {
    let dir = sample_dir();
    let version = typed_version();
    let files = version["files"].as_array().cloned().unwrap_or_default();
    files
        .iter()
        .filter(|f| f["valid"] == valid)
        .map(|f| {
            let rel = f["file"].as_str().unwrap_or_default();
            let bytes = std::fs::read(dir.join(rel))
                .unwrap_or_else(|e| panic!("cannot read sample {rel}: {e}"));
            (rel.trim_end_matches(".json").to_owned(), bytes)
        })
        .collect()
}

/// Every `*.json` file below `dir`, sorted, as (path relative to `dir`, parsed value).
pub fn json_files(dir: &Path) -> Vec<(String, Value)> {
    files(dir)
        .into_iter()
        .map(|(rel, bytes)| {
            let value =
                serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"));
            (rel, value)
        })
        .collect()
}

/// Every `*.json` file below `dir`, sorted, as (path relative to `dir`, bytes).
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    collect(dir, dir, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            out.push((rel, bytes));
        }
    }
}

/// A valid sample: a documented one or an extra one (`extra/`).
#[derive(Debug, Clone)]
pub struct Sample {
    /// Path below the samples folder, without `.json` (e.g. `extra/incoming_chat.full`).
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The parsed file.
    pub value: Value,
}

impl Sample {
    /// The sample's `action`.
    pub fn action(&self) -> &str {
        self.value["action"].as_str().unwrap_or_default()
    }

    /// Whether it is one of the documentation's samples.
    pub fn documented(&self) -> bool {
        !self.name.contains('/')
    }
}

/// Every valid sample (documented, then extra), as the manifest lists them.
pub fn samples() -> Vec<Sample> {
    manifest_samples(true)
        .into_iter()
        .map(|(name, bytes)| {
            let value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
            Sample { name, bytes, value }
        })
        .collect()
}

/// The negative samples, as the manifest lists them: (name below `invalid/`, bytes).
pub fn invalid_samples() -> Vec<(String, Vec<u8>)> {
    manifest_samples(false)
        .into_iter()
        .map(|(name, bytes)| (name.trim_start_matches("invalid/").to_owned(), bytes))
        .collect()
}

/// A registry of every source schema file under its `$id` (draft-07).
pub fn source_registry() -> jsonschema::Registry<'static> {
    let resources: Vec<(String, jsonschema::Resource)> = json_files(&schema_dir())
        .into_iter()
        .map(|(_, doc)| {
            let id = doc["$id"].as_str().unwrap_or_default().to_owned();
            (id, jsonschema::Resource::from_contents(doc))
        })
        .collect();
    jsonschema::Registry::new()
        .draft(jsonschema::Draft::Draft7)
        .extend(resources)
        .and_then(|b| b.prepare())
        .unwrap_or_else(|e| panic!("schemas do not resolve: {e}"))
}

/// Compiles `schema` (named `name` in messages) as draft-07 with formats checked, resolving
/// references through `registry` when given.
pub fn compile(
    name: &str,
    schema: &Value,
    registry: Option<&jsonschema::Registry<'_>>,
) -> jsonschema::Validator {
    let mut options = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true);
    if let Some(registry) = registry {
        options = options.with_registry(registry);
    }
    options
        .build(schema)
        .unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
}

/// Reads and parses one JSON file.
pub fn read_json(path: &Path) -> Value {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A compiled validator for `webhook.json` (any webhook of the typed version), with every schema file
/// registered under its `$id` and formats checked.
pub fn webhook_validator() -> jsonschema::Validator {
    let registry = source_registry();
    let root = read_json(&schema_dir().join("webhook.json"));
    compile("webhook.json", &root, Some(&registry))
}

/// Schema errors of `instance` as `(instance pointer, keyword, message)`.
pub fn schema_errors(
    validator: &jsonschema::Validator,
    instance: &Value,
) -> Vec<(String, String, String)> {
    validator
        .iter_errors(instance)
        .map(|e| {
            let keyword = e
                .schema_path()
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            (
                e.instance_path().as_str().to_owned(),
                keyword,
                e.to_string(),
            )
        })
        .collect()
}
