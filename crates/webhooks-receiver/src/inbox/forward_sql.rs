//! The forwarding statements of both SQL dialects, and the decoding of a dead forward's row.

use super::forward::ForwardRow;
use super::sql::Dialect;
use super::state;

/// The forwarding statements of one dialect. Parameters are numbered as the comments say.
#[derive(Debug)]
pub(super) struct ForwardStatements {
    /// Creates the forward and meta tables if absent.
    pub schema: String,
    /// Records instance name `$1` unless one is recorded.
    pub set_instance: String,
    /// The recorded instance name.
    pub instance: String,
    /// A forward of delivery `$1` to `$2`, due at `$3`.
    pub insert: String,
    /// Claims up to `$3` due forwards of `$4` at `$1`, leased until `$2`; returns
    /// `delivery_id, attempts`.
    pub claim: String,
    /// The delivery `$1` as [`super::rows::delivery`] reads it (with attempts 0).
    pub delivery: String,
    /// Marks the forward of `$2` to `$1` done at `$3`.
    pub complete: String,
    /// Puts the forward of `$2` to `$1` back with error `$3`, due at `$4`.
    pub retry: String,
    /// Makes the forward of `$2` to `$1` a dead letter with error `$3`.
    pub bury: String,
    /// Puts `$1`'s dead forward of `$2` (all when null) back, due at `$3`.
    pub redrive: String,
    /// Puts `$1`'s running forwards back.
    pub release: String,
    /// Dead forwards to `$1` (all when null), at most `$2`; returns [`forward_row`]'s columns.
    pub dead: String,
    /// Counts `$1`'s forwards still waiting.
    pub pending: String,
    /// Claims `$2`'s waiting forward due first, leased until `$1`, attempts unchanged; returns
    /// `delivery_id, attempts`.
    pub probe: String,
    /// Puts the probed forward of `$2` to `$1` back with error `$3`.
    pub unprobe: String,
    /// Makes `$1`'s waiting forwards due at `$2`.
    pub hasten: String,
    /// Deletes the forwards (all done) of the deliveries that the inbox's `prune` with the
    /// same parameters deletes: run just before it.
    pub prune: String,
}

impl ForwardStatements {
    /// The statements in dialect `d`.
    pub fn new(d: &Dialect) -> Self {
        let (t, lock, big) = (d.table, d.skip_locked, d.bigint);
        let f = format!("{t}_forward");
        let (pending, running) = (state::PENDING, state::RUNNING);
        let (done, dead) = (state::DONE, state::DEAD);
        let n = |s: String| s.replace('$', d.parameter);
        Self {
            schema: format!(
                "CREATE TABLE IF NOT EXISTS {f} (
                    delivery_id {big} NOT NULL,
                    destination TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT '{pending}',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    redriven INTEGER NOT NULL DEFAULT 0,
                    next_attempt_ms {big} NOT NULL,
                    lease_until_ms {big} NOT NULL DEFAULT 0,
                    last_error TEXT,
                    forwarded_at_ms {big},
                    PRIMARY KEY (destination, delivery_id)
                );
                CREATE INDEX IF NOT EXISTS {f}_due ON {f}(destination, state, next_attempt_ms);
                CREATE INDEX IF NOT EXISTS {f}_delivery ON {f}(delivery_id);
                CREATE TABLE IF NOT EXISTS {t}_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
            ),
            set_instance: n(format!(
                "INSERT INTO {t}_meta (name, value) VALUES ('instance', $1)
                 ON CONFLICT (name) DO NOTHING"
            )),
            instance: format!("SELECT value FROM {t}_meta WHERE name = 'instance'"),
            insert: n(format!(
                "INSERT INTO {f} (delivery_id, destination, next_attempt_ms) VALUES ($1, $2, $3)
                 ON CONFLICT (destination, delivery_id) DO NOTHING"
            )),
            claim: n(format!(
                "UPDATE {f} SET state = '{running}', attempts = attempts + 1, lease_until_ms = $2
                 WHERE destination = $4 AND delivery_id IN (
                   SELECT delivery_id FROM {f}
                   WHERE destination = $4
                     AND ((state = '{pending}' AND next_attempt_ms <= $1)
                          OR (state = '{running}' AND lease_until_ms < $1))
                   ORDER BY delivery_id LIMIT $3{lock})
                 RETURNING delivery_id, attempts"
            )),
            delivery: n(format!(
                "SELECT id, webhook_id, action, body, body_sha256, 0, possible_redelivery,
                     received_at_ms
                 FROM {t} WHERE id = $1"
            )),
            complete: n(format!(
                "UPDATE {f} SET state = '{done}', forwarded_at_ms = $3, lease_until_ms = 0
                 WHERE destination = $1 AND delivery_id = $2"
            )),
            retry: n(format!(
                "UPDATE {f} SET state = '{pending}', last_error = $3, next_attempt_ms = $4,
                     lease_until_ms = 0
                 WHERE destination = $1 AND delivery_id = $2"
            )),
            bury: n(format!(
                "UPDATE {f} SET state = '{dead}', last_error = $3, lease_until_ms = 0
                 WHERE destination = $1 AND delivery_id = $2"
            )),
            redrive: n(format!(
                "UPDATE {f} SET state = '{pending}', attempts = 0, redriven = redriven + 1,
                     next_attempt_ms = $3
                 WHERE destination = $1 AND state = '{dead}'
                   AND (CAST($2 AS {big}) IS NULL OR delivery_id = $2)"
            )),
            release: n(format!(
                "UPDATE {f} SET state = '{pending}', lease_until_ms = 0
                 WHERE destination = $1 AND state = '{running}'"
            )),
            dead: n(format!(
                "SELECT f.delivery_id, f.destination, i.action, f.state, f.attempts, f.last_error
                 FROM {f} f JOIN {t} i ON i.id = f.delivery_id
                 WHERE f.state = '{dead}' AND (CAST($1 AS TEXT) IS NULL OR f.destination = $1)
                 ORDER BY f.destination, f.delivery_id LIMIT $2"
            )),
            probe: n(format!(
                "UPDATE {f} SET state = '{running}', lease_until_ms = $1
                 WHERE destination = $2 AND delivery_id IN (
                   SELECT delivery_id FROM {f} WHERE destination = $2 AND state = '{pending}'
                   ORDER BY next_attempt_ms, delivery_id LIMIT 1{lock})
                 RETURNING delivery_id, attempts"
            )),
            unprobe: n(format!(
                "UPDATE {f} SET state = '{pending}', last_error = $3, lease_until_ms = 0
                 WHERE destination = $1 AND delivery_id = $2 AND state = '{running}'"
            )),
            hasten: n(format!(
                "UPDATE {f} SET next_attempt_ms = $2
                 WHERE destination = $1 AND state = '{pending}' AND next_attempt_ms > $2"
            )),
            pending: n(format!(
                "SELECT COUNT(*) FROM {f}
                 WHERE destination = $1 AND state IN ('{pending}', '{running}')"
            )),
            prune: n(format!(
                "DELETE FROM {f} WHERE delivery_id IN (
                   SELECT id FROM {t} WHERE state = '{done}' AND handled_at_ms < $1
                     AND {unforwarded}
                   ORDER BY id LIMIT $2)",
                unforwarded = unforwarded(t)
            )),
        }
    }
}

/// The clause that keeps a delivery with a forward not yet done (or dead) from being pruned,
/// for the inbox's `prune` statement (row alias: the table's name).
pub(super) fn unforwarded(t: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM {t}_forward f WHERE f.delivery_id = {t}.id AND f.state <> '{}')",
        state::DONE
    )
}

/// PostgreSQL's statement that stores a delivery (`insert`, the inbox's statement) and, when
/// it is stored as new, its forwards to the destinations of parameter `$9` (a text array), at
/// once.
pub(super) fn insert_forwarded(t: &str, insert: &str) -> String {
    format!(
        "WITH ins AS ({insert}),
         fwd AS (INSERT INTO {t}_forward (delivery_id, destination, next_attempt_ms)
                 SELECT ins.id, d.destination, $1 FROM ins
                 CROSS JOIN unnest(CAST($9 AS TEXT[])) AS d(destination))
         SELECT id, possible_redelivery FROM ins"
    )
}

/// A fresh random instance name (16 hex digits).
pub(super) fn new_instance() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// A row returned by [`ForwardStatements::dead`].
pub(super) fn forward_row<E>(r: &impl super::rows::Columns<E>) -> Result<ForwardRow, E> {
    let attempts: i32 = r.column(4)?;
    Ok(ForwardRow {
        delivery_id: r.column(0)?,
        destination: r.column(1)?,
        action: r.column(2)?,
        state: r.column(3)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        last_error: r.column(5)?,
    })
}
