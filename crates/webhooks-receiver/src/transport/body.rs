//! Reads a delivery's body under the limits that hold before its sender is known: a deadline
//! for the whole request, a budget of unauthenticated bytes shared by all connections, and the
//! secret checked as soon as its bytes have arrived.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::scan::{Scan, SecretScanner};
use crate::secrets::SecretKeys;

/// Bytes of a body read before its secret without drawing on the shared budget: enough for
/// LiveChat's bodies, which send `secret_key` second.
pub const FREE_PREFIX: usize = 16 * 1024;

/// The default budget of unauthenticated body bytes held at once by all connections.
pub const DEFAULT_UNAUTHENTICATED_BUDGET: usize = 16 << 20;

/// What a body read under [`read`] gave.
#[derive(Debug)]
pub enum Outcome {
    /// The whole body, its secret accepted.
    Authenticated {
        /// The body as received.
        bytes: Vec<u8>,
        /// Where the secret's value is in `bytes` (quotes excluded).
        secret: Range<usize>,
    },
    /// No accepted secret: absent, wrong, or not a string of the outer object.
    Unauthorized {
        /// The rest of the body, unread.
        rest: Body,
        /// Bytes read so far.
        read: usize,
    },
    /// The body is not a JSON object (as far as was read before a secret).
    NotObject {
        /// The rest of the body, unread.
        rest: Body,
        /// Bytes read so far.
        read: usize,
    },
    /// Over the body limit; `read` bytes were read.
    TooLarge {
        /// The rest of the body, unread.
        rest: Body,
        /// Bytes read so far.
        read: usize,
    },
    /// The request did not arrive whole before its deadline.
    TimedOut,
    /// Too many unauthenticated bytes are held by other requests.
    Busy,
    /// The connection failed while the body was read.
    Broken(String),
}

/// The limits a body is read under.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest body.
    pub body_limit: usize,
    /// When the request must have arrived whole.
    pub deadline: Instant,
    /// Bytes of bodies not yet authenticated, shared by all requests.
    pub budget: Arc<Semaphore>,
}

impl Limits {
    /// Limits with a deadline `timeout` from now.
    pub fn new(body_limit: usize, timeout: Duration, budget: Arc<Semaphore>) -> Self {
        Self {
            body_limit,
            deadline: Instant::now() + timeout,
            budget,
        }
    }
}

/// A budget of unauthenticated bytes.
pub fn budget(bytes: usize) -> Arc<Semaphore> {
    Arc::new(Semaphore::new(bytes.min(Semaphore::MAX_PERMITS)))
}

/// Reads `body` under `limits`, checking the secret against `secrets` as soon as it is read.
pub async fn read(mut body: Body, limits: &Limits, secrets: &SecretKeys) -> Outcome {
    let mut bytes = Vec::new();
    let mut scanner = SecretScanner::new();
    let mut authenticated = false;
    let mut secret = None;
    // Budget drawn for the bytes held before the secret; given back once it is accepted.
    let mut held: Option<OwnedSemaphorePermit> = None;
    loop {
        let frame = match tokio::time::timeout_at(limits.deadline, body.frame()).await {
            Err(_) => return Outcome::TimedOut,
            Ok(None) => break,
            Ok(Some(Err(e))) => return Outcome::Broken(e.to_string()),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let total = bytes.len().saturating_add(data.len());
        if total > limits.body_limit {
            return Outcome::TooLarge {
                rest: body,
                read: total,
            };
        }
        if !authenticated && total > bytes.capacity() {
            // The budget is drawn for what is allocated (capacity grows by doubling), beyond
            // the free prefix.
            let grown = total
                .max(bytes.capacity().saturating_mul(2))
                .min(limits.body_limit);
            let charge = grown.saturating_sub(FREE_PREFIX.max(bytes.capacity()));
            if charge > 0 && !draw(&limits.budget, &mut held, charge) {
                return Outcome::Busy;
            }
            bytes.reserve_exact(grown - bytes.len());
        }
        bytes.extend_from_slice(&data);
        let read = bytes.len();
        if authenticated {
            // The rest is read whole: what is wrong with it is for the validator's report.
            continue;
        }
        let scan = scanner.feed(&data);
        // The secret is judged first, even when bytes after it in the same piece break the
        // object: a wrong secret is told as such, a right one earns the full report.
        if let Some(range) = scanner.found() {
            if !accepted(&bytes, range.clone(), secrets) {
                return Outcome::Unauthorized { rest: body, read };
            }
            authenticated = true;
            secret = Some(range);
            held = None;
            continue;
        }
        match scan {
            Scan::NotObject => return Outcome::NotObject { rest: body, read },
            Scan::NoSecret => return Outcome::Unauthorized { rest: body, read },
            Scan::Secret(_) | Scan::Reading => {}
        }
    }
    drop(held);
    let (rest, read) = (Body::empty(), bytes.len());
    match (secret, scanner.finish()) {
        (Some(secret), _) => Outcome::Authenticated { bytes, secret },
        (None, Scan::NotObject) => Outcome::NotObject { rest, read },
        (None, _) => Outcome::Unauthorized { rest, read },
    }
}

/// Adds `more` bytes to what `held` holds of the budget; false when the budget has not that
/// many.
fn draw(budget: &Arc<Semaphore>, held: &mut Option<OwnedSemaphorePermit>, more: usize) -> bool {
    let Ok(more) = u32::try_from(more) else {
        return false;
    };
    match Arc::clone(budget).try_acquire_many_owned(more) {
        Ok(permit) => {
            match held {
                Some(h) => h.merge(permit),
                None => *held = Some(permit),
            }
            true
        }
        Err(_) => false,
    }
}

/// Whether the secret at `range` of `bytes` (a JSON string's content) is accepted.
fn accepted(bytes: &[u8], range: Range<usize>, secrets: &SecretKeys) -> bool {
    // The string with its quotes, decoded as JSON (escapes included).
    let quoted = bytes.get(range.start.saturating_sub(1)..range.end.saturating_add(1));
    quoted
        .and_then(|q| serde_json::from_slice::<String>(q).ok())
        .is_some_and(|secret| secrets.accepts(&secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SecretKeys {
        SecretKeys::new(["k1"])
    }

    async fn run(chunks: &[&str], budget_bytes: usize) -> Outcome {
        let owned: Vec<Result<axum::body::Bytes, std::io::Error>> = chunks
            .iter()
            .map(|c| Ok(axum::body::Bytes::copy_from_slice(c.as_bytes())))
            .collect();
        let body = Body::from_stream(futures_util::stream::iter(owned));
        let limits = Limits::new(1 << 20, Duration::from_secs(5), budget(budget_bytes));
        read(body, &limits, &keys()).await
    }

    #[tokio::test]
    async fn a_good_secret_authenticates() {
        match run(&[r#"{"webhook_id":"w","secret_"#, r#"key":"k1","a":1}"#], 0).await {
            Outcome::Authenticated { bytes, secret } => {
                assert_eq!(&bytes[secret], b"k1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_wrong_or_missing_secret_is_refused_early() {
        assert!(matches!(
            run(&[r#"{"secret_key":"k2","#, "never read"], 0).await,
            Outcome::Unauthorized { read: 19, .. }
        ));
        assert!(matches!(
            run(&[r#"{"a":1}"#], 0).await,
            Outcome::Unauthorized { .. }
        ));
        assert!(matches!(
            run(&["not json"], 0).await,
            Outcome::NotObject { .. }
        ));
    }

    #[tokio::test]
    async fn bytes_past_the_free_prefix_need_the_budget() {
        let long = format!(r#"{{"pad":"{}","#, "x".repeat(FREE_PREFIX));
        assert!(matches!(run(&[&long], 1).await, Outcome::Busy));
        let done = [long.as_str(), r#""secret_key":"k1"}"#];
        assert!(matches!(
            run(&done, 1 << 20).await,
            Outcome::Authenticated { .. }
        ));
    }
}
