//! The forwarder of one destination.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::handler::Delivery;
use crate::inbox::{ForwardClaim, ForwardInbox};
use crate::telemetry::names;
use crate::worker::now_ms;

use super::{message_id, Destination, ForwardError, ForwardOptions, Message, MAX_RETRY_AFTER};

/// How often the `webhooks_receiver_forwards_pending` gauge is refreshed.
const GAUGE_EVERY: Duration = Duration::from_secs(5);

/// While a destination is failing and nothing is due, one waiting forward is sent this often
/// (or after the `Retry-After` the destination asked for), its attempt not counted: once it
/// is taken, every waiting forward of the destination is made due, so that a destination back
/// after an outage is served within this long rather than after the backoff of each forward.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The destination took it (`probe`: a probe of a failing destination).
    Forwarded {
        /// Whether it was a probe.
        probe: bool,
    },
    /// It failed; the destination asked to wait this long, if it did.
    Failed(Option<Duration>),
}

/// What the forwarder knows of its destination's health.
#[derive(Debug)]
struct Health {
    /// The last attempt ended in a failure.
    failing: bool,
    /// Since when every attempt failed, if the last one did.
    failing_since: Option<Instant>,
    /// When a probe may be sent, while failing.
    probe_at: Instant,
}

impl Health {
    /// Takes the outcome of an attempt in; whether the destination came back: it took a probe,
    /// or an attempt after failing everything for at least [`PROBE_EVERY`]. A destination
    /// that refuses some deliveries and takes others keeps each refused one to its backoff.
    fn record(&mut self, outcome: Outcome) -> bool {
        match outcome {
            Outcome::Forwarded { probe } => {
                self.failing = false;
                let since = self.failing_since.take();
                probe || since.is_some_and(|t| t.elapsed() >= PROBE_EVERY)
            }
            Outcome::Failed(retry_after) => {
                self.failing = true;
                self.failing_since.get_or_insert_with(Instant::now);
                let wait = PROBE_EVERY.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER));
                self.probe_at = Instant::now() + wait;
                false
            }
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Forwards the inbox's deliveries for `destination` forever: releases the claims a crashed
/// run left (on an inbox this receiver owns), then keeps up to `options.concurrency` attempts
/// in flight, claiming more as attempts end, when `wake` is notified (a delivery for this
/// destination was stored) and every `options.poll`.
pub async fn run<I: ForwardInbox, D: Destination>(
    inbox: Arc<I>,
    destination: Arc<D>,
    options: ForwardOptions,
    wake: Arc<Notify>,
) {
    let key = destination.key().to_owned();
    if let Err(e) = inbox.release_forwards(&key).await {
        tracing::error!(destination = %key, error = %e, "cannot release earlier forward claims");
    }
    let concurrency = options.concurrency.max(1);
    let lease = options.claim_lease();
    let mut in_flight: JoinSet<Outcome> = JoinSet::new();
    let mut next_gauge = Instant::now();
    let mut health = Health {
        failing: false,
        failing_since: None,
        probe_at: Instant::now(),
    };
    loop {
        if Instant::now() >= next_gauge {
            next_gauge = Instant::now() + GAUGE_EVERY;
            if let Ok(n) = inbox.pending_forwards(&key).await {
                metrics::gauge!(names::FORWARDS_PENDING, "destination" => key.clone())
                    .set(n as f64);
            }
        }
        let free = concurrency.saturating_sub(in_flight.len());
        let mut more_due = false;
        if free > 0 {
            let now = now_ms();
            let claim = ForwardClaim {
                destination: key.clone(),
                now_ms: now,
                lease_until_ms: now.saturating_add(millis(lease)),
                limit: free,
            };
            match inbox.claim_forwards(claim).await {
                Ok(batch) => {
                    more_due = batch.len() == free;
                    let idle = batch.is_empty() && in_flight.is_empty();
                    for delivery in batch {
                        let message = Message {
                            id: message_id(inbox.instance(), delivery.id),
                            delivery,
                        };
                        let (inbox, destination) = (Arc::clone(&inbox), Arc::clone(&destination));
                        in_flight.spawn(attempt(inbox, destination, message, options, false));
                    }
                    if idle && health.failing && Instant::now() >= health.probe_at {
                        health.probe_at = Instant::now() + PROBE_EVERY;
                        let until = now_ms().saturating_add(millis(lease));
                        match inbox.probe_forward(&key, until).await {
                            Ok(Some(delivery)) => {
                                let message = Message {
                                    id: message_id(inbox.instance(), delivery.id),
                                    delivery,
                                };
                                let (inbox, destination) =
                                    (Arc::clone(&inbox), Arc::clone(&destination));
                                in_flight.spawn(attempt(
                                    inbox,
                                    destination,
                                    message,
                                    options,
                                    true,
                                ));
                            }
                            Ok(None) => health.failing = false,
                            Err(e) => tracing::error!(destination = %key, error = %e,
                                "cannot probe the destination"),
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(destination = %key, error = %e, "cannot claim forwards");
                }
            }
        }
        let mut ended = Vec::new();
        if in_flight.is_empty() || !more_due {
            tokio::select! {
                Some(outcome) = in_flight.join_next(), if !in_flight.is_empty() => {
                    ended.push(outcome);
                }
                () = wake.notified() => {}
                () = tokio::time::sleep(options.poll) => {}
            }
        } else if let Some(outcome) = in_flight.join_next().await {
            ended.push(outcome);
        }
        // Every attempt already over frees its place before the next claim.
        while let Some(outcome) = in_flight.try_join_next() {
            ended.push(outcome);
        }
        let mut back = false;
        for outcome in ended.into_iter().flatten() {
            back |= health.record(outcome);
        }
        if back {
            match inbox.hasten_forwards(&key, now_ms()).await {
                Ok(n) if n > 0 => tracing::info!(destination = %key, waiting = n,
                    "the destination takes forwards again: every waiting forward is due now"),
                Ok(_) => {}
                Err(e) => tracing::error!(destination = %key, error = %e,
                    "cannot make the waiting forwards due"),
            }
        }
    }
}

/// One attempt at one forward, its outcome recorded, measured and logged. A failed `probe`
/// is put back as it was (its attempt not counted).
async fn attempt<I: ForwardInbox, D: Destination>(
    inbox: Arc<I>,
    destination: Arc<D>,
    message: Message,
    options: ForwardOptions,
    probe: bool,
) -> Outcome {
    let key = destination.key();
    let Delivery {
        id,
        attempt: number,
        ..
    } = message.delivery;
    let started = Instant::now();
    // In its own task, so that a panicking destination is a failed attempt.
    let timeout = options.timeout;
    let sending = {
        let destination = Arc::clone(&destination);
        crate::worker::AbortOnDrop(tokio::spawn(async move {
            tokio::time::timeout(timeout, destination.send(&message)).await
        }))
    };
    let outcome = match sending.finish().await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Err(ForwardError::new(format!("no answer within {timeout:?}"))),
        Err(e) => Err(ForwardError::new(format!("the attempt panicked: {e}"))),
    };
    metrics::histogram!(names::FORWARD_SECONDS, "destination" => key.to_owned())
        .record(started.elapsed().as_secs_f64());
    let asked = outcome.as_ref().err().and_then(|e| e.retry_after);
    let ended = match outcome {
        Ok(()) => Outcome::Forwarded { probe },
        Err(_) => Outcome::Failed(asked),
    };
    let (recorded, outcome) = match outcome {
        Ok(()) => (inbox.complete_forward(key, id, now_ms()).await, "forwarded"),
        Err(error) if probe => {
            tracing::warn!(destination = %key, id, error = %error.message,
                "probe of a failing destination failed (attempt not counted)");
            (
                inbox.unprobe_forward(key, id, &error.message).await,
                "probe_failed",
            )
        }
        Err(error) => {
            let wait = retry_wait(&options, number, error.retry_after);
            let retry_at = wait.map(|w| now_ms().saturating_add(millis(w)));
            match wait {
                Some(wait) => tracing::warn!(destination = %key, id, attempt = number,
                    error = %error.message, retry_in_ms = millis(wait) as u64,
                    "forward attempt failed"),
                None => tracing::error!(destination = %key, id, attempt = number,
                    error = %error.message, "forward is a dead letter after its last attempt"),
            }
            let outcome = if wait.is_some() { "retry" } else { "dead" };
            (
                inbox.fail_forward(key, id, &error.message, retry_at).await,
                outcome,
            )
        }
    };
    metrics::counter!(names::FORWARDS_TOTAL,
        "destination" => key.to_owned(), "outcome" => outcome)
    .increment(1);
    if let Err(e) = recorded {
        // The lease runs out and the forward is attempted again.
        tracing::error!(destination = %key, id, error = %e, "cannot record a forward's outcome");
    }
    ended
}

/// The wait before the attempt after failed attempt `number`: the policy's backoff with
/// jitter (between half and all of it), or longer when the destination asked so; `None`
/// after the last attempt.
fn retry_wait(
    options: &ForwardOptions,
    number: u32,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    let backoff = options.retry.delay_after(number)?;
    let jittered = backoff.mul_f64(0.5 + fastrand::f64() * 0.5);
    Some(jittered.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::RetryPolicy;

    #[test]
    fn waits_have_jitter_honour_retry_after_and_end_at_the_last_attempt() {
        let options = ForwardOptions {
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(1000),
                max_delay: Duration::from_secs(10),
            },
            ..ForwardOptions::default()
        };
        for _ in 0..100 {
            let wait = retry_wait(&options, 2, None).expect("not the last attempt");
            assert!(wait >= Duration::from_millis(1000) && wait <= Duration::from_millis(2000));
        }
        let asked = retry_wait(&options, 1, Some(Duration::from_secs(30)));
        assert_eq!(asked, Some(Duration::from_secs(30)));
        let huge = retry_wait(&options, 1, Some(Duration::from_secs(1 << 40)));
        assert_eq!(huge, Some(MAX_RETRY_AFTER));
        assert_eq!(retry_wait(&options, 3, Some(Duration::from_secs(1))), None);
    }
}
