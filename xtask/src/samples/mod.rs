//! `cargo xtask samples`: the documented samples, read from a docs page in text form, repaired
//! by the recorded errata and written to the version's samples folder (`samples/vX.Y/`).
//!
//! The page lists each action under a heading line (the action's name, followed by
//! `Specifics`), with an `Action | name |` row and one or more JSON samples. Each sample is read
//! leniently (`//` comments are dropped); every other defect must be repaired by an entry of
//! the folder's `errata.json` ([`errata`]), which is checked against the page: a repair whose target text is
//! no longer there is reported, as is a defect no repair covers.

mod errata;
mod page;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use crate::json::Json;
use crate::layout::{self, Version, VERSIONS};
use crate::schema::SchemaSet;

pub use errata::Errata;
use errata::{field, repair};
use page::{sections, text_form};

/// The command line of the task.
#[derive(Debug)]
pub struct Options {
    /// The page, in text form.
    pub page: String,
    /// The API version it documents.
    pub version: Version,
    /// Compare only.
    pub check: bool,
}

impl Options {
    /// Reads `--from PAGE [--api-version V] [--check]`; `None` for anything else.
    pub fn parse(args: &[String]) -> Option<Self> {
        let mut page = None;
        let mut version = layout::SEED;
        let mut check = false;
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--check" => check = true,
                "--from" => page = Some(rest.next()?.clone()),
                "--api-version" => {
                    let name = rest.next()?;
                    version = *VERSIONS.iter().find(|v| v.name() == *name)?;
                }
                _ => return None,
            }
        }
        Some(Self {
            page: page?,
            version,
            check,
        })
    }
}

/// Runs the task.
pub fn run_task(options: Options) -> Result<(), String> {
    let Options {
        page,
        version,
        check,
    } = options;
    let text = std::fs::read_to_string(&page).map_err(|e| format!("cannot read {page}: {e}"))?;
    let schemas = version.schemas();
    let set = SchemaSet::load(&layout::path(&schemas)).map_err(|e| format!("{schemas}/{e}"))?;
    let actions = set
        .actions()
        .map_err(|e| format!("{schemas}/{e}"))?
        .into_iter()
        .map(|a| a.name)
        .collect();
    let errata =
        Errata::load(&layout::path(&version.errata())).map_err(|e| format!("samples: {e}"))?;
    let dir = layout::path(&version.samples());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let stale = run(&text, &actions, &errata, &dir, check).map_err(|e| format!("samples: {e}"))?;
    if check && !stale.is_empty() {
        return Err(format!(
            "samples differ from the page; run `cargo xtask samples --from {page} --api-version {}`:\n  {}",
            version.name(),
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

/// A problem with the page, the errata or the committed samples.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SampleError {
    /// The action concerned, when there is one.
    pub action: Option<String>,
    /// Line of the page, when there is one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(action) = &self.action {
            write!(f, "{action}: ")?;
        }
        if let Some(line) = self.line {
            write!(f, "page line {line}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// A [`SampleError`].
pub(crate) fn err(
    action: Option<&str>,
    line: Option<usize>,
    message: impl Into<String>,
) -> SampleError {
    SampleError {
        action: action.map(str::to_owned),
        line,
        message: message.into(),
    }
}

/// Builds the repaired samples of a page: `(file stem, text)`, sorted by stem.
pub fn extract(
    page: &str,
    errata: &Errata,
    actions: &BTreeSet<String>,
) -> Result<Vec<(String, String)>, SampleError> {
    let page = text_form(page);
    let sections = sections(&page);
    let mut used = vec![false; errata.repairs.len()];
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for section in &sections {
        let action = section.action.as_str();
        if !actions.contains(action) {
            return Err(err(
                Some(action),
                Some(section.line),
                "the page documents this action, but it has no schema in the version's actions/",
            ));
        }
        if !seen.insert(action.to_owned()) {
            return Err(err(
                Some(action),
                Some(section.line),
                "the action is documented twice",
            ));
        }
        // The `Action` row must name the heading, or the mismatch must be recorded.
        if let Some(row) = &section.action_row {
            if row != action {
                let index = errata.repairs.iter().position(|r| {
                    field(r, "action_row") == Some(action) && field(r, "expect") == Some(row)
                });
                match index {
                    Some(i) => used[i] = true,
                    None => {
                        return Err(err(
                            Some(action),
                            Some(section.line),
                            format!("the Action row says `{row}`; no erratum records it"),
                        ))
                    }
                }
            }
        }
        if section.samples.is_empty() {
            return Err(err(
                Some(action),
                Some(section.line),
                "the action has no JSON sample",
            ));
        }
        let stems: Vec<String> = if section.samples.len() == 1 {
            vec![action.to_owned()]
        } else {
            let names = errata.names.get(action).ok_or_else(|| {
                err(
                    Some(action),
                    Some(section.line),
                    format!(
                        "{} samples, but errata.json names none of them (`sample_names`)",
                        section.samples.len()
                    ),
                )
            })?;
            if names.len() != section.samples.len() {
                return Err(err(
                    Some(action),
                    Some(section.line),
                    format!(
                        "{} samples, but errata.json names {}",
                        section.samples.len(),
                        names.len()
                    ),
                ));
            }
            names.iter().map(|n| format!("{action}.{n}")).collect()
        };
        for ((first_line, body), stem) in section.samples.iter().zip(stems) {
            let json = repair(action, &stem, *first_line, body, errata, &mut used)?;
            match json.get("action") {
                Some(Json::String(name)) if name == action => {}
                other => {
                    return Err(err(
                        Some(action),
                        Some(*first_line),
                        format!(
                            "sample {stem}: `action` is {}, not the heading's name; no erratum repairs it",
                            other.map(|v| v.pretty().trim().to_owned()).unwrap_or_else(|| "absent".to_owned())
                        ),
                    ))
                }
            }
            out.push((stem, json.pretty()));
        }
    }
    for action in actions {
        if !seen.contains(action) {
            return Err(err(
                Some(action),
                None,
                "the action has a schema but the page does not document it",
            ));
        }
    }
    if let Some(i) = used.iter().position(|u| !u) {
        let repair = &errata.repairs[i];
        return Err(err(
            field(repair, "sample")
                .or_else(|| field(repair, "action_row"))
                .map(|s| s.split('.').next().unwrap_or(s)),
            None,
            format!(
                "erratum entry {} ({}) applies to nothing on the page",
                i + 1,
                repair
            ),
        ));
    }
    out.sort();
    Ok(out)
}

/// Extracts the samples of `page` for `actions`, repaired by `errata`, and syncs them into
/// `dir` (with `check`, compares only). Returns the stale stems.
pub fn run(
    page: &str,
    actions: &BTreeSet<String>,
    errata: &Errata,
    dir: &Path,
    check: bool,
) -> Result<Vec<String>, SampleError> {
    let extracted = extract(page, errata, actions)?;
    sync(dir, &extracted, check)
}

/// Writes (or, with `check`, compares) the samples in `dir`. Returns the stale stems.
pub fn sync(
    dir: &Path,
    samples: &[(String, String)],
    check: bool,
) -> Result<Vec<String>, SampleError> {
    let mut stale = Vec::new();
    let wanted: BTreeSet<String> = samples.iter().map(|(s, _)| format!("{s}.json")).collect();
    for (stem, text) in samples {
        let path = dir.join(format!("{stem}.json"));
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() != Some(text.as_str()) {
            stale.push(stem.clone());
            if !check {
                std::fs::write(&path, text).map_err(|e| {
                    err(None, None, format!("cannot write {}: {e}", path.display()))
                })?;
            }
        }
    }
    // Documented samples that the page no longer has.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && name != layout::ERRATA_FILE && !wanted.contains(&name) {
                stale.push(name.trim_end_matches(".json").to_owned());
                if !check {
                    std::fs::remove_file(entry.path())
                        .map_err(|e| err(None, None, e.to_string()))?;
                }
            }
        }
    }
    stale.sort();
    Ok(stale)
}

#[cfg(test)]
mod tests;
