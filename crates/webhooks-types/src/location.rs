//! Where something is in a webhook body: JSON pointer tokens, line and column of a byte offset,
//! and serde_json's message without its own position. The one place these rules live for this
//! crate, `webhooks-validate` and the workspace tools.
//!
//! ```
//! use webhooks_types::location::{escape, line_column, push_token, unescape};
//!
//! let mut pointer = String::from("/payload");
//! push_token(&mut pointer, "a/b~c");
//! assert_eq!(pointer, "/payload/a~1b~0c");
//! assert_eq!(unescape("a~1b~0c"), "a/b~c");
//! assert_eq!(escape("plain"), "plain");
//! assert_eq!(line_column(b"{\n  \"a\": 1}", 4), (2, 3));
//! ```

use std::borrow::Cow;

/// A member name as a JSON pointer reference token (RFC 6901: `~` as `~0`, `/` as `~1`).
pub fn escape(name: &str) -> Cow<'_, str> {
    if name.contains(['~', '/']) {
        Cow::Owned(name.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(name)
    }
}

/// The member name a JSON pointer reference token stands for.
pub fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Appends `/` and the escaped `name` to `pointer`.
pub fn push_token(pointer: &mut String, name: &str) {
    pointer.push('/');
    pointer.push_str(&escape(name));
}

/// 1-based line and column (in bytes) of a byte offset of `text` (an offset past the end is
/// the end).
pub fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
    line_columns(text, &[offset])[0]
}

/// 1-based line and column of each offset, in one pass over the text whatever their number.
pub fn line_columns(text: &[u8], offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|i| offsets[*i]);
    let mut out = vec![(1, 1); offsets.len()];
    let (mut pos, mut line, mut line_start) = (0, 1, 0);
    for i in order {
        let offset = offsets[i].min(text.len());
        for (at, byte) in text[pos..offset].iter().enumerate() {
            if *byte == b'\n' {
                line += 1;
                line_start = pos + at + 1;
            }
        }
        pos = pos.max(offset);
        out[i] = (line, offset - line_start + 1);
    }
    out
}

/// serde_json's message of `error` without the " at line L column C" it appends (the position
/// is reported apart).
pub fn bare_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(i) if error.line() > 0 => text[..i].to_owned(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for name in ["", "a", "a/b", "~", "~1", "/~0/"] {
            assert_eq!(unescape(&escape(name)), name);
        }
        assert_eq!(escape("~1"), "~01");
    }

    #[test]
    fn positions_count_lines_and_bytes() {
        let text = b"ab\ncd\n\nef";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 4), (2, 2));
        assert_eq!(line_column(text, 99), (4, 3));
        assert_eq!(line_columns(text, &[8, 0, 3]), vec![(4, 2), (1, 1), (2, 1)]);
    }

    #[test]
    fn the_message_loses_only_its_position() {
        let e = serde_json::from_str::<serde_json::Value>("{\n  \"a\": 1,\n}").expect_err("comma");
        assert_eq!(bare_message(&e), "trailing comma");
        let e = serde_json::from_str::<u8>("300").expect_err("range");
        assert!(!bare_message(&e).contains(" at line "), "{e}");
    }
}
