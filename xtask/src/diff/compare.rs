//! Structural comparison of two schemas, following `$ref`s across files: a `$ref` to a shared
//! structure of the same name on both sides is left to that structure's own comparison; any other
//! `$ref` is followed, so a field moved into (or out of) a definition, or a definition renamed, is
//! no change when the shape stays the same.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::report::{Change, ChangeKind, Presence};
use super::shape::{
    child, is_shared, kind, label, openness, presence, properties, related, rule, target, variants,
    Node,
};
use crate::schema::SchemaSet;

/// Keywords that bound a value; a difference in any is a [`ChangeKind::ConstraintChanged`].
const BOUNDS: &[&str] = &[
    "format",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "pattern",
];

/// Keywords that state rules across members; compared as a whole, `$ref`s by target name.
const RULES: &[&str] = &["if", "not", "dependencies", "allOf"];

/// How deep a comparison follows schemas before it stops (a guard; real schemas are far less
/// deep).
const MAX_DEPTH: usize = 64;

/// Compares the schemas of two versions.
pub struct Comparer<'a> {
    old: &'a SchemaSet,
    new: &'a SchemaSet,
    /// The definitions being expanded on the current path, as `(old, new)` names.
    stack: Vec<(String, String)>,
}

impl<'a> Comparer<'a> {
    /// A comparer of `old` against `new`.
    pub fn new(old: &'a SchemaSet, new: &'a SchemaSet) -> Self {
        Self {
            old,
            new,
            stack: Vec::new(),
        }
    }

    /// The differences between `old` and `new`, with paths below `path`.
    pub fn compare(&mut self, old: Node<'a>, new: Node<'a>, path: &str) -> Vec<Change> {
        let mut out = Vec::new();
        self.walk(old, new, path, &mut out);
        out
    }

    /// Whether two schemas have the same shape.
    fn same(&mut self, old: Node<'a>, new: Node<'a>) -> bool {
        self.compare(old, new, "").is_empty()
    }

    fn walk(&mut self, old: Node<'a>, new: Node<'a>, path: &str, out: &mut Vec<Change>) {
        let old_ref = target(self.old, old);
        let new_ref = target(self.new, new);
        if let (Some((a, _)), Some((b, _))) = (&old_ref, &new_ref) {
            if a == b && is_shared(self.old, a) && is_shared(self.new, b) {
                return;
            }
        }
        if old_ref.is_some() || new_ref.is_some() {
            let key = (
                old_ref.as_ref().map(|(n, _)| n.clone()).unwrap_or_default(),
                new_ref.as_ref().map(|(n, _)| n.clone()).unwrap_or_default(),
            );
            if self.stack.contains(&key) || self.stack.len() >= MAX_DEPTH {
                return;
            }
            self.stack.push(key);
            let old = old_ref.map_or(old, |(_, node)| node);
            let new = new_ref.map_or(new, |(_, node)| node);
            self.walk(old, new, path, out);
            self.stack.pop();
            return;
        }
        let (old_kind, new_kind) = (kind(old.value), kind(new.value));
        if old_kind != new_kind {
            out.push(change(ChangeKind::Retyped, path, label(old), label(new)));
            return;
        }
        match old_kind {
            "object" => self.object(old, new, path, out),
            "array" => {
                if let (Some(a), Some(b)) = (old.value.get("items"), new.value.get("items")) {
                    self.walk(child(old, a), child(new, b), &format!("{path}[]"), out);
                }
            }
            _ => {}
        }
        if old.value.get("oneOf").is_some() || new.value.get("oneOf").is_some() {
            self.union(old, new, path, out);
        }
        values(old, new, path, out);
        for keyword in BOUNDS {
            let (a, b) = (old.value.get(*keyword), new.value.get(*keyword));
            if a != b {
                let show = |v: Option<&Value>| Some(v.map_or("none".to_owned(), Value::to_string));
                let path = at(path, keyword);
                out.push(changed(
                    ChangeKind::ConstraintChanged,
                    &path,
                    show(a),
                    show(b),
                ));
            }
        }
        for keyword in RULES.iter().copied().chain(["then"]) {
            let a = rule(self.old, old, keyword);
            let b = rule(self.new, new, keyword);
            if a != b {
                let (sa, sb) = (Some(brief(&a)), Some(brief(&b)));
                out.push(changed(
                    ChangeKind::ConstraintChanged,
                    &at(path, keyword),
                    sa,
                    sb,
                ));
            }
        }
    }

    fn object(&mut self, old: Node<'a>, new: Node<'a>, path: &str, out: &mut Vec<Change>) {
        let (old_props, new_props) = (properties(old), properties(new));
        let removed: Vec<&str> = old_props
            .keys()
            .filter(|k| !new_props.contains_key(*k))
            .copied()
            .collect();
        let added: Vec<&str> = new_props
            .keys()
            .filter(|k| !old_props.contains_key(*k))
            .copied()
            .collect();
        // A rename: the only added field of the same shape and a related name, and the reverse.
        let mut pairs: Vec<(&str, Vec<&str>)> = Vec::new();
        for r in &removed {
            let candidates = added
                .iter()
                .filter(|a| related(r, a))
                .filter(|a| self.same(child(old, old_props[r]), child(new, new_props[*a])))
                .copied()
                .collect();
            pairs.push((r, candidates));
        }
        let renamed: BTreeMap<&str, &str> = pairs
            .iter()
            .filter(|(_, c)| c.len() == 1)
            .filter(|(_, c)| pairs.iter().filter(|(_, d)| d.contains(&c[0])).count() == 1)
            .map(|(r, c)| (*r, c[0]))
            .collect();
        let names: BTreeSet<&str> = old_props.keys().chain(new_props.keys()).copied().collect();
        for name in names {
            let here = at(path, name);
            match (old_props.get(name), new_props.get(name)) {
                (Some(a), Some(b)) => {
                    presence_change(presence(old, name), presence(new, name), &here, out);
                    self.walk(child(old, a), child(new, b), &here, out);
                }
                (Some(_), None) => match renamed.get(name) {
                    Some(to) => {
                        let kind = ChangeKind::FieldRenamed;
                        out.push(change(kind, &here, name.to_owned(), (*to).to_owned()));
                        let to_path = at(path, to);
                        presence_change(presence(old, name), presence(new, to), &to_path, out);
                    }
                    None => {
                        let old_side = format!(
                            "{} {}",
                            presence(old, name).word(),
                            label(child(old, old_props[name]))
                        );
                        out.push(changed(
                            ChangeKind::FieldRemoved,
                            &here,
                            Some(old_side),
                            None,
                        ));
                    }
                },
                (None, Some(b)) if !renamed.values().any(|to| *to == name) => {
                    let p = presence(new, name);
                    let kind = ChangeKind::FieldAdded {
                        optional: p == Presence::Optional,
                    };
                    let new_side = format!("{} {}", p.word(), label(child(new, b)));
                    out.push(changed(kind, &here, None, Some(new_side)));
                }
                _ => {}
            }
        }
        let (a, b) = (
            old.value.get("additionalProperties"),
            new.value.get("additionalProperties"),
        );
        match (a, b) {
            (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => {
                self.walk(child(old, a), child(new, b), &at(path, "*"), out);
            }
            _ if openness(a) != openness(b) => {
                let path = at(path, "additionalProperties");
                let kind = ChangeKind::ConstraintChanged;
                out.push(change(
                    kind,
                    &path,
                    openness(a).to_owned(),
                    openness(b).to_owned(),
                ));
            }
            _ => {}
        }
    }

    fn union(&mut self, old: Node<'a>, new: Node<'a>, path: &str, out: &mut Vec<Change>) {
        let old_variants = variants(self.old, old);
        let new_variants = variants(self.new, new);
        let mut unmatched_new: Vec<&(String, Node<'a>)> = new_variants
            .iter()
            .filter(|(k, _)| !old_variants.iter().any(|(o, _)| o == k))
            .collect();
        let mut removed = Vec::new();
        for (key, a) in &old_variants {
            if let Some((_, b)) = new_variants.iter().find(|(k, _)| k == key) {
                self.walk(*a, *b, &format!("{path}<{key}>"), out);
                continue;
            }
            // A branch whose definition was renamed but keeps its shape is the same branch.
            if let Some(i) = (0..unmatched_new.len()).find(|i| self.same(*a, unmatched_new[*i].1)) {
                unmatched_new.remove(i);
                continue;
            }
            removed.push(key.clone());
        }
        for key in removed {
            out.push(changed(ChangeKind::VariantRemoved, path, Some(key), None));
        }
        for (key, _) in unmatched_new {
            out.push(changed(
                ChangeKind::VariantAdded,
                path,
                None,
                Some(key.clone()),
            ));
        }
    }
}

fn change(kind: ChangeKind, path: &str, old: String, new: String) -> Change {
    changed(kind, path, Some(old), Some(new))
}

fn changed(kind: ChangeKind, path: &str, old: Option<String>, new: Option<String>) -> Change {
    Change {
        kind,
        path: path.to_owned(),
        old,
        new,
    }
}

/// `path.name`, or `name` at the root.
fn at(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn presence_change(old: Presence, new: Presence, path: &str, out: &mut Vec<Change>) {
    let rank = |p: Presence| match p {
        Presence::Required => 2,
        Presence::Conditional => 1,
        Presence::Optional => 0,
    };
    let kind = match rank(new).cmp(&rank(old)) {
        std::cmp::Ordering::Greater => ChangeKind::MadeRequired,
        std::cmp::Ordering::Less => ChangeKind::MadeOptional,
        std::cmp::Ordering::Equal => return,
    };
    out.push(change(
        kind,
        path,
        old.word().to_owned(),
        new.word().to_owned(),
    ));
}

/// `enum` and `const` values, compared as sets.
fn values(old: Node<'_>, new: Node<'_>, path: &str, out: &mut Vec<Change>) {
    let set = |n: Node<'_>| -> Option<BTreeSet<String>> {
        if let Some(c) = n.value.get("const") {
            return Some([c.to_string()].into());
        }
        let list = n.value.get("enum")?.as_array()?;
        Some(list.iter().map(Value::to_string).collect())
    };
    match (set(old), set(new)) {
        (Some(a), Some(b)) => {
            for v in a.difference(&b) {
                out.push(changed(
                    ChangeKind::ValueRemoved,
                    path,
                    Some(v.clone()),
                    None,
                ));
            }
            for v in b.difference(&a) {
                out.push(changed(ChangeKind::ValueAdded, path, None, Some(v.clone())));
            }
        }
        (None, None) => {}
        (a, b) => {
            let show = |s: Option<BTreeSet<String>>| {
                Some(s.map_or("any value".to_owned(), |s| {
                    format!("one of {}", s.into_iter().collect::<Vec<_>>().join(", "))
                }))
            };
            out.push(changed(
                ChangeKind::ConstraintChanged,
                &at(path, "enum"),
                show(a),
                show(b),
            ));
        }
    }
}

/// A rule in one short line: `none`, or its compact JSON cut at [`BRIEF`] characters.
fn brief(rule: &Value) -> String {
    if rule.is_null() {
        return "none".to_owned();
    }
    let text = rule.to_string();
    match text.char_indices().nth(BRIEF) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// The longest rule text shown.
const BRIEF: usize = 100;
