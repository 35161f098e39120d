//! The embedded inbox: one SQLite file in WAL mode, written by one thread with group commit.

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{mpsc, Arc};

use rusqlite::config::DbConfig;
use rusqlite::types::FromSql;
use rusqlite::{params, Connection, OpenFlags, ToSql};
use tokio::sync::oneshot;

use crate::handler::Delivery;
use crate::worker::now_ms;

use super::forward::Routes;
use super::forward_sql::{self, ForwardStatements};
use super::rows::{self, Column};
use super::sql::{self, insert_params, Statements};
use super::wal::{checkpoint, restart_log};
use super::{Claim, Inbox, InboxError, NewDelivery, Row, Stats, Stored};

/// Runs after the commit of the batch its job was in, with the commit's outcome.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// One operation on the connection, inside the batch's transaction.
type Job = Box<dyn FnOnce(&Connection) -> Finish + Send>;

/// Most jobs committed by one transaction.
const MAX_BATCH: usize = 512;

/// The SQLite inbox. Every write goes through one thread that commits whatever is queued in
/// one transaction (`synchronous=FULL`: the commit is on disk when a store returns).
///
/// One receiver process owns the file; use [`super::PostgresInbox`] to share an inbox.
#[derive(Debug, Clone)]
pub struct SqliteInbox {
    jobs: mpsc::Sender<Job>,
    sql: Arc<Statements>,
    /// The forwarding statements.
    pub(super) forwards: Arc<ForwardStatements>,
    /// The destinations a new delivery is forwarded to.
    routes: Routes,
    /// The inbox's random name (see [`super::ForwardInbox::instance`]).
    pub(super) instance: Arc<str>,
    /// Dropped with the last clone: the checkpointing thread then ends.
    _checkpoints: mpsc::Sender<()>,
}

impl SqliteInbox {
    /// Opens (creating if needed) the inbox at `path`, and proves it writable with a
    /// committed write: an inbox that cannot be written is an error here, not at the first
    /// delivery.
    pub fn open(path: &Path) -> Result<Self, InboxError> {
        let sql = Arc::new(Statements::new(&sql::SQLITE));
        let conn = connect(path, &sql, true)?;
        let forwards = Arc::new(ForwardStatements::new(&sql::SQLITE));
        conn.execute_batch(&forwards.schema)?;
        conn.execute(&forwards.set_instance, params![forward_sql::new_instance()])?;
        let instance: String = conn.query_row(&forwards.instance, [], |r| r.get(0))?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let probed = sql::probe_sqlite(&conn, now_ms());
        match probed {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        }
        let checkpointer = Connection::open(path)?;
        checkpointer.pragma_update(None, "synchronous", "FULL")?;
        checkpointer.busy_timeout(std::time::Duration::from_secs(10))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let (checkpoints, stop) = mpsc::channel::<()>();
        let copied = Arc::new(AtomicU64::new(0));
        let copies = Arc::clone(&copied);
        let spawn = |name: &str, run: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(run)
                .map(drop)
                .map_err(|e| InboxError::Commit(e.to_string()))
        };
        let (path, statements) = (path.to_owned(), Arc::clone(&sql));
        spawn(
            "inbox-sqlite",
            Box::new(move || writer(conn, queue, &path, &statements, &copied)),
        )?;
        spawn(
            "inbox-checkpoint",
            Box::new(move || checkpoint(checkpointer, stop, &copies)),
        )?;
        Ok(Self {
            jobs,
            sql,
            forwards,
            routes: Routes::default(),
            instance: instance.into(),
            _checkpoints: checkpoints,
        })
    }

    /// This inbox, forwarding each delivery it stores as new to the destinations of `routes`
    /// that accept its action (rows written in the delivery's transaction).
    pub fn with_routes(mut self, routes: Routes) -> Self {
        self.routes = routes;
        self
    }

    /// Runs `op` with the connection and the statements on the writer thread, in the next
    /// batch, inside a savepoint so that its failure undoes only its own writes; answers once
    /// that batch has committed.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection, &Statements) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, InboxError> {
        self.run_as(true, op).await
    }

    /// [`Self::run`] for an `op` whose only write is one statement, without a savepoint: a
    /// statement that fails is undone by SQLite itself, and the savepoint would copy every
    /// page the statement changes a second time.
    async fn run_one<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection, &Statements) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, InboxError> {
        self.run_as(false, op).await
    }

    async fn run_as<T: Send + 'static>(
        &self,
        isolated: bool,
        op: impl FnOnce(&Connection, &Statements) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, InboxError> {
        let (reply, answer) = oneshot::channel();
        let statements = Arc::clone(&self.sql);
        let job: Job = Box::new(move |conn| {
            let result = if isolated {
                savepoint(conn, |conn| op(conn, &statements))
            } else {
                op(conn, &statements)
            };
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

/// Opens the file with the inbox's settings and schema.
pub(super) fn connect(
    path: &Path,
    sql: &Statements,
    create: bool,
) -> Result<Connection, InboxError> {
    let mut flags = OpenFlags::default();
    if !create {
        flags.remove(OpenFlags::SQLITE_OPEN_CREATE);
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // One plan per statement whatever its parameters: otherwise a statement whose parameter
    // SQLite compares with a partial index's condition (the claim's time) is compiled again
    // each time it runs with a new value.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.execute_batch(&sql.schema)?;
    conn.execute_batch(&ForwardStatements::new(&sql::SQLITE).schema)?;
    // The write-ahead log is copied into the database by a thread of its own, so that no
    // commit waits for a checkpoint's writes and syncs; the writer copies only what the
    // thread's last checkpoint left (see `wal::restart_log`).
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(conn)
}

/// Runs `op` inside a savepoint so that its failure undoes only its own writes.
fn savepoint<T>(
    conn: &Connection,
    op: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
) -> Result<T, rusqlite::Error> {
    conn.prepare_cached("SAVEPOINT job")?.execute([])?;
    match op(conn) {
        Ok(value) => conn
            .prepare_cached("RELEASE job")?
            .execute([])
            .map(|_| value),
        Err(e) => {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

/// The writer thread: takes every queued job, runs them in one transaction, commits, then
/// answers them all. After a failed commit the file is opened again for the next batch, so
/// that storage that works again (space freed, permissions or the file restored) is used
/// again without a restart.
fn writer(
    mut conn: Connection,
    queue: mpsc::Receiver<Job>,
    path: &Path,
    sql: &Statements,
    copied: &AtomicU64,
) {
    let mut seen = 0;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (operations, changes) = (batch.len(), conn.total_changes());
        let began = once(&conn, "BEGIN IMMEDIATE");
        let finishes: Vec<Finish> = batch.into_iter().map(|job| job(&conn)).collect();
        let committing = std::time::Instant::now();
        let commit = began.and_then(|()| once(&conn, "COMMIT"));
        // A transaction that changed no row (a claim that found nothing, counts) writes
        // nothing to the log: it would only pull the figures towards zero.
        if commit.is_ok() && conn.total_changes() != changes {
            crate::telemetry::committed(operations, committing.elapsed());
        }
        if commit.is_err() {
            // Nothing of the batch is kept; a failed ROLLBACK leaves nothing more to undo.
            let _ = conn.execute_batch("ROLLBACK");
        }
        let failed = commit.is_err();
        for finish in finishes {
            finish(commit.clone());
        }
        if !failed {
            restart_log(&conn, copied, &mut seen);
        } else {
            // Never a new empty file in place of one that was removed.
            match connect(path, sql, false) {
                Ok(reopened) => conn = reopened,
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot open the inbox again")
                }
            }
        }
    }
}

/// Runs a statement without parameters, prepared once for the connection.
fn once(conn: &Connection, sql: &str) -> Result<(), String> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(drop)
        .map_err(|e| e.to_string())
}

impl<T: FromSql> Column<T> for rusqlite::Row<'_> {
    type Error = rusqlite::Error;

    fn column(&self, i: usize) -> Result<T, Self::Error> {
        self.get(i)
    }
}

impl Inbox for SqliteInbox {
    async fn store(&self, d: NewDelivery) -> Result<Stored, InboxError> {
        let destinations = self.routes.keys(&d.action);
        let action = (!destinations.is_empty()).then(|| d.action.clone());
        let forwards = Arc::clone(&self.forwards);
        // Without forwards the only write is one statement (the insert, or when it inserts
        // nothing the duplicate's count), which needs no savepoint.
        let stored = self
            .run_as(action.is_some(), move |conn, st| {
                let params: [&dyn ToSql; 8] = insert_params!(d);
                if conn.prepare_cached(&st.insert)?.execute(&params[..])? == 1 {
                    let id = conn.last_insert_rowid();
                    // Only an unkeyed delivery can be a possible redelivery.
                    let possible_redelivery = d.identity.event_key.is_none()
                        && conn
                            .prepare_cached(&st.redelivery)?
                            .query_row([id], |r| r.get(0))?;
                    for destination in &destinations {
                        conn.prepare_cached(&forwards.insert)?.execute(params![
                            id,
                            destination,
                            d.received_at_ms
                        ])?;
                    }
                    return Ok(Stored::New {
                        id,
                        possible_redelivery,
                    });
                }
                conn.prepare_cached(&st.duplicate)?
                    .query_row(params![d.identity.event_key], |r| rows::duplicate(r))
            })
            .await?;
        if let (Stored::New { .. }, Some(action)) = (stored, action) {
            self.routes.wake(&action);
        }
        Ok(stored)
    }

    async fn claim(&self, claim: Claim) -> Result<Vec<Delivery>, InboxError> {
        let limit = rows::limit(claim.limit);
        self.run(move |conn, st| {
            let mut rows = conn
                .prepare_cached(&st.claim)?
                .query_map(params![claim.now_ms, claim.lease_until_ms, limit], |r| {
                    rows::delivery(r)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.sort_by_key(|c| c.id);
            Ok(rows)
        })
        .await
    }

    async fn complete(&self, id: i64, now_ms: i64) -> Result<(), InboxError> {
        self.run_one(move |conn, st| {
            conn.prepare_cached(&st.complete)?
                .execute(params![id, now_ms])
                .map(drop)
        })
        .await
    }

    async fn fail(&self, id: i64, error: &str, retry_at_ms: Option<i64>) -> Result<(), InboxError> {
        let error = error.to_owned();
        self.run(move |conn, st| {
            match retry_at_ms {
                Some(at) => conn.execute(&st.retry, params![id, error, at]),
                None => conn.execute(&st.bury, params![id, error]),
            }
            .map(drop)
        })
        .await
    }

    async fn redrive(&self, id: Option<i64>, now_ms: i64) -> Result<u64, InboxError> {
        self.run(move |conn, st| {
            let n = conn.execute(&st.redrive, params![id, now_ms])?;
            Ok(n as u64)
        })
        .await
    }

    async fn release(&self, id: i64) -> Result<(), InboxError> {
        self.run(move |conn, st| conn.execute(&st.release_one, params![id]).map(drop))
            .await
    }

    async fn release_claims(&self) -> Result<u64, InboxError> {
        self.run(|conn, st| {
            let n = conn.execute(&st.release, [])?;
            Ok(n as u64)
        })
        .await
    }

    async fn prune(&self, handled_before_ms: i64, limit: usize) -> Result<u64, InboxError> {
        let limit = rows::limit(limit);
        let forwards = Arc::clone(&self.forwards);
        self.run(move |conn, st| {
            conn.execute(&forwards.prune, params![handled_before_ms, limit])?;
            let n = conn.execute(&st.prune, params![handled_before_ms, limit])?;
            Ok(n as u64)
        })
        .await
    }

    async fn rows(&self, state: &str, limit: usize) -> Result<Vec<Row>, InboxError> {
        let state = state.to_owned();
        let limit = rows::limit(limit);
        self.run(move |conn, st| {
            conn.prepare_cached(&st.rows)?
                .query_map(params![state, limit], |r| rows::row(r))?
                .collect()
        })
        .await
    }

    async fn probe(&self) -> Result<(), InboxError> {
        self.run(|conn, _| sql::probe_sqlite(conn, now_ms())).await
    }

    async fn stats(&self) -> Result<Stats, InboxError> {
        self.run(|conn, st| conn.query_row(&st.stats, [], |r| rows::stats(r)))
            .await
    }
}
