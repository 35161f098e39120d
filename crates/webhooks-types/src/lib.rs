//! Typed LiveChat Webhooks API payloads, one module per API version.
//!
//! The types are generated from the JSON Schemas in `schemas/` by `cargo xtask codegen`: a
//! module per version ([`v3_6`] is LiveChat's current stable version), each with its `Action`
//! list, its `Payload` enum and its `Webhook` (the [`Envelope`] over that payload). This file
//! and its siblings add the envelope and the few hand-written helpers: [`Timestamp`],
//! [`SecretKey`] and [`ParseError`]. [`ApiVersion`] names the versions at run time, and
//! [`AnyWebhook`] holds a webhook of whichever version a body was parsed under.
//!
//! ```
//! use webhooks_types::v3_6::{Payload, Webhook};
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
//!
//! The crate root names no version: it holds the version modules and what every version shares
//! (the items above, [`UnknownAction`], [`CompactString`], [`VersionPayload`], …), so that a path
//! to a version's types always says which version it means: `webhooks_types::v3_6::Webhook`,
//! never `webhooks_types::Webhook`.

mod action;
mod de;
mod fast;
pub mod location;
mod parse_error;
#[doc(hidden)]
pub mod scan;
mod secret;
mod timestamp;
mod unique;
mod webhook;

/// Code generated from the schemas; do not edit (run `cargo xtask codegen`). Private: the version
/// modules and what else it defines are re-exported below, on purpose.
#[rustfmt::skip]
mod generated;
mod version;
mod versioned;

/// The string type of the generated types' text (ids, names, messages): a `str` that keeps up
/// to 24 bytes inline, allocating only for longer text. It dereferences to `str`, compares with
/// `&str` and `String`, and converts into a `String` (`into_string`, `String::from`).
///
/// ```
/// use std::collections::BTreeMap;
/// use webhooks_types::CompactString;
///
/// let id = CompactString::from("PJ0MRSHTDG");
/// assert!(id == "PJ0MRSHTDG" && id.as_str().len() == 10 && !id.is_heap_allocated());
/// assert_eq!(String::from(id.clone()), "PJ0MRSHTDG");
/// let names: BTreeMap<CompactString, u8> = [("key".into(), 1)].into();
/// assert_eq!(names.get("key"), Some(&1));
/// ```
pub use compact_str::CompactString;

pub use action::UnknownAction;
pub use generated::*;
pub use parse_error::{ParseError, ParseErrorKind};
pub use secret::SecretKey;
pub use timestamp::{InvalidTimestamp, Timestamp};
pub use unique::{find_duplicate_key, DuplicateKey};
pub use version::UnknownVersion;
pub use versioned::{Field, NoRequester, VersionPayload};
pub use webhook::Envelope;

/// The crate root holds no version's types: each is reached through its version's module.
///
/// ```
/// let _: Option<webhooks_types::v3_6::Webhook> = None;
/// let _: Option<webhooks_types::v3_6::Payload> = None;
/// let _: webhooks_types::ApiVersion = webhooks_types::v3_6::API_VERSION;
/// ```
///
/// The short paths do not resolve (each of these compiled while the root re-exported v3.5):
///
/// ```compile_fail,E0412
/// let _: Option<webhooks_types::Webhook> = None;
/// ```
///
/// ```compile_fail,E0412
/// let _: Option<webhooks_types::Payload> = None;
/// ```
///
/// ```compile_fail,E0425
/// let _ = webhooks_types::API_VERSION;
/// ```
#[cfg(doctest)]
pub struct RootNamesNoVersion;
