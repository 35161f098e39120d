//! `cargo xtask samples`: the documented samples, read from a docs page in text form, repaired
//! by the recorded errata and written to `samples/v3.5/`.
//!
//! The page lists each action under a heading line (the action's name, followed by
//! `Specifics`), with an `Action | name |` row and one or more JSON samples. Each sample is read
//! leniently (`//` comments are dropped); every other defect must be repaired by an entry of
//! `samples/v3.5/errata.json`, which is checked against the page: a repair whose target text is
//! no longer there is reported, as is a defect no repair covers.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::jsonc::{self, Json};

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

fn err(action: Option<&str>, line: Option<usize>, message: impl Into<String>) -> SampleError {
    SampleError {
        action: action.map(str::to_owned),
        line,
        message: message.into(),
    }
}

/// One action section of the page.
#[derive(Debug, Clone)]
pub struct Section {
    /// The heading: the action's name.
    pub action: String,
    /// Line of the heading.
    pub line: usize,
    /// The value of the `Action |` row, if any.
    pub action_row: Option<String>,
    /// The samples: (first line on the page, lines of text).
    pub samples: Vec<(usize, Vec<String>)>,
}

/// Finds the action sections of a page.
pub fn sections(page: &str) -> Vec<Section> {
    let lines: Vec<&str> = page.lines().collect();
    let is_heading = |i: usize| {
        let line = lines[i].trim();
        !line.is_empty()
            && line
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
            && line.as_bytes()[0].is_ascii_lowercase()
            && lines
                .iter()
                .skip(i + 1)
                .take(10)
                .take_while(|l| l.trim() != "{")
                .any(|l| l.trim() == "Specifics")
    };
    let headings: Vec<usize> = (0..lines.len()).filter(|&i| is_heading(i)).collect();
    let mut out = Vec::new();
    for (n, &start) in headings.iter().enumerate() {
        let end = headings.get(n + 1).copied().unwrap_or(lines.len());
        let mut section = Section {
            action: lines[start].trim().to_owned(),
            line: start + 1,
            action_row: None,
            samples: Vec::new(),
        };
        let mut current: Option<(usize, Vec<String>)> = None;
        for (i, raw) in lines.iter().enumerate().take(end).skip(start + 1) {
            let line = raw.trim_end();
            if current.is_none() {
                if let Some(rest) = line.strip_prefix("Action |") {
                    section.action_row = Some(rest.trim().trim_end_matches('|').trim().to_owned());
                }
            }
            let starts_sample = line.trim() == "{"
                && current
                    .as_ref()
                    .is_none_or(|(_, body)| body.last().is_some_and(|l| l.trim() == "}"));
            if starts_sample {
                if let Some(done) = current.take() {
                    section.samples.push(finish(done));
                }
                current = Some((i + 1, vec![line.to_owned()]));
            } else if let Some((_, body)) = current.as_mut() {
                body.push(line.to_owned());
            }
        }
        if let Some(done) = current.take() {
            section.samples.push(finish(done));
        }
        out.push(section);
    }
    out
}

/// Drops the text that follows a sample's closing `}` (the next group's title, blank lines).
fn finish((line, mut body): (usize, Vec<String>)) -> (usize, Vec<String>) {
    if let Some(last) = body.iter().rposition(|l| l.trim() == "}") {
        body.truncate(last + 1);
    }
    (line, body)
}

/// The recorded repairs (`samples/v3.5/errata.json`).
#[derive(Debug, Clone)]
pub struct Errata {
    /// Names of the samples of actions that have several, in page order.
    pub names: BTreeMap<String, Vec<String>>,
    /// The repairs, in file order.
    pub repairs: Vec<Value>,
    /// The same repairs with their JSON values in written order (for `value` and `wrap`).
    ordered: Vec<Json>,
}

impl Errata {
    /// Reads the errata file.
    pub fn load(path: &Path) -> Result<Self, SampleError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err(None, None, format!("cannot read {}: {e}", path.display())))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| {
            err(
                None,
                None,
                format!(
                    "{}: line {}, column {}: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let bad = |what: &str| err(None, None, format!("{}: {what}", path.display()));
        let mut names = BTreeMap::new();
        match doc.get("sample_names") {
            None => {}
            Some(Value::Object(map)) => {
                for (action, list) in map {
                    let list = list
                        .as_array()
                        .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_owned)).collect())
                        .ok_or_else(|| {
                            bad(&format!(
                                "`sample_names.{action}` is not an array of strings"
                            ))
                        })?;
                    names.insert(action.clone(), list);
                }
            }
            Some(_) => return Err(bad("`sample_names` is not an object")),
        }
        let repairs = doc
            .get("repairs")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| bad("no `repairs` array"))?;
        // The same document read again keeping the written order of members.
        let ordered = match jsonc::parse(&text) {
            Ok(d) => match d.get("repairs") {
                Some(Json::Array(items)) => items.clone(),
                _ => return Err(bad("no `repairs` array")),
            },
            Err(e) => return Err(bad(&e.to_string())),
        };
        Ok(Self {
            names,
            repairs,
            ordered,
        })
    }

    /// The member `key` of repair `i`, in written order.
    fn ordered_value(&self, i: usize, key: &str) -> Json {
        self.ordered
            .get(i)
            .and_then(|r| r.get(key))
            .cloned()
            .unwrap_or(Json::Null)
    }
}

/// Text of a field of a repair.
fn field<'a>(repair: &'a Value, key: &str) -> Option<&'a str> {
    repair.get(key).and_then(Value::as_str)
}

/// Builds the repaired samples of a page: `(file stem, text)`, sorted by stem.
pub fn extract(
    page: &str,
    errata: &Errata,
    actions: &BTreeSet<String>,
) -> Result<Vec<(String, String)>, SampleError> {
    let sections = sections(page);
    let mut used = vec![false; errata.repairs.len()];
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for section in &sections {
        let action = section.action.as_str();
        if !actions.contains(action) {
            return Err(err(
                Some(action),
                Some(section.line),
                "the page documents this action, but it has no schema in schemas/v3.5/actions/",
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

fn applies(repair: &Value, stem: &str) -> bool {
    match field(repair, "sample") {
        Some("*") => true,
        Some(name) => name == stem,
        None => false,
    }
}

/// Applies the text repairs, parses, then applies the structural repairs of one sample.
fn repair(
    action: &str,
    stem: &str,
    first_line: usize,
    body: &[String],
    errata: &Errata,
    used: &mut [bool],
) -> Result<Json, SampleError> {
    let mut lines: Vec<String> = body.to_vec();
    // Page line of each line (insertions have none).
    let mut origin: Vec<Option<usize>> = (0..lines.len()).map(|i| Some(first_line + i)).collect();
    for (i, repair) in errata.repairs.iter().enumerate() {
        if !applies(repair, stem) || repair.get("line").is_none() {
            continue;
        }
        let n = repair.get("line").and_then(Value::as_u64).unwrap_or(0) as usize;
        let Some(index) = origin
            .iter()
            .position(|o| *o == Some(first_line + n.saturating_sub(1)))
        else {
            return Err(err(
                Some(action),
                None,
                format!("sample {stem}: erratum line {n} is outside the sample"),
            ));
        };
        let text = lines[index].trim().to_owned();
        let (expected, replace) = match (field(repair, "replace"), field(repair, "after")) {
            (Some(expected), _) => (expected, true),
            (None, Some(expected)) => (expected, false),
            (None, None) => {
                return Err(err(
                    Some(action),
                    None,
                    format!(
                        "erratum entry {}: a line repair needs `replace` or `after`",
                        i + 1
                    ),
                ));
            }
        };
        if text != expected {
            return Err(err(
                Some(action),
                Some(first_line + n - 1),
                format!("sample {stem}: erratum expects `{expected}` here, the page has `{text}`"),
            ));
        }
        if replace {
            lines[index] = field(repair, "with").unwrap_or_default().to_owned();
        } else {
            lines.insert(
                index + 1,
                field(repair, "insert").unwrap_or_default().to_owned(),
            );
            origin.insert(index + 1, None);
        }
        used[i] = true;
    }
    let text = lines.join("\n");
    let mut json = jsonc::parse(&text).map_err(|e| {
        let page_line = origin.get(e.line.saturating_sub(1)).copied().flatten();
        err(
            Some(action),
            page_line,
            format!(
                "sample {stem} is not JSON: {} (column {}); add a repair to errata.json",
                e.message, e.column
            ),
        )
    })?;
    for (i, repair) in errata.repairs.iter().enumerate() {
        if !applies(repair, stem) || repair.get("line").is_some() {
            continue;
        }
        let wildcard = field(repair, "sample") == Some("*");
        if repair.get("wrap").is_some() {
            if json.get("action").is_some() {
                return Err(err(
                    Some(action),
                    Some(first_line),
                    format!("sample {stem}: erratum wraps it in an envelope, but it has one"),
                ));
            }
            let mut envelope = errata.ordered_value(i, "wrap");
            envelope.set("/action", Json::String(action.to_owned()));
            envelope.set("/payload", json);
            json = envelope;
        } else if let Some(pointer) = field(repair, "set") {
            let expect = repair.get("expect").map(Json::from_value);
            let current = json.pointer_mut(pointer).map(|v| v.clone());
            if current.is_none() || current != expect {
                if wildcard {
                    continue;
                }
                return Err(err(
                    Some(action),
                    Some(first_line),
                    format!(
                        "sample {stem}: erratum expects {} at {pointer}, the page has {}",
                        expect
                            .map(|v| v.pretty().trim().to_owned())
                            .unwrap_or_default(),
                        current
                            .map(|v| v.pretty().trim().to_owned())
                            .unwrap_or_else(|| "nothing".to_owned())
                    ),
                ));
            }
            json.set(pointer, errata.ordered_value(i, "value"));
        } else if let Some(pointer) = field(repair, "add") {
            if json.pointer_mut(pointer).is_some() {
                return Err(err(
                    Some(action),
                    Some(first_line),
                    format!("sample {stem}: erratum adds {pointer}, but the page has it"),
                ));
            }
            if !json.set(pointer, errata.ordered_value(i, "value")) {
                return Err(err(
                    Some(action),
                    Some(first_line),
                    format!("sample {stem}: cannot add {pointer}"),
                ));
            }
        } else {
            return Err(err(
                Some(action),
                None,
                format!("erratum entry {}: unknown kind of repair", i + 1),
            ));
        }
        used[i] = true;
    }
    Ok(json)
}

/// Extracts the samples of `page` for `actions`, repaired by `dir/errata.json`, and syncs them
/// into `dir` (with `check`, compares only). Returns the stale stems.
pub fn run(
    page: &str,
    actions: &BTreeSet<String>,
    dir: &Path,
    check: bool,
) -> Result<Vec<String>, SampleError> {
    let errata = Errata::load(&dir.join("errata.json"))?;
    let extracted = extract(page, &errata, actions)?;
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
            if name.ends_with(".json") && name != "errata.json" && !wanted.contains(&name) {
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
