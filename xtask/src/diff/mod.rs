//! `cargo xtask diff A B [--format json]`: what changes between two versions' schemas for a
//! consumer that parses webhook bodies.
//!
//! # What is compared
//!
//! - **Actions**: the files of `actions/` of both versions, by action name: added, removed, and
//!   for an action of both, its envelope and the payload definitions of its file.
//! - **Structures**: the shared definitions (those of files outside `actions/`), by name: added,
//!   removed, and for a structure of both, its fields. Each changed structure lists the actions
//!   that reach it, and an action that reaches one counts as changed.
//!
//! Comparison is structural: a `$ref` is followed to what it names, across files, except a `$ref`
//! to a shared structure of the same name on both sides, which is compared once under that
//! structure. A field moved into a shared definition, a definition renamed or moved to another
//! file, descriptions, titles, `$id`s and the order of members are no change. Two versions with
//! the same bodies give "no webhook change".
//!
//! # Renames
//!
//! A field removed and a field added in the same object are one field renamed when both have
//! the same shape (the comparison of the two finds nothing), their names are related (one holds
//! the other, or they share a `_`-separated word: `queued_at_us` → `queued_at`, `last_visit` →
//! `visit`), and neither has another such partner. Anything else is a removal and an addition.
//! Descriptions are not read for hints: they are prose for people, and a keyword for it would
//! travel into the bundles that other languages read. A rename is breaking like the removal it
//! is; the report says where the value went.
//!
//! # Breaking or compatible
//!
//! The consumer parses bodies with the types or the validator of one version and upgrades to
//! the other; around the switch, and after it (real deliveries carry older shapes for years), it
//! meets bodies of both. A change is **compatible** only when a parser of either version reads a
//! body of the other version right, and reads every value where it read it before:
//!
//! | Change | Mark | Why |
//! | --- | --- | --- |
//! | action added | compatible | delivered only to a webhook registered for it |
//! | action removed | breaking | the handler is never called again |
//! | optional field added | compatible | objects are open; old parsers skip it, no body needs it |
//! | required (or conditionally required) field added | breaking | bodies of the old version lack it |
//! | field removed | breaking | old parsers that require it reject bodies; old code reading it finds nothing |
//! | field renamed | breaking | the value moved: old code reads nothing |
//! | field retyped | breaking | one side's parser rejects the other's value |
//! | made required | breaking | bodies of the old version may lack it |
//! | made optional | breaking | old parsers require it, new bodies may omit it |
//! | enum value added, `oneOf` branch added | breaking | old parsers reject the new value |
//! | enum value removed, `oneOf` branch removed | breaking | bodies still carrying it are rejected by new parsers |
//! | bound, format, pattern, `additionalProperties`, `if`/`then`/`not`/`dependencies`/`allOf` changed | breaking | one side accepts what the other rejects |
//! | structure added or removed | not marked | only its uses change bodies, and they are reported |

#[cfg(test)]
mod changelog;
mod compare;
mod render;
mod report;
mod shape;

use std::path::{Path, PathBuf};

use compare::Comparer;
pub use report::Report;
use report::{ActionDiff, Entries, StructureDiff};
use shape::{is_shared, Node};

use crate::layout::{self, VERSIONS};
use crate::schema::{refs_in, SchemaError, SchemaSet};

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A version that `VERSIONS` does not list.
    #[error("unknown API version `{0}`; known: {1}")]
    UnknownVersion(String, String),
    /// A schema folder that does not load.
    #[error("{0}: {1}")]
    Schema(String, SchemaError),
}

/// Output format of the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A summary to read.
    Text,
    /// A stable JSON document.
    Json,
}

/// The command line of the task: `A B [--format text|json]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Old version, as written (`3.5`).
    pub from: String,
    /// New version.
    pub to: String,
    /// Output format.
    pub format: Format,
}

impl Options {
    /// Parses the arguments after `diff`; `None` when they do not fit.
    pub fn parse(args: &[String]) -> Option<Self> {
        let mut versions = Vec::new();
        let mut format = Format::Text;
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--format" => {
                    format = match rest.next()?.as_str() {
                        "json" => Format::Json,
                        "text" => Format::Text,
                        _ => return None,
                    }
                }
                a if a.starts_with('-') => return None,
                a => versions.push(a.to_owned()),
            }
        }
        let [from, to] = <[String; 2]>::try_from(versions).ok()?;
        Some(Self { from, to, format })
    }
}

/// Runs the task: prints the comparison of the two versions' schemas.
pub fn run(options: Options) -> Result<(), String> {
    let folder = |name: &str| -> Result<(String, PathBuf), DiffError> {
        let version = VERSIONS
            .iter()
            .find(|v| v.name() == name.trim_start_matches('v'))
            .ok_or_else(|| {
                let known: Vec<String> = VERSIONS.iter().map(|v| v.name()).collect();
                DiffError::UnknownVersion(name.to_owned(), known.join(", "))
            })?;
        Ok((version.name(), layout::path(&version.schemas())))
    };
    let (from, old) = folder(&options.from).map_err(|e| e.to_string())?;
    let (to, new) = folder(&options.to).map_err(|e| e.to_string())?;
    let report = diff_dirs(&old, &new, &from, &to).map_err(|e| e.to_string())?;
    let text = match options.format {
        Format::Text => render::text(&report),
        Format::Json => render::json(&report),
    };
    print!("{text}");
    Ok(())
}

/// Compares the schema folders `old` and `new`, labelled `from` and `to` in the report.
pub fn diff_dirs(old: &Path, new: &Path, from: &str, to: &str) -> Result<Report, DiffError> {
    let load = |dir: &Path| {
        SchemaSet::load(dir).map_err(|e| DiffError::Schema(dir.display().to_string(), e))
    };
    Ok(diff(&load(old)?, &load(new)?, from, to))
}

/// Compares two loaded schema sets.
pub fn diff(old: &SchemaSet, new: &SchemaSet, from: &str, to: &str) -> Report {
    let (old_actions, new_actions) = (action_files(old), action_files(new));
    let mut comparer = Comparer::new(old, new);
    let mut structures_changed = Vec::new();
    let (old_defs, new_defs) = (shared(old), shared(new));
    for name in old_defs.iter().filter(|n| new_defs.contains(n)) {
        let (Some(a), Some(b)) = (old.definition(name), new.definition(name)) else {
            continue;
        };
        let node = |value, file| Node {
            value,
            file,
            name: Some(name.as_str()),
        };
        let changes = comparer.compare(node(&a.schema, &a.file), node(&b.schema, &b.file), "");
        if !changes.is_empty() {
            let used_by = new_actions
                .iter()
                .chain(&old_actions)
                .filter(|(_, file)| reaches(old, file, name) || reaches(new, file, name))
                .map(|(action, _)| action.clone())
                .fold(Vec::new(), |mut acc, a| {
                    if !acc.contains(&a) {
                        acc.push(a);
                    }
                    acc
                });
            let file = b.file.clone();
            let name = name.clone();
            structures_changed.push(StructureDiff {
                name,
                file,
                used_by,
                changes,
            });
        }
    }
    let mut actions_changed = Vec::new();
    for (name, new_file) in &new_actions {
        let Some((_, old_file)) = old_actions.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let (Some(a), Some(b)) = (file_doc(old, old_file), file_doc(new, new_file)) else {
            continue;
        };
        let changes = comparer.compare(a, b, "");
        let structures: Vec<String> = structures_changed
            .iter()
            .filter(|s| s.used_by.contains(name))
            .map(|s| s.name.clone())
            .collect();
        if !changes.is_empty() || !structures.is_empty() {
            let name = name.clone();
            actions_changed.push(ActionDiff {
                name,
                changes,
                structures,
            });
        }
    }
    Report {
        from: from.to_owned(),
        to: to.to_owned(),
        actions: Entries::new(&names(&old_actions), &names(&new_actions), actions_changed),
        structures: Entries::new(&old_defs, &new_defs, structures_changed),
    }
}

/// The actions of a set with their files, in the set's order; a set whose actions do not load
/// (no `webhook.json` order, say) falls back to the file names.
fn action_files(set: &SchemaSet) -> Vec<(String, &str)> {
    match set.actions() {
        Ok(actions) => actions
            .into_iter()
            .filter_map(|a| {
                let rel = format!("actions/{}.json", a.name);
                let file = set.files.iter().find(|f| f.rel == rel)?;
                Some((a.name, file.rel.as_str()))
            })
            .collect(),
        Err(_) => set
            .files
            .iter()
            .filter_map(|f| {
                let name = f.rel.strip_prefix("actions/")?.strip_suffix(".json")?;
                Some((name.to_owned(), f.rel.as_str()))
            })
            .collect(),
    }
}

/// The names of a list of actions with their files.
fn names<'a>(list: &'a [(String, &str)]) -> Vec<&'a str> {
    list.iter().map(|(n, _)| n.as_str()).collect()
}

fn file_doc<'a>(set: &'a SchemaSet, rel: &str) -> Option<Node<'a>> {
    let file = set.files.iter().find(|f| f.rel == rel)?;
    Some(Node {
        value: &file.doc,
        file: &file.rel,
        name: None,
    })
}

/// The shared structures of a set, sorted by name.
fn shared(set: &SchemaSet) -> Vec<String> {
    set.definitions
        .keys()
        .filter(|n| is_shared(set, n))
        .cloned()
        .collect()
}

/// Whether the action file `rel` reaches the definition `name` through `$ref`s.
fn reaches(set: &SchemaSet, rel: &str, name: &str) -> bool {
    let Some(file) = set.files.iter().find(|f| f.rel == rel) else {
        return false;
    };
    let mut todo = Vec::new();
    refs_in(&file.doc, &mut todo);
    let mut seen = std::collections::BTreeSet::new();
    while let Some(next) = todo.pop() {
        if next == name {
            return true;
        }
        if seen.insert(next.clone()) {
            if let Some(def) = set.definition(&next) {
                refs_in(&def.schema, &mut todo);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests;
