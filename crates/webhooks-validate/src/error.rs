//! The errors of validation.

use std::fmt;

use serde::Serialize;
use webhooks_types::{ApiVersion, ParseError};

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
    /// The body is larger than the validator accepts
    /// ([`ValidatorBuilder::max_body_size`](crate::ValidatorBuilder::max_body_size), the
    /// command's `--max-body-size`): it was not parsed.
    #[error("body exceeds {limit} bytes (the maximum body size)")]
    TooLarge {
        /// The maximum body size, in bytes.
        limit: usize,
    },
    /// An object of the body has the same key twice. Receivers differ on which value counts
    /// (the first or the last), so neither is trusted: the schemas and the types both reject it.
    #[error(
        "duplicate key {} at `{pointer}` (line {line}, column {column})",
        Short(key)
    )]
    DuplicateKey {
        /// The key.
        key: String,
        /// JSON pointer of the second occurrence's value.
        pointer: String,
        /// Line of the second occurrence's key (1-based).
        line: usize,
        /// Column of the second occurrence's key (1-based, in bytes).
        column: usize,
    },
    /// The body is JSON, but its top level is not an object.
    #[error("a webhook is a JSON object, found {found}")]
    NotAnObject {
        /// What was found: "an array", "a string", ...
        found: &'static str,
    },
    /// The `action` is a string this API version does not define: `event_deleted is not a
    /// v3.5 action (it exists from v3.6)`.
    #[error(
        "{} is not a v{api_version} action ({})",
        Short(action),
        elsewhere.as_deref().unwrap_or("no version of the API has it")
    )]
    UnknownAction {
        /// The action as received.
        action: String,
        /// The API version of the validator.
        api_version: ApiVersion,
        /// Where the versions that know the action stand, when some do (see
        /// [`ApiVersion::whereabouts`]).
        elsewhere: Option<String>,
    },
    /// `secret_key` is not the expected secret.
    #[error("`secret_key` does not match the expected secret")]
    SecretMismatch,
    /// The body breaks the schema of its action: the violations found, up to the validator's
    /// maximum, and the count of the others.
    #[error("{0}")]
    Invalid(Violations),
    /// The schemas and the generated types disagree about the body: a bug of this project's
    /// schemas or generator, never of the input alone.
    #[error("{0}")]
    Disagreement(Box<Disagreement>),
    /// An embedded schema the body needed did not compile: a bug of this crate, reported
    /// instead of a panic (a test compiles every schema).
    #[error("{0}")]
    Build(BuildError),
}

impl ValidationError {
    /// The schema violations, when the error has any.
    pub fn violations(&self) -> &[Violation] {
        match self {
            Self::Invalid(violations) => violations.as_slice(),
            Self::Disagreement(d) => d.violations.as_slice(),
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
    /// Where the failed keyword is: the schema file (below the version's folder of `schemas/`) and a JSON pointer
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

/// The violations of one body: the first ones found (up to the validator's maximum, see
/// [`ValidatorBuilder::max_errors`](crate::ValidatorBuilder::max_errors)) and the count of the
/// others. It derefs to the slice of the reported ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations {
    list: Vec<Violation>,
    omitted: usize,
}

impl Violations {
    /// The reported violations and the count of those left out.
    pub fn new(list: Vec<Violation>, omitted: usize) -> Self {
        Self { list, omitted }
    }

    /// The reported violations.
    pub fn as_slice(&self) -> &[Violation] {
        &self.list
    }

    /// How many more violations the body has beyond the reported ones.
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// Every violation found: the reported ones and the omitted ones.
    pub fn total(&self) -> usize {
        self.list.len() + self.omitted
    }
}

impl From<Vec<Violation>> for Violations {
    /// All of `list`, none omitted.
    fn from(list: Vec<Violation>) -> Self {
        Self { list, omitted: 0 }
    }
}

impl std::ops::Deref for Violations {
    type Target = [Violation];

    fn deref(&self) -> &[Violation] {
        &self.list
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total();
        write!(
            f,
            "{total} schema violation{}: {}",
            if total == 1 { "" } else { "s" },
            List(&self.list)
        )?;
        if self.omitted > 0 {
            write!(f, "; and {} more", self.omitted)?;
        }
        Ok(())
    }
}

struct List<'a>(&'a [Violation]);

impl fmt::Display for List<'_> {
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
    pub violations: Violations,
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
                self.action, self.violations
            ),
        }
    }
}

/// The embedded schemas could not be compiled (a bug of this crate, reported instead of a
/// panic).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema `{file}` does not compile: {message}")]
pub struct BuildError {
    /// The schema file, below the version's folder of `schemas/`.
    pub file: String,
    /// What went wrong.
    pub message: String,
}
