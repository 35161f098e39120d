//! Finding where a JSON pointer's value starts in the text of a document, for error positions.
//!
//! It runs only when an error is reported, once per body for all the errors reported: the walk
//! goes down the paths of the requested pointers only and skips every other value with an
//! iterative scan (no recursion), so its cost is linear in the text, and a deeply nested value
//! off those paths cannot overflow the stack.

use webhooks_types::location::unescape as unescape_token;
use webhooks_types::scan::{skip_ws, string_end, unescape, value_end};

/// Where a value is in the text: the offset of its first byte and the offset just past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The spans of the values at `pointers` in `text`, found in one pass: the pointers are
/// merged into a tree of segments, the text is walked down that tree only, and every value off
/// the tree is skipped once. `None` for a pointer the text has no value at (or broken text).
pub(crate) fn locate_all(text: &[u8], pointers: &[&str]) -> Vec<Option<Span>> {
    let mut tree = vec![Node::default()];
    for (index, pointer) in pointers.iter().enumerate() {
        let mut node = 0;
        if !pointer.is_empty() {
            let Some(rest) = pointer.strip_prefix('/') else {
                continue;
            };
            for raw in rest.split('/') {
                let segment = unescape_token(raw).into_owned();
                node = match tree[node].children.get(&segment) {
                    Some(child) => *child,
                    None => {
                        tree.push(Node::default());
                        let child = tree.len() - 1;
                        tree[node].children.insert(segment, child);
                        child
                    }
                };
            }
        }
        tree[node].hits.push(index);
    }
    let mut out = vec![None; pointers.len()];
    let start = skip_ws(text, 0);
    walk(text, start, &tree, 0, &mut out);
    out
}

/// A node of the tree of requested pointers.
#[derive(Default)]
struct Node {
    /// Children by unescaped segment (a member name or an array index).
    children: std::collections::HashMap<String, usize>,
    /// The requested pointers that end here.
    hits: Vec<usize>,
}

/// Records the value at `pos` for the pointers of `node`, walks into it where the tree goes on,
/// and returns the offset just past it. Recursion is as deep as the longest requested pointer.
fn walk(
    text: &[u8],
    pos: usize,
    tree: &[Node],
    node: usize,
    out: &mut [Option<Span>],
) -> Option<usize> {
    let here = &tree[node];
    let end = if here.children.is_empty() {
        value_end(text, pos)?
    } else {
        match text.get(pos)? {
            b'{' | b'[' => entries(text, pos, tree, here, out)?,
            _ => value_end(text, pos)?,
        }
    };
    for hit in &here.hits {
        out[*hit] = Some(Span { start: pos, end });
    }
    Some(end)
}

/// Walks the members of the object or the elements of the array that starts at `pos`, into
/// those the tree goes on at, and returns the offset just past its closing bracket.
fn entries(
    text: &[u8],
    pos: usize,
    tree: &[Node],
    here: &Node,
    out: &mut [Option<Span>],
) -> Option<usize> {
    use std::fmt::Write as _;
    let object = text.get(pos) == Some(&b'{');
    let close = if object { b'}' } else { b']' };
    let mut pos = skip_ws(text, pos + 1);
    if text.get(pos) == Some(&close) {
        return Some(pos + 1);
    }
    let mut index = String::new();
    let mut i = 0usize;
    loop {
        let child = if object {
            let (child, value) = member(text, pos, here)?;
            pos = value;
            child
        } else {
            index.clear();
            let _ = write!(index, "{i}");
            i += 1;
            here.children.get(&index).copied()
        };
        pos = match child {
            Some(child) => walk(text, pos, tree, child, out)?,
            None => value_end(text, pos)?,
        };
        pos = skip_ws(text, pos);
        match *text.get(pos)? {
            b',' => pos = skip_ws(text, pos + 1),
            b if b == close => return Some(pos + 1),
            _ => return None,
        }
    }
}

/// Reads the member name at `pos` and the colon after it: the tree's node for that name, if
/// any, and the offset where the member's value starts.
fn member(text: &[u8], pos: usize, here: &Node) -> Option<(Option<usize>, usize)> {
    if text.get(pos) != Some(&b'"') {
        return None;
    }
    let key_end = string_end(text, pos)?;
    let key = unescape(&text[pos..key_end]);
    let pos = skip_ws(text, key_end);
    if text.get(pos) != Some(&b':') {
        return None;
    }
    let child = key.and_then(|k| here.children.get(k.as_ref()).copied());
    Some((child, skip_ws(text, pos + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use webhooks_types::location::{line_column, line_columns};

    fn locate(text: &[u8], pointer: &str) -> Option<(usize, usize)> {
        let span = locate_all(text, &[pointer])[0]?;
        Some(line_column(text, span.start))
    }

    #[test]
    fn many_pointers_are_found_in_one_pass() {
        let doc = DOC.as_bytes();
        let pointers = [
            "/a/b/1/c", "", "/a/b/1", "/zz", "/a/b/0", "/d~0~1e", "/a/b/0",
        ];
        let spans = locate_all(doc, &pointers);
        let texts: Vec<Option<&str>> = spans
            .iter()
            .map(|s| s.map(|s| std::str::from_utf8(&doc[s.start..s.end]).expect("UTF-8")))
            .collect();
        assert_eq!(
            texts,
            [
                Some("\"}\""),
                Some(DOC),
                Some("{\"c\": \"}\"}"),
                None,
                Some("10"),
                Some("true"),
                Some("10")
            ]
        );
        let offsets: Vec<usize> = spans.iter().flatten().map(|s| s.start).collect();
        let expected: Vec<(usize, usize)> = offsets.iter().map(|o| line_column(doc, *o)).collect();
        assert_eq!(line_columns(doc, &offsets), expected);
    }

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
