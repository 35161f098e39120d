//! The forwarder of one destination.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::handler::Delivery;
use crate::inbox::{ForwardClaim, ForwardInbox};
use crate::worker::now_ms;

use super::{message_id, Destination, ForwardError, ForwardOptions, Message, MAX_RETRY_AFTER};

/// How often the `webhooks_receiver_forwards_pending` gauge is refreshed.
const GAUGE_EVERY: Duration = Duration::from_secs(5);

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
    let mut in_flight = JoinSet::new();
    let mut next_gauge = Instant::now();
    loop {
        if Instant::now() >= next_gauge {
            next_gauge = Instant::now() + GAUGE_EVERY;
            if let Ok(n) = inbox.pending_forwards(&key).await {
                metrics::gauge!("webhooks_receiver_forwards_pending", "destination" => key.clone())
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
                    for delivery in batch {
                        let message = Message {
                            id: message_id(inbox.instance(), delivery.id),
                            delivery,
                        };
                        let (inbox, destination) = (Arc::clone(&inbox), Arc::clone(&destination));
                        in_flight.spawn(attempt(inbox, destination, message, options));
                    }
                }
                Err(e) => {
                    tracing::error!(destination = %key, error = %e, "cannot claim forwards");
                }
            }
        }
        if in_flight.is_empty() || !more_due {
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                () = wake.notified() => {}
                () = tokio::time::sleep(options.poll) => {}
            }
        } else {
            in_flight.join_next().await;
        }
        // Every attempt already over frees its place before the next claim.
        while in_flight.try_join_next().is_some() {}
    }
}

/// One attempt at one forward, its outcome recorded, measured and logged.
async fn attempt<I: ForwardInbox, D: Destination>(
    inbox: Arc<I>,
    destination: Arc<D>,
    message: Message,
    options: ForwardOptions,
) {
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
        tokio::spawn(async move { tokio::time::timeout(timeout, destination.send(&message)).await })
    };
    let outcome = match sending.await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Err(ForwardError::new(format!("no answer within {timeout:?}"))),
        Err(e) => Err(ForwardError::new(format!("the attempt panicked: {e}"))),
    };
    metrics::histogram!("webhooks_receiver_forward_seconds", "destination" => key.to_owned())
        .record(started.elapsed().as_secs_f64());
    let (recorded, outcome) = match outcome {
        Ok(()) => (inbox.complete_forward(key, id, now_ms()).await, "forwarded"),
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
    metrics::counter!("webhooks_receiver_forwards_total",
        "destination" => key.to_owned(), "outcome" => outcome)
    .increment(1);
    if let Err(e) = recorded {
        // The lease runs out and the forward is attempted again.
        tracing::error!(destination = %key, id, error = %e, "cannot record a forward's outcome");
    }
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
