//! Typed LiveChat Webhooks API v3.5 payloads.
//!
//! The types are generated from the JSON Schemas in `schemas/v3.5/` by `cargo xtask codegen`;
//! this file and its siblings add the envelope ([`Webhook`]) and the few
//! hand-written helpers: [`Timestamp`], [`SecretKey`] and [`ParseError`].
//!
//! ```
//! use webhooks_types::{Payload, Webhook};
//!
//! let body = br#"{"webhook_id": "wh", "secret_key": "s3cret", "action": "thread_tagged",
//!   "organization_id": "org", "additional_data": {},
//!   "payload": {"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8", "tag": "bug_report"}}"#;
//! let webhook = Webhook::from_slice(body)?;
//! assert!(webhook.verify_secret("s3cret"));
//! match &webhook.payload {
//!     Payload::ThreadTagged(tagged) => assert_eq!(tagged.tag, "bug_report"),
//!     other => panic!("unexpected {}", other.action_name()),
//! }
//! # Ok::<(), webhooks_types::ParseError>(())
//! ```

mod action;
mod de;
pub mod location;
mod parse_error;
#[doc(hidden)]
pub mod scan;
mod secret;
mod timestamp;
mod unique;
mod webhook;

/// Code generated from the schemas; do not edit (run `cargo xtask codegen`). Private: what it
/// defines is re-exported below, on purpose.
mod generated {
    /// The payload types and every structure they contain.
    // typify documents types and fields from the schemas' descriptions, but not the variants of
    // string enums (their names are the values on the wire) nor its own conversion helpers; its
    // only `unwrap()`s compile the constant `pattern`s of the schemas.
    #[allow(missing_docs, clippy::all, clippy::pedantic, clippy::unwrap_used)]
    #[rustfmt::skip]
    pub mod types; /// The list of webhook actions.
    #[rustfmt::skip]
    pub mod action; /// The payload typed by action.
    #[rustfmt::skip]
    pub mod payload;
}

pub use action::UnknownAction;
pub use generated::action::Action;
pub use generated::payload::Payload;
pub use generated::types::*;
pub use parse_error::{ParseError, ParseErrorKind};
pub use secret::SecretKey;
pub use timestamp::{InvalidTimestamp, Timestamp};
pub use unique::{find_duplicate_key, DuplicateKey};
pub use webhook::Webhook;

/// The API version these types describe.
pub const API_VERSION: &str = "3.5";
