//! Errors of the typed parse.

use std::fmt;

/// What kind of problem a [`ParseError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The input is not JSON (or not UTF-8).
    Syntax,
    /// The input ended in the middle of a value.
    Eof,
    /// The input is JSON, but not a webhook of the expected shape: a missing field, a wrong
    /// type, a value outside an enumeration, an unknown event `type`...
    Data,
}

/// A webhook body that could not be parsed into a version's `Webhook` (such as
/// [`v3_6::Webhook`](crate::v3_6::Webhook)).
///
/// It says where (a JSON pointer, and the line and column of the input) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ParseError {
    pub(crate) kind: ParseErrorKind,
    pub(crate) pointer: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

impl ParseError {
    /// The kind of problem.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// JSON pointer of the value at fault (empty for the whole document). For a syntax error,
    /// the value being read when it happened, as far as known.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Line of the input (1-based).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Column of the input (1-based, in bytes).
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }

    fn describe(&self) -> String {
        let pointer = if self.pointer.is_empty() {
            "the document".to_owned()
        } else {
            format!("`{}`", self.pointer)
        };
        let what = match self.kind {
            ParseErrorKind::Syntax => "invalid JSON",
            ParseErrorKind::Eof => "unexpected end of input",
            ParseErrorKind::Data => "invalid webhook",
        };
        format!(
            "{what} at {pointer} (line {}, column {}): {}",
            self.line, self.column, self.message
        )
    }
}

/// Converts a `serde_path_to_error` path into a JSON pointer.
pub(crate) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } => crate::location::push_token(&mut out, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Syntax => "syntax",
            Self::Eof => "eof",
            Self::Data => "data",
        })
    }
}
