//! Reading bodies with a size limit: never more than the limit (and one byte) is held, however
//! large the input. Bodies are appended to a buffer, which may already hold earlier bodies (a
//! batch for the validation threads); a body too large is removed from it again.

use std::io::{self, BufRead, Read};

/// What was read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// A body within the limit, in the buffer.
    Within,
    /// A body larger than the limit: not kept (the buffer is empty).
    TooLarge,
}

/// Appends the whole of `reader` to `buf`, or stops after `limit + 1` bytes.
pub(crate) fn read_body(
    reader: &mut dyn BufRead,
    limit: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Body> {
    let start = buf.len();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    if let Err(e) = reader.take(cap).read_to_end(buf) {
        buf.truncate(start);
        return Err(e);
    }
    if buf.len() - start > limit {
        drop_body(buf, start);
        return Ok(Body::TooLarge);
    }
    Ok(Body::Within)
}

/// Removes the body that starts at `start`; a buffer that held nothing else is also shrunk.
fn drop_body(buf: &mut Vec<u8>, start: usize) {
    buf.truncate(start);
    if start == 0 {
        buf.shrink_to(64 * 1024);
    }
}

/// Appends one line of `reader` to `buf` (its newline included), `None` at the end of the
/// input. A line longer than `limit` (newline excluded) is read past without being kept, in
/// chunks of the reader's buffer. On an error, `buf` is left as it was.
pub(crate) fn read_line(
    reader: &mut dyn BufRead,
    limit: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Body>> {
    let start = buf.len();
    let outcome = read_line_from(reader, limit, buf, start);
    if outcome.is_err() {
        buf.truncate(start);
    }
    outcome
}

fn read_line_from(
    reader: &mut dyn BufRead,
    limit: usize,
    buf: &mut Vec<u8>,
    start: usize,
) -> io::Result<Option<Body>> {
    let mut read_any = false;
    let mut too_large = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(read_any.then_some(if too_large {
                Body::TooLarge
            } else {
                Body::Within
            }));
        }
        read_any = true;
        let (take, ends) = match memchr::memchr(b'\n', chunk) {
            Some(newline) => (newline + 1, true),
            None => (chunk.len(), false),
        };
        if !too_large {
            let content = buf.len() - start + take - usize::from(ends);
            if content > limit {
                too_large = true;
                drop_body(buf, start);
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        reader.consume(take);
        if ends {
            return Ok(Some(if too_large {
                Body::TooLarge
            } else {
                Body::Within
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `count` calls of [`read_line`] in a row give (`None` for an error).
    fn read_lines(
        reader: &mut impl BufRead,
        limit: usize,
        buf: &mut Vec<u8>,
        count: usize,
    ) -> Vec<Option<Option<Body>>> {
        (0..count)
            .map(|_| read_line(reader, limit, buf).ok())
            .collect()
    }

    #[test]
    fn a_body_beyond_the_limit_is_not_kept() {
        // (input, what it is under a limit of 5, the bytes kept, the bytes left in the reader:
        // of a body too large, only the limit and one byte are taken)
        type Case = (&'static [u8], Body, &'static [u8], &'static [u8]);
        let cases: [Case; 3] = [
            (b"12345", Body::Within, b"12345", b""),
            (b"123456", Body::TooLarge, b"", b""),
            (b"1234567890", Body::TooLarge, b"", b"7890"),
        ];
        for (text, body, kept, left) in cases {
            let mut input = text;
            let mut buf = Vec::new();
            let read = read_body(&mut input, 5, &mut buf).ok();
            assert_eq!(
                (read, &buf[..], input),
                (Some(body), kept, left),
                "{text:?}"
            );
        }
    }

    #[test]
    fn lines_beyond_the_limit_are_skipped_in_small_chunks() {
        let text = format!("abc\n{}\nxy\nlast", "z".repeat(100_000));
        // A reader with a 16-byte buffer: the long line is never held whole.
        let mut reader = io::BufReader::with_capacity(16, text.as_bytes());
        let mut buf = Vec::new();
        let mut lines = Vec::new();
        while let Some(body) = read_line(&mut reader, 4, &mut buf).expect("reads") {
            assert!(buf.capacity() <= 64 * 1024);
            lines.push((body, String::from_utf8_lossy(&buf).into_owned()));
            buf.clear();
        }
        assert_eq!(
            lines,
            [
                (Body::Within, "abc\n".to_owned()),
                (Body::TooLarge, String::new()),
                (Body::Within, "xy\n".to_owned()),
                (Body::Within, "last".to_owned()),
            ]
        );
        let mut reader = io::BufReader::with_capacity(16, &b"12345\n1234"[..]);
        assert_eq!(
            read_lines(&mut reader, 4, &mut buf, 3),
            [
                Some(Some(Body::TooLarge)),
                Some(Some(Body::Within)),
                Some(None)
            ]
        );
    }

    #[test]
    fn bodies_are_appended_and_one_too_large_leaves_the_earlier_ones() {
        let mut buf = b"kept\n".to_vec();
        let mut reader = io::BufReader::with_capacity(4, &b"abc\n123456789\nxy"[..]);
        assert_eq!(
            read_lines(&mut reader, 4, &mut buf, 2),
            [Some(Some(Body::Within)), Some(Some(Body::TooLarge))]
        );
        assert_eq!(buf, b"kept\nabc\n");
        assert_eq!(read_body(&mut reader, 4, &mut buf).ok(), Some(Body::Within));
        assert_eq!(buf, b"kept\nabc\nxy");
        let mut reader: &[u8] = b"12345";
        assert_eq!(
            read_body(&mut reader, 4, &mut buf).ok(),
            Some(Body::TooLarge)
        );
        assert_eq!(buf, b"kept\nabc\nxy");
    }
}
