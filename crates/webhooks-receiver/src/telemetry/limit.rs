//! A rate limit on log lines, per callsite: past `per_window` lines of one callsite within a
//! window, its further lines are dropped until the window ends, and [`RateLimit::flush`]
//! then logs one summary line per callsite saying how many were dropped. A flood of refused
//! requests thus writes a bounded number of lines per second, whatever its rate.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::callsite::Identifier;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::names;

/// Lines of one callsite let through per window by default.
pub const DEFAULT_PER_WINDOW: u32 = 20;
/// The default window (and the interval of the summary lines): one second.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(1);

thread_local! {
    /// Set while a summary line is logged, so that summaries are never dropped themselves.
    static SUMMARISING: Cell<bool> = const { Cell::new(false) };
}

/// The count of one callsite.
#[derive(Debug)]
struct Site {
    window_start: Instant,
    lines: u32,
    suppressed: u64,
    metadata: &'static Metadata<'static>,
}

#[derive(Debug)]
struct Inner {
    per_window: u32,
    window: Duration,
    /// One entry per callsite that logged: bounded by the callsites of the program.
    sites: Mutex<HashMap<Identifier, Site>>,
}

/// The rate limit, as a `tracing-subscriber` layer (see the module's documentation). Clones
/// share their counts.
#[derive(Debug, Clone)]
pub struct RateLimit {
    inner: Arc<Inner>,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::new(DEFAULT_PER_WINDOW, DEFAULT_WINDOW)
    }
}

impl RateLimit {
    /// Lets `per_window` lines of each callsite through per `window`.
    pub fn new(per_window: u32, window: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                per_window,
                window,
                sites: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Whether a line of `metadata`'s callsite goes out now; counts it either way.
    fn admit(&self, metadata: &'static Metadata<'static>) -> bool {
        let now = Instant::now();
        let mut sites = self
            .inner
            .sites
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let site = sites.entry(metadata.callsite()).or_insert_with(|| Site {
            window_start: now,
            lines: 0,
            suppressed: 0,
            metadata,
        });
        if now.duration_since(site.window_start) >= self.inner.window {
            site.window_start = now;
            site.lines = 0;
        }
        site.lines = site.lines.saturating_add(1);
        if site.lines <= self.inner.per_window {
            return true;
        }
        site.suppressed = site.suppressed.saturating_add(1);
        drop(sites);
        metrics::counter!(names::LOG_LINES_SUPPRESSED_TOTAL).increment(1);
        false
    }

    /// Logs one `warn` line per callsite whose lines were dropped since the last flush: how
    /// many, and where they come from. Logged through the current subscriber of the calling
    /// thread.
    pub fn flush(&self) {
        let dropped: Vec<(u64, &'static Metadata<'static>)> = {
            let mut sites = self
                .inner
                .sites
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            sites
                .values_mut()
                .filter(|s| s.suppressed > 0)
                .map(|s| (std::mem::take(&mut s.suppressed), s.metadata))
                .collect()
        };
        for (suppressed, metadata) in dropped {
            SUMMARISING.with(|s| s.set(true));
            tracing::warn!(
                suppressed,
                callsite_target = metadata.target(),
                callsite = %format_args!(
                    "{}:{}",
                    metadata.file().unwrap_or("?"),
                    metadata.line().unwrap_or(0)
                ),
                "log lines suppressed by the rate limit in the last {:?}",
                self.inner.window,
            );
            SUMMARISING.with(|s| s.set(false));
        }
    }

    /// Flushes every window on a thread of its own, for the process's lifetime (its summary
    /// lines go to the global subscriber).
    pub fn spawn_flusher(&self) -> std::io::Result<()> {
        let limit = self.clone();
        std::thread::Builder::new()
            .name("log-rate-limit".into())
            .spawn(move || loop {
                std::thread::sleep(limit.inner.window);
                limit.flush();
            })
            .map(drop)
    }
}

impl<S: Subscriber> Layer<S> for RateLimit {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        SUMMARISING.with(Cell::get) || self.admit(event.metadata())
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    use super::super::tests::{json_lines as lines, Capture};

    /// JSON lines into `capture`, through `limit`.
    fn limited_json(limit: &RateLimit, capture: &Capture) -> impl tracing::Subscriber {
        let writer = capture.clone();
        tracing_subscriber::registry().with(limit.clone()).with(
            tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_writer(move || writer.clone()),
        )
    }

    #[test]
    fn a_flood_of_one_callsite_is_cut_at_the_limit_and_summarised() {
        let (limit, capture) = (
            RateLimit::new(20, Duration::from_secs(3600)),
            Capture::default(),
        );
        let subscriber = limited_json(&limit, &capture);
        tracing::subscriber::with_default(subscriber, || {
            for n in 0..500 {
                tracing::warn!(n, "flood");
            }
            // Another callsite has a budget of its own.
            tracing::info!("other");
            limit.flush();
            // Nothing more was dropped: no second summary.
            limit.flush();
        });
        let lines = lines(&capture);
        let flood = lines.iter().filter(|l| l["message"] == "flood").count();
        let others = lines.iter().filter(|l| l["message"] == "other").count();
        let summaries: Vec<_> = lines
            .iter()
            .filter(|l| l.get("suppressed").is_some())
            .collect();
        assert_eq!((flood, others, summaries.len()), (20, 1, 1), "{lines:?}");
        assert_eq!(summaries[0]["suppressed"], 480);
        assert_eq!(summaries[0]["level"], "WARN");
        let callsite = summaries[0]["callsite"].as_str().unwrap_or("");
        assert!(callsite.contains("limit.rs:"), "{:?}", summaries[0]);
    }

    #[test]
    fn a_new_window_lets_lines_through_again() {
        let (limit, capture) = (
            RateLimit::new(3, Duration::from_millis(50)),
            Capture::default(),
        );
        let subscriber = limited_json(&limit, &capture);
        tracing::subscriber::with_default(subscriber, || {
            // Two bursts of one callsite, a window apart.
            for round in 0..2 {
                if round == 1 {
                    std::thread::sleep(Duration::from_millis(80));
                }
                for _ in 0..10 {
                    tracing::warn!("burst");
                }
            }
            limit.flush();
        });
        let lines = lines(&capture);
        let burst = lines.iter().filter(|l| l["message"] == "burst").count();
        let summary: Vec<_> = lines.iter().filter_map(|l| l.get("suppressed")).collect();
        assert_eq!((burst, summary), (6, vec![&serde_json::json!(14)]));
    }
}
