//! What a comparison finds: one [`Change`] per difference, the actions and structures it belongs
//! to, and the counts of the summary. The rules that mark a change breaking live in
//! [`ChangeKind::breaking`]; the module documentation of [`super`] states them.

use std::collections::BTreeSet;

/// Whether a field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Listed in `required`.
    Required,
    /// Listed in the `required` of a `then`: required unless the object's `if` says otherwise.
    Conditional,
    /// Neither.
    Optional,
}

impl Presence {
    /// The word used in the outputs.
    pub fn word(self) -> &'static str {
        match self {
            Presence::Required => "required",
            Presence::Conditional => "conditionally required",
            Presence::Optional => "optional",
        }
    }
}

/// The kind of one difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A field that the old version does not have; `optional` when bodies may omit it.
    FieldAdded {
        /// Whether the new field is optional.
        optional: bool,
    },
    /// A field of the old version that the new one no longer has.
    FieldRemoved,
    /// A field removed and one added in the same object, with the same shape and related names.
    FieldRenamed,
    /// A value of another type or shape.
    Retyped,
    /// A field that bodies may omit and now must carry (or must carry under a condition).
    MadeRequired,
    /// A field that bodies had to carry and now may omit (or may omit under a condition).
    MadeOptional,
    /// A value added to an `enum` (or a `const`).
    ValueAdded,
    /// A value removed from an `enum` (or a `const`).
    ValueRemoved,
    /// A branch added to a `oneOf`.
    VariantAdded,
    /// A branch removed from a `oneOf`.
    VariantRemoved,
    /// Another keyword that restricts values (`format`, bounds, `pattern`, `additionalProperties`,
    /// `if`, `not`, `dependencies`, an `enum` appearing or going).
    ConstraintChanged,
}

impl ChangeKind {
    /// The name in the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::FieldAdded { .. } => "field_added",
            ChangeKind::FieldRemoved => "field_removed",
            ChangeKind::FieldRenamed => "field_renamed",
            ChangeKind::Retyped => "retyped",
            ChangeKind::MadeRequired => "made_required",
            ChangeKind::MadeOptional => "made_optional",
            ChangeKind::ValueAdded => "value_added",
            ChangeKind::ValueRemoved => "value_removed",
            ChangeKind::VariantAdded => "variant_added",
            ChangeKind::VariantRemoved => "variant_removed",
            ChangeKind::ConstraintChanged => "constraint_changed",
        }
    }

    /// Whether a consumer that parses bodies has to change (the rules of the module docs): only
    /// an optional field added leaves both the old and the new parser right about every body.
    pub fn breaking(self) -> bool {
        !matches!(self, ChangeKind::FieldAdded { optional: true })
    }
}

/// One difference, at a path inside an action or a structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// Where: field names joined by `.`, `[]` for array items, `*` for map values, `<Name>` for
    /// a branch of a `oneOf`; empty for the root.
    pub path: String,
    /// The old side (a type, a presence, a value, a name), when there is one.
    pub old: Option<String>,
    /// The new side, when there is one.
    pub new: Option<String>,
}

impl Change {
    /// Whether the change is breaking (see [`ChangeKind::breaking`]).
    pub fn breaking(&self) -> bool {
        self.kind.breaking()
    }
}

/// The mark of an action or structure added or removed, or of a change.
pub fn mark(breaking: bool) -> &'static str {
    if breaking {
        "breaking"
    } else {
        "compatible"
    }
}

/// An action present in both versions whose own schema (envelope and payload definitions of its
/// file) changed, or that reaches a structure that changed.
#[derive(Debug, Clone)]
pub struct ActionDiff {
    /// The action name.
    pub name: String,
    /// Differences inside the action's file, followed through every `$ref` but those to a shared
    /// structure of the same name in both versions.
    pub changes: Vec<Change>,
    /// Changed structures the action reaches (compared once, under their own name).
    pub structures: Vec<String>,
}

/// A shared structure (a definition outside `actions/`) present in both versions that changed.
#[derive(Debug, Clone)]
pub struct StructureDiff {
    /// The definition name.
    pub name: String,
    /// Its differences.
    pub changes: Vec<Change>,
    /// The file of the new version that holds it.
    pub file: String,
    /// The actions of either version that reach it.
    pub used_by: Vec<String>,
}

/// What became of one kind of entry (actions, or shared structures) from the old version to the
/// new one.
#[derive(Debug, Clone)]
pub struct Entries<T> {
    /// Names only in the new version.
    pub added: Vec<String>,
    /// Names only in the old version.
    pub removed: Vec<String>,
    /// Entries of both versions that changed.
    pub changed: Vec<T>,
}

impl<T> Entries<T> {
    /// The names of `new` that `old` lacks (added) and those of `old` that `new` lacks
    /// (removed), each in its side's order, with the entries of both that changed.
    pub fn new<S: AsRef<str>>(old: &[S], new: &[S], changed: Vec<T>) -> Self {
        let missing = |names: &[S], other: &[S]| -> Vec<String> {
            names
                .iter()
                .map(AsRef::as_ref)
                .filter(|n| !other.iter().any(|o| o.as_ref() == *n))
                .map(str::to_owned)
                .collect()
        };
        Self {
            added: missing(new, old),
            removed: missing(old, new),
            changed,
        }
    }
}

/// The whole comparison of two schema folders.
#[derive(Debug, Clone)]
pub struct Report {
    /// Label of the old side (a version such as `3.5`, or a folder).
    pub from: String,
    /// Label of the new side.
    pub to: String,
    /// Actions: an action added is compatible (delivered only where registered), one removed
    /// is breaking.
    pub actions: Entries<ActionDiff>,
    /// Shared structures (definitions outside `actions/`).
    pub structures: Entries<StructureDiff>,
}

/// The counts of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Actions added.
    pub actions_added: usize,
    /// Actions removed.
    pub actions_removed: usize,
    /// Actions of both versions whose bodies change (own changes or a changed structure).
    pub actions_changed: usize,
    /// Of those, the ones with a breaking change.
    pub actions_breaking: usize,
    /// Structures added.
    pub structures_added: usize,
    /// Structures removed.
    pub structures_removed: usize,
    /// Structures changed.
    pub structures_changed: usize,
    /// Breaking entries: changes, plus actions removed.
    pub breaking: usize,
    /// Compatible entries: changes, plus actions added.
    pub compatible: usize,
}

impl Report {
    /// Whether a consumer sees no difference at all (structures added or removed without any use
    /// changing do not count: the bodies are the same).
    pub fn is_empty(&self) -> bool {
        self.actions.added.is_empty()
            && self.actions.removed.is_empty()
            && self.actions.changed.is_empty()
            && self.structures.changed.is_empty()
    }

    /// Whether an action of both versions has a breaking change, in its file or in a structure it
    /// reaches.
    pub fn action_breaking(&self, action: &ActionDiff) -> bool {
        action.changes.iter().any(Change::breaking)
            || self
                .structures
                .changed
                .iter()
                .filter(|s| action.structures.contains(&s.name))
                .any(|s| s.changes.iter().any(Change::breaking))
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        let changes = || {
            let own = self.actions.changed.iter().flat_map(|a| &a.changes);
            own.chain(self.structures.changed.iter().flat_map(|s| &s.changes))
        };
        let breaking = changes().filter(|c| c.breaking()).count();
        let compatible = changes().count() - breaking;
        let names: BTreeSet<&str> = self.actions.changed.iter().map(|a| &*a.name).collect();
        Summary {
            actions_added: self.actions.added.len(),
            actions_removed: self.actions.removed.len(),
            actions_changed: names.len(),
            actions_breaking: self
                .actions
                .changed
                .iter()
                .filter(|a| self.action_breaking(a))
                .count(),
            structures_added: self.structures.added.len(),
            structures_removed: self.structures.removed.len(),
            structures_changed: self.structures.changed.len(),
            breaking: breaking + self.actions.removed.len(),
            compatible: compatible + self.actions.added.len(),
        }
    }
}
