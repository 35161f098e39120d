//! The durable inbox: every acknowledged delivery is in it before the 200 goes out.

use std::future::Future;

use crate::handler::Delivery;
use crate::identity::Identity;

mod forward;
mod forward_sql;
mod postgres;
mod postgres_forward;
mod rows;
mod sql;
mod sqlite;
mod sqlite_forward;
mod wal;

#[cfg(test)]
mod tests;

pub use forward::{ForwardClaim, ForwardInbox, ForwardRow, Route, Routes};
pub use postgres::PostgresInbox;
pub use sqlite::SqliteInbox;

/// The SQL states of a delivery, as stored in the `state` column.
pub mod state {
    /// Waiting for its (next) attempt.
    pub const PENDING: &str = "pending";
    /// Claimed by a worker until `lease_until_ms`.
    pub const RUNNING: &str = "running";
    /// Handled.
    pub const DONE: &str = "done";
    /// Failed the maximum number of attempts; re-drive it to try again.
    pub const DEAD: &str = "dead";
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// SQLite said no.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The transaction holding the delivery did not commit.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The inbox's writer is gone.
    #[error("the inbox is closed")]
    Closed,
}

/// A delivery to store, as it arrived (without its secret).
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// Arrival time, milliseconds since the Unix epoch.
    pub received_at_ms: i64,
    /// `webhook_id` (the registration), or `""` when the body has none.
    pub webhook_id: String,
    /// `action` as received.
    pub action: String,
    /// Its chat and event key.
    pub identity: Identity,
    /// Hex SHA-256 of `body`.
    pub body_sha256: String,
    /// The body as received with the characters of the `secret_key` string removed
    /// (`"secret_key": ""`), every other byte kept.
    pub body: String,
    /// A delivery with the same `body_sha256` received at or after this time makes this one a
    /// possible redelivery.
    pub redelivery_since_ms: i64,
}

/// What storing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new row.
    New {
        /// Its id.
        id: i64,
        /// The same bytes arrived within the redelivery window.
        possible_redelivery: bool,
    },
    /// The event key was already stored: the delivery is a redelivery of that row.
    Duplicate {
        /// The existing row.
        id: i64,
    },
}

/// Rows by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Waiting.
    pub pending: u64,
    /// Being handled.
    pub running: u64,
    /// Handled.
    pub done: u64,
    /// Dead letters.
    pub dead: u64,
    /// Deliveries not stored because their event key was (sum over rows).
    pub duplicates: u64,
}

/// What a worker asks of [`Inbox::claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// The time of the claim, milliseconds since the Unix epoch: deliveries due by then, and
    /// those whose lease ran out before then, are claimable.
    pub now_ms: i64,
    /// When the lease of the deliveries claimed runs out.
    pub lease_until_ms: i64,
    /// Deliveries claimed at most.
    pub limit: usize,
}

/// One row of the inbox, for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Row id.
    pub id: i64,
    /// `action`.
    pub action: String,
    /// State (see [`state`]).
    pub state: String,
    /// Attempts since arrival or the last re-drive.
    pub attempts: u32,
    /// The last handler error.
    pub last_error: Option<String>,
}

/// Where deliveries are stored and claimed. Implemented by [`SqliteInbox`] (one receiver) and
/// [`PostgresInbox`] (several receivers sharing one database).
pub trait Inbox: Send + Sync + 'static {
    /// Stores a delivery durably (committed when this returns `Ok`).
    fn store(
        &self,
        delivery: NewDelivery,
    ) -> impl Future<Output = Result<Stored, InboxError>> + Send;

    /// Claims up to `claim.limit` due deliveries, at most one per chat and only the oldest
    /// unhandled one of its chat, leasing them until `claim.lease_until_ms`; counts the attempt.
    fn claim(&self, claim: Claim)
        -> impl Future<Output = Result<Vec<Delivery>, InboxError>> + Send;

    /// Marks a claimed delivery handled.
    fn complete(&self, id: i64, now_ms: i64)
        -> impl Future<Output = Result<(), InboxError>> + Send;

    /// Records a failed attempt: retried at `retry_at_ms`, or a dead letter when `None`.
    fn fail(
        &self,
        id: i64,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// Puts dead letters back (one by id, or all), with their attempt count reset; returns how
    /// many.
    fn redrive(
        &self,
        id: Option<i64>,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, InboxError>> + Send;

    /// Deletes at most `limit` handled deliveries whose handling finished before
    /// `handled_before_ms`, oldest first; returns how many. Dead letters and deliveries still
    /// waiting are never deleted. Once a keyed delivery is deleted, a later delivery with its
    /// event key is stored and handled again.
    fn prune(
        &self,
        handled_before_ms: i64,
        limit: usize,
    ) -> impl Future<Output = Result<u64, InboxError>> + Send;

    /// Puts one claimed delivery back, its attempt not counted: the attempt was given up (at
    /// shutdown) before it ended.
    fn release(&self, id: i64) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// Releases the claims of a previous run of this receiver (after a crash).
    fn release_claims(&self) -> impl Future<Output = Result<u64, InboxError>> + Send;

    /// Rows in a state, oldest first, at most `limit`.
    fn rows(
        &self,
        state: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Row>, InboxError>> + Send;

    /// A committed write of its own: whether the inbox can store deliveries now.
    fn probe(&self) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// Counts by state.
    fn stats(&self) -> impl Future<Output = Result<Stats, InboxError>> + Send;
}
