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
use crate::generated::schemas::BASE_URI;
use crate::locate::locate;

type EngineError = jsonschema::ValidationError<'static>;

/// Collects the violations of `errors`, located in `text` when given.
pub(crate) fn collect<'a>(
    errors: impl Iterator<Item = jsonschema::ValidationError<'a>>,
    text: Option<&[u8]>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for error in errors {
        push(&error.to_owned(), &mut out);
    }
    out.dedup();
    if let Some(text) = text {
        for v in &mut out {
            if let Some((line, column)) = locate(text, &v.pointer) {
                v.line = Some(line);
                v.column = Some(column);
            }
        }
    }
    out
}

fn push(error: &EngineError, out: &mut Vec<Violation>) {
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
                    Refined::One(v) => out.push(*v),
                }
                return;
            }
            let message = format!(
                "{} matches none of the {} alternatives of its schema",
                describe(error.instance().as_ref()),
                context.len()
            );
            out.push(violation(error, pointer, message));
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                let at = format!("{pointer}/{}", escape(name));
                let message = format!("property `{name}` is not documented (strict mode)");
                out.push(violation(error, at, message));
            }
        }
        ValidationErrorKind::Not { schema } => {
            let message = format!(
                "{} must not match {schema}",
                describe(error.instance().as_ref())
            );
            out.push(violation(error, pointer, message));
        }
        _ => {
            let message = message(error);
            out.push(violation(error, pointer, message));
        }
    }
}

enum Refined<'e> {
    /// The errors of the one alternative the tag selects.
    Branch(&'e [EngineError]),
    /// A single violation on the tag itself.
    One(Box<Violation>),
}

/// Finds the alternative of a tagged union that the instance's tag selects.
fn refine_union<'e>(
    union: &EngineError,
    pointer: &str,
    branches: &'e [Vec<EngineError>],
) -> Option<Refined<'e>> {
    // An alternative "rejects the tag" when it fails a `const` on a direct member.
    let tag_error = |branch: &'e [EngineError]| -> Option<&'e EngineError> {
        branch.iter().find(|e| {
            matches!(e.kind(), ValidationErrorKind::Constant { .. })
                && parent(e.instance_path().as_str()) == Some(pointer)
        })
    };
    let tags: Vec<Option<&EngineError>> = branches.iter().map(|b| tag_error(b)).collect();
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

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn violation(error: &EngineError, pointer: String, message: String) -> Violation {
    let schema = match error.absolute_keyword_location() {
        Some(uri) => {
            let uri = uri.as_str();
            uri.strip_prefix(BASE_URI).unwrap_or(uri).to_owned()
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

/// The engine's message, with a large instance (an object or array) named instead of quoted.
fn message(error: &EngineError) -> String {
    let instance = error.instance();
    let large = match instance.as_ref() {
        Value::Object(_) | Value::Array(_) => true,
        Value::String(s) => s.len() > 80,
        _ => false,
    };
    if large {
        error.masked_with(describe(instance.as_ref())).to_string()
    } else {
        error.to_string()
    }
}

/// "an object", "an array of 3 items", "a string of 12000 bytes"...
fn describe(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "the empty object".to_owned(),
        Value::Object(map) if map.len() == 1 => "the object (1 member)".to_owned(),
        Value::Object(map) => format!("the object ({} members)", map.len()),
        Value::Array(items) if items.is_empty() => "the empty array".to_owned(),
        Value::Array(items) if items.len() == 1 => "the array (1 item)".to_owned(),
        Value::Array(items) => format!("the array ({} items)", items.len()),
        Value::String(s) if s.len() > 80 => format!("the string ({} bytes)", s.len()),
        other => other.to_string(),
    }
}
