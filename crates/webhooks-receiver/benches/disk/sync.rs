//! The disk's part of a durable acknowledgement: how long a write followed by `fdatasync`
//! takes on the file system the inbox is on, from one writer and from two writers on two files
//! at once, over blocks already allocated (as the inbox's write-ahead log is rewritten from its
//! start). A commit of the SQLite inbox is such a write of its log pages and such a sync; when
//! two writers get little more from the disk than one, a second inbox file with a writer of its
//! own cannot raise the ceiling either.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Bytes of each probe file, written once before the timed writes.
const FILE_BYTES: u64 = 4 << 20;

/// The write sizes timed: one page of the log, and about a commit of 32 log pages.
pub const SIZES: [usize; 2] = [4 << 10, 128 << 10];

/// Syncs per second of one size, from one writer and from two.
pub struct Probe {
    /// Bytes per write.
    pub size: usize,
    /// Mean time of one write and sync from one writer.
    pub one: Duration,
    /// Syncs per second from one writer.
    pub one_per_second: f64,
    /// Syncs per second in all from two writers on two files at once.
    pub two_per_second: f64,
}

/// A probe file in `dir`, its blocks allocated and synced.
fn prepared(dir: &Path, name: &str) -> io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.join(name))?;
    let zeros = vec![0u8; 1 << 20];
    let mut at = 0;
    while at < FILE_BYTES {
        file.write_all_at(&zeros, at)?;
        at += zeros.len() as u64;
    }
    file.sync_all()?;
    Ok(file)
}

/// `count` writes of `size` bytes, each followed by `fdatasync`, over the file's first
/// megabytes in turn; the time they took.
fn writes(file: &File, size: usize, count: usize) -> io::Result<Duration> {
    let block = vec![0x5a_u8; size];
    let slots = (FILE_BYTES / size as u64).max(1);
    let start = Instant::now();
    for i in 0..count as u64 {
        file.write_all_at(&block, (i % slots) * size as u64)?;
        file.sync_data()?;
    }
    Ok(start.elapsed())
}

/// Times each of [`SIZES`] with `count` syncs per writer, in files made (and removed) in `dir`.
pub fn run(dir: &Path, count: usize) -> io::Result<Vec<Probe>> {
    let files = [
        prepared(dir, "sync-probe-0")?,
        prepared(dir, "sync-probe-1")?,
    ];
    let count = count.max(1);
    let mut probes = Vec::with_capacity(SIZES.len());
    for size in SIZES {
        let one = writes(&files[0], size, count)?;
        let start = Instant::now();
        let both: io::Result<()> = std::thread::scope(|scope| {
            let writers: Vec<_> = files
                .iter()
                .map(|file| scope.spawn(move || writes(file, size, count)))
                .collect();
            for writer in writers {
                writer
                    .join()
                    .map_err(|_| io::Error::other("a probe writer panicked"))??;
            }
            Ok(())
        });
        both?;
        let two = start.elapsed();
        probes.push(Probe {
            size,
            one: one / count as u32,
            one_per_second: count as f64 / one.as_secs_f64().max(f64::MIN_POSITIVE),
            two_per_second: (2 * count) as f64 / two.as_secs_f64().max(f64::MIN_POSITIVE),
        });
    }
    for name in ["sync-probe-0", "sync-probe-1"] {
        std::fs::remove_file(dir.join(name))?;
    }
    Ok(probes)
}
