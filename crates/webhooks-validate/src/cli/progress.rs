//! The progress bar of a long run (`--ndjson`, several files) on a terminal: bytes read of the
//! inputs, bodies checked, rate, and the time left when the size of the inputs is known. It is
//! drawn on the process's standard error only; elsewhere, and with `--quiet`, nothing of it
//! exists and the counts cost one branch.

use std::io::{self, BufRead, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// The bar, when one is shown, and the bodies checked so far.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    bodies: Arc<AtomicU64>,
}

impl Progress {
    /// No bar.
    pub(crate) fn hidden() -> Self {
        Progress::default()
    }

    /// A bar on the process's standard error, for inputs of `total` bytes when known;
    /// `coloured` as `--color` decided for standard error.
    pub(crate) fn on_stderr(total: Option<u64>, coloured: bool) -> Self {
        let bodies = Arc::new(AtomicU64::new(0));
        let text = if total.is_some() { TOTAL } else { UNKNOWN };
        let template = super::style::progress_template(coloured, total.is_some(), text);
        let counted = Arc::clone(&bodies);
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "bodies",
                move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}", counted.load(Ordering::Relaxed));
                },
            )
            .progress_chars("=> ");
        let bar =
            ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr()).with_style(style);
        bar.tick();
        Progress {
            bar: Some(bar),
            bodies,
        }
    }

    /// `bytes` of the inputs read in all.
    fn read_to(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
        }
    }

    /// `bodies` more bodies checked.
    pub(crate) fn checked(&self, bodies: u64) {
        if self.bar.is_some() {
            self.bodies.fetch_add(bodies, Ordering::Relaxed);
        }
    }

    /// Runs `write` with the bar taken off the terminal, then draws it again.
    pub(crate) fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Takes the bar off the terminal for good.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The bar's text when the size of the inputs is known, and when it is not.
const TOTAL: &str = "{bytes}/{total_bytes}  {bodies} bodies  {bytes_per_sec}  ETA {eta}";
const UNKNOWN: &str = "{bytes}  {bodies} bodies  {bytes_per_sec}";

/// A reader that counts the bytes taken from it (into `read`, the count of every input so far)
/// and moves the bar with them.
pub(crate) struct Counted<'a> {
    pub(crate) inner: &'a mut dyn BufRead,
    pub(crate) read: &'a mut u64,
    pub(crate) progress: &'a Progress,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.advance(n);
        Ok(n)
    }
}

impl BufRead for Counted<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        self.advance(amount);
    }
}

impl Counted<'_> {
    fn advance(&mut self, amount: usize) {
        *self.read += amount as u64;
        self.progress.read_to(*self.read);
    }
}

/// Standard output beside the bar: each write (of a full output buffer) takes the bar off the
/// terminal while it lasts, so that results and bar never mix on one screen.
pub(crate) struct Beside<'a> {
    pub(crate) progress: &'a Progress,
    pub(crate) out: &'a mut dyn Write,
}

impl Write for Beside<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let out = &mut self.out;
        self.progress.suspend(|| out.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let out = &mut self.out;
        self.progress.suspend(|| out.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        let out = &mut self.out;
        self.progress.suspend(|| out.flush())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_counts_every_byte_taken() {
        let progress = Progress::hidden();
        let mut read = 5;
        let mut input: &[u8] = b"first line\nsecond";
        let mut counted = Counted {
            inner: &mut input,
            read: &mut read,
            progress: &progress,
        };
        let mut line = String::new();
        counted.read_line(&mut line).expect("read");
        let mut rest = Vec::new();
        counted.read_to_end(&mut rest).expect("read");
        assert_eq!((line.as_str(), &rest[..]), ("first line\n", &b"second"[..]));
        assert_eq!(read, 5 + 17);
    }
}
