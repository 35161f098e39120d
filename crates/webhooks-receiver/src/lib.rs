//! An axum receiver for LiveChat webhooks that acknowledges only what it has stored.
//!
//! A delivery is answered **200** only once it is committed to an [`Inbox`] (SQLite by
//! default, PostgreSQL to share one inbox between receivers); a [`Handler`] then runs from the
//! inbox, at least once per delivery, in arrival order within a chat, with retries, backoff
//! and dead letters. Other answers: 401 for a missing or wrong `secret_key` (checked before
//! anything about the body is told), 400 with the validator's JSON report, 413 over the body
//! limit, 415 for a content type other than JSON, 405 for other methods, 404 other paths.
//!
//! Deliveries are deduplicated only on event keys declared per action in
//! `schemas/identity/v<version>.json`; any other delivery is handled, and one whose bytes
//! arrived shortly before is flagged [`Delivery::possible_redelivery`].

pub mod cli;
mod handler;
mod identity;
pub mod inbox;
mod secrets;
mod server;
mod version;
mod worker;

pub use handler::{Delivery, FnHandler, Handler, HandlerError};
pub use identity::{IdentityError, IdentityRules};
pub use inbox::{Inbox, InboxError, PostgresInbox, SqliteInbox};
pub use secrets::{SecretKeys, SecretsError};
pub use server::{Receiver, ReceiverConfig, ReceiverError, DEFAULT_BODY_LIMIT};
pub use version::{ApiVersion, UnsupportedVersion};
pub use worker::{now_ms, RetryPolicy, WorkerOptions};

/// The examples of this crate's README, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
