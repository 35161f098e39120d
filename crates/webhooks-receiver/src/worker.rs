//! Runs the handler over the inbox: claims, attempts, retries with backoff, dead letters.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::collections::HashSet;

use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;
use webhooks_types::ApiVersion;

use crate::handler::{Delivery, Handler, HandlerError};
use crate::identity::typed_text;
use crate::inbox::{Claim, Inbox, InboxError};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a delivery becomes a dead letter (at least 1).
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub base_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (from 1), or `None` when it was the last.
    pub fn delay_after(&self, attempt: u32) -> Option<Duration> {
        if attempt >= self.max_attempts.max(1) {
            return None;
        }
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        Some(self.base_delay.saturating_mul(factor).min(self.max_delay))
    }
}

/// Options of the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerOptions {
    /// Retries and dead letters.
    pub retry: RetryPolicy,
    /// Deliveries handled at the same time (one per chat).
    pub concurrency: usize,
    /// How long a claim holds before another worker may take the delivery over.
    pub lease: Duration,
    /// How often the inbox is looked at when nothing wakes the worker (other receivers
    /// sharing it, retries coming due).
    pub poll: Duration,
    /// Handled deliveries are deleted this long after they were handled; `None` keeps them.
    /// Dead letters are never deleted. Must be longer than the receiver's redelivery window.
    pub retain_handled: Option<Duration>,
    /// How often the worker deletes what is past `retain_handled`.
    pub prune_every: Duration,
}

/// Handled deliveries are kept for a week by default: far beyond LiveChat's retries (about a
/// minute), so that a redelivery still finds its event key.
pub const DEFAULT_RETAIN_HANDLED: Duration = Duration::from_secs(7 * 24 * 3600);

/// Rows deleted by one statement of a pruning pass, so that a pass never holds the inbox for
/// long.
const PRUNE_BATCH: usize = 1000;

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            concurrency: 64,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(200),
            retain_handled: Some(DEFAULT_RETAIN_HANDLED),
            prune_every: Duration::from_secs(600),
        }
    }
}

/// Handles the inbox forever: claims due deliveries, runs the handler on each, records the
/// outcome. `wake` is notified when a delivery is stored; bodies are typed as `version`'s.
pub async fn run<I: Inbox, H: Handler>(
    inbox: Arc<I>,
    handler: Arc<H>,
    version: ApiVersion,
    options: WorkerOptions,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<Option<Instant>>,
) {
    let mut next_prune = tokio::time::Instant::now();
    loop {
        if stop.borrow().is_some() {
            return;
        }
        if let Some(retain) = options.retain_handled {
            if tokio::time::Instant::now() >= next_prune {
                next_prune = tokio::time::Instant::now() + options.prune_every;
                if let Err(e) = prune(&*inbox, now_ms().saturating_sub(millis(retain))).await {
                    crate::telemetry::storage_failed("prune", &e, None, None);
                }
            }
        }
        let now = now_ms();
        let batch = inbox
            .claim(Claim {
                now_ms: now,
                lease_until_ms: now.saturating_add(millis(options.lease)),
                limit: options.concurrency.max(1),
            })
            .await;
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                crate::telemetry::storage_failed("claim", &e, None, None);
                tokio::time::sleep(options.poll.max(Duration::from_millis(100))).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(options.poll) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let mut attempts = JoinSet::new();
        let mut under_way = HashSet::new();
        for claimed in batch {
            let (inbox, handler) = (Arc::clone(&inbox), Arc::clone(&handler));
            let id = claimed.id;
            under_way.insert(id);
            attempts.spawn(async move {
                attempt(&*inbox, handler, version, claimed, options).await;
                id
            });
        }
        loop {
            tokio::select! {
                joined = attempts.join_next() => match joined {
                    Some(Ok(id)) => { under_way.remove(&id); }
                    Some(Err(_)) => {}
                    None => break,
                },
                () = given_up(&mut stop) => {
                    attempts.abort_all();
                    for id in under_way {
                        if let Err(e) = inbox.release(id).await {
                            tracing::warn!(id, error = %e, "cannot release a claim at shutdown: it waits for its lease");
                        }
                    }
                    return;
                }
            }
        }
    }
}

/// Completes when the worker was told to stop and its grace has run out.
async fn given_up(stop: &mut watch::Receiver<Option<Instant>>) {
    loop {
        let deadline = *stop.borrow_and_update();
        if let Some(deadline) = deadline {
            tokio::time::sleep_until(deadline).await;
            return;
        }
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Deletes every handled delivery handled before `handled_before_ms`, in batches; returns how
/// many.
pub async fn prune<I: Inbox>(inbox: &I, handled_before_ms: i64) -> Result<u64, InboxError> {
    let mut total = 0;
    loop {
        let n = inbox.prune(handled_before_ms, PRUNE_BATCH).await?;
        total += n;
        if n < PRUNE_BATCH as u64 {
            return Ok(total);
        }
    }
}

/// One attempt at one delivery, its outcome recorded.
async fn attempt<I: Inbox, H: Handler>(
    inbox: &I,
    handler: Arc<H>,
    version: ApiVersion,
    delivery: Delivery,
    options: WorkerOptions,
) {
    let (id, number, action) = (delivery.id, delivery.attempt, delivery.action.clone());
    let started = std::time::Instant::now();
    // In its own task, so that a panicking handler is a failed attempt, not a lost worker.
    // A handler still running near the end of its lease fails the attempt: past the lease
    // another claim could take the delivery over.
    let lease = options.lease - options.lease / 10;
    let run = AbortOnDrop(tokio::spawn(async move {
        tokio::time::timeout(lease, call(&*handler, version, &delivery)).await
    }));
    let outcome = match run.finish().await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Err(HandlerError::new(format!(
            "handler still running after {lease:?}"
        ))),
        Err(e) => Err(HandlerError::new(format!("handler panicked: {e}"))),
    };
    crate::telemetry::handler_ran(version, &action, started.elapsed(), outcome.is_ok());
    let retry = options.retry;
    let recorded = match outcome {
        Ok(()) => inbox.complete(id, now_ms()).await,
        Err(error) => {
            let retry_at = retry
                .delay_after(number)
                .map(|delay| now_ms().saturating_add(millis(delay)));
            let dead = retry_at.is_none();
            crate::telemetry::handler_failed(id, &action, number, &error.0, dead);
            inbox.fail(id, &error.0, retry_at).await
        }
    };
    if let Err(e) = recorded {
        // The claim's lease runs out and the delivery is attempted again.
        crate::telemetry::storage_failed("record", &e, Some(id), Some(&action));
    }
}

/// A task aborted when its handle is dropped: an attempt given up at shutdown stops its
/// handler too, before its claim is released for another run.
pub(crate) struct AbortOnDrop<T>(pub(crate) tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    /// Waits for the task.
    pub(crate) async fn finish(mut self) -> Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Calls the method of the handler that fits the delivery.
async fn call<H: Handler>(
    handler: &H,
    version: ApiVersion,
    delivery: &Delivery,
) -> Result<(), HandlerError> {
    match version.parse(typed_text(&delivery.body).as_bytes()) {
        Ok(webhook) if webhook.is_typed() => handler.handle(webhook, delivery).await,
        _ => handler.on_unknown(delivery).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_stop_at_the_last_attempt() {
        let policy = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(250),
        };
        assert_eq!(policy.delay_after(1), Some(Duration::from_millis(100)));
        assert_eq!(policy.delay_after(2), Some(Duration::from_millis(200)));
        assert_eq!(policy.delay_after(3), Some(Duration::from_millis(250)));
        assert_eq!(policy.delay_after(4), None);
        let huge = RetryPolicy {
            max_attempts: u32::MAX,
            ..policy
        };
        assert_eq!(huge.delay_after(200), Some(Duration::from_millis(250)));
    }
}
