//! `send`'s progress bar and summary. The bar (posts done out of all, rate, time left) is
//! drawn on standard error only when it is a terminal and `--quiet` is not given; the status
//! lines on standard output are written with the bar taken off the terminal, so they are the
//! same bytes with or without it. The one-line summary goes to standard error unless
//! `--quiet`.

use std::io::Write;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// The bar's text: posts done out of all, rate, time left.
const TEMPLATE: &str = "{pos}/{len} posts  {rate}  ETA {eta}";

/// The posts of one `send`: the bar, when one is drawn, and the counts of the summary.
#[derive(Debug)]
pub(super) struct Posts {
    bar: Option<ProgressBar>,
    started: Instant,
    answered_ok: u64,
    not_ok: u64,
}

impl Posts {
    /// Starts counting `total` posts, with a bar on the process's standard error when `bar`
    /// (coloured when `coloured`).
    pub(super) fn start(total: u64, bar: bool, coloured: bool) -> Self {
        let bar = bar.then(|| {
            let style = webhooks_validate::cli::progress_template(coloured, true, TEMPLATE);
            let style = ProgressStyle::with_template(&style)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1} posts/s", state.per_sec());
                    },
                )
                .progress_chars("=> ");
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                .with_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Posts {
            bar,
            started: Instant::now(),
            answered_ok: 0,
            not_ok: 0,
        }
    }

    /// Prints `line` on standard output, the bar taken off the terminal meanwhile; an error
    /// when standard output is closed (a reader such as `head` went away).
    pub(super) fn println(&self, line: &str) -> std::io::Result<()> {
        let print = || {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}").and_then(|()| out.flush())
        };
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// One post more, answered 200 or not.
    pub(super) fn done(&mut self, ok: bool) {
        if ok {
            self.answered_ok += 1;
        } else {
            self.not_ok += 1;
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// The posts not answered 200.
    pub(super) fn not_ok(&self) -> u64 {
        self.not_ok
    }

    /// Takes the bar off the terminal (when one is drawn).
    pub(super) fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Takes the bar off and writes the summary to `out`.
    pub(super) fn finish(&self, out: &mut dyn Write) -> std::io::Result<()> {
        self.clear();
        writeln!(out, "{}", self.summary(self.started.elapsed()))
    }

    /// The summary line after `elapsed`.
    fn summary(&self, elapsed: Duration) -> String {
        let sent = self.answered_ok + self.not_ok;
        let seconds = elapsed.as_secs_f64();
        let rate = if seconds > 0.0 {
            sent as f64 / seconds
        } else {
            0.0
        };
        let posts = if sent == 1 { "post" } else { "posts" };
        format!(
            "webhooks-receiver: {sent} {posts} sent: {} answered 200, {} not 200, in {seconds:.2} s ({rate:.1} posts/s)",
            self.answered_ok, self.not_ok
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_the_answers_and_the_rate() {
        let mut posts = Posts::start(4, false, false);
        for ok in [true, true, false, true] {
            posts.done(ok);
        }
        assert_eq!(posts.not_ok(), 1);
        assert_eq!(
            posts.summary(Duration::from_millis(500)),
            "webhooks-receiver: 4 posts sent: 3 answered 200, 1 not 200, in 0.50 s (8.0 posts/s)"
        );
        let mut one = Posts::start(1, false, false);
        one.done(true);
        assert!(one.summary(Duration::ZERO).contains(" 1 post sent: "));
    }
}
