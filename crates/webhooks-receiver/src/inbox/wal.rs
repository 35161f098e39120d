//! The SQLite inbox's write-ahead log: copied into the database by a thread of its own, and
//! restarted from its start by the writer once it is wholly copied.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use rusqlite::Connection;

/// How often the checkpointing thread copies the write-ahead log into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The checkpointing thread: a passive checkpoint (it never blocks the writer) every
/// [`CHECKPOINT_EVERY`], with the syncs of `synchronous=FULL`, until the inbox is dropped;
/// counts those that copied the whole log as it was when they began in `copied`.
pub(super) fn checkpoint(conn: Connection, stop: mpsc::Receiver<()>, copied: &AtomicU64) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        // A failed checkpoint leaves the log as it is: the next one copies it.
        if let Ok(0) = passive_checkpoint(&conn) {
            copied.fetch_add(1, Ordering::Release);
        }
    }
}

/// A passive checkpoint; its first result column: 1 when another checkpoint was under way.
fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(0))
}

/// After the checkpointing thread copied the log, the writer copies what was committed
/// meanwhile (little, and no other writer can add to it) so that the log is wholly in the
/// database: the next transaction then writes the log from its start again, over the file's
/// existing blocks. Without this, under steady load some commit always lands during the
/// thread's checkpoint, the log is never restarted, and it grows without bound, every commit
/// appending to it (an append's sync also writes the file system's metadata).
pub(super) fn restart_log(conn: &Connection, copied: &AtomicU64, seen: &mut u64) {
    let now = copied.load(Ordering::Acquire);
    if now != *seen {
        *seen = now;
        let _ = passive_checkpoint(conn);
    }
}
