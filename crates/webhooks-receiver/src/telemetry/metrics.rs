//! The Prometheus recorder of the `metrics` crate: installed once per process, every metric
//! of [`names`] described (help text and unit) and present from the start, histogram buckets
//! fitted to acknowledgements and handler runs, and the inbox's gauges refreshed from
//! [`Inbox::stats`].

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::task::JoinHandle;

use super::names;
use crate::inbox::Inbox;

/// Buckets of `ack_seconds`: from half a millisecond to LiveChat's 10-second wait.
pub const ACK_BUCKETS: [f64; 15] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 7.5, 10.0,
];

/// Buckets of `handler_seconds`: from a millisecond to the default 60-second lease.
pub const HANDLER_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0, 60.0,
];

/// Buckets of `inbox_commit_seconds`: from 0.1 ms (a sync on fast storage) to a second.
pub const COMMIT_BUCKETS: [f64; 13] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
];

/// Buckets of `inbox_batch_operations`: powers of two up to the writer's largest batch.
pub const BATCH_BUCKETS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// The storage operations whose failures are counted (each exported from the start).
pub const STORAGE_OPERATIONS: [&str; 7] = [
    "store",
    "claim",
    "record",
    "release",
    "prune",
    "stats",
    "connection",
];

/// How long `/metrics` waits for the inbox's counts before it renders the last ones.
const REFRESH_WAIT: Duration = Duration::from_secs(2);

/// The recorder could not be installed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MetricsError {
    /// The exporter refused its configuration.
    #[error("cannot configure the Prometheus exporter: {0}")]
    Config(String),
    /// Another recorder was installed in this process first.
    #[error("another metrics recorder is installed in this process")]
    Taken,
}

/// Something that refreshes gauges before they are rendered (see [`inbox_refresh`]).
pub type Refresh = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The installed recorder: renders the Prometheus text, after refreshing the gauges.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    refresh: Option<Refresh>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("refresh", &self.refresh.is_some())
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// The same recorder, refreshing gauges with `refresh` before each rendering.
    pub fn with_refresh(mut self, refresh: Refresh) -> Self {
        self.refresh = Some(refresh);
        self
    }

    /// Refreshes the gauges (waiting at most two seconds) and renders every metric in the
    /// Prometheus text format 0.0.4.
    pub async fn render(&self) -> String {
        if let Some(refresh) = &self.refresh {
            // A stuck inbox leaves the last counts in place rather than a scrape hanging.
            let _ = tokio::time::timeout(REFRESH_WAIT, refresh()).await;
        }
        self.handle.render()
    }

    /// Refreshes the gauges and drains the histograms every `every`, until aborted.
    pub fn spawn_upkeep(&self, every: Duration) -> JoinHandle<()> {
        let metrics = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Some(refresh) = &metrics.refresh {
                    let _ = tokio::time::timeout(REFRESH_WAIT, refresh()).await;
                }
                metrics.handle.run_upkeep();
            }
        })
    }
}

/// Installs the Prometheus recorder as the process's recorder, once: later calls return the
/// same recorder (without a refresher).
pub fn install() -> Result<Metrics, MetricsError> {
    static INSTALLED: OnceLock<Result<PrometheusHandle, MetricsError>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let recorder = builder()?.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).map_err(|_| MetricsError::Taken)?;
            describe();
            Ok(handle)
        })
        .clone()
        .map(|handle| Metrics {
            handle,
            refresh: None,
        })
}

/// The buckets of each histogram.
const BUCKETS: [(&str, &[f64]); 5] = [
    (names::ACK_SECONDS, &ACK_BUCKETS),
    (names::HANDLER_SECONDS, &HANDLER_BUCKETS),
    (names::FORWARD_SECONDS, &HANDLER_BUCKETS),
    (names::INBOX_COMMIT_SECONDS, &COMMIT_BUCKETS),
    (names::INBOX_BATCH_OPERATIONS, &BATCH_BUCKETS),
];

fn builder() -> Result<PrometheusBuilder, MetricsError> {
    BUCKETS
        .into_iter()
        .try_fold(PrometheusBuilder::new(), |builder, (name, buckets)| {
            builder
                .set_buckets_for_metric(Matcher::Full(name.to_owned()), buckets)
                .map_err(|e| MetricsError::Config(e.to_string()))
        })
}

/// Describes every metric and makes those without labels appear (at zero) from the start.
fn describe() {
    let counters = [
        (names::REQUESTS_TOTAL, "HTTP answers of the public listener, by status."),
        (names::DELIVERIES_STORED_TOTAL, "Deliveries committed to the inbox as new rows, by action."),
        (names::DELIVERIES_HANDLED_TOTAL, "Deliveries the handler completed, by action."),
        (names::HANDLER_FAILURES_TOTAL, "Failed handler attempts (errors, panics, attempts outlasting the lease)."),
        (names::REDELIVERIES_TOTAL, "Deliveries recognised as redeliveries (event key already stored, or the same bytes within the redelivery window)."),
        (names::CONNECTIONS_REFUSED_TOTAL, "Connections refused or closed by the receiver's limits, by reason."),
        (names::LOG_LINES_SUPPRESSED_TOTAL, "Log lines dropped by the rate limit of the logs."),
        (names::STORAGE_ERRORS_TOTAL, "Failed storage operations, by operation."),
    ];
    for (name, help) in counters {
        describe_counter!(name, Unit::Count, help);
    }
    for name in [
        names::HANDLER_FAILURES_TOTAL,
        names::REDELIVERIES_TOTAL,
        names::LOG_LINES_SUPPRESSED_TOTAL,
    ] {
        metrics::counter!(name).increment(0);
    }
    for operation in STORAGE_OPERATIONS {
        metrics::counter!(names::STORAGE_ERRORS_TOTAL, names::OPERATION => operation).increment(0);
    }
    let gauges = [
        (
            names::INBOX_PENDING,
            "Deliveries waiting in the inbox or being handled.",
        ),
        (names::INBOX_DEAD, "Dead letters in the inbox."),
        (
            names::CONNECTIONS_OPEN,
            "Connections open on the public listener.",
        ),
    ];
    for (name, help) in gauges {
        describe_gauge!(name, Unit::Count, help);
        metrics::gauge!(name).set(0.0);
    }
    let histograms = [
        (
            names::ACK_SECONDS,
            "Seconds from a request reaching the router to its 200, the delivery stored.",
        ),
        (names::HANDLER_SECONDS, "Seconds one handler attempt took."),
        (
            names::INBOX_COMMIT_SECONDS,
            "Seconds one transaction of the SQLite inbox that changed rows took to commit (its log written and synced).",
        ),
    ];
    for (name, help) in histograms {
        describe_histogram!(name, Unit::Seconds, help);
        // Registered, so that the histogram is exported before its first observation.
        let _ = metrics::histogram!(name);
    }
    describe_histogram!(
        names::INBOX_BATCH_OPERATIONS,
        Unit::Count,
        "Operations (stores, claims, completions, ...) one committed transaction of the SQLite inbox that changed rows carried."
    );
    let _ = metrics::histogram!(names::INBOX_BATCH_OPERATIONS);
    // Forwarding's metrics have a destination label: they appear with the first destination.
    describe_counter!(
        names::FORWARDS_TOTAL,
        Unit::Count,
        "Forward attempts, by destination and outcome (forwarded, retry, dead, probe_failed)."
    );
    describe_histogram!(
        names::FORWARD_SECONDS,
        Unit::Seconds,
        "Seconds one forward attempt took, by destination."
    );
    describe_gauge!(
        names::FORWARDS_PENDING,
        Unit::Count,
        "Forwards waiting or in flight, by destination."
    );
    describe_counter!(
        names::NATS_DUPLICATES_TOTAL,
        Unit::Count,
        "Messages a NATS JetStream stream dropped as duplicates (published again after a crash), by destination."
    );
}

/// A refresher of the inbox's gauges (`inbox_pending`, `inbox_dead`) from
/// [`Inbox::stats`]; a failure is logged and counted.
pub fn inbox_refresh<I: Inbox>(inbox: Arc<I>) -> Refresh {
    Arc::new(move || {
        let inbox = Arc::clone(&inbox);
        Box::pin(async move {
            match inbox.stats().await {
                Ok(stats) => {
                    let pending = stats.pending.saturating_add(stats.running);
                    metrics::gauge!(names::INBOX_PENDING).set(pending as f64);
                    metrics::gauge!(names::INBOX_DEAD).set(stats.dead as f64);
                }
                Err(e) => super::storage_failed("stats", &e, None, None),
            }
        })
    })
}
