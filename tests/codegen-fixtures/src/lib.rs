//! The generator's fixtures, compiled: every snapshot of `xtask/src/codegen/snapshots/` is a
//! module here (see `build.rs`), next to the runtime the generated code calls (`de`,
//! `Timestamp`, `SecretKey`, as in `webhooks-types`). A snapshot that does not compile fails the
//! build of this crate; the tests read JSON with a few of them.

#![allow(missing_docs, clippy::all, clippy::pedantic, clippy::unwrap_used)]

#[path = "../../../crates/webhooks-types/src/de.rs"]
mod de;

pub use webhooks_types::{SecretKey, Timestamp};

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
