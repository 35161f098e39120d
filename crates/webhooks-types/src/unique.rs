//! Duplicate keys: JSON leaves them undefined, and receivers differ (one takes the first value,
//! another the last), so a body with one could say two things at once. Both the typed parse and
//! the validator reject them, through [`find_duplicate_key`].

use std::borrow::Cow;
use std::collections::HashSet;

use crate::scan::{scalar_end, skip_ws, string_end, unescape};

/// A key as compared: its bytes, unescaped only when it has an escape.
type Key<'a> = Cow<'a, [u8]>;

/// A key that occurs twice in one object of a JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// JSON pointer of the second occurrence's value.
    pub pointer: String,
    /// Byte offset of the second occurrence's key (its opening quote).
    pub offset: usize,
}

/// Nesting deeper than this is left to the parser, which refuses it.
const MAX_DEPTH: usize = 256;

/// Objects with more keys than this look keys up in a hash set.
const SMALL: usize = 16;

/// The first key that occurs twice in one object of `text`, in document order, or `None`.
/// Text that is not well-formed JSON is scanned up to where it breaks: the parser reports that.
/// One pass, no recursion.
pub fn find_duplicate_key(text: &[u8]) -> Option<DuplicateKey> {
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut pos = 0;
    loop {
        // A value starts at `pos`.
        pos = skip_ws(text, pos);
        match text.get(pos)? {
            open @ (b'{' | b'[') => {
                let close = if *open == b'{' { b'}' } else { b']' };
                pos = skip_ws(text, pos + 1);
                if text.get(pos) == Some(&close) {
                    pos += 1;
                } else if stack.len() >= MAX_DEPTH {
                    return None;
                } else if *open == b'[' {
                    stack.push(Frame::Array(0));
                    continue;
                } else {
                    stack.push(Frame::Object(Keys::default()));
                    match key(text, pos, &mut stack) {
                        Ok(next) => pos = next?,
                        Err(duplicate) => return Some(duplicate),
                    }
                    continue;
                }
            }
            b'"' => pos = string_end(text, pos)?,
            _ => pos = scalar_end(text, pos),
        }
        // A value ended at `pos`: go on in the containers it closes.
        loop {
            pos = skip_ws(text, pos);
            // An empty stack: the document ended without a duplicate.
            let frame = stack.last_mut()?;
            match (frame, text.get(pos)?) {
                (Frame::Object(_), b',') => {
                    match key(text, skip_ws(text, pos + 1), &mut stack) {
                        Ok(next) => pos = next?,
                        Err(duplicate) => return Some(duplicate),
                    }
                    break;
                }
                (Frame::Array(index), b',') => {
                    *index += 1;
                    pos += 1;
                    break;
                }
                (Frame::Object(_), b'}') | (Frame::Array(_), b']') => {
                    stack.pop();
                    pos += 1;
                }
                _ => return None,
            }
        }
    }
}

/// An open container.
enum Frame<'a> {
    Object(Keys<'a>),
    /// The index of the current element.
    Array(usize),
}

/// The keys of an open object so far; the last one is the current member.
#[derive(Default)]
struct Keys<'a> {
    list: Vec<Key<'a>>,
    set: HashSet<Key<'a>>,
}

impl<'a> Keys<'a> {
    /// Adds `key`; `false` when the object already has it.
    fn insert(&mut self, key: Key<'a>) -> bool {
        if self.list.len() >= SMALL {
            if self.set.is_empty() {
                self.set.extend(self.list.iter().cloned());
            }
            if !self.set.insert(key.clone()) {
                return false;
            }
        } else if self.list.contains(&key) {
            return false;
        }
        self.list.push(key);
        true
    }
}

/// Reads the key at `pos` of the object on top of `stack` and the colon after it: the offset
/// of its value, `None` where the text breaks, or the key when the object already has it.
fn key<'a>(
    text: &'a [u8],
    pos: usize,
    stack: &mut [Frame<'a>],
) -> Result<Option<usize>, DuplicateKey> {
    if text.get(pos) != Some(&b'"') {
        return Ok(None);
    }
    let Some(end) = string_end(text, pos) else {
        return Ok(None);
    };
    let quoted = &text[pos..end];
    let inner = &quoted[1..quoted.len() - 1];
    let name: Key<'a> = if inner.contains(&b'\\') {
        match unescape(quoted) {
            Some(name) => Cow::Owned(name.into_owned().into_bytes()),
            None => return Ok(None),
        }
    } else {
        Cow::Borrowed(inner)
    };
    let Some((Frame::Object(keys), outer)) = stack.split_last_mut() else {
        return Ok(None);
    };
    if !keys.insert(name.clone()) {
        let mut pointer = pointer_of(outer);
        push_segment(&mut pointer, &name);
        return Err(DuplicateKey {
            key: String::from_utf8_lossy(&name).into_owned(),
            pointer,
            offset: pos,
        });
    }
    let colon = skip_ws(text, end);
    Ok((text.get(colon) == Some(&b':')).then_some(colon + 1))
}

fn pointer_of(frames: &[Frame<'_>]) -> String {
    let mut pointer = String::new();
    for frame in frames {
        match frame {
            Frame::Object(keys) => {
                if let Some(current) = keys.list.last() {
                    push_segment(&mut pointer, current);
                }
            }
            Frame::Array(index) => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
        }
    }
    pointer
}

fn push_segment(pointer: &mut String, name: &[u8]) {
    crate::location::push_token(pointer, &String::from_utf8_lossy(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str) -> Option<(String, String, usize)> {
        find_duplicate_key(text.as_bytes()).map(|d| (d.key, d.pointer, d.offset))
    }

    #[test]
    fn finds_the_second_occurrence_with_its_path() {
        assert_eq!(
            find(r#"{"action": "a", "x": [1, {"k": 1}], "action": "b"}"#),
            Some(("action".into(), "/action".into(), 36))
        );
        assert_eq!(
            find(r#"{"a": [0, {"k": 1, "k": 2}]}"#),
            Some(("k".into(), "/a/1/k".into(), 19))
        );
        // Empty containers before the duplicate.
        assert_eq!(
            find(r#"{"a": [], "b": {}, "c": [[], {}], "a": 1}"#),
            Some(("a".into(), "/a".into(), 34))
        );
        // Escapes spell the same key.
        assert_eq!(
            find(r#"{"a/b": {}, "a\u002fb": 1}"#),
            Some(("a/b".into(), "/a~1b".into(), 12))
        );
        // Many keys: the hash set path.
        let mut many: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        many.push("\"k57\": 0".into());
        let text = format!("{{\"o\": {{{}}}}}", many.join(", "));
        let found = find(&text).expect("a duplicate");
        assert_eq!((found.0.as_str(), found.1.as_str()), ("k57", "/o/k57"));
        assert_eq!(&text[found.2..found.2 + 5], "\"k57\"");
    }

    #[test]
    fn same_keys_in_different_objects_and_broken_text_are_not_duplicates() {
        for text in [
            r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": "\"a\": {"}"#,
            r#"{"a": 1, "b": "#,
            r#"{"a" 1, "a": 2}"#,
            "[[[[",
            "",
            r#""a""#,
            "{}",
            "[[], {}, [{}], {\"a\": []}]",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(find(&deep), None);
    }
}
