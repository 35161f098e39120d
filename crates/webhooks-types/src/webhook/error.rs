//! The errors of an envelope's parse: each says where (JSON pointer, line and column of the
//! whole input) and why. The pointer is found by parsing again with path tracking, only on the
//! error path.

use crate::location::{bare_message, line_column};
use crate::parse_error::pointer_of;
use crate::{ParseError, ParseErrorKind, VersionPayload};

use super::Parsed;

/// The error for the first key that occurs twice in one object of `text`, if any.
pub(super) fn duplicate_key(text: &str) -> Option<ParseError> {
    let duplicate = crate::find_duplicate_key(text.as_bytes())?;
    let (line, column) = line_column(text.as_bytes(), duplicate.offset);
    Some(ParseError {
        kind: ParseErrorKind::Data,
        message: format!("duplicate key `{}`", duplicate.key),
        pointer: duplicate.pointer,
        line,
        column,
    })
}

fn kind_of(e: &serde_json::Error) -> ParseErrorKind {
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            ParseErrorKind::Syntax
        }
        serde_json::error::Category::Eof => ParseErrorKind::Eof,
        serde_json::error::Category::Data => ParseErrorKind::Data,
    }
}

/// Builds the error of the envelope pass, with the pointer found by parsing again with path
/// tracking (only on this error path).
pub(super) fn envelope_error<P: VersionPayload>(text: &str, e: serde_json::Error) -> ParseError {
    let mut de = serde_json::Deserializer::from_str(text);
    let pointer = match serde_path_to_error::deserialize::<_, Parsed<'_, P>>(&mut de) {
        Err(tracked) => pointer_of(tracked.path()),
        Ok(_) => String::new(),
    };
    let message = if e.line() == 0 {
        e.to_string()
    } else {
        bare_message(&e)
    };
    ParseError {
        kind: kind_of(&e),
        pointer,
        line: e.line().max(1),
        column: e.column().max(1),
        message,
    }
}

/// Builds the error of the payload pass: the position is moved from the payload's text to the
/// whole input, and the pointer is found by parsing again with path tracking.
pub(super) fn payload_error<P: VersionPayload>(
    text: &str,
    raw: &str,
    action: &str,
    e: serde_json::Error,
) -> ParseError {
    let offset = (raw.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let (base_line, base_column) = line_column(text.as_bytes(), offset);
    let (line, column) = if e.line() <= 1 {
        (base_line, base_column + e.column().saturating_sub(1))
    } else {
        (base_line + e.line() - 1, e.column())
    };
    let mut de = serde_json::Deserializer::from_str(raw);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut de, &mut track);
    let pointer = match P::deserialize_for(action, tracked) {
        Err(_) => format!("/payload{}", pointer_of(&track.path())),
        Ok(_) => "/payload".to_owned(),
    };
    ParseError {
        kind: kind_of(&e),
        pointer,
        line,
        column: column.max(1),
        message: bare_message(&e),
    }
}

/// The error for a document whose top level is not an object (serde would read an array as
/// the envelope's fields in order), or `None` when it starts like an object.
pub(super) fn not_an_object<P: VersionPayload>(text: &str) -> Option<ParseError> {
    let start = text.len() - text.trim_start().len();
    let found = match text.as_bytes().get(start)? {
        b'{' => return None,
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "a number",
        _ => return None,
    };
    // Report invalid JSON as such; only a well-formed non-object gets the type error.
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Some(envelope_error::<P>(text, e));
    }
    let (line, column) = line_column(text.as_bytes(), start);
    Some(ParseError {
        kind: ParseErrorKind::Data,
        pointer: String::new(),
        line,
        column,
        message: format!("a webhook is a JSON object, found {found}"),
    })
}
