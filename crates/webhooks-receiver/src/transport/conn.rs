//! The open connections: a cap kept below the process's descriptor limit, and the idle ones
//! closed first when a new connection needs room.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Descriptors left for everything but client connections (the inbox, the admin listener,
/// forwarding, logs) when the cap is taken from the descriptor limit: this many, or an eighth
/// of the limit if that is more.
pub const DESCRIPTOR_RESERVE: u64 = 64;

/// The connection cap for a descriptor limit.
pub fn cap_for(limit: u64) -> usize {
    let reserve = DESCRIPTOR_RESERVE.max(limit / 8);
    usize::try_from(limit.saturating_sub(reserve).max(1)).unwrap_or(usize::MAX)
}

/// The process's descriptor limit, raised to its hard limit first where the hard limit
/// allows more; `None` when it cannot be read.
pub fn descriptor_limit() -> Option<u64> {
    let raised = rlimit::increase_nofile_limit(u64::MAX).ok();
    raised.or_else(|| {
        rlimit::getrlimit(rlimit::Resource::NOFILE)
            .ok()
            .map(|(soft, _)| soft)
    })
}

/// One connection's activity, shared by its task, its requests and the registry.
#[derive(Debug)]
pub struct Activity {
    /// Requests being answered.
    in_flight: AtomicUsize,
    /// When the last request ended (or the connection opened), in milliseconds since the
    /// registry's epoch.
    last_ms: AtomicU64,
    /// Notified when the connection must close to make room.
    pub close: Notify,
    epoch: Instant,
}

impl Activity {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A request began; it ends when the guard is dropped.
    pub fn begin(self: &Arc<Self>) -> RequestGuard {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        RequestGuard(Arc::clone(self))
    }

    /// How long the connection has been idle (`None` while a request is in flight).
    pub fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let since = self
            .now_ms()
            .saturating_sub(self.last_ms.load(Ordering::Acquire));
        Some(Duration::from_millis(since))
    }
}

/// Marks a request in flight on its connection while it lives.
#[derive(Debug)]
pub struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.last_ms.store(self.0.now_ms(), Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The open connections.
#[derive(Debug)]
pub struct Registry {
    cap: usize,
    open: Mutex<HashMap<u64, Arc<Activity>>>,
    next: AtomicU64,
    epoch: Instant,
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full {
    /// The cap.
    pub cap: usize,
}

/// What [`Registry::admit`] did to make room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admitted {
    /// There was room.
    Room,
    /// The connection idle the longest was told to close.
    Evicted,
}

impl Registry {
    /// A registry admitting at most `cap` connections.
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            cap: cap.max(1),
            open: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    /// The cap.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Connections open.
    pub fn open(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Admits a connection, closing the one idle the longest when the cap is reached; `Err`
    /// when every open connection has a request in flight.
    pub fn admit(self: &Arc<Self>) -> Result<(Slot, Admitted), Full> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let mut admitted = Admitted::Room;
        if open.len() >= self.cap {
            let idlest = open
                .iter()
                .filter_map(|(id, a)| a.idle_for().map(|idle| (idle, *id)))
                .max()
                .map(|(_, id)| id);
            let Some(activity) = idlest.and_then(|id| open.remove(&id)) else {
                return Err(Full { cap: self.cap });
            };
            activity.close.notify_one();
            admitted = Admitted::Evicted;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity {
            in_flight: AtomicUsize::new(0),
            last_ms: AtomicU64::new(0),
            close: Notify::new(),
            epoch: self.epoch,
        });
        activity.last_ms.store(activity.now_ms(), Ordering::Release);
        open.insert(id, Arc::clone(&activity));
        crate::telemetry::connections_open(open.len());
        let slot = Slot {
            id,
            registry: Arc::clone(self),
            activity,
        };
        Ok((slot, admitted))
    }
}

/// A connection's place in the registry, given back when dropped.
#[derive(Debug)]
pub struct Slot {
    id: u64,
    registry: Arc<Registry>,
    /// The connection's activity.
    pub activity: Arc<Activity>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .registry
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.remove(&self.id);
        crate::telemetry::connections_open(open.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_a_reserve() {
        assert_eq!(cap_for(1024), 896);
        assert_eq!(cap_for(100), 36);
        assert_eq!(cap_for(10), 1);
    }

    #[tokio::test]
    async fn the_idlest_connection_makes_room_and_busy_ones_do_not() {
        let registry = Registry::new(2);
        let (a, _) = registry.admit().expect("room");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let (b, _) = registry.admit().expect("room");
        let (c, how) = registry.admit().expect("an idle one closes");
        assert_eq!(how, Admitted::Evicted);
        // `a` was idle the longest: it is told to close and no longer counted.
        tokio::time::timeout(Duration::from_secs(1), a.activity.close.notified())
            .await
            .expect("a is told to close");
        assert_eq!(registry.open(), 2);
        let _busy_b = b.activity.begin();
        let _busy_c = c.activity.begin();
        assert_eq!(registry.admit().map(|_| ()), Err(Full { cap: 2 }));
        drop(a);
        assert_eq!(registry.open(), 2);
    }
}
