//! Reading bodies with a size limit: never more than the limit (and one byte) is held, however
//! large the input.

use std::io::{self, BufRead, Read};

/// What was read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// A body within the limit, in the buffer.
    Within,
    /// A body larger than the limit: not kept (the buffer is empty).
    TooLarge,
}

/// Reads the whole of `reader` into `buf`, or stops after `limit + 1` bytes.
pub(crate) fn read_body(
    reader: &mut dyn BufRead,
    limit: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Body> {
    buf.clear();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_to_end(buf)?;
    if buf.len() > limit {
        buf.clear();
        buf.shrink_to(64 * 1024);
        return Ok(Body::TooLarge);
    }
    Ok(Body::Within)
}

/// Reads one line of `reader` into `buf` (its newline included), `None` at the end of the
/// input. A line longer than `limit` (newline excluded) is read past without being kept, in
/// chunks of the reader's buffer.
pub(crate) fn read_line(
    reader: &mut dyn BufRead,
    limit: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Body>> {
    buf.clear();
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
        let (take, ends) = match chunk.iter().position(|b| *b == b'\n') {
            Some(newline) => (newline + 1, true),
            None => (chunk.len(), false),
        };
        if !too_large {
            let content = buf.len() + take - usize::from(ends);
            if content > limit {
                too_large = true;
                buf.clear();
                buf.shrink_to(64 * 1024);
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

    #[test]
    fn a_body_beyond_the_limit_is_not_kept() {
        let mut buf = Vec::new();
        let mut input: &[u8] = b"12345";
        assert_eq!(read_body(&mut input, 5, &mut buf).ok(), Some(Body::Within));
        assert_eq!(buf, b"12345");
        let mut input: &[u8] = b"123456";
        assert_eq!(
            read_body(&mut input, 5, &mut buf).ok(),
            Some(Body::TooLarge)
        );
        assert!(buf.is_empty());
        // Only the limit and one byte were taken from the reader.
        assert_eq!(input, b"");
        let mut input: &[u8] = b"1234567890";
        assert_eq!(
            read_body(&mut input, 5, &mut buf).ok(),
            Some(Body::TooLarge)
        );
        assert_eq!(input, b"7890");
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
            read_line(&mut reader, 4, &mut buf).ok(),
            Some(Some(Body::TooLarge))
        );
        assert_eq!(
            read_line(&mut reader, 4, &mut buf).ok(),
            Some(Some(Body::Within))
        );
        assert_eq!(read_line(&mut reader, 4, &mut buf).ok(), Some(None));
    }
}
