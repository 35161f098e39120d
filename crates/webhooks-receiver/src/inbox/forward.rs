//! Forwarding state in the inbox: one row per (delivery, destination), written in the
//! transaction that stores the delivery, then claimed, completed, retried or buried by the
//! destination's forwarder, independently of the handler's state and of other destinations.
//! The statements are in `forward_sql`.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::handler::Delivery;

use super::{Inbox, InboxError};

/// One destination as the inbox sees it: its key, the actions it takes, and who to wake when a
/// delivery for it is stored.
#[derive(Debug, Clone)]
pub struct Route {
    /// The destination's stable name, stored in each of its rows (see
    /// [`crate::forward::Destination::key`]).
    pub destination: String,
    /// The actions forwarded there; `None` for all.
    pub actions: Option<BTreeSet<String>>,
    /// Notified after a delivery for this destination is committed.
    pub wake: Arc<Notify>,
}

impl Route {
    /// Whether deliveries of `action` go to this destination.
    pub fn accepts(&self, action: &str) -> bool {
        self.actions.as_ref().is_none_or(|a| a.contains(action))
    }
}

/// The destinations of an inbox. A delivery stored as new (not a deduplicated redelivery) gets
/// a row for each destination that accepts its action, in the same transaction; a destination
/// added later receives only deliveries stored after it was added.
#[derive(Debug, Clone, Default)]
pub struct Routes(Arc<Vec<Route>>);

impl Routes {
    /// The routes.
    pub fn new(routes: Vec<Route>) -> Self {
        Self(Arc::new(routes))
    }

    /// The keys of the destinations of `action`.
    pub fn keys(&self, action: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|r| r.accepts(action))
            .map(|r| r.destination.clone())
            .collect()
    }

    /// Wakes the forwarders of `action`'s destinations (after the commit).
    pub fn wake(&self, action: &str) {
        for route in self.0.iter().filter(|r| r.accepts(action)) {
            route.wake.notify_one();
        }
    }

    /// Whether there is no destination.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What a forwarder asks of [`ForwardInbox::claim_forwards`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardClaim {
    /// The destination's key.
    pub destination: String,
    /// Forwards due by then, and those whose lease ran out before then, are claimable
    /// (milliseconds since the Unix epoch).
    pub now_ms: i64,
    /// When the lease of the forwards claimed runs out.
    pub lease_until_ms: i64,
    /// Forwards claimed at most.
    pub limit: usize,
}

/// One forward, for inspection (`dead --destination`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRow {
    /// The delivery's row id.
    pub delivery_id: i64,
    /// The destination's key.
    pub destination: String,
    /// The delivery's `action`.
    pub action: String,
    /// State (see [`super::state`]).
    pub state: String,
    /// Attempts since arrival or the last re-drive.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
}

/// An inbox that forwards: the per-destination state of each stored delivery. Implemented by
/// [`super::SqliteInbox`] and [`super::PostgresInbox`].
pub trait ForwardInbox: Inbox {
    /// A random name of this inbox, made when it was created: it keeps message ids
    /// (`msg_<instance>_<delivery id>`) unique across inboxes.
    fn instance(&self) -> &str;

    /// Claims up to `claim.limit` due forwards of a destination, oldest first, leasing them
    /// until `claim.lease_until_ms`; counts the attempt ([`Delivery::attempt`] is the
    /// forward's attempt number).
    fn claim_forwards(
        &self,
        claim: ForwardClaim,
    ) -> impl Future<Output = Result<Vec<Delivery>, InboxError>> + Send;

    /// Marks a claimed forward done.
    fn complete_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// Records a failed attempt: retried at `retry_at_ms`, or a dead letter when `None`.
    fn fail_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// Releases the claims a previous run of this receiver left on a destination's forwards
    /// (an inbox shared by several receivers leaves them to their leases); returns how many.
    fn release_forwards(
        &self,
        destination: &str,
    ) -> impl Future<Output = Result<u64, InboxError>> + Send;

    /// Dead forwards (of one destination, or all), by destination then delivery, at most
    /// `limit`.
    fn dead_forwards(
        &self,
        destination: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ForwardRow>, InboxError>> + Send;

    /// Puts a destination's dead forwards back (one delivery, or all), attempts reset, due at
    /// `now_ms`; returns how many.
    fn redrive_forwards(
        &self,
        destination: &str,
        delivery_id: Option<i64>,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, InboxError>> + Send;

    /// Claims the forward of a destination due first, even before it is due, without counting
    /// an attempt, leased until `lease_until_ms`: a probe of a destination that was failing.
    fn probe_forward(
        &self,
        destination: &str,
        lease_until_ms: i64,
    ) -> impl Future<Output = Result<Option<Delivery>, InboxError>> + Send;

    /// Puts a probed forward back as it was (its next attempt's time and count), with `error`.
    fn unprobe_forward(
        &self,
        destination: &str,
        delivery_id: i64,
        error: &str,
    ) -> impl Future<Output = Result<(), InboxError>> + Send;

    /// Makes every waiting forward of a destination due at `now_ms` (the destination is back);
    /// returns how many.
    fn hasten_forwards(
        &self,
        destination: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64, InboxError>> + Send;

    /// Forwards of a destination not yet done nor dead.
    fn pending_forwards(
        &self,
        destination: &str,
    ) -> impl Future<Output = Result<u64, InboxError>> + Send;
}
