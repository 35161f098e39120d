//! Turning the schema engine's errors into [`Violation`]s a person can act on.
//!
//! Two rewrites make the errors precise:
//! - A `oneOf` over a tagged union (events and users on `type`, auto access changes on
//!   `status`) fails as a whole when one variant's field is wrong. The variant the tag selects is
//!   found (the only alternative whose tag constant did not fail), and its own errors are
//!   reported instead; an unknown tag becomes one `enum` error on the tag.
//! - `additionalProperties` (strict mode) becomes one violation per undocumented property, at
//!   the property's own pointer.

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::error::Violation;
use crate::generated::schemas;
use webhooks_types::location::{escape, line_columns};

use crate::locate::locate_all;

type EngineError<'a> = jsonschema::ValidationError<'a>;

/// Stands in a message for a number, until the number's text in the body is known.
const NUMBER: &str = "\u{0}number\u{0}";

/// The violations of a body: the first `max`, and the count of the others.
pub(crate) struct Collected {
    pub(crate) kept: Vec<Violation>,
    pub(crate) omitted: usize,
}

/// Collects the violations of `errors`, keeping the first `max` (with line, column and numbers
/// as written when `text` is given) and counting the rest. Memory beyond the engine's own
/// errors is bounded by `max`; locating is one pass over the text.
pub(crate) fn collect<'a>(
    errors: impl Iterator<Item = EngineError<'a>>,
    text: Option<&[u8]>,
    max: usize,
) -> Collected {
    let mut sink = Sink {
        kept: Vec::new(),
        omitted: 0,
        tail: None,
        max,
    };
    for error in errors {
        push(&error, &mut sink);
    }
    let mut kept = sink.kept;
    let spans = match text {
        Some(text) => {
            let pointers: Vec<&str> = kept.iter().map(|p| p.violation.pointer.as_str()).collect();
            locate_all(text, &pointers)
        }
        None => vec![None; kept.len()],
    };
    if let Some(text) = text {
        let found: Vec<usize> = spans.iter().flatten().map(|s| s.start).collect();
        let mut positions = line_columns(text, &found).into_iter();
        for (pending, span) in kept.iter_mut().zip(&spans) {
            if span.is_some() {
                if let Some((line, column)) = positions.next() {
                    pending.violation.line = Some(line);
                    pending.violation.column = Some(column);
                }
            }
        }
    }
    let kept = kept
        .into_iter()
        .zip(spans)
        .map(|(mut pending, span)| {
            if let Some(parsed) = pending.number {
                // The number as written: the parsed value may have lost digits (beyond 64 bits).
                let written = span
                    .and_then(|s| text.and_then(|t| t.get(s.start..s.end)))
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .unwrap_or(&parsed);
                pending.violation.message = pending.violation.message.replacen(NUMBER, written, 1);
            }
            pending.violation
        })
        .collect();
    Collected {
        kept,
        omitted: sink.omitted,
    }
}

/// A violation whose message may still hold [`NUMBER`]; `number` is then the parsed number.
struct Pending {
    violation: Violation,
    number: Option<String>,
}

/// Receives the violations in order: keeps the first `max`, counts the rest, and drops a
/// violation equal to the one before it.
struct Sink {
    kept: Vec<Pending>,
    omitted: usize,
    /// The last violation counted beyond `max`, to tell repeats.
    tail: Option<Violation>,
    max: usize,
}

impl Sink {
    fn add(&mut self, error: &EngineError<'_>, violation: Violation) {
        let previous = self
            .tail
            .as_ref()
            .or_else(|| self.kept.last().map(|p| &p.violation));
        if previous == Some(&violation) {
            return;
        }
        if self.kept.len() < self.max {
            let number = match error.instance().as_ref() {
                Value::Number(n) if violation.message.contains(NUMBER) => Some(n.to_string()),
                _ => None,
            };
            self.kept.push(Pending { violation, number });
        } else {
            self.omitted += 1;
            self.tail = Some(violation);
        }
    }
}

fn push(error: &EngineError<'_>, out: &mut Sink) {
    let pointer = error.instance_path().as_str().to_owned();
    match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            if let Some(refined) = refine_union(error, &pointer, context) {
                match refined {
                    Refined::Branch(errors) => {
                        for e in errors {
                            push(e, out);
                        }
                    }
                    Refined::One(v) => out.add(error, *v),
                }
                return;
            }
            let message = format!(
                "{} matches none of the {} alternatives of its schema",
                describe(error.instance().as_ref()),
                context.len()
            );
            out.add(error, violation(error, pointer, message));
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                let at = format!("{pointer}/{}", escape(name));
                let message = format!("property `{name}` is not documented (strict mode)");
                out.add(error, violation(error, at, message));
            }
        }
        ValidationErrorKind::Not { schema } => {
            let message = format!(
                "{} must not match {schema}",
                describe(error.instance().as_ref())
            );
            out.add(error, violation(error, pointer, message));
        }
        _ => {
            if let Some(v) = union_violation(error, &pointer) {
                out.add(error, v);
                return;
            }
            let message = message(error);
            out.add(error, violation(error, pointer, message));
        }
    }
}

/// The violation for an error of the last `else` of a union rewritten by [`crate::unions`] (the
/// tag is missing or unknown, or the value is not an object), reported at the union's `oneOf`;
/// `None` for any other error.
fn union_violation(error: &EngineError<'_>, pointer: &str) -> Option<Violation> {
    let mut v = violation(error, pointer.to_owned(), String::new());
    let at = v.schema.find("/else/")?;
    v.schema = format!("{}/oneOf", &v.schema[..at]);
    v.message = match error.kind() {
        ValidationErrorKind::Enum { options } => {
            v.keyword = "oneOf".to_owned();
            let name = pointer.rsplit('/').next().unwrap_or_default();
            let allowed: Vec<String> = options
                .as_array()
                .map(|o| o.iter().map(Value::to_string).collect())
                .unwrap_or_default();
            format!(
                "{} is not a known `{name}`; expected one of {}",
                describe(error.instance().as_ref()),
                allowed.join(", ")
            )
        }
        _ => message(error),
    };
    Some(v)
}

enum Refined<'e> {
    /// The errors of the one alternative the tag selects.
    Branch(&'e [EngineError<'static>]),
    /// A single violation on the tag itself.
    One(Box<Violation>),
}

/// Finds the alternative of a tagged union that the instance's tag selects.
fn refine_union<'e>(
    union: &EngineError<'_>,
    pointer: &str,
    branches: &'e [Vec<EngineError<'static>>],
) -> Option<Refined<'e>> {
    // An alternative "rejects the tag" when it fails a `const` on a direct member.
    let tag_error = |branch: &'e [EngineError<'static>]| -> Option<&'e EngineError<'static>> {
        branch.iter().find(|e| {
            matches!(e.kind(), ValidationErrorKind::Constant { .. })
                && parent(e.instance_path().as_str()) == Some(pointer)
        })
    };
    let tags: Vec<Option<&EngineError<'static>>> = branches.iter().map(|b| tag_error(b)).collect();
    let accepting: Vec<usize> = (0..branches.len()).filter(|i| tags[*i].is_none()).collect();
    match accepting.as_slice() {
        [only] if tags.iter().filter(|t| t.is_some()).count() > 0 => {
            Some(Refined::Branch(&branches[*only]))
        }
        [] => {
            // Every alternative rejects the tag: an unknown tag value.
            let first = tags.first().copied().flatten()?;
            let tag_pointer = first.instance_path().as_str().to_owned();
            if tags
                .iter()
                .any(|t| t.is_none_or(|e| e.instance_path().as_str() != tag_pointer))
            {
                return None;
            }
            let allowed: Vec<String> = tags
                .iter()
                .filter_map(|t| match t.map(jsonschema::ValidationError::kind) {
                    Some(ValidationErrorKind::Constant { expected_value }) => {
                        Some(expected_value.to_string())
                    }
                    _ => None,
                })
                .collect();
            let name = tag_pointer.rsplit('/').next().unwrap_or_default();
            let message = format!(
                "{} is not a known `{name}`; expected one of {}",
                first.instance(),
                allowed.join(", ")
            );
            Some(Refined::One(Box::new(violation(
                union,
                tag_pointer,
                message,
            ))))
        }
        _ => {
            // No tag told the alternatives apart: is the tag missing in all of them?
            let missing = branches.iter().map(|b| {
                b.iter().find_map(|e| match e.kind() {
                    ValidationErrorKind::Required { property }
                        if e.instance_path().as_str() == pointer =>
                    {
                        Some(property.clone())
                    }
                    _ => None,
                })
            });
            let mut common = None;
            for property in missing {
                let property = property?;
                if common.get_or_insert_with(|| property.clone()) != &property {
                    return None;
                }
            }
            let property = common?;
            let first = branches.first()?.iter().find(|e| {
                matches!(e.kind(), ValidationErrorKind::Required { .. })
                    && e.instance_path().as_str() == pointer
            })?;
            let message = format!("{property} is a required property");
            Some(Refined::One(Box::new(violation(
                first,
                pointer.to_owned(),
                message,
            ))))
        }
    }
}

fn parent(pointer: &str) -> Option<&str> {
    pointer.rfind('/').map(|i| &pointer[..i])
}

fn violation(error: &EngineError<'_>, pointer: String, message: String) -> Violation {
    let schema = match error.absolute_keyword_location() {
        Some(uri) => {
            let uri = uri.as_str();
            webhooks_types::ApiVersion::ALL
                .into_iter()
                .find_map(|v| uri.strip_prefix(schemas::of(v).base_uri))
                .unwrap_or(uri)
                .to_owned()
        }
        None => format!("#{}", error.schema_path().as_str()),
    };
    // `dependencies` is checked as `required`; name the keyword the schema author wrote.
    let path = error.schema_path().as_str();
    let keyword = if path.rsplit('/').take(3).any(|s| s == "dependencies") {
        "dependencies"
    } else {
        error.kind().keyword()
    };
    Violation {
        pointer,
        line: None,
        column: None,
        keyword: keyword.to_owned(),
        schema,
        message,
    }
}

/// The engine's message, with a large instance (an object or array) named instead of quoted,
/// and a number left to be written as in the body.
fn message(error: &EngineError<'_>) -> String {
    let instance = error.instance();
    let large = match instance.as_ref() {
        Value::Object(_) | Value::Array(_) | Value::Number(_) => true,
        Value::String(s) => s.len() > 80,
        _ => false,
    };
    if large {
        error.masked_with(describe(instance.as_ref())).to_string()
    } else {
        error.to_string()
    }
}

/// "an object", "an array of 3 items", "a string of 12000 bytes"... (a number: [`NUMBER`]).
fn describe(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "the empty object".to_owned(),
        Value::Object(map) if map.len() == 1 => "the object (1 member)".to_owned(),
        Value::Object(map) => format!("the object ({} members)", map.len()),
        Value::Array(items) if items.is_empty() => "the empty array".to_owned(),
        Value::Array(items) if items.len() == 1 => "the array (1 item)".to_owned(),
        Value::Array(items) => format!("the array ({} items)", items.len()),
        Value::String(s) if s.len() > 80 => format!("the string ({} bytes)", s.len()),
        Value::Number(_) => NUMBER.to_owned(),
        other => other.to_string(),
    }
}
