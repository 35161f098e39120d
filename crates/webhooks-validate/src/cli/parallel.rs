//! Where bodies go once read: validated at once on this thread ([`Sequential`]), or gathered
//! into batches that a pool of threads validates while the next ones are read ([`Pool`]).
//!
//! The pool uses the standard library's scoped threads: one thread reads and writes (the
//! reader and the writer of the command need not be `Send`), the others take batches from a
//! bounded queue and hand back each batch's results already written out as bytes; the writer
//! puts them back in input order. Memory stays flat: at most [`Window::batches`] batches, and
//! [`Window::bytes`] bytes of bodies, are in flight (read, not yet written) at any time,
//! whatever the length of the stream.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::Scope;

use super::args::Format;
use super::input::Body;
use super::progress::Progress;
use super::report;
use super::style::Styles;
use super::summary::Tally;
use crate::{ValidationError, Validator};

/// Where the bodies read go: each is appended to [`Sink::buffer`], then handed over by
/// [`Sink::push`]; results come out in the order the bodies were pushed.
pub(crate) trait Sink {
    /// The buffer to append the next body to.
    fn buffer(&mut self) -> &mut Vec<u8>;
    /// Hands over the body appended to the buffer from `start` on (nothing when `read` is
    /// [`Body::TooLarge`]); `input` and `line` name it in the results.
    fn push(
        &mut self,
        input: &Arc<str>,
        line: Option<usize>,
        start: usize,
        read: Body,
    ) -> io::Result<()> {
        let range = start..self.buffer().len();
        self.take(Item {
            input: Arc::clone(input),
            line,
            range,
            read,
        })
    }
    /// Takes one body of the buffer, as [`Sink::push`] describes it.
    fn take(&mut self, item: Item) -> io::Result<()>;
    /// Validates and writes everything pushed so far, and flushes the output.
    fn flush(&mut self) -> io::Result<()>;
    /// The counts of the bodies written so far.
    fn tally(&self) -> &Tally;
    /// Whether a body written so far was invalid.
    fn any_invalid(&self) -> bool {
        self.tally().invalid > 0
    }
}

/// What checking a body needs: the validator, the output format and styles, the body size
/// limit, and the progress bar to count it on.
#[derive(Clone, Copy)]
pub(crate) struct Checker<'a> {
    pub(crate) validator: &'a Validator,
    pub(crate) format: Format,
    pub(crate) styles: Styles,
    /// `--max-body-size`: shown in the error of a body read past as too large.
    pub(crate) limit: usize,
    pub(crate) progress: &'a Progress,
}

impl Checker<'_> {
    /// Validates one body of `data` (unless it was too large), writes its result and counts
    /// it in `tally`.
    fn check(
        self,
        item: &Item,
        data: &[u8],
        out: &mut impl Write,
        tally: &mut Tally,
    ) -> io::Result<()> {
        let body = match item.read {
            Body::Within => Some(data.get(item.range.clone()).unwrap_or_default()),
            Body::TooLarge => None,
        };
        let result = match body {
            Some(body) => self.validator.validate(body),
            None => Err(ValidationError::TooLarge { limit: self.limit }),
        };
        let written = report::write_result(
            out,
            self.format,
            &self.styles,
            &item.input,
            item.line,
            &result,
        );
        let tags = written.as_deref().unwrap_or_default();
        tally.count(
            self.validator.api_version(),
            body,
            result.is_err().then_some(tags),
        );
        self.progress.checked(1);
        written.map(drop)
    }
}

/// Each body validated as soon as it is pushed, on this thread.
pub(crate) struct Sequential<'a, W: Write> {
    checker: Checker<'a>,
    out: W,
    buf: Vec<u8>,
    tally: Tally,
}

impl<'a, W: Write> Sequential<'a, W> {
    /// Writes the results to `out`.
    pub(crate) fn new(checker: Checker<'a>, out: W) -> Self {
        Sequential {
            checker,
            out,
            buf: Vec::new(),
            tally: Tally::default(),
        }
    }
}

impl<W: Write> Sink for Sequential<'_, W> {
    fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    fn take(&mut self, item: Item) -> io::Result<()> {
        let outcome = self
            .checker
            .check(&item, &self.buf, &mut self.out, &mut self.tally);
        self.buf.clear();
        outcome
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}

/// How much the pool holds in flight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// A batch is sent once it holds this many bytes of bodies (or more: one body may go
    /// beyond, up to the body size limit)...
    pub(crate) batch_bytes: usize,
    /// ... or this many bodies.
    pub(crate) batch_bodies: usize,
    /// Batches read and not yet written, at most.
    pub(crate) batches: usize,
    /// Bytes of bodies read and not yet written, at most (a single batch larger than this is
    /// sent alone, once all before it are written).
    pub(crate) bytes: usize,
}

impl Window {
    /// The window for `threads` validation threads: four batches of 256 KiB each, at most
    /// 16 MiB of bodies in flight.
    pub(crate) fn for_threads(threads: usize) -> Self {
        Window {
            batch_bytes: 256 * 1024,
            batch_bodies: 256,
            batches: 4 * threads,
            bytes: 16 << 20,
        }
    }
}

/// The number of validation threads for the inputs: one per core available to the process
/// (as its CPU affinity allows), or one when there is only one body.
pub(crate) fn threads(ndjson: bool, inputs: usize) -> usize {
    if !ndjson && inputs < 2 {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// One body handed to a sink: where it came from, and where it is in the sink's buffer.
pub(crate) struct Item {
    /// The input, as named in the results.
    input: Arc<str>,
    /// Its line in the input (with `--ndjson`).
    line: Option<usize>,
    /// Its bytes in the buffer (none when too large).
    range: Range<usize>,
    /// Whether it was read whole.
    read: Body,
}

/// Bodies read, in order, with their place in the stream.
struct Batch {
    index: u64,
    data: Vec<u8>,
    items: Vec<Item>,
}

/// The results of a batch, written out.
struct Done {
    index: u64,
    bytes: usize,
    output: io::Result<Vec<u8>>,
    tally: Tally,
}

/// Batches validated by threads of a scope, results written in input order.
pub(crate) struct Pool<W: Write> {
    window: Window,
    jobs: Option<SyncSender<Batch>>,
    done: Receiver<Done>,
    batch: Batch,
    /// Batches sent, and batches written: the one written next is `written`.
    sent: u64,
    written: u64,
    /// Bytes of bodies in the batches sent and not yet written.
    in_flight: usize,
    /// Results arrived before those of an earlier batch.
    waiting: BTreeMap<u64, Done>,
    out: W,
    tally: Tally,
}

impl<W: Write> Pool<W> {
    /// Starts `threads` validation threads in `scope`; results are written to `out`. The
    /// threads end when the pool is dropped.
    pub(crate) fn start<'scope>(
        scope: &'scope Scope<'scope, '_>,
        checker: Checker<'scope>,
        threads: usize,
        window: Window,
        out: W,
    ) -> Self {
        let (jobs, queue) = mpsc::sync_channel::<Batch>(threads);
        let queue = Arc::new(Mutex::new(queue));
        let (done_tx, done) = mpsc::channel();
        for _ in 0..threads {
            let queue = Arc::clone(&queue);
            let done_tx = done_tx.clone();
            scope.spawn(move || work(checker, &queue, &done_tx));
        }
        Pool {
            window,
            jobs: Some(jobs),
            done,
            batch: Batch {
                index: 0,
                data: Vec::new(),
                items: Vec::new(),
            },
            sent: 0,
            written: 0,
            in_flight: 0,
            waiting: BTreeMap::new(),
            out,
            tally: Tally::default(),
        }
    }

    /// Sends the batch being gathered, once there is room in the window.
    fn send(&mut self) -> io::Result<()> {
        if self.batch.items.is_empty() {
            return Ok(());
        }
        let bytes = self.batch.data.len();
        while self.sent > self.written
            && (self.sent - self.written >= self.window.batches as u64
                || self.in_flight + bytes > self.window.bytes)
        {
            self.receive(true)?;
        }
        let next = Batch {
            index: self.sent + 1,
            data: Vec::with_capacity(self.window.batch_bytes.min(bytes.max(1024))),
            items: Vec::new(),
        };
        let batch = std::mem::replace(&mut self.batch, next);
        let sent = self.jobs.as_ref().map(|jobs| jobs.send(batch));
        if !matches!(sent, Some(Ok(()))) {
            return Err(stopped());
        }
        self.sent += 1;
        self.in_flight += bytes;
        // Write what is ready without waiting.
        while self.receive(false)? {}
        Ok(())
    }

    /// Takes one result (waiting for it if `wait`) and writes every result that is next in
    /// order. Returns whether a result was taken.
    fn receive(&mut self, wait: bool) -> io::Result<bool> {
        let done = if wait {
            self.done.recv().map_err(|_| stopped())?
        } else {
            match self.done.try_recv() {
                Ok(done) => done,
                Err(mpsc::TryRecvError::Empty) => return Ok(false),
                Err(mpsc::TryRecvError::Disconnected) => return Err(stopped()),
            }
        };
        self.waiting.insert(done.index, done);
        while let Some(done) = self.waiting.remove(&self.written) {
            self.written += 1;
            self.in_flight -= done.bytes;
            self.tally.merge(done.tally);
            self.out.write_all(&done.output?)?;
        }
        Ok(true)
    }
}

/// The error when the validation threads are gone (one of them panicked).
fn stopped() -> io::Error {
    io::Error::other("a validation thread stopped")
}

impl<W: Write> Sink for Pool<W> {
    fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.batch.data
    }

    fn take(&mut self, item: Item) -> io::Result<()> {
        self.batch.items.push(item);
        if self.batch.data.len() >= self.window.batch_bytes
            || self.batch.items.len() >= self.window.batch_bodies
        {
            self.send()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()?;
        while self.written < self.sent {
            self.receive(true)?;
        }
        self.out.flush()
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}

impl<W: Write> Drop for Pool<W> {
    fn drop(&mut self) {
        // Closing the queue ends the threads once they finish their batch.
        self.jobs = None;
    }
}

/// A validation thread: takes batches until the queue closes.
fn work(checker: Checker<'_>, queue: &Mutex<Receiver<Batch>>, done: &Sender<Done>) {
    loop {
        let batch = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(batch) = batch else { return };
        let checked = catch_unwind(AssertUnwindSafe(|| check_batch(checker, &batch)));
        let (output, tally) = match checked {
            Ok(checked) => checked,
            Err(_) => (Err(stopped()), Tally::default()),
        };
        let result = Done {
            index: batch.index,
            bytes: batch.data.len(),
            output,
            tally,
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

/// Validates the bodies of a batch; returns their results written out, and their counts.
fn check_batch(checker: Checker<'_>, batch: &Batch) -> (io::Result<Vec<u8>>, Tally) {
    let mut output = Vec::with_capacity(batch.items.len() * 48);
    let mut tally = Tally::default();
    for item in &batch.items {
        if let Err(e) = checker.check(item, &batch.data, &mut output, &mut tally) {
            return (Err(e), tally);
        }
    }
    (Ok(output), tally)
}
