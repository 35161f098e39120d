//! The disk's part of a durable acknowledgement, timed on the file system the inbox is on: a
//! write followed by `fsync`, over blocks already allocated (as the inbox's write-ahead log is
//! rewritten from its start), from one writer and from two writers on two files at once. The
//! sync is `fsync` because SQLite's bundled build has no `fdatasync` and calls `fsync` in its
//! place; on ext4 that also commits the file's new modification time to the journal.
//!
//! Two shapes are timed: one page, and a commit's log as SQLite writes it in WAL mode (each
//! frame a 24-byte header and a 4 KiB page, written one after the other, then one sync). The
//! commit's time as the inbox's metrics count it, less this, is what SQLite itself and the
//! other I/O of the moment (the checkpoints) add.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes of each probe file, written once before the timed writes.
const FILE_BYTES: u64 = 4 << 20;
/// A frame of the log: its header, then its page.
const HEADER: usize = 24;
const PAGE: usize = 4096;
/// Frames in the commit timed: about the log pages one commit of the bench wrote when counted
/// (28 to 33, at 12.4 deliveries per commit).
pub const COMMIT_FRAMES: usize = 30;

/// What one timed write covers.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// One 4 KiB page, one write.
    Page,
    /// [`COMMIT_FRAMES`] frames, two writes each.
    Commit,
}

/// The timings of one shape.
pub struct Probe {
    /// What was written before each sync.
    pub shape: Shape,
    /// Mean time of one write (or frames) and sync from one writer.
    pub one: Duration,
    /// Syncs per second in all from two writers on two files at once.
    pub two_per_second: f64,
}

/// The probe files, removed when dropped (whatever failed meanwhile).
struct Files {
    paths: Vec<PathBuf>,
    files: Vec<File>,
}

impl Drop for Files {
    fn drop(&mut self) {
        for path in &self.paths {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Two probe files in `dir`, their blocks allocated and synced.
fn prepared(dir: &Path) -> io::Result<Files> {
    let mut made = Files {
        paths: Vec::new(),
        files: Vec::new(),
    };
    let zeros = vec![0u8; 1 << 20];
    for name in ["sync-probe-0", "sync-probe-1"] {
        let path = dir.join(name);
        made.paths.push(path.clone());
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)?;
        let mut at = 0;
        while at < FILE_BYTES {
            file.write_all_at(&zeros, at)?;
            at += zeros.len() as u64;
        }
        file.sync_all()?;
        made.files.push(file);
    }
    Ok(made)
}

/// `count` writes of `shape`, each followed by `fsync`, one after the other through the
/// whole file and round again; the time they took.
fn writes(file: &File, shape: Shape, count: usize) -> io::Result<Duration> {
    let (header, page) = ([0xa5_u8; HEADER], [0x5a_u8; PAGE]);
    let span = match shape {
        Shape::Page => PAGE as u64,
        Shape::Commit => (COMMIT_FRAMES * (HEADER + PAGE)) as u64,
    };
    let slots = (FILE_BYTES / span).max(1);
    let start = Instant::now();
    for i in 0..count as u64 {
        let at = (i % slots) * span;
        match shape {
            Shape::Page => file.write_all_at(&page, at)?,
            Shape::Commit => {
                for frame in 0..COMMIT_FRAMES as u64 {
                    let frame_at = at + frame * (HEADER + PAGE) as u64;
                    file.write_all_at(&header, frame_at)?;
                    file.write_all_at(&page, frame_at + HEADER as u64)?;
                }
            }
        }
        file.sync_all()?;
    }
    Ok(start.elapsed())
}

/// Times each shape with `count` syncs per writer, in files made (and removed) in `dir`.
pub fn run(dir: &Path, count: usize) -> io::Result<Vec<Probe>> {
    let made = prepared(dir)?;
    let count = count.max(1);
    let mut probes = Vec::new();
    for shape in [Shape::Page, Shape::Commit] {
        let one = writes(&made.files[0], shape, count)?;
        let start = Instant::now();
        std::thread::scope(|scope| {
            let writers: Vec<_> = made
                .files
                .iter()
                .map(|file| scope.spawn(move || writes(file, shape, count)))
                .collect();
            writers.into_iter().try_for_each(|writer| {
                writer
                    .join()
                    .map_err(|_| io::Error::other("a probe writer panicked"))?
                    .map(drop)
            })
        })?;
        probes.push(Probe {
            shape,
            one: one.div_f64(count as f64),
            two_per_second: per_second(2.0 * count as f64, start.elapsed()),
        });
    }
    Ok(probes)
}

/// One line telling the probe's figures, or why there are none.
pub fn describe(probed: &io::Result<Vec<Probe>>, dir: &Path) -> String {
    let probes = match probed {
        Ok(probes) => probes,
        Err(e) => return format!("the disk's syncs in {} were not timed: {e}", dir.display()),
    };
    let figures: Vec<String> = probes
        .iter()
        .map(|p| {
            let shape = match p.shape {
                Shape::Page => "one 4 KiB page".to_owned(),
                Shape::Commit => format!("a commit's log of {COMMIT_FRAMES} frames"),
            };
            format!(
                "{shape} {:.0} µs ({:.0}/s), two writers on two files {:.0}/s in all",
                p.one.as_secs_f64() * 1e6,
                per_second(1.0, p.one),
                p.two_per_second
            )
        })
        .collect();
    // A sync that returns within microseconds wrote nothing to a device (tmpfs): neither these
    // figures nor the receiver's then say anything of durable commits.
    let volatile = probes.iter().any(|p| p.one < NO_DEVICE);
    format!(
        "the disk under {} (before the rounds), a write then fsync over allocated blocks: \
         {}{}",
        dir.display(),
        figures.join("; "),
        if volatile {
            " (syncs this fast reach no device, so the receiver's commits did not either: \
             set TMPDIR to a directory on a disk)"
        } else {
            ""
        }
    )
}

/// Syncs per second of `n` syncs that took `took`.
fn per_second(n: f64, took: Duration) -> f64 {
    n / took.as_secs_f64().max(1e-9)
}

/// A sync faster than this is taken as one that reached no device.
const NO_DEVICE: Duration = Duration::from_micros(10);
