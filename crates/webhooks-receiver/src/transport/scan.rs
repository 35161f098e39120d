//! Finds the top-level `secret_key` string of a JSON object while its bytes arrive, so that a
//! delivery is authenticated as soon as its secret has been read (LiveChat sends it second),
//! before the rest of the body is held in memory.
//!
//! The scanner reads JSON's grammar only as far as it must: the members of the outer object,
//! the extent of each value (strings with their escapes, nested objects and arrays, bare
//! literals), and the key `secret_key` written without escapes. A body it cannot read as an
//! object is [`Scan::NotObject`]; a key spelled with escapes is not the secret (the validator
//! reads such a body as a duplicate or a missing secret, and rejects it either way).

use std::ops::Range;

/// The key whose string value is the secret.
const KEY: &[u8] = b"secret_key";

/// What the bytes read so far say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// More bytes are needed.
    Reading,
    /// The secret's value, quotes excluded (escapes as written), at this range of the body.
    Secret(Range<usize>),
    /// The object ended without a `secret_key` string.
    NoSecret,
    /// The body is not a JSON object (or the secret is not a string, or is given twice).
    NotObject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening brace.
    Start,
    /// After `{` or `,`: a key (or `}` right after `{`).
    Key { first: bool },
    /// Inside a key: how many bytes matched `secret_key` so far (`None`: not it), escape pending.
    InKey {
        matched: Option<usize>,
        escape: bool,
    },
    /// After a key, before `:`.
    Colon { secret: bool },
    /// After `:`, before the value.
    Value { secret: bool },
    /// Inside a string value; `secret` when it is the secret's.
    InString { secret: bool, escape: bool },
    /// Inside a nested object or array, `depth` levels deep, perhaps inside a string.
    Nested {
        depth: usize,
        in_string: bool,
        escape: bool,
    },
    /// Inside a bare literal (number, `true`, `false`, `null`).
    Literal,
    /// After a value: `,` or `}`.
    After,
    /// After the closing brace: only whitespace may follow.
    End,
    /// The body is not a JSON object.
    Failed,
}

/// An incremental scanner over a body's bytes, fed in the order they arrive.
#[derive(Debug, Clone)]
pub struct SecretScanner {
    state: State,
    /// Bytes fed so far.
    offset: usize,
    /// Where the secret's value starts, once its opening quote was read.
    secret_start: Option<usize>,
    /// The secret's value, once read whole.
    found: Option<Range<usize>>,
}

impl Default for SecretScanner {
    fn default() -> Self {
        Self::new()
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl SecretScanner {
    /// A scanner at the start of a body.
    pub fn new() -> Self {
        Self {
            state: State::Start,
            offset: 0,
            secret_start: None,
            found: None,
        }
    }

    /// The secret's value, once read whole (also when bytes after it in the same piece broke
    /// the object).
    pub fn found(&self) -> Option<Range<usize>> {
        self.found.clone()
    }

    /// Reads the next bytes of the body; what is known after them. Once the secret is found
    /// the rest of the body is still read, so that a second `secret_key` is caught.
    pub fn feed(&mut self, bytes: &[u8]) -> Scan {
        for &b in bytes {
            self.state = self.step(b);
            self.offset += 1;
            if self.state == State::Failed {
                return Scan::NotObject;
            }
        }
        match (&self.found, self.state) {
            (Some(range), _) => Scan::Secret(range.clone()),
            (None, State::End) => Scan::NoSecret,
            (None, _) => Scan::Reading,
        }
    }

    /// What the whole body says, once it has all been fed.
    pub fn finish(&self) -> Scan {
        match (self.state, &self.found) {
            (State::End, Some(range)) => Scan::Secret(range.clone()),
            (State::End, None) => Scan::NoSecret,
            _ => Scan::NotObject,
        }
    }

    fn step(&mut self, b: u8) -> State {
        match self.state {
            State::Start if is_space(b) => State::Start,
            State::Start if b == b'{' => State::Key { first: true },
            State::Key { first } if is_space(b) => State::Key { first },
            State::Key { .. } if b == b'"' => State::InKey {
                matched: Some(0),
                escape: false,
            },
            State::Key { first: true } if b == b'}' => State::End,
            State::InKey { escape: true, .. } => State::InKey {
                matched: None,
                escape: false,
            },
            State::InKey { matched, .. } if b == b'"' => State::Colon {
                secret: matched == Some(KEY.len()),
            },
            State::InKey { .. } if b == b'\\' => State::InKey {
                matched: None,
                escape: true,
            },
            State::InKey { .. } if b < 0x20 => State::Failed,
            State::InKey { matched, .. } => State::InKey {
                matched: matched.filter(|&n| KEY.get(n) == Some(&b)).map(|n| n + 1),
                escape: false,
            },
            State::Colon { secret } if is_space(b) => State::Colon { secret },
            State::Colon { secret } if b == b':' => State::Value { secret },
            State::Value { secret } if is_space(b) => State::Value { secret },
            State::Value { secret } => self.value(b, secret),
            State::InString {
                escape: true,
                secret,
            } => State::InString {
                secret,
                escape: false,
            },
            State::InString { secret, .. } if b == b'"' => {
                if secret {
                    let start = self.secret_start.take().unwrap_or(self.offset);
                    self.found = Some(start..self.offset);
                }
                State::After
            }
            State::InString { secret, .. } if b == b'\\' => State::InString {
                secret,
                escape: true,
            },
            State::InString { .. } if b < 0x20 => State::Failed,
            State::InString { secret, .. } => State::InString {
                secret,
                escape: false,
            },
            State::Nested {
                depth,
                in_string: true,
                escape,
            } => match (escape, b) {
                (true, _) => State::Nested {
                    depth,
                    in_string: true,
                    escape: false,
                },
                (false, b'\\') => State::Nested {
                    depth,
                    in_string: true,
                    escape: true,
                },
                (false, b'"') => State::Nested {
                    depth,
                    in_string: false,
                    escape: false,
                },
                (false, c) if c < 0x20 => State::Failed,
                _ => State::Nested {
                    depth,
                    in_string: true,
                    escape: false,
                },
            },
            State::Nested { depth, .. } => match b {
                b'"' => State::Nested {
                    depth,
                    in_string: true,
                    escape: false,
                },
                b'{' | b'[' => State::Nested {
                    depth: depth.saturating_add(1),
                    in_string: false,
                    escape: false,
                },
                b'}' | b']' if depth == 1 => State::After,
                b'}' | b']' => State::Nested {
                    depth: depth - 1,
                    in_string: false,
                    escape: false,
                },
                _ => State::Nested {
                    depth,
                    in_string: false,
                    escape: false,
                },
            },
            State::Literal if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-') => {
                State::Literal
            }
            State::Literal | State::After => self.after(b),
            State::End if is_space(b) => State::End,
            _ => State::Failed,
        }
    }

    /// The first byte of a member's value.
    fn value(&mut self, b: u8, secret: bool) -> State {
        match b {
            // The secret given twice: which one counts is not for the scanner to decide.
            b'"' if secret && self.found.is_some() => State::Failed,
            b'"' => {
                if secret {
                    self.secret_start = Some(self.offset + 1);
                }
                State::InString {
                    secret,
                    escape: false,
                }
            }
            // A secret that is not a string is no secret; the body is still read.
            _ if secret && self.found.is_some() => State::Failed,
            b'{' | b'[' => State::Nested {
                depth: 1,
                in_string: false,
                escape: false,
            },
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => State::Literal,
            _ => State::Failed,
        }
    }

    /// After a value: whitespace, `,` or `}`.
    fn after(&mut self, b: u8) -> State {
        match b {
            _ if is_space(b) => State::After,
            b',' => State::Key { first: false },
            b'}' => State::End,
            _ => State::Failed,
        }
    }
}

/// The secret's value in a whole body, quotes excluded, as the receiver finds it when the body
/// arrives: `None` when the body is not an object or has no `secret_key` string.
pub fn secret_in(body: &[u8]) -> Option<Range<usize>> {
    let mut scanner = SecretScanner::new();
    // A body that stops being an object leaves the scanner failed, which `finish` reports.
    scanner.feed(body);
    match scanner.finish() {
        Scan::Secret(range) => Some(range),
        Scan::Reading | Scan::NoSecret | Scan::NotObject => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scans `body` fed in pieces of `size` bytes.
    fn scan(body: &str, size: usize) -> Scan {
        let mut scanner = SecretScanner::new();
        let mut last = Scan::Reading;
        for piece in body.as_bytes().chunks(size.max(1)) {
            last = scanner.feed(piece);
            if last == Scan::NotObject {
                return last;
            }
        }
        match last {
            Scan::Secret(_) | Scan::NoSecret => scanner.finish(),
            _ => scanner.finish(),
        }
    }

    fn secret_of(body: &str) -> Option<String> {
        let mut seen = None;
        for size in [1, 2, 3, 7, 64, 4096] {
            let got = match scan(body, size) {
                Scan::Secret(r) => Some(body[r].to_owned()),
                _ => None,
            };
            if let Some(prev) = &seen {
                assert_eq!(prev, &got, "split into pieces of {size}");
            }
            seen = Some(got);
        }
        seen.flatten()
    }

    #[test]
    fn finds_the_secret_where_livechat_puts_it_and_elsewhere() {
        let body = r#"{"webhook_id":"w","secret_key":"s3cr\"et","action":"a","payload":{"secret_key":"inner"}}"#;
        assert_eq!(secret_of(body).as_deref(), Some(r#"s3cr\"et"#));
        let last = r#" { "payload" : [1, {"a": "}"}, -2.5e3, true, null] , "secret_key" : "x" } "#;
        assert_eq!(secret_of(last).as_deref(), Some("x"));
    }

    #[test]
    fn reports_the_secret_before_the_body_ends() {
        let mut scanner = SecretScanner::new();
        let head = r#"{"webhook_id":"w","secret_key":"k","payload":{"#;
        assert_eq!(scanner.feed(head.as_bytes()), Scan::Secret(32..33));
    }

    #[test]
    fn bodies_without_a_secret_string() {
        for body in [
            "{}",
            r#"{"a":1}"#,
            r#"{"payload":{"secret_key":"inner"}}"#,
            r#"{"secret\u005fkey":"escaped key"}"#,
            r#"{"secret_keys":"longer key"}"#,
        ] {
            assert_eq!(scan(body, 3), Scan::NoSecret, "{body}");
        }
    }

    #[test]
    fn bodies_that_are_not_objects() {
        for body in [
            "",
            "[]",
            "{",
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"{"secret_key":"one","secret_key":"two"}"#,
            r#"{"secret_key":"one","secret_key":2}"#,
            "{\"a\":\"line\nbreak\"}",
            r#"{"a":@}"#,
        ] {
            assert_eq!(scan(body, 2), Scan::NotObject, "{body:?}");
        }
    }

    #[test]
    fn a_secret_that_is_not_a_string_is_none() {
        assert_eq!(scan(r#"{"secret_key":7}"#, 1), Scan::NoSecret);
        assert_eq!(scan(r#"{"secret_key":{"a":"b"}}"#, 1), Scan::NoSecret);
    }

    #[test]
    fn a_whole_body_has_the_secret_the_stream_has() {
        for body in [
            r#"{"webhook_id": "w", "secret_key": "s\"3", "a": {"secret_key": "no"}}"#,
            r#"{"secret\u005fkey": "k"}"#,
            r#"{"secret_key": "s", "x": }"#,
            r#"{"secret_key": "a", "secret_key": "b"}"#,
            r#"{"secret_key": 7}"#,
            "",
        ] {
            let whole = secret_in(body.as_bytes()).map(|r| body[r].to_owned());
            assert_eq!(whole, secret_of(body), "{body}");
        }
        assert_eq!(
            secret_in(br#"{"secret\u005fkey": "k"}"#),
            None,
            "an escaped key is not the secret"
        );
    }
}
