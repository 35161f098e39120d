//! HTTP/1.1 written by hand on a TCP connection, for what a client library does not send: a
//! body of undeclared length, several requests on one connection, a sender that waits for
//! `100 Continue`.

use std::time::Duration;

/// A `POST /` with the header lines `head` (CRLF-separated) and `body`, as sent on the wire.
pub fn post(head: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!("POST / HTTP/1.1\r\nhost: test\r\n{head}\r\n\r\n").into_bytes();
    request.extend_from_slice(body);
    request
}

/// Writes `requests` on one new connection to `url` and returns the status lines of the first
/// `answers` answers, or of fewer when the server closes the connection first; fails when the
/// requests cannot be written (the server reset the connection) or the answers take over 10 s.
pub async fn exchange(url: &str, requests: &[u8], answers: usize) -> Vec<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(requests)
        .await
        .expect("the requests written");
    let mut text = Vec::new();
    // Each status line: an answer's body (JSON, no final newline) runs into the next one's.
    let statuses = |text: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(text);
        text.match_indices("HTTP/1.1 ")
            .filter_map(|(at, _)| text[at..].lines().next().map(str::to_owned))
            .collect()
    };
    let read = async {
        let mut buffer = [0; 4096];
        while statuses(&text).len() < answers {
            match stream.read(&mut buffer).await.unwrap_or(0) {
                0 => break,
                n => text.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the answers within 10 s");
    statuses(&text)
}

/// `bytes` bytes of filler as an HTTP/1.1 chunked body, 64 KiB a chunk.
pub fn chunked(bytes: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(bytes + bytes / 8 + 16);
    let mut left = bytes;
    while left > 0 {
        let n = left.min(1 << 16);
        body.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        body.resize(body.len() + n, b'x');
        body.extend_from_slice(b"\r\n");
        left -= n;
    }
    body.extend_from_slice(b"0\r\n\r\n");
    body
}
