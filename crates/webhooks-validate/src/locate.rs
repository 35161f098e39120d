//! Finding where a JSON pointer's value starts in the text of a document, for error positions.
//!
//! The scan is iterative (no recursion), so a deeply nested document cannot overflow the stack,
//! and it runs only when an error is reported.

/// 1-based line and column (in bytes) of a byte offset.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = match before.iter().rposition(|b| *b == b'\n') {
        Some(newline) => offset - newline,
        None => offset + 1,
    };
    (line, column)
}

/// Line and column of the value at `pointer` in `text`, or `None` when the text has no such
/// value (or is not well-formed where the path leads).
pub(crate) fn locate(text: &[u8], pointer: &str) -> Option<(usize, usize)> {
    let offset = offset_of(text, pointer)?;
    Some(line_column(text, offset))
}

fn offset_of(text: &[u8], pointer: &str) -> Option<usize> {
    let mut pos = skip_ws(text, 0);
    if pointer.is_empty() {
        return Some(pos);
    }
    for raw in pointer.strip_prefix('/')?.split('/') {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        pos = match text.get(pos)? {
            b'{' => member(text, pos, &segment)?,
            b'[' => element(text, pos, segment.parse().ok()?)?,
            _ => return None,
        };
    }
    Some(pos)
}

/// Offset of the value of member `key` of the object starting at `pos`.
fn member(text: &[u8], pos: usize, key: &str) -> Option<usize> {
    let mut pos = skip_ws(text, pos + 1);
    loop {
        match text.get(pos)? {
            b'}' => return None,
            b'"' => {}
            _ => return None,
        }
        let end = string_end(text, pos)?;
        let name = &text[pos..end];
        pos = skip_ws(text, end);
        if text.get(pos) != Some(&b':') {
            return None;
        }
        pos = skip_ws(text, pos + 1);
        if key_equals(name, key) {
            return Some(pos);
        }
        pos = skip_ws(text, value_end(text, pos)?);
        match text.get(pos)? {
            b',' => pos = skip_ws(text, pos + 1),
            _ => return None,
        }
    }
}

/// Offset of element `index` of the array starting at `pos`.
fn element(text: &[u8], pos: usize, index: usize) -> Option<usize> {
    let mut pos = skip_ws(text, pos + 1);
    if text.get(pos) == Some(&b']') {
        return None;
    }
    for _ in 0..index {
        pos = skip_ws(text, value_end(text, pos)?);
        match text.get(pos)? {
            b',' => pos = skip_ws(text, pos + 1),
            _ => return None,
        }
    }
    Some(pos)
}

/// Whether the quoted JSON string `quoted` (with its quotes) spells `key`.
fn key_equals(quoted: &[u8], key: &str) -> bool {
    let inner = &quoted[1..quoted.len() - 1];
    if !inner.contains(&b'\\') {
        return inner == key.as_bytes();
    }
    serde_json::from_slice::<String>(quoted).is_ok_and(|k| k == key)
}

fn skip_ws(text: &[u8], mut pos: usize) -> usize {
    while matches!(text.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// Offset just past the string starting (at its quote) at `pos`.
fn string_end(text: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    loop {
        match text.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// Offset just past the value starting at `pos`, nested values counted without recursion.
fn value_end(text: &[u8], pos: usize) -> Option<usize> {
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
            _ if depth == 0 => {
                // A scalar: up to the next delimiter.
                while !matches!(
                    text.get(i),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    i += 1;
                }
                return Some(i);
            }
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

    const DOC: &str =
        "{\n  \"a\": {\"x\\\"y\": 1, \"b\": [10, {\"c\": \"}\"}, [ ]]},\n  \"d~/e\": true\n}";

    #[test]
    fn finds_members_elements_and_escaped_keys() {
        let doc = DOC.as_bytes();
        assert_eq!(locate(doc, ""), Some((1, 1)));
        assert_eq!(locate(doc, "/a"), Some((2, 8)));
        assert_eq!(locate(doc, "/a/x\"y"), Some((2, 17)));
        assert_eq!(locate(doc, "/a/b/0"), Some((2, 26)));
        assert_eq!(locate(doc, "/a/b/1/c"), Some((2, 36)));
        assert_eq!(locate(doc, "/a/b/2"), Some((2, 42)));
        assert_eq!(locate(doc, "/d~0~1e"), Some((3, 11)));
    }

    #[test]
    fn missing_paths_and_broken_text_give_none() {
        let doc = DOC.as_bytes();
        assert_eq!(locate(doc, "/zz"), None);
        assert_eq!(locate(doc, "/a/b/7"), None);
        assert_eq!(locate(doc, "/a/b/x"), None);
        assert_eq!(locate(doc, "a"), None);
        assert_eq!(locate(b"{\"a\": [1, ", "/a/3"), None);
        assert_eq!(locate(b"{\"a", "/a"), None);
        assert_eq!(locate(b"", "/a"), None);
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let depth = 200_000;
        let mut text = String::from("{\"skip\": ");
        text.push_str(&"[".repeat(depth));
        text.push_str(&"]".repeat(depth));
        text.push_str(", \"k\": 1}");
        assert_eq!(locate(text.as_bytes(), "/k"), Some((1, text.len() - 1)));
    }
}
