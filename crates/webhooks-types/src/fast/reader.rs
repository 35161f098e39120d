//! The JSON reader of the fast path: a cursor over the text that reads one token at a time and
//! answers `None` for anything it does not take (malformed text, a duplicate key, an escaped
//! member name, deep nesting), leaving the error, or the rare valid case, to serde. Scalars
//! here; objects and arrays in `compound.rs`.

use std::borrow::Cow;

use serde_json::Number;

use crate::scan::string_stop;

/// A cursor over a JSON text. Every method reads one value (or token) at the cursor, skipping
/// the whitespace before it, and returns `None` if it is not what was asked for; the reader is
/// then in no defined place and is dropped.
pub struct Reader<'a> {
    pub(super) text: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) depth: u32,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
        }
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    pub(super) fn peek(&mut self) -> Option<u8> {
        match *self.bytes.get(self.pos)? {
            byte if byte > b' ' => Some(byte),
            _ => self.skip_whitespace(),
        }
    }

    /// Moves past whitespace: runs of spaces (indentation) eight bytes at a time.
    fn skip_whitespace(&mut self) -> Option<u8> {
        const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
        loop {
            if let Some(Ok(word)) = self
                .bytes
                .get(self.pos..self.pos + 8)
                .map(<[u8; 8]>::try_from)
            {
                let other = u64::from_le_bytes(word) ^ SPACES;
                self.pos += other.trailing_zeros() as usize / 8;
            }
            match *self.bytes.get(self.pos)? {
                b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                byte => return Some(byte),
            }
        }
    }

    /// The first byte of the next value, not consumed.
    pub(crate) fn next_byte(&mut self) -> Option<u8> {
        self.peek()
    }

    /// Consumes `byte`, the next one after whitespace.
    #[inline]
    pub(super) fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Whether the next value is `null` (consumed if so).
    pub(crate) fn null(&mut self) -> bool {
        self.literal(b"null")
    }

    /// Consumes `word` if the text goes on with it.
    pub(super) fn literal(&mut self, word: &[u8]) -> bool {
        let found = self.peek().is_some()
            && self.bytes[self.pos..].starts_with(word)
            && !matches!(self.bytes.get(self.pos + word.len()), Some(b) if b.is_ascii_alphanumeric());
        if found {
            self.pos += word.len();
        }
        found
    }

    /// A boolean.
    pub(crate) fn boolean(&mut self) -> Option<bool> {
        if self.literal(b"true") {
            Some(true)
        } else if self.literal(b"false") {
            Some(false)
        } else {
            None
        }
    }

    /// A string, borrowed from the text when it holds no escape.
    #[inline(always)]
    pub(crate) fn text(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.pos;
        let stop = start + string_stop(&self.bytes[start..])?;
        self.pos = stop + 1;
        match self.bytes[stop] {
            b'"' => self.slice(start, stop).map(Cow::Borrowed),
            b'\\' => self.escaped(start, stop).map(Cow::Owned),
            _ => None,
        }
    }

    /// A string, owned.
    pub(crate) fn string(&mut self) -> Option<String> {
        self.text().map(Cow::into_owned)
    }

    /// The text between two offsets (both next to ASCII punctuation, so on character
    /// boundaries).
    #[inline]
    pub(super) fn slice(&self, start: usize, end: usize) -> Option<&'a str> {
        self.text.get(start..end)
    }

    /// The rest of a string whose plain run `start..stop` ends in the backslash at `stop`.
    #[cold]
    fn escaped(&mut self, start: usize, stop: usize) -> Option<String> {
        let mut out = String::from(self.slice(start, stop)?);
        let mut backslash = stop;
        loop {
            let escape = *self.bytes.get(backslash + 1)?;
            self.pos = backslash + 2;
            let unit = match escape {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.code_point()?,
                _ => return None,
            };
            out.push(unit);
            let run = self.pos;
            let stop = run + string_stop(&self.bytes[run..])?;
            out.push_str(self.slice(run, stop)?);
            self.pos = stop + 1;
            match self.bytes[stop] {
                b'"' => return Some(out),
                b'\\' => backslash = stop,
                _ => return None,
            }
        }
    }

    /// The character of a `\u` escape (the cursor past the `u`), with the second half of a
    /// surrogate pair; a lone surrogate is left to serde.
    fn code_point(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high);
        }
        if self.bytes.get(self.pos..self.pos + 2)? != b"\\u" {
            return None;
        }
        self.pos += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    /// Four hexadecimal digits.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        let mut value = 0;
        for &digit in digits {
            value = value * 16 + char::from(digit).to_digit(16)?;
        }
        self.pos += 4;
        Some(value)
    }

    /// An integer written as one (no fraction, no exponent): as `u64` when it is not negative,
    /// else as `i64`. Anything else (a float, `-0`, out of range) is left to serde.
    fn integer(&mut self) -> Option<Result<u64, i64>> {
        let negative = self.peek()? == b'-';
        let start = self.pos + usize::from(negative);
        let mut end = start;
        let mut value: u64 = 0;
        while let Some(digit) = self.bytes.get(end).filter(|b| b.is_ascii_digit()) {
            value = value
                .checked_mul(10)?
                .checked_add(u64::from(digit - b'0'))?;
            end += 1;
        }
        let leading_zero = self.bytes.get(start) == Some(&b'0') && end - start > 1;
        if end == start || leading_zero || matches!(self.bytes.get(end), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.pos = end;
        if !negative {
            return Some(Ok(value));
        }
        match 0i64.checked_sub_unsigned(value) {
            Some(value) if value < 0 => Some(Err(value)),
            _ => None,
        }
    }

    /// An integer of at least zero.
    pub(crate) fn unsigned(&mut self) -> Option<u64> {
        self.integer()?.ok()
    }

    /// An integer.
    pub(crate) fn signed(&mut self) -> Option<i64> {
        match self.integer()? {
            Ok(value) => i64::try_from(value).ok(),
            Err(value) => Some(value),
        }
    }

    /// A number. One that is not a plain integer (a fraction, an exponent, `-0`, beyond 64
    /// bits) is read by `serde_json` itself, so that it is the same number serde's path reads.
    pub(crate) fn number(&mut self) -> Option<Number> {
        self.peek()?;
        let start = self.pos;
        if let Some(integer) = self.integer() {
            return Some(match integer {
                Ok(value) => Number::from(value),
                Err(value) => Number::from(value),
            });
        }
        let length = self.bytes[start..]
            .iter()
            .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        let number = serde_json::from_str(self.slice(start, start + length)?).ok()?;
        self.pos = start + length;
        Some(number)
    }
}
