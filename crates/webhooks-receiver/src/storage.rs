//! Whether the inbox takes writes: the outcome of each store, and after a failure a probe
//! every second until a write commits again (what `/readyz` reports).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::inbox::{Inbox, InboxError};
use crate::server::Shared;

/// Whether the inbox can be written, as the last store or probe found it.
#[derive(Debug, Default)]
pub(crate) struct Storage {
    failed: AtomicBool,
    probing: AtomicBool,
}

impl Storage {
    pub(crate) fn ready(&self) -> bool {
        !self.failed.load(Ordering::Acquire)
    }
}

/// How often a failed inbox is probed until a write commits again.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Records a store's outcome; after a failure, probes the inbox until it takes a write again.
pub(crate) fn storage_outcome<I: Inbox>(shared: &Arc<Shared<I>>, error: Option<&InboxError>) {
    let storage = &shared.storage;
    let Some(error) = error else {
        storage.failed.store(false, Ordering::Release);
        return;
    };
    crate::telemetry::count_storage_error("store");
    tracing::error!(error = %error, "cannot store a delivery: answering 503 until the inbox takes writes again");
    storage.failed.store(true, Ordering::Release);
    if storage.probing.swap(true, Ordering::AcqRel) {
        return;
    }
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            match shared.inbox.probe().await {
                Ok(()) => {
                    shared.storage.failed.store(false, Ordering::Release);
                    tracing::info!("the inbox takes writes again");
                    break;
                }
                Err(e) => tracing::debug!(error = %e, "the inbox still fails"),
            }
        }
        shared.storage.probing.store(false, Ordering::Release);
    });
}
