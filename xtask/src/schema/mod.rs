//! Loading the schema tree: parsing every file, resolving `$ref`s across files and checking that
//! only supported keywords are used.

mod actions;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

pub use actions::ActionSchema;

/// A problem in the schema tree, located by file and JSON pointer.
#[derive(Debug, thiserror::Error)]
#[error("{file}#{pointer}: {message}")]
pub struct SchemaError {
    /// The file, relative to the schema root.
    pub file: String,
    /// JSON pointer inside the file (empty for the whole file).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl SchemaError {
    fn new(file: &str, pointer: &str, message: impl fmt::Display) -> Self {
        Self {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.to_string(),
        }
    }
}

/// Keywords the generator understands. Anything else is reported, so that a schema never says
/// more than the generated code and the validator honour.
const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "title",
    "description",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "format",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minProperties",
    "pattern",
    "oneOf",
    "allOf",
    "not",
    "if",
    "then",
    "dependencies",
    "definitions",
    "x-group",
];

/// One schema file.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// Path relative to the version root, with `/` separators (e.g. `actions/incoming_chat.json`).
    pub rel: String,
    /// The parsed document.
    pub doc: Value,
    /// The file's text, as read.
    pub text: String,
}

impl SchemaFile {
    /// The string at `pointer` of the document, or an error with `message` located at the
    /// member that should hold it (the pointer without its last token).
    fn string_at(&self, pointer: &str, message: &str) -> Result<&str, SchemaError> {
        self.doc
            .pointer(pointer)
            .and_then(Value::as_str)
            .ok_or_else(|| {
                let at = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
                SchemaError::new(&self.rel, at, message)
            })
    }

    /// A file made in memory (its text is the compact form of `doc`), for tests.
    #[cfg(test)]
    pub fn from_doc(rel: &str, doc: Value) -> Self {
        Self {
            rel: rel.to_owned(),
            text: doc.to_string(),
            doc,
        }
    }
}

/// A named definition, from the `definitions` of some file.
#[derive(Debug, Clone)]
pub struct Definition {
    /// File that holds it.
    pub file: String,
    /// Its schema.
    pub schema: Value,
}

/// Every schema file of one API version, checked.
#[derive(Debug)]
pub struct SchemaSet {
    /// The files, sorted by path.
    pub files: Vec<SchemaFile>,
    /// All definitions by name (names are unique across the version).
    pub definitions: BTreeMap<String, Definition>,
}

impl SchemaSet {
    /// Reads and checks every `*.json` file below `root`.
    pub fn load(root: &Path) -> Result<Self, SchemaError> {
        let mut paths = Vec::new();
        collect_json(root, root, &mut paths)
            .map_err(|e| SchemaError::new(&root.display().to_string(), "", e))?;
        paths.sort();
        let mut files = Vec::new();
        for rel in paths {
            let text = std::fs::read_to_string(root.join(&rel))
                .map_err(|e| SchemaError::new(&rel, "", format!("cannot read: {e}")))?;
            let doc: Value = serde_json::from_str(&text).map_err(|e| {
                SchemaError::new(
                    &rel,
                    "",
                    format!(
                        "invalid JSON at line {}, column {}: {e}",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
            files.push(SchemaFile { rel, doc, text });
        }
        Self::from_files(files)
    }

    /// Checks files already in memory.
    pub fn from_files(files: Vec<SchemaFile>) -> Result<Self, SchemaError> {
        let mut definitions: BTreeMap<String, Definition> = BTreeMap::new();
        for file in &files {
            if !file.doc.is_object() {
                return Err(SchemaError::new(
                    &file.rel,
                    "",
                    "a schema file must be an object",
                ));
            }
            for key in ["$schema", "$id", "title", "description"] {
                if !file.doc.get(key).is_some_and(Value::is_string) {
                    return Err(SchemaError::new(&file.rel, "", format!("missing `{key}`")));
                }
            }
            if let Some(defs) = file.doc.get("definitions") {
                let defs = defs.as_object().ok_or_else(|| {
                    SchemaError::new(&file.rel, "/definitions", "must be an object")
                })?;
                for (name, schema) in defs {
                    if let Some(previous) = definitions.get(name) {
                        return Err(SchemaError::new(
                            &file.rel,
                            &format!("/definitions/{name}"),
                            format!("definition `{name}` is also defined in {}", previous.file),
                        ));
                    }
                    definitions.insert(
                        name.clone(),
                        Definition {
                            file: file.rel.clone(),
                            schema: schema.clone(),
                        },
                    );
                }
            }
        }
        let set = Self { files, definitions };
        for file in &set.files {
            set.check(&file.rel, &file.doc, "")?;
        }
        Ok(set)
    }

    fn file(&self, rel: &str) -> Option<&SchemaFile> {
        self.files.iter().find(|f| f.rel == rel)
    }

    /// Walks one schema, checking keywords, titles and references.
    fn check(&self, file: &str, schema: &Value, pointer: &str) -> Result<(), SchemaError> {
        let obj = match schema {
            Value::Object(obj) => obj,
            Value::Bool(_) => return Ok(()),
            _ => {
                return Err(SchemaError::new(
                    file,
                    pointer,
                    "a schema must be an object",
                ))
            }
        };
        for key in obj.keys() {
            if !KEYWORDS.contains(&key.as_str()) {
                return Err(SchemaError::new(
                    file,
                    pointer,
                    format!("unsupported keyword `{key}`"),
                ));
            }
        }
        if let Some(target) = obj.get("$ref") {
            let target = target
                .as_str()
                .ok_or_else(|| SchemaError::new(file, pointer, "`$ref` must be a string"))?;
            self.resolve(file, target)
                .map_err(|message| SchemaError::new(file, &format!("{pointer}/$ref"), message))?;
        }
        if let Some(types) = obj.get("type") {
            if types.as_str().is_none() {
                return Err(SchemaError::new(
                    file,
                    &format!("{pointer}/type"),
                    "`type` must be a single type name",
                ));
            }
        }
        if let Some(props) = obj.get("properties") {
            let props = props.as_object().ok_or_else(|| {
                SchemaError::new(file, &format!("{pointer}/properties"), "must be an object")
            })?;
            for (name, sub) in props {
                let here = format!("{pointer}/properties/{}", escape(name));
                // Conditions (`if`) only match; every other property is documented.
                let in_condition = pointer.contains("/if");
                if !in_condition && sub.get("description").is_none() && sub.get("$ref").is_none() {
                    return Err(SchemaError::new(file, &here, "property has no description"));
                }
                self.check(file, sub, &here)?;
            }
            if let Some(required) = obj.get("required").and_then(Value::as_array) {
                for name in required {
                    let name = name.as_str().unwrap_or_default();
                    if !props.contains_key(name) {
                        return Err(SchemaError::new(
                            file,
                            &format!("{pointer}/required"),
                            format!("required property `{name}` is not declared"),
                        ));
                    }
                }
            }
        }
        for key in ["items", "additionalProperties", "not", "if", "then"] {
            if let Some(sub) = obj.get(key) {
                self.check(file, sub, &format!("{pointer}/{key}"))?;
            }
        }
        for key in ["oneOf", "allOf"] {
            if let Some(subs) = obj.get(key) {
                let subs = subs.as_array().ok_or_else(|| {
                    SchemaError::new(file, &format!("{pointer}/{key}"), "must be an array")
                })?;
                for (i, sub) in subs.iter().enumerate() {
                    self.check(file, sub, &format!("{pointer}/{key}/{i}"))?;
                }
            }
        }
        if let Some(defs) = obj.get("definitions").and_then(Value::as_object) {
            for (name, sub) in defs {
                let here = format!("{pointer}/definitions/{}", escape(name));
                for key in ["title", "description"] {
                    if sub.get(key).is_none() {
                        return Err(SchemaError::new(file, &here, format!("missing `{key}`")));
                    }
                }
                self.check(file, sub, &here)?;
            }
        }
        Ok(())
    }

    /// Resolves a `$ref` written in `file` to the definition name it targets, or to `None` when
    /// it names a whole file.
    pub fn resolve(&self, file: &str, target: &str) -> Result<Option<String>, String> {
        let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
        let rel = if path.is_empty() {
            file.to_owned()
        } else {
            join(file, path).ok_or_else(|| format!("`{target}` leaves the schema tree"))?
        };
        let Some(target_file) = self.file(&rel) else {
            return Err(format!("dangling `$ref` `{target}`: no file {rel}"));
        };
        if fragment.is_empty() {
            return Ok(None);
        }
        let Some(name) = fragment.strip_prefix("/definitions/") else {
            return Err(format!(
                "unsupported `$ref` `{target}`: only `#/definitions/NAME` fragments are supported"
            ));
        };
        if target_file.doc.pointer(fragment).is_none() {
            return Err(format!(
                "dangling `$ref` `{target}`: {rel} has no {fragment}"
            ));
        }
        Ok(Some(name.to_owned()))
    }

    /// Looks up a definition by name.
    pub fn definition(&self, name: &str) -> Option<&Definition> {
        self.definitions.get(name)
    }
}

pub use crate::location::escape;

/// Joins a relative reference to the file it is written in; `None` when it leaves the root.
pub fn join(file: &str, reference: &str) -> Option<String> {
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    let mut parts: Vec<String> = Vec::new();
    for component in base.join(reference).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

fn collect_json(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        if path.is_dir() {
            collect_json(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
    Ok(())
}

/// Collects the `$ref`s of a schema into `out` (definition names only).
pub fn refs_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                if let Some((_, name)) = target.split_once("#/definitions/") {
                    out.push(name.to_owned());
                }
            }
            for v in map.values() {
                refs_in(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
