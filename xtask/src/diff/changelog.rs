//! The check of `schemas/CHANGELOG.md` against the diff: the entry that brings a version (the
//! `## ` section naming its folder, `schemas/vX.Y/`) must name, in backticks, every action the
//! version adds or removes and every field it removes or renames (old and new name), compared
//! with the version before it. Those are what a consumer has to act on by name; the rest of the
//! diff is for the entry's prose to summarise.

use super::report::{ChangeKind, Report};

/// The `## ` section of `changelog` whose text names `folder` (e.g. `schemas/v3.6/`), heading
/// included; the first one when several do.
pub fn entry<'a>(changelog: &'a str, folder: &str) -> Option<&'a str> {
    let mut start = None;
    let mut sections = Vec::new();
    for (at, _) in changelog.match_indices("\n## ") {
        if let Some(s) = start {
            sections.push(&changelog[s..at]);
        }
        start = Some(at + 1);
    }
    if let Some(s) = start {
        sections.push(&changelog[s..]);
    }
    sections.into_iter().find(|s| s.contains(folder))
}

/// The names `entry` has to mention for `report`, in the report's order, without repeats.
pub fn required_names(report: &Report) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    };
    report.actions.added.iter().for_each(|n| push(n));
    report.actions.removed.iter().for_each(|n| push(n));
    let changes = report
        .actions
        .changed
        .iter()
        .flat_map(|a| &a.changes)
        .chain(report.structures.changed.iter().flat_map(|s| &s.changes));
    for change in changes {
        let field = change.path.rsplit('.').next().unwrap_or_default();
        match change.kind {
            ChangeKind::FieldRemoved => push(field),
            ChangeKind::FieldRenamed => {
                push(field);
                if let Some(new) = &change.new {
                    push(new);
                }
            }
            _ => {}
        }
    }
    names
}

/// The names of [`required_names`] that `entry` does not write in backticks.
pub fn missing(report: &Report, entry: &str) -> Vec<String> {
    required_names(report)
        .into_iter()
        .filter(|name| !entry.contains(&format!("`{name}`")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff_dirs;
    use crate::layout::{self, VERSIONS};

    const CHANGELOG: &str = "# Changelog\n\nIntro.\n\n## 2.0.0\n\nThe v9.1 schemas \
        (`schemas/v9.1/`): `event_deleted` is new, `incoming_customer` is gone.\n\n## 1.0.0\n\n\
        The first version, under `schemas/v9.0/`.\n";

    #[test]
    fn the_entry_of_a_version_is_the_section_naming_its_folder() {
        let entry = entry(CHANGELOG, "schemas/v9.1/").expect("an entry");
        assert!(
            entry.starts_with("## 2.0.0") && entry.contains("gone."),
            "{entry}"
        );
        let first = super::entry(CHANGELOG, "schemas/v9.0/").expect("an entry");
        assert!(first.starts_with("## 1.0.0"), "{first}");
        assert_eq!(super::entry(CHANGELOG, "schemas/v9.2/"), None);
    }

    #[test]
    fn an_entry_must_name_actions_and_removed_or_renamed_fields() {
        let dir = |case: &str| layout::path("xtask/fixtures/diff").join(case);
        let actions = diff_dirs(&dir("actions/old"), &dir("actions/new"), "9.0", "9.1");
        let actions = actions.expect("the actions fixture");
        let entry = entry(CHANGELOG, "schemas/v9.1/").expect("an entry");
        assert!(missing(&actions, entry).is_empty());
        let fields = diff_dirs(&dir("fields/old"), &dir("fields/new"), "9.0", "9.1");
        let fields = fields.expect("the fields fixture");
        let names = [
            "note",
            "email",
            "last_visit",
            "visit",
            "queued_at_us",
            "queued_at",
        ];
        assert_eq!(required_names(&fields), names);
        assert_eq!(missing(&fields, entry), names);
    }

    #[test]
    fn every_version_has_an_entry_naming_its_changes() {
        let text = std::fs::read_to_string(layout::path(layout::CHANGELOG)).expect("CHANGELOG");
        for version in VERSIONS {
            let folder = format!("{}/", version.schemas());
            assert!(entry(&text, &folder).is_some(), "no entry names {folder}");
        }
        for pair in VERSIONS.windows(2) {
            let (old, new) = (pair[0], pair[1]);
            let report = diff_dirs(
                &layout::path(&old.schemas()),
                &layout::path(&new.schemas()),
                &old.name(),
                &new.name(),
            )
            .expect("schemas load");
            let entry = entry(&text, &format!("{}/", new.schemas())).unwrap_or_default();
            let missing = missing(&report, entry);
            assert!(
                missing.is_empty(),
                "the entry of {} omits {missing:?}",
                new.dir()
            );
        }
    }
}
