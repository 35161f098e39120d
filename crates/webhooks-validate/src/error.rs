//! The errors of validation.

use std::fmt;

use serde::Serialize;
use webhooks_types::ParseError;

/// Why a body is not a valid webhook.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    /// The body is not JSON (or not UTF-8, or nested deeper than the parser allows).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// Line of the input (1-based).
        line: usize,
        /// Column of the input (1-based, in bytes).
        column: usize,
        /// What the parser found.
        message: String,
    },
    /// The body is JSON, but its top level is not an object.
    #[error("a webhook is a JSON object, found {found}")]
    NotAnObject {
        /// What was found: "an array", "a string", ...
        found: &'static str,
    },
    /// The `action` is a string this API version does not define.
    #[error(
        "unknown action {}: API v{api_version} has no such webhook",
        Short(action)
    )]
    UnknownAction {
        /// The action as received.
        action: String,
        /// The API version of the validator.
        api_version: &'static str,
    },
    /// `secret_key` is not the expected secret.
    #[error("`secret_key` does not match the expected secret")]
    SecretMismatch,
    /// The body breaks the schema of its action: every violation found.
    #[error("{} schema violation{}: {}", .0.len(), if .0.len() == 1 { "" } else { "s" }, Violations(.0))]
    Invalid(Vec<Violation>),
    /// The schemas and the generated types disagree about the body: a bug of this project's
    /// schemas or generator, never of the input alone.
    #[error("{0}")]
    Disagreement(Box<Disagreement>),
}

impl ValidationError {
    /// The schema violations, when the error has any.
    pub fn violations(&self) -> &[Violation] {
        match self {
            Self::Invalid(violations) => violations,
            Self::Disagreement(d) => &d.violations,
            _ => &[],
        }
    }
}

/// One way in which a body breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON pointer of the value at fault (`""` for the whole body).
    pub pointer: String,
    /// Line of the value in the input (1-based), when the input text was available.
    pub line: Option<usize>,
    /// Column of the value in the input (1-based, in bytes).
    pub column: Option<usize>,
    /// The schema keyword that failed (`type`, `required`, `enum`, `format`, ...;
    /// `additionalProperties` for an undocumented property in strict mode).
    pub keyword: String,
    /// Where the failed keyword is: the schema file (below `schemas/v3.5/`) and a JSON pointer
    /// into it.
    pub schema: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}")?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A received string, cut to 60 characters with its length when longer.
struct Short<'a>(&'a str);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(60) {
            Some((end, _)) => write!(f, "`{}...` ({} bytes)", &self.0[..end], self.0.len()),
            None => write!(f, "`{}`", self.0),
        }
    }
}

struct Violations<'a>(&'a [Violation]);

impl fmt::Display for Violations<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

/// The schemas and the types reached different verdicts on one body.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    /// The action the body names.
    pub action: String,
    /// What the schema found: empty when the schema accepts the body.
    pub violations: Vec<Violation>,
    /// What the typed parse found: `None` when the types accept the body.
    pub typed: Option<ParseError>,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.typed {
            Some(typed) => write!(
                f,
                "schema/type disagreement on `{}`: the schema accepts the body, the types reject it: {typed}",
                self.action
            ),
            None => write!(
                f,
                "schema/type disagreement on `{}`: the types accept the body, the schema rejects it: {}",
                self.action,
                Violations(&self.violations)
            ),
        }
    }
}

/// The embedded schemas could not be compiled (a bug of this crate, reported instead of a
/// panic).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema `{file}` does not compile: {message}")]
pub struct BuildError {
    /// The schema file, below `schemas/v3.5/`.
    pub file: String,
    /// What went wrong.
    pub message: String,
}
