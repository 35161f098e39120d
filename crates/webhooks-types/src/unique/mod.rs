//! Duplicate keys: JSON leaves them undefined, and receivers differ (one takes the first value,
//! another the last), so a body with one could say two things at once. Both the typed parse and
//! the validator reject them: the typed parse as it reads (the adapter in [`de`]), a text as a
//! whole through [`find_duplicate_key`], which also says where the first one is.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::Hash;

pub(crate) mod de;
pub(crate) mod fields;

use crate::scan::{scalar_end, skip_ws, string_end, string_span, unescape};

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
/// One pass, no recursion; the keys of all open objects share one list.
pub fn find_duplicate_key(text: &[u8]) -> Option<DuplicateKey> {
    let mut open = Open {
        frames: Vec::with_capacity(16),
        keys: Vec::with_capacity(64),
    };
    let mut pos = 0;
    loop {
        // A value starts at `pos`.
        pos = skip_ws(text, pos);
        match text.get(pos)? {
            bracket @ (b'{' | b'[') => {
                let close = if *bracket == b'{' { b'}' } else { b']' };
                pos = skip_ws(text, pos + 1);
                if text.get(pos) == Some(&close) {
                    pos += 1;
                } else if open.frames.len() >= MAX_DEPTH {
                    return None;
                } else if *bracket == b'[' {
                    open.frames.push(Frame::Array(0));
                    continue;
                } else {
                    open.frames.push(Frame::Object {
                        start: open.keys.len(),
                        set: None,
                    });
                    match open.key(text, pos) {
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
            // No open container: the document ended without a duplicate.
            let frame = open.frames.last_mut()?;
            match (frame, text.get(pos)?) {
                (Frame::Object { .. }, b',') => {
                    match open.key(text, skip_ws(text, pos + 1)) {
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
                (Frame::Object { start, .. }, b'}') => {
                    let start = *start;
                    open.keys.truncate(start);
                    open.frames.pop();
                    pos += 1;
                }
                (Frame::Array(_), b']') => {
                    open.frames.pop();
                    pos += 1;
                }
                _ => return None,
            }
        }
    }
}

/// The open containers, innermost last, and the keys read so far in the open objects.
struct Open<'a> {
    frames: Vec<Frame<'a>>,
    /// The keys of every open object, outermost first; each object's last key is its current
    /// member.
    keys: Vec<Key<'a>>,
}

/// An open container.
enum Frame<'a> {
    Object {
        /// Where the object's keys start in [`Open::keys`].
        start: usize,
        /// The same keys in a hash set, once there are more than [`SMALL`].
        set: Option<HashSet<Key<'a>>>,
    },
    /// The index of the current element.
    Array(usize),
}

impl<'a> Open<'a> {
    /// Reads the key at `pos` of the innermost object and the colon after it: the offset of
    /// its value, `None` where the text breaks, or the key when the object already has it.
    fn key(&mut self, text: &'a [u8], pos: usize) -> Result<Option<usize>, DuplicateKey> {
        if text.get(pos) != Some(&b'"') {
            return Ok(None);
        }
        let Some((end, escaped)) = string_span(text, pos) else {
            return Ok(None);
        };
        let quoted = &text[pos..end];
        let inner = &quoted[1..quoted.len() - 1];
        let name: Key<'a> = if escaped {
            match unescape(quoted) {
                Some(name) => Cow::Owned(name.into_owned().into_bytes()),
                None => return Ok(None),
            }
        } else {
            Cow::Borrowed(inner)
        };
        let Some(Frame::Object { start, set }) = self.frames.last_mut() else {
            return Ok(None);
        };
        if !is_new(&self.keys[*start..], set, &name) {
            let mut pointer = self.pointer();
            push_segment(&mut pointer, &name);
            return Err(DuplicateKey {
                key: String::from_utf8_lossy(&name).into_owned(),
                pointer,
                offset: pos,
            });
        }
        self.keys.push(name);
        let colon = skip_ws(text, end);
        Ok((text.get(colon) == Some(&b':')).then_some(colon + 1))
    }

    /// The pointer of the innermost container.
    fn pointer(&self) -> String {
        let mut pointer = String::new();
        // Each object's current member is the last key before the next object's keys.
        let mut starts = self.frames.iter().filter_map(|frame| match frame {
            Frame::Object { start, .. } => Some(*start),
            Frame::Array(_) => None,
        });
        starts.next();
        for frame in &self.frames[..self.frames.len().saturating_sub(1)] {
            match frame {
                Frame::Object { .. } => {
                    let end = starts.next().unwrap_or(self.keys.len());
                    if let Some(current) = end.checked_sub(1).and_then(|i| self.keys.get(i)) {
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
}

/// Whether `key` is new to an object whose keys so far are `seen`: compared one by one while
/// there are few, then looked up in `set`, built once the object has more than [`SMALL`] keys.
/// The rule of both the scan and the typed parse's adapter ([`de`]).
fn is_new<K: Eq + Hash + Clone>(seen: &[K], set: &mut Option<HashSet<K>>, key: &K) -> bool {
    match set {
        Some(set) => set.insert(key.clone()),
        None if seen.len() >= SMALL => {
            let mut all: HashSet<K> = seen.iter().cloned().collect();
            let new = all.insert(key.clone());
            *set = Some(all);
            new
        }
        None => !seen.contains(key),
    }
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
        // Objects inside arrays inside objects: each level's current member.
        let nested = r#"{"x": 0, "y": {"z": [{"a": 1}, {"b": {"c": 1, "d": {}, "c": 2}}]}}"#;
        assert_eq!(find(nested), Some(("c".into(), "/y/z/1/b/c".into(), 55)));
        // Many keys: the hash set path.
        let mut many: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        many.push("\"k57\": 0".into());
        let text = format!("{{\"o\": {{{}}}}}", many.join(", "));
        let found = find(&text).expect("a duplicate");
        assert_eq!((found.0.as_str(), found.1.as_str()), ("k57", "/o/k57"));
        assert_eq!(&text[found.2..found.2 + 5], "\"k57\"");
        // The hash set path in an inner object, after a large sibling closed.
        let text = format!(
            "{{\"a\": {{{}}}, \"b\": [{{{}, \"k3\": 0}}]}}",
            many[..100].join(", "),
            many[..40].join(", ")
        );
        let found = find(&text).expect("a duplicate");
        assert_eq!((found.0.as_str(), found.1.as_str()), ("k3", "/b/0/k3"));
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
