//! The two outputs of a report: a summary to read, and a stable JSON document (members in a
//! fixed order, lists in the order of the schemas: actions as `webhook.json` lists them,
//! structures and fields by name).

use std::fmt::Write as _;

use super::report::{mark, ActionDiff, Change, ChangeKind, Report, StructureDiff, Summary};
use crate::json::Json;

/// The report as text.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let s = report.summary();
    let _ = writeln!(out, "Webhook schemas {} -> {}", report.from, report.to);
    if report.is_empty() {
        let _ = writeln!(
            out,
            "No webhook change: the same actions, and every body parses the same."
        );
    } else {
        let _ = writeln!(out, "{}", summary_line(&s));
    }
    list(
        &mut out,
        "Actions added",
        &report.actions.added,
        "+",
        "compatible",
    );
    list(
        &mut out,
        "Actions removed",
        &report.actions.removed,
        "-",
        "breaking",
    );
    if !report.actions.changed.is_empty() {
        let _ = writeln!(out, "\nActions changed");
        for action in &report.actions.changed {
            let m = mark(report.action_breaking(action));
            let _ = writeln!(out, "  {}  [{m}]", action.name);
            for change in &action.changes {
                let _ = writeln!(out, "    {}", line(change));
            }
            if !action.structures.is_empty() {
                let _ = writeln!(
                    out,
                    "    changed structures: {}",
                    action.structures.join(", ")
                );
            }
        }
    }
    for (title, names) in [
        ("Structures added", &report.structures.added),
        ("Structures removed", &report.structures.removed),
    ] {
        if !names.is_empty() {
            let _ = writeln!(out, "\n{title}: {}", names.join(", "));
        }
    }
    if !report.structures.changed.is_empty() {
        let _ = writeln!(out, "\nStructures changed");
        for structure in &report.structures.changed {
            let m = mark(structure.changes.iter().any(Change::breaking));
            let _ = writeln!(out, "  {} ({})  [{m}]", structure.name, structure.file);
            let _ = writeln!(out, "    used by: {}", structure.used_by.join(", "));
            for change in &structure.changes {
                let _ = writeln!(out, "    {}", line(change));
            }
        }
    }
    out
}

fn summary_line(s: &Summary) -> String {
    format!(
        "Actions: {} added, {} removed, {} changed ({} with a breaking change). \
         Structures: {} added, {} removed, {} changed. \
         Entries: {} breaking, {} compatible.",
        s.actions_added,
        s.actions_removed,
        s.actions_changed,
        s.actions_breaking,
        s.structures_added,
        s.structures_removed,
        s.structures_changed,
        s.breaking,
        s.compatible
    )
}

fn list(out: &mut String, title: &str, names: &[String], sign: &str, mark: &str) {
    if names.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}");
    for name in names {
        let _ = writeln!(out, "  {sign} {name}  [{mark}]");
    }
}

/// One change as a line: a sign (`+` added, `-` removed, `~` changed), the path, the sides and
/// the mark.
fn line(change: &Change) -> String {
    let path = if change.path.is_empty() {
        "(root)"
    } else {
        &change.path
    };
    let old = change.old.as_deref().unwrap_or_default();
    let new = change.new.as_deref().unwrap_or_default();
    let body = match change.kind {
        ChangeKind::FieldAdded { .. } => format!("+ {path}: {new}"),
        ChangeKind::FieldRemoved => format!("- {path}: {old}"),
        ChangeKind::FieldRenamed => format!("~ {path}: renamed to {new}"),
        ChangeKind::Retyped => format!("~ {path}: retyped {old} -> {new}"),
        ChangeKind::MadeRequired | ChangeKind::MadeOptional => {
            format!("~ {path}: {old} -> {new}")
        }
        ChangeKind::ValueAdded => format!("+ {path}: value {new}"),
        ChangeKind::ValueRemoved => format!("- {path}: value {old}"),
        ChangeKind::VariantAdded => format!("+ {path}: branch {new}"),
        ChangeKind::VariantRemoved => format!("- {path}: branch {old}"),
        ChangeKind::ConstraintChanged => format!("~ {path}: {old} -> {new}"),
    };
    format!("{body}  [{}]", mark(change.breaking()))
}

fn string(s: &str) -> Json {
    Json::String(s.to_owned())
}

fn number(n: usize) -> Json {
    Json::Number(n.to_string())
}

fn object(members: Vec<(&str, Json)>) -> Json {
    Json::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn strings(names: &[String]) -> Json {
    Json::Array(names.iter().map(|n| string(n)).collect())
}

fn changes(list: &[Change]) -> Json {
    let side = |s: &Option<String>| s.as_deref().map_or(Json::Null, string);
    Json::Array(
        list.iter()
            .map(|c| {
                object(vec![
                    ("kind", string(c.kind.name())),
                    ("path", string(&c.path)),
                    ("old", side(&c.old)),
                    ("new", side(&c.new)),
                    ("mark", string(mark(c.breaking()))),
                ])
            })
            .collect(),
    )
}

/// An action of both versions that changed, in the JSON output.
fn action(report: &Report, a: &ActionDiff) -> Json {
    object(vec![
        ("name", string(&a.name)),
        ("mark", string(mark(report.action_breaking(a)))),
        ("changes", changes(&a.changes)),
        ("structures", strings(&a.structures)),
    ])
}

/// A structure of both versions that changed, in the JSON output.
fn structure(st: &StructureDiff) -> Json {
    let breaking = st.changes.iter().any(Change::breaking);
    object(vec![
        ("name", string(&st.name)),
        ("file", string(&st.file)),
        ("mark", string(mark(breaking))),
        ("used_by", strings(&st.used_by)),
        ("changes", changes(&st.changes)),
    ])
}

/// The report as a JSON document.
pub fn json(report: &Report) -> String {
    let s = report.summary();
    let summary = object(vec![
        ("actions_added", number(s.actions_added)),
        ("actions_removed", number(s.actions_removed)),
        ("actions_changed", number(s.actions_changed)),
        ("actions_breaking", number(s.actions_breaking)),
        ("structures_added", number(s.structures_added)),
        ("structures_removed", number(s.structures_removed)),
        ("structures_changed", number(s.structures_changed)),
        ("breaking", number(s.breaking)),
        ("compatible", number(s.compatible)),
    ]);
    let named = |names: &[String], m: &str| {
        Json::Array(
            names
                .iter()
                .map(|n| object(vec![("name", string(n)), ("mark", string(m))]))
                .collect(),
        )
    };
    object(vec![
        ("from", string(&report.from)),
        ("to", string(&report.to)),
        ("webhook_change", Json::Bool(!report.is_empty())),
        ("summary", summary),
        (
            "actions",
            object(vec![
                ("added", named(&report.actions.added, "compatible")),
                ("removed", named(&report.actions.removed, "breaking")),
                (
                    "changed",
                    Json::Array(
                        report
                            .actions
                            .changed
                            .iter()
                            .map(|a| action(report, a))
                            .collect(),
                    ),
                ),
            ]),
        ),
        (
            "structures",
            object(vec![
                ("added", strings(&report.structures.added)),
                ("removed", strings(&report.structures.removed)),
                (
                    "changed",
                    Json::Array(report.structures.changed.iter().map(structure).collect()),
                ),
            ]),
        ),
    ])
    .pretty()
}
