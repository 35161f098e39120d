//! Byte-level scanning of JSON text, shared by the duplicate-key check of this crate and the
//! position lookup of `webhooks-validate`. Not a parser: each function assumes it is called at
//! the start of what it scans and reports `None` where the text breaks.

use std::borrow::Cow;

/// The text of a quoted JSON string (quotes included).
pub fn unescape(quoted: &[u8]) -> Option<Cow<'_, str>> {
    let inner = quoted.get(1..quoted.len().checked_sub(1)?)?;
    if inner.contains(&b'\\') {
        serde_json::from_slice::<String>(quoted)
            .ok()
            .map(Cow::Owned)
    } else {
        std::str::from_utf8(inner).ok().map(Cow::Borrowed)
    }
}

/// Offset of the first byte at or after `pos` that is not JSON whitespace.
pub fn skip_ws(text: &[u8], mut pos: usize) -> usize {
    while matches!(text.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// Offset just past the string whose opening quote is at `pos`.
pub fn string_end(text: &[u8], pos: usize) -> Option<usize> {
    string_span(text, pos).map(|(end, _)| end)
}

/// Offset just past the string whose opening quote is at `pos`, and whether the string has an
/// escape.
pub fn string_span(text: &[u8], pos: usize) -> Option<(usize, bool)> {
    let mut i = pos + 1;
    let mut escaped = false;
    loop {
        // The next quote or backslash; every other byte is part of the string.
        i += memchr::memchr2(b'"', b'\\', text.get(i..)?)?;
        if text[i] == b'"' {
            return Some((i + 1, escaped));
        }
        escaped = true;
        i += 2;
    }
}

/// Offset just past the number or literal at `pos` (at least one byte).
pub fn scalar_end(text: &[u8], pos: usize) -> usize {
    let mut i = pos + 1;
    while !matches!(
        text.get(i),
        None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
    ) {
        i += 1;
    }
    i
}
