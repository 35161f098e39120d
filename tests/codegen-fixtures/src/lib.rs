//! The generator's fixtures, compiled: every snapshot of `xtask/src/codegen/snapshots/` is a
//! module here (see `build.rs`), next to the runtime the generated code calls (`de` with the
//! duplicate-key check it reads through, the fast path's `fast`, `CompactString`, `Timestamp`, `SecretKey`, as in
//! `webhooks-types`). A snapshot that does not compile fails the
//! build of this crate; the tests read JSON with a few of them.

#![allow(missing_docs, clippy::all, clippy::pedantic, clippy::unwrap_used)]

#[allow(unused_imports)]
#[path = "../../../crates/webhooks-types/src/de.rs"]
mod de;
#[allow(dead_code)]
#[path = "../../../crates/webhooks-types/src/fast/mod.rs"]
mod fast;
#[allow(dead_code)]
#[path = "../../../crates/webhooks-types/src/location.rs"]
mod location;
#[allow(dead_code)]
#[path = "../../../crates/webhooks-types/src/scan.rs"]
mod scan;
#[allow(dead_code)]
#[path = "../../../crates/webhooks-types/src/unique/mod.rs"]
mod unique;

pub use webhooks_types::{CompactString, SecretKey, Timestamp};

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
