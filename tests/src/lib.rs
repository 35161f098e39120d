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

/// One API version of the manifest: its name, its folders and its sample files.
#[derive(Debug, Clone)]
pub struct ApiVersion {
    /// The version as LiveChat writes it, e.g. `3.5`.
    pub name: String,
    /// Its schemas folder.
    pub schemas: PathBuf,
    /// Its samples folder.
    pub samples: PathBuf,
    /// Its bundles folder.
    pub dist: PathBuf,
    /// The manifest's `files` of the version.
    files: Vec<Value>,
}

impl ApiVersion {
    /// Reads one entry of the manifest's `versions`.
    fn from_entry(entry: &Value) -> Self {
        let name = entry["version"].as_str().unwrap_or_default().to_owned();
        let folder = |key: &str| {
            let rel = entry[key]
                .as_str()
                .unwrap_or_else(|| panic!("samples/index.json: v{name} has no `{key}` folder"));
            root().join(rel)
        };
        Self {
            schemas: folder("schemas"),
            samples: folder("samples"),
            dist: folder("dist"),
            files: entry["files"].as_array().cloned().unwrap_or_default(),
            name,
        }
    }

    /// The version as the crates name it.
    pub fn api(&self) -> webhooks_types::ApiVersion {
        self.name
            .parse()
            .unwrap_or_else(|e| panic!("samples/index.json: {e}"))
    }

    /// The folder name of the version's generated types: `v3_5` (the `webhooks_types` module).
    pub fn module(&self) -> String {
        format!("v{}", self.name.replace('.', "_"))
    }

    /// The manifest's entries of the sample files with the given `valid` verdict.
    fn entries(&self, valid: bool) -> impl Iterator<Item = &Value> {
        self.files.iter().filter(move |f| f["valid"] == valid)
    }

    /// Reads a sample file named by the manifest: (path without `.json`, bytes).
    fn read(&self, entry: &Value) -> (String, Vec<u8>) {
        let rel = entry["file"].as_str().unwrap_or_default();
        let bytes = std::fs::read(self.samples.join(rel))
            .unwrap_or_else(|e| panic!("v{}: cannot read sample {rel}: {e}", self.name));
        (rel.trim_end_matches(".json").to_owned(), bytes)
    }

    /// Every valid sample (documented, then extra), as the manifest lists them.
    pub fn samples(&self) -> Vec<Sample> {
        self.entries(true)
            .map(|entry| {
                let (name, bytes) = self.read(entry);
                let value = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("v{}: {name} is not JSON: {e}", self.name));
                Sample { name, bytes, value }
            })
            .collect()
    }

    /// The negative samples, with the error the manifest says each must give.
    pub fn negatives(&self) -> Vec<Negative> {
        // Each `invalid/expected.json` read once (a version may take another's folder).
        let mut expected_of: std::collections::BTreeMap<String, Value> = Default::default();
        self.entries(false)
            .map(|entry| {
                let (name, bytes) = self.read(entry);
                let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
                let (folder, name) = name.rsplit_once("invalid/").unwrap_or(("", &name));
                let expected = expected_of.entry(folder.to_owned()).or_insert_with(|| {
                    read_json(&self.samples.join(folder).join("invalid/expected.json"))
                });
                Negative {
                    description: expected[name]["description"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    name: name.to_owned(),
                    bytes,
                    pointer: text("pointer"),
                    keyword: text("keyword"),
                    typed: text("typed"),
                }
            })
            .collect()
    }

    /// The actions of the version: the `action` enum of its `webhook.json`.
    pub fn actions(&self) -> Vec<String> {
        read_json(&self.schemas.join("webhook.json"))["properties"]["action"]["enum"]
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A registry of every source schema file of the version under its `$id` (draft-07).
    pub fn source_registry(&self) -> jsonschema::Registry<'static> {
        let resources: Vec<(String, jsonschema::Resource)> = json_files(&self.schemas)
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
            .unwrap_or_else(|e| panic!("v{}: schemas do not resolve: {e}", self.name))
    }

    /// A compiled validator for the version's source `webhook.json`, formats checked.
    pub fn webhook_validator(&self) -> jsonschema::Validator {
        let registry = self.source_registry();
        let path = self.schemas.join("webhook.json");
        compile(
            &path.display().to_string(),
            &read_json(&path),
            Some(&registry),
        )
    }
}

/// Every version of the manifest, oldest first.
pub fn versions() -> Vec<ApiVersion> {
    manifest()["versions"]
        .as_array()
        .map(|entries| entries.iter().map(ApiVersion::from_entry).collect())
        .unwrap_or_default()
}

/// Runs `check` on every version of the manifest, oldest first; `check` writes a line to the
/// string it is given for each thing wrong. Panics with `what` and those lines if there are any.
pub fn check_every_version(what: &str, mut check: impl FnMut(&ApiVersion, &mut String)) {
    let mut failures = String::new();
    for version in versions() {
        check(&version, &mut failures);
    }
    assert!(failures.is_empty(), "{what}:\n{failures}");
}

/// A negative sample and the error it must give.
#[derive(Debug, Clone)]
pub struct Negative {
    /// Path below `invalid/`, without `.json`.
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Instance pointer of the expected error (empty for the whole document).
    pub pointer: String,
    /// Keyword of the expected error (`json` for a file that is not JSON).
    pub keyword: String,
    /// What the typed parse alone does with it: `reject` or `accept`.
    pub typed: String,
    /// What is wrong with it, from `invalid/expected.json`.
    pub description: String,
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

/// Schema errors of `instance` as `(instance pointer, keyword, message)`.
pub fn schema_errors(
    validator: &jsonschema::Validator,
    instance: &Value,
) -> Vec<(String, String, String)> {
    validator
        .iter_errors(instance)
        .map(|e| {
            (
                e.instance_path().as_str().to_owned(),
                keyword_of(&e),
                e.to_string(),
            )
        })
        .collect()
}

/// The keyword that failed: the last segment of the error's schema path.
fn keyword_of(error: &jsonschema::ValidationError<'_>) -> String {
    error
        .schema_path()
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Every error of `instance` as `(instance pointer, keyword)`, including those that a failed
/// `oneOf` or `anyOf` holds for each of its alternatives, so that the precise location of an
/// error inside a union shows (as Python's `jsonschema` gives it in an error's `context`).
pub fn error_locations(
    validator: &jsonschema::Validator,
    instance: &Value,
) -> Vec<(String, String)> {
    let top: Vec<jsonschema::ValidationError<'static>> = validator
        .iter_errors(instance)
        .map(jsonschema::ValidationError::to_owned)
        .collect();
    let mut pending: Vec<&jsonschema::ValidationError<'static>> = top.iter().collect();
    let mut out = Vec::new();
    while let Some(error) = pending.pop() {
        out.push((error.instance_path().as_str().to_owned(), keyword_of(error)));
        if let jsonschema::error::ValidationErrorKind::OneOfNotValid { context }
        | jsonschema::error::ValidationErrorKind::AnyOf { context } = error.kind()
        {
            pending.extend(context.iter().flatten());
        }
    }
    out
}
