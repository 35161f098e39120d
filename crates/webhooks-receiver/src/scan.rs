//! Finding members and values in the text of a JSON body without building a tree: top-level
//! members, and the raw values at the identity rules' JSON pointers. (Where the secret is, is
//! `transport::scan`'s rule alone.)
//! Each lookup walks the text once, down the pointer's path only, skipping other values
//! without recursion; broken text gives `None`, never a panic.

use std::ops::Range;

use webhooks_types::location::unescape as unescape_token;
use webhooks_types::scan::{skip_ws, string_end, unescape, value_end};

/// The raw value (its span in `text`) of the first top-level member named `name`. `Ok(None)`
/// when the object has no such member; `Err` when the text breaks before the member is found.
pub(crate) fn top_member(text: &[u8], name: &str) -> Result<Option<Range<usize>>, ()> {
    let start = skip_ws(text, 0);
    if text.get(start) != Some(&b'{') {
        return Err(());
    }
    member_of(text, start, name).ok_or(())
}

/// The span of the value at JSON pointer `pointer` (`/a/b/0`) in `text`, if there is one.
pub(crate) fn at_pointer(text: &[u8], pointer: &str) -> Option<Range<usize>> {
    let start = skip_ws(text, 0);
    if pointer.is_empty() {
        return Some(start..value_end(text, start)?);
    }
    let mut value = start..start;
    for token in pointer.strip_prefix('/')?.split('/') {
        let token = unescape_token(token);
        value = match text.get(value.start)? {
            b'{' => member_of(text, value.start, &token)??,
            b'[' => element_of(text, value.start, token.parse().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The string at `span` of `text` (a raw value with its quotes), unescaped; `None` for any
/// other value.
pub(crate) fn string_at(text: &[u8], span: Range<usize>) -> Option<String> {
    let raw = text.get(span)?;
    if raw.first() != Some(&b'"') {
        return None;
    }
    unescape(raw).map(|s| s.into_owned())
}

/// The span of member `name` of the object whose `{` is at `pos`: `Some(None)` when it has
/// none, `None` when the text breaks first.
fn member_of(text: &[u8], pos: usize, name: &str) -> Option<Option<Range<usize>>> {
    let mut pos = skip_ws(text, pos + 1);
    if text.get(pos) == Some(&b'}') {
        return Some(None);
    }
    loop {
        if text.get(pos) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(text, pos)?;
        let key = text.get(pos..key_end)?;
        let found = match key.get(1..key.len() - 1) {
            Some(inner) if !inner.contains(&b'\\') => inner == name.as_bytes(),
            _ => unescape(key).is_some_and(|k| k == name),
        };
        pos = skip_ws(text, key_end);
        if text.get(pos) != Some(&b':') {
            return None;
        }
        let start = skip_ws(text, pos + 1);
        let end = value_end(text, start)?;
        if found {
            return Some(Some(start..end));
        }
        pos = skip_ws(text, end);
        match *text.get(pos)? {
            b',' => pos = skip_ws(text, pos + 1),
            b'}' => return Some(None),
            _ => return None,
        }
    }
}

/// The span of element `index` of the array whose `[` is at `pos`.
fn element_of(text: &[u8], pos: usize, index: usize) -> Option<Range<usize>> {
    let mut pos = skip_ws(text, pos + 1);
    if text.get(pos) == Some(&b']') {
        return None;
    }
    for i in 0.. {
        let end = value_end(text, pos)?;
        if i == index {
            return Some(pos..end);
        }
        pos = skip_ws(text, end);
        match *text.get(pos)? {
            b',' => pos = skip_ws(text, pos + 1),
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_text_is_malformed_and_never_panics() {
        for text in [
            &b""[..],
            b"[]",
            b"{",
            b"{\"a\"",
            b"{\"a\":",
            b"{\"a\": 1,",
            b"{\"a\" 1}",
            b"{\"a\": [}",
            b"{\"secret_key",
            b"{\"a\": \"\\",
            b"\xff\xfe",
        ] {
            assert_eq!(top_member(text, "secret_key"), Err(()), "{text:?}");
        }
        for cut in 0..40 {
            let text = br#"{"a": {"b": [1, "x\"y"]}, "c": null}"#;
            let part = &text[..cut.min(text.len())];
            let _ = top_member(part, "secret_key");
            let _ = at_pointer(part, "/a/b/1");
        }
    }

    #[test]
    fn pointers_reach_members_and_elements() {
        let text = br#"{"payload": {"chat": {"id": "C\u0031", "n": [4, 5]}, "a~b": 1.5}}"#;
        let at = |p: &str| at_pointer(text, p).map(|s| &text[s]);
        assert_eq!(at("/payload/chat/id"), Some(&br#""C\u0031""#[..]));
        assert_eq!(
            at_pointer(text, "/payload/chat/id").and_then(|s| string_at(text, s)),
            Some("C1".to_owned())
        );
        assert_eq!(at("/payload/chat/n/1"), Some(&b"5"[..]));
        assert_eq!(at("/payload/a~0b"), Some(&b"1.5"[..]));
        assert_eq!(at("/payload/chat/n/2"), None);
        assert_eq!(at("/payload/missing"), None);
        assert_eq!(at("/payload/chat/id/x"), None);
        assert_eq!(at("").map(<[u8]>::len), Some(text.len()));
    }
}
