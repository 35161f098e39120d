//! The recorded repairs of a version's documented samples (`samples/vX.Y/errata.json`), and
//! their application to one sample.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{err, SampleError};
use crate::json::{self, Json};

/// The recorded repairs of a samples folder.
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
        let ordered = match json::parse(&text) {
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
pub(super) fn field<'a>(repair: &'a Value, key: &str) -> Option<&'a str> {
    repair.get(key).and_then(Value::as_str)
}

fn applies(repair: &Value, stem: &str) -> bool {
    match field(repair, "sample") {
        Some("*") => true,
        Some(name) => name == stem,
        None => false,
    }
}

/// Applies the text repairs, parses, then applies the structural repairs of one sample.
pub(super) fn repair(
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
    let mut json = json::parse(&text).map_err(|e| {
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
