//! The embedded inbox: one SQLite file in WAL mode, written by one thread with group commit.

use std::path::Path;
use std::sync::mpsc;

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use crate::handler::Delivery;

use super::{state, Inbox, InboxError, NewDelivery, Row, Stats, Stored};

/// Runs after the commit of the batch its job was in, with the commit's outcome.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// One operation on the connection, inside the batch's transaction.
type Job = Box<dyn FnOnce(&Connection) -> Finish + Send>;

/// Most jobs committed by one transaction.
const MAX_BATCH: usize = 512;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at_ms INTEGER NOT NULL,
    webhook_id TEXT NOT NULL,
    action TEXT NOT NULL,
    chat_id TEXT,
    event_key TEXT UNIQUE,
    body_sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    possible_redelivery INTEGER NOT NULL,
    duplicates INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    redriven INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    lease_until_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    handled_at_ms INTEGER
);
CREATE INDEX IF NOT EXISTS inbox_due ON inbox(state, next_attempt_ms);
CREATE INDEX IF NOT EXISTS inbox_chat ON inbox(chat_id, id);
CREATE INDEX IF NOT EXISTS inbox_sha ON inbox(body_sha256, received_at_ms);
";

/// The SQLite inbox. Every write goes through one thread that commits whatever is queued in
/// one transaction (`synchronous=FULL`: the commit is on disk when a store returns).
///
/// One receiver process owns the file; use [`super::PostgresInbox`] to share an inbox.
#[derive(Debug, Clone)]
pub struct SqliteInbox {
    jobs: mpsc::Sender<Job>,
}

impl SqliteInbox {
    /// Opens (creating if needed) the inbox at `path`.
    pub fn open(path: &Path) -> Result<Self, InboxError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("inbox-sqlite".to_owned())
            .spawn(move || writer(conn, queue))
            .map_err(|e| InboxError::Commit(e.to_string()))?;
        Ok(Self { jobs })
    }

    async fn run<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, InboxError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = savepoint(conn, op);
            Box::new(move |commit| {
                let outcome = match commit {
                    Ok(()) => result.map_err(InboxError::from),
                    Err(e) => Err(InboxError::Commit(e)),
                };
                // The caller may have gone away (request cancelled): nothing to tell then.
                let _ = reply.send(outcome);
            })
        });
        self.jobs.send(job).map_err(|_| InboxError::Closed)?;
        answer.await.map_err(|_| InboxError::Closed)?
    }
}

/// Runs `op` inside a savepoint so that its failure undoes only its own writes.
fn savepoint<T>(
    conn: &Connection,
    op: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
) -> Result<T, rusqlite::Error> {
    conn.execute_batch("SAVEPOINT job")?;
    match op(conn) {
        Ok(value) => conn.execute_batch("RELEASE job").map(|()| value),
        Err(e) => {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

/// The writer thread: takes every queued job, runs them in one transaction, commits, then
/// answers them all.
fn writer(conn: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let began = conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| e.to_string());
        let finishes: Vec<Finish> = batch.into_iter().map(|job| job(&conn)).collect();
        let commit = began.and_then(|()| conn.execute_batch("COMMIT").map_err(|e| e.to_string()));
        if commit.is_err() {
            // Nothing of the batch is kept; a failed ROLLBACK leaves nothing more to undo.
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishes {
            finish(commit.clone());
        }
    }
}

fn claimed(row: &rusqlite::Row<'_>) -> Result<Delivery, rusqlite::Error> {
    Ok(Delivery {
        id: row.get(0)?,
        webhook_id: row.get(1)?,
        action: row.get(2)?,
        body: row.get(3)?,
        body_sha256: row.get(4)?,
        attempt: row.get(5)?,
        possible_redelivery: row.get(6)?,
        received_at_ms: row.get(7)?,
    })
}

impl Inbox for SqliteInbox {
    async fn store(&self, d: NewDelivery) -> Result<Stored, InboxError> {
        self.run(move |conn| {
            let seen: bool = conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM inbox WHERE body_sha256 = ?1 AND received_at_ms >= ?2)",
                params![d.body_sha256, d.redelivery_since_ms],
                |r| r.get(0),
            )?;
            let inserted = conn
                .query_row(
                    "INSERT INTO inbox (received_at_ms, webhook_id, action, chat_id, event_key,
                         body_sha256, body, possible_redelivery, next_attempt_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?1)
                     ON CONFLICT(event_key) DO NOTHING RETURNING id",
                    params![
                        d.received_at_ms,
                        d.webhook_id,
                        d.action,
                        d.chat_id,
                        d.event_key,
                        d.body_sha256,
                        d.body,
                        seen
                    ],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = inserted {
                return Ok(Stored::New {
                    id,
                    possible_redelivery: seen,
                });
            }
            let id = conn.query_row(
                "UPDATE inbox SET duplicates = duplicates + 1 WHERE event_key = ?1 RETURNING id",
                params![d.event_key],
                |r| r.get(0),
            )?;
            Ok(Stored::Duplicate { id })
        })
        .await
    }

    async fn claim(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>, InboxError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "UPDATE inbox SET state = 'running', attempts = attempts + 1, lease_until_ms = ?2
                 WHERE id IN (
                   SELECT i.id FROM inbox i
                   WHERE ((i.state = 'pending' AND i.next_attempt_ms <= ?1)
                          OR (i.state = 'running' AND i.lease_until_ms < ?1))
                     AND (i.chat_id IS NULL OR NOT EXISTS (
                          SELECT 1 FROM inbox j WHERE j.chat_id = i.chat_id AND j.id < i.id
                            AND j.state IN ('pending', 'running')))
                   ORDER BY i.id LIMIT ?3)
                 RETURNING id, webhook_id, action, body, body_sha256, attempts,
                           possible_redelivery, received_at_ms",
            )?;
            let mut rows = stmt
                .query_map(params![now_ms, lease_until_ms, limit], claimed)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.sort_by_key(|c| c.id);
            Ok(rows)
        })
        .await
    }

    async fn complete(&self, id: i64, now_ms: i64) -> Result<(), InboxError> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE inbox SET state = 'done', handled_at_ms = ?2 WHERE id = ?1",
                params![id, now_ms],
            )
            .map(drop)
        })
        .await
    }

    async fn fail(&self, id: i64, error: &str, retry_at_ms: Option<i64>) -> Result<(), InboxError> {
        let error = error.to_owned();
        self.run(move |conn| {
            let (next_state, at) = match retry_at_ms {
                Some(at) => (state::PENDING, at),
                None => (state::DEAD, 0),
            };
            conn.execute(
                "UPDATE inbox SET state = ?2, last_error = ?3,
                     next_attempt_ms = CASE WHEN ?4 > 0 THEN ?4 ELSE next_attempt_ms END
                 WHERE id = ?1",
                params![id, next_state, error, at],
            )
            .map(drop)
        })
        .await
    }

    async fn redrive(&self, id: Option<i64>, now_ms: i64) -> Result<u64, InboxError> {
        self.run(move |conn| {
            let n = conn.execute(
                "UPDATE inbox SET state = 'pending', attempts = 0, redriven = redriven + 1,
                     next_attempt_ms = ?2
                 WHERE state = 'dead' AND (?1 IS NULL OR id = ?1)",
                params![id, now_ms],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn release_claims(&self) -> Result<u64, InboxError> {
        self.run(|conn| {
            let n = conn.execute(
                "UPDATE inbox SET state = 'pending', lease_until_ms = 0 WHERE state = 'running'",
                [],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn rows(&self, state: &str, limit: usize) -> Result<Vec<Row>, InboxError> {
        let state = state.to_owned();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, action, state, attempts, last_error FROM inbox
                 WHERE state = ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![state, limit], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    action: r.get(1)?,
                    state: r.get(2)?,
                    attempts: r.get(3)?,
                    last_error: r.get(4)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn stats(&self) -> Result<Stats, InboxError> {
        self.run(|conn| {
            conn.query_row(
                "SELECT
                   COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'running'), 0),
                   COALESCE(SUM(state = 'done'), 0), COALESCE(SUM(state = 'dead'), 0),
                   COALESCE(SUM(duplicates), 0)
                 FROM inbox",
                [],
                |r| {
                    Ok(Stats {
                        pending: r.get(0)?,
                        running: r.get(1)?,
                        done: r.get(2)?,
                        dead: r.get(3)?,
                        duplicates: r.get(4)?,
                    })
                },
            )
        })
        .await
    }
}
