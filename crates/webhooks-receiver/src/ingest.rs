//! The content path of a delivery whose secret was verified: the body to store (the received
//! bytes with the characters of the secret removed), its digest, its validation (one typed
//! parse), its identity (read from the text), its storage, and the answer.
//!
//! Nothing here sees the secret: the stored bytes are made first, and everything else (the
//! digest, the validator's report, the row) is derived from them.

use std::ops::Range;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use webhooks_types::location::line_column;
use webhooks_validate::{Disagreement, ValidationError, Violations};

use crate::inbox::{Inbox, InboxError, NewDelivery};
use crate::scan;
use crate::server::{error, json_response, Shared};
use crate::worker::now_ms;

/// What became of a delivery whose secret was verified.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Committed (a new row, or a redelivery of an event already stored): 200.
    Stored {
        /// `action` as received.
        action: String,
    },
    /// Not JSON, or invalid under the version's schemas: 400 with the validator's report.
    Invalid {
        /// The report (positions in the body as received).
        report: Value,
    },
    /// The inbox could not store it: 503.
    Unavailable {
        /// `action` as received.
        action: String,
        /// Why.
        error: InboxError,
    },
}

impl Outcome {
    /// The HTTP status of the answer.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Stored { .. } => StatusCode::OK,
            Self::Invalid { .. } => StatusCode::BAD_REQUEST,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The delivery's `action`, when it was read.
    pub(crate) fn action(&self) -> Option<&str> {
        match self {
            Self::Stored { action } | Self::Unavailable { action, .. } => Some(action),
            Self::Invalid { .. } => None,
        }
    }

    /// The answer.
    pub(crate) fn into_response(self) -> Response {
        let status = self.status();
        match self {
            Self::Stored { .. } => status.into_response(),
            Self::Invalid { report } => json_response(status, &report),
            Self::Unavailable { .. } => {
                error(status, "storage", "the delivery could not be stored")
            }
        }
    }
}

/// How long a store may take before the delivery is answered 503.
const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Stores a delivery whose secret was verified. `bytes` is the body as received and `secret`
/// the byte range of the content of its `secret_key` string (between the quotes); the stored
/// body is `bytes` without that range, every other byte kept.
pub(crate) async fn accept<I: Inbox>(
    shared: &Shared<I>,
    mut bytes: Vec<u8>,
    secret: Range<usize>,
) -> Outcome {
    if secret.start > secret.end || secret.end > bytes.len() {
        return Outcome::Invalid {
            report: terse("secret_key", "the secret is not where it was said to be"),
        };
    }
    let removed = secret.len();
    let body_sha256 = stored_sha256(&bytes, secret.clone());
    bytes.drain(secret.clone());
    let stored = bytes;
    match shared.validator.validate(&stored) {
        Ok(_) | Err(ValidationError::UnknownAction { .. }) => {}
        // The schema accepts it and only the types do not: stored, for `on_unknown`.
        Err(ValidationError::Disagreement(d)) if d.violations.is_empty() => {}
        Err(e) => {
            let e = as_received(e, &stored, secret.start, removed);
            return Outcome::Invalid { report: report(&e) };
        }
    }
    let top_string = |name: &str| {
        scan::top_member(&stored, name)
            .ok()
            .flatten()
            .and_then(|span| scan::string_at(&stored, span))
            .unwrap_or_default()
    };
    let action = top_string("action");
    let webhook_id = top_string("webhook_id");
    let identity = shared.rules.identify_text(&action, &stored);
    // The validator parsed it, so it is UTF-8.
    let body = match String::from_utf8(stored) {
        Ok(body) => body,
        Err(_) => {
            return Outcome::Invalid {
                report: terse("json", "the body is not UTF-8"),
            }
        }
    };
    let now = now_ms();
    let delivery = NewDelivery {
        received_at_ms: now,
        webhook_id,
        identity,
        action: action.clone(),
        body_sha256,
        body,
        redelivery_since_ms: now.saturating_sub(shared.window_ms),
    };
    // An inbox that does not answer (a network partition from PostgreSQL) is a 503, not a
    // request held until TCP gives up; a store that commits after all is a redelivery later.
    let stored = tokio::time::timeout(STORE_TIMEOUT, shared.inbox.store(delivery))
        .await
        .unwrap_or_else(|_| {
            Err(InboxError::Commit(format!(
                "no answer from the inbox within {STORE_TIMEOUT:?}"
            )))
        });
    match stored {
        Ok(stored) => {
            crate::telemetry::stored(shared.validator.api_version(), &action, stored);
            shared.wake.notify_one();
            Outcome::Stored { action }
        }
        Err(error) => Outcome::Unavailable { action, error },
    }
}

/// `body_sha256` of a body as received whose secret's content is at `secret`: the hex SHA-256
/// of the body with those bytes left out, that is of the body as stored.
pub(crate) fn stored_sha256(received: &[u8], secret: Range<usize>) -> String {
    let mut digest = Sha256::new();
    digest.update(received.get(..secret.start).unwrap_or(received));
    digest.update(received.get(secret.end..).unwrap_or_default());
    hex(&digest.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A report of one error without positions.
fn terse(kind: &str, message: &str) -> Value {
    json!({"valid": false, "errors": [{"kind": kind, "message": message}]})
}

/// The validator's report of a rejected body.
fn report(error: &ValidationError) -> Value {
    let errors: Vec<Value> = match error {
        ValidationError::Json { line, column, .. } => vec![json!({"kind": "json", "pointer": "",
            "line": line, "column": column, "message": error.to_string()})],
        ValidationError::Invalid(_) | ValidationError::Disagreement(_) => error
            .violations()
            .iter()
            .map(|v| {
                json!({"kind": "schema", "pointer": v.pointer, "line": v.line,
                "column": v.column, "keyword": v.keyword, "schema": v.schema, "message": v.message})
            })
            .collect(),
        other => vec![json!({"kind": "envelope", "pointer": "", "message": other.to_string()})],
    };
    json!({"valid": false, "errors": errors})
}

/// The error found in the stored body, its positions moved to the body as received: on the
/// line of the secret, a column at or past the secret's place moves right by the `removed`
/// bytes (a verified secret holds no line break).
fn as_received(
    error: ValidationError,
    stored: &[u8],
    secret_at: usize,
    removed: usize,
) -> ValidationError {
    let (secret_line, secret_column) = line_column(stored, secret_at);
    let column = |line: usize, column: usize| {
        if line == secret_line && column >= secret_column {
            column.saturating_add(removed)
        } else {
            column
        }
    };
    let violations = |found: &Violations| {
        let list = found
            .iter()
            .cloned()
            .map(|mut v| {
                if let (Some(line), Some(c)) = (v.line, v.column) {
                    v.column = Some(column(line, c));
                }
                v
            })
            .collect();
        Violations::new(list, found.omitted())
    };
    match error {
        ValidationError::Json {
            line,
            column: c,
            message,
        } => ValidationError::Json {
            line,
            column: column(line, c),
            message,
        },
        ValidationError::DuplicateKey {
            key,
            pointer,
            line,
            column: c,
        } => ValidationError::DuplicateKey {
            key,
            pointer,
            line,
            column: column(line, c),
        },
        ValidationError::Invalid(found) => ValidationError::Invalid(violations(&found)),
        ValidationError::Disagreement(d) => ValidationError::Disagreement(Box::new(Disagreement {
            violations: violations(&d.violations),
            ..*d
        })),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_digest_leaves_out_the_secret_only() {
        let received = br#"{"webhook_id": "w", "secret_key":  "s3\"cret" ,"a": 1}"#;
        let span = crate::transport::scan::secret_in(received).expect("secret");
        let emptied = String::from_utf8_lossy(received).replace(r#"s3\"cret"#, "");
        assert_eq!(emptied, r#"{"webhook_id": "w", "secret_key":  "" ,"a": 1}"#);
        assert_eq!(
            stored_sha256(received, span),
            hex(&Sha256::digest(emptied.as_bytes()))
        );
        assert_eq!(
            stored_sha256(b"abc", 3..3),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn positions_past_the_secret_move_back_to_the_received_text() {
        let stored = b"{\"secret_key\": \"\", \"a\": x}\n{";
        let json = |column| ValidationError::Json {
            line: 1,
            column,
            message: String::new(),
        };
        let moved = |e| match as_received(e, stored, 16, 5) {
            ValidationError::Json { column, .. } => column,
            other => panic!("{other:?}"),
        };
        assert_eq!(moved(json(25)), 30);
        assert_eq!(moved(json(17)), 22);
        assert_eq!(moved(json(16)), 16);
        let next_line = ValidationError::Json {
            line: 2,
            column: 1,
            message: String::new(),
        };
        assert!(matches!(
            as_received(next_line, stored, 16, 5),
            ValidationError::Json { column: 1, .. }
        ));
    }
}
