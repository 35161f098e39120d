//! Writing the result of one body, as text or as one JSON line.

use std::fmt;
use std::io::{self, Write};

use serde::Serialize;

use super::args::Format;
use super::style::{Styled, Styles};
use crate::{AnyWebhook, ValidationError, Violation};

/// One error of one input, as the JSON output gives it.
#[derive(Debug, Serialize)]
struct ErrorOut<'a> {
    kind: &'static str,
    pointer: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "str::is_empty")]
    keyword: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    schema: &'a str,
    message: String,
}

/// The result of one input, as the JSON output gives it.
#[derive(Debug, Serialize)]
struct ResultOut<'a> {
    input: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<ErrorOut<'a>>,
    /// Errors found beyond `--max-errors`, not listed.
    #[serde(skip_serializing_if = "is_zero")]
    omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn violation_out<'a>(kind: &'static str, v: &'a Violation) -> ErrorOut<'a> {
    ErrorOut {
        kind,
        pointer: &v.pointer,
        line: v.line,
        column: v.column,
        keyword: &v.keyword,
        schema: &v.schema,
        message: v.message.clone(),
    }
}

/// The errors to list, and the count of those left out.
fn errors_out(error: &ValidationError) -> (Vec<ErrorOut<'_>>, usize) {
    let single = |kind, pointer, line, column| ErrorOut {
        kind,
        pointer,
        line,
        column,
        keyword: "",
        schema: "",
        message: error.to_string(),
    };
    let list = match error {
        ValidationError::Json {
            line,
            column,
            message,
        } => vec![ErrorOut {
            message: format!("invalid JSON: {message}"),
            ..single("json", "", Some(*line), Some(*column))
        }],
        ValidationError::TooLarge { .. } => vec![single("too_large", "", None, None)],
        ValidationError::DuplicateKey {
            key,
            pointer,
            line,
            column,
        } => vec![ErrorOut {
            message: format!("duplicate key `{key}` (the object has it already)"),
            ..single("duplicate_key", pointer, Some(*line), Some(*column))
        }],
        ValidationError::NotAnObject { .. } => vec![single("not_an_object", "", None, None)],
        ValidationError::UnknownAction { .. } => {
            vec![single("unknown_action", "/action", None, None)]
        }
        ValidationError::SecretMismatch => vec![single("secret_key", "/secret_key", None, None)],
        ValidationError::Build(_) => vec![single("schema_build", "", None, None)],
        ValidationError::Invalid(violations) => {
            let list = violations
                .iter()
                .map(|v| violation_out("schema", v))
                .collect();
            return (list, violations.omitted());
        }
        ValidationError::Disagreement(d) => {
            let mut out = vec![single("disagreement", "", None, None)];
            out.extend(d.violations.iter().map(|v| violation_out("schema", v)));
            if let Some(typed) = &d.typed {
                out.push(ErrorOut {
                    kind: "typed",
                    pointer: typed.pointer(),
                    line: Some(typed.line()),
                    column: Some(typed.column()),
                    keyword: "",
                    schema: "",
                    message: typed.message().to_owned(),
                });
            }
            return (out, d.violations.omitted());
        }
    };
    (list, 0)
}

impl<'a> ErrorOut<'a> {
    /// The error's tag: the schema keyword that failed, else its kind (`json`, `too_large`,
    /// `duplicate_key`, ...).
    fn tag(&self) -> &'a str {
        if self.keyword.is_empty() {
            self.kind
        } else {
            self.keyword
        }
    }
}

/// Text with its control characters escaped (`\n`, `\r`, `\t`, `\u{1b}`, ...), and also the
/// characters that break or reorder lines (U+2028, U+2029, the bidirectional controls), so
/// that nothing received can start a line of its own or drive the terminal.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One pass: printable ASCII, the usual case (file names, actions), is stepped over a
        // byte at a time; a character is decoded only where another byte starts one.
        let text = self.0;
        let bytes = text.as_bytes();
        let (mut written, mut at) = (0, 0);
        while at < bytes.len() {
            if matches!(bytes[at], b' '..=b'~') {
                at += 1;
                continue;
            }
            let c = text[at..].chars().next().unwrap_or_default();
            let next = at + c.len_utf8();
            if needs_escape(c) {
                f.write_str(&text[written..at])?;
                match c {
                    '\n' => f.write_str("\\n")?,
                    '\r' => f.write_str("\\r")?,
                    '\t' => f.write_str("\\t")?,
                    other => write!(f, "\\u{{{:x}}}", u32::from(other))?,
                }
                written = next;
            }
            at = next;
        }
        f.write_str(&text[written..])
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Writes the result of one body; `input` names it, `line` is its line with `--ndjson`.
/// Returns the tags of the errors listed for an invalid body (none for a valid one), for the
/// summary.
pub(crate) fn write_result<'r>(
    out: &mut impl Write,
    format: Format,
    styles: &Styles,
    input: &str,
    line: Option<usize>,
    result: &'r Result<AnyWebhook, ValidationError>,
) -> io::Result<Vec<&'r str>> {
    let (webhook, (errors, omitted)) = match result {
        Ok(webhook) => (Some(webhook), (Vec::new(), 0)),
        Err(error) => (None, errors_out(error)),
    };
    let tags = errors.iter().map(ErrorOut::tag).collect();
    match format {
        Format::Text => {
            write!(out, "{}", Escaped(input))?;
            if let Some(line) = line {
                write!(out, ":{line}")?;
            }
            if let Some(webhook) = webhook {
                let action = Escaped(webhook.action_name());
                writeln!(out, ": {} {action}", Styled(styles.good, "ok"))?;
                return Ok(tags);
            }
            writeln!(out, ": {}", Styled(styles.bad, "invalid"))?;
            for e in errors {
                let pointer = if e.pointer.is_empty() {
                    "(root)"
                } else {
                    e.pointer
                };
                let tag = e.tag();
                write!(out, "  {}", Styled(styles.place, Escaped(pointer)))?;
                // Plain styles render as nothing: the bytes are those of uncoloured output.
                let (dim, reset) = (styles.quiet.render(), styles.quiet.render_reset());
                if let (Some(l), Some(c)) = (e.line, e.column) {
                    write!(out, " {dim}(line {l}, column {c}){reset}")?;
                }
                writeln!(
                    out,
                    ": {} {dim}[{}]{reset}",
                    Escaped(&e.message),
                    Escaped(tag)
                )?;
            }
            if omitted > 0 {
                writeln!(out, "  and {omitted} more (--max-errors)")?;
            }
        }
        Format::Json => {
            let record = ResultOut {
                input,
                line,
                valid: webhook.is_some(),
                action: webhook.map(AnyWebhook::action_name),
                errors,
                omitted,
            };
            serde_json::to_writer(&mut *out, &record)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        let shown =
            Escaped("a\nb.json: ok forged\r\x1b[2J\t\u{7f}\u{85}\u{2028}\u{202e}é").to_string();
        assert_eq!(
            shown,
            "a\\nb.json: ok forged\\r\\u{1b}[2J\\t\\u{7f}\\u{85}\\u{2028}\\u{202e}é"
        );
        assert_eq!(Escaped("plain /a/b~1c").to_string(), "plain /a/b~1c");
        // The last printable ASCII character is kept, the one after it escaped.
        assert_eq!(Escaped("~\u{7f} ").to_string(), "~\\u{7f} ");
        // Characters outside ASCII around an escape are kept whole.
        assert_eq!(Escaped("é\u{7f}ü").to_string(), "é\\u{7f}ü");
    }
}
