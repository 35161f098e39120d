//! Byte-level scanning of JSON text, shared by the duplicate-key check of this crate, the
//! position lookup of `webhooks-validate` and the member lookup of `webhooks-receiver`. Not a parser: each function assumes it is called at
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
        i += quote_or_backslash(text.get(i..)?)?;
        if text[i] == b'"' {
            return Some((i + 1, escaped));
        }
        escaped = true;
        i += 2;
    }
}

/// Index of the first `"` or `\` in `bytes`. Most strings of a webhook are short (keys, IDs):
/// their first 32 bytes are looked at eight at a time in a machine word, longer ones are
/// searched with `memchr2`.
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    let done = bytes.len().min(32) / 8 * 8;
    if let Some(found) = special_in_words::<false>(&bytes[..done]) {
        return Some(found);
    }
    memchr::memchr2(b'"', b'\\', &bytes[done..]).map(|found| done + found)
}

/// Index of the first byte that ends the plain run of a JSON string: `"`, `\` or a control
/// character (below `0x20`, which a string must escape). Looked at eight bytes at a time.
pub(crate) fn string_stop(bytes: &[u8]) -> Option<usize> {
    let done = bytes.len() / 8 * 8;
    if let Some(found) = special_in_words::<true>(&bytes[..done]) {
        return Some(found);
    }
    bytes[done..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|found| done + found)
}

/// Index of the first `"` or `\` (and, with `CONTROLS`, byte below `0x20`) in `bytes`, whose
/// length is a multiple of eight, read a machine word at a time.
#[inline]
fn special_in_words<const CONTROLS: bool>(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    for (index, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // A byte of `quote` (or `backslash`) is zero where `word` has a quote; the lowest
        // byte flagged below is the first zero byte (flags above it may be borrows). A byte
        // below 0x20 borrows from its high bit when 0x20 is taken from it.
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let mut flags =
            (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash);
        if CONTROLS {
            flags |= word.wrapping_sub(ONES * 0x20) & !word;
        }
        let flags = flags & HIGHS;
        if flags != 0 {
            return Some(index * 8 + flags.trailing_zeros() as usize / 8);
        }
    }
    None
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

/// Offset just past the value starting at `pos`, nested values counted without recursion;
/// `None` where the text breaks, or where a separator stands in place of the value.
pub fn value_end(text: &[u8], pos: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = pos;
    loop {
        match text.get(i)? {
            b'"' => i = string_end(text, i)?,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b',' | b':' if depth == 0 => return None,
            _ if depth == 0 => return Some(scalar_end(text, i)),
            _ => i += 1,
        }
        if depth == 0 {
            return Some(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_span_finds_the_closing_quote_at_every_length_and_position() {
        for length in 0..80 {
            for special in [None, Some(b'\\'), Some(b'"')] {
                for at in 0..length.max(1) {
                    // A string of `length` bytes with an escape (`\"`) or nothing at `at`.
                    let mut inner: Vec<u8> = (0..length).map(|i| b'a' + (i % 26) as u8).collect();
                    let escaped = special.is_some() && at < length;
                    if escaped {
                        inner[at] = b'\\';
                        inner.insert(at + 1, special.unwrap_or(b'"'));
                    }
                    let mut text = vec![b'"'];
                    text.extend(&inner);
                    text.extend(b"\" , \"after\"");
                    assert_eq!(
                        string_span(&text, 0),
                        Some((inner.len() + 2, escaped)),
                        "{}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
        assert_eq!(string_span(b"\"never closed", 0), None);
        assert_eq!(string_span(b"\"ends in a backslash\\", 0), None);
    }
}
