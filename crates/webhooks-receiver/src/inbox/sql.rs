//! The inbox's table and statements, written once for both SQL dialects (their result rows
//! are decoded in `rows`).

use super::state;

/// What differs between the SQLite and the PostgreSQL inbox.
#[derive(Debug)]
pub(super) struct Dialect {
    /// The table's name (the index names start with it).
    pub table: &'static str,
    /// The type and key of `id`.
    pub serial: &'static str,
    /// The type of 64-bit integer columns.
    pub bigint: &'static str,
    /// The type of `possible_redelivery`.
    pub boolean: &'static str,
    /// How a numbered parameter is written before its number (statements are written with `$`).
    pub parameter: &'static str,
    /// What a claim adds to its choice of rows so that concurrent claims skip each other's.
    pub skip_locked: &'static str,
    /// What the redelivery check adds after the table's name so that it looks the body up in
    /// the index of unkeyed bodies (SQLite would otherwise walk the event key index's nulls).
    pub unkeyed_sha: &'static str,
    /// What a store ends with: the new row's `id, possible_redelivery`, where the driver
    /// cannot tell them otherwise. SQLite's `RETURNING` costs a store several times its
    /// insert, and the connection tells the new row's id and whether one was inserted.
    pub returning: &'static str,
}

/// The embedded inbox's dialect (one writer: claims need no row locks).
pub(super) const SQLITE: Dialect = Dialect {
    table: "inbox",
    serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
    bigint: "INTEGER",
    boolean: "INTEGER",
    parameter: "?",
    skip_locked: "",
    unkeyed_sha: " INDEXED BY inbox_sha_unkeyed",
    returning: "",
};

/// The shared inbox's dialect.
pub(super) const POSTGRES: Dialect = Dialect {
    table: "webhook_inbox",
    serial: "BIGSERIAL PRIMARY KEY",
    bigint: "BIGINT",
    boolean: "BOOLEAN",
    parameter: "$",
    skip_locked: " FOR UPDATE SKIP LOCKED",
    unkeyed_sha: "",
    returning: " RETURNING id, possible_redelivery",
};

/// The type of a column, named in each dialect by [`Dialect`].
#[derive(Debug, Clone, Copy)]
enum Type {
    Serial,
    BigInt,
    Integer,
    Text,
    Boolean,
}

/// The table's columns: name, type, constraints (`{pending}` is [`state::PENDING`]).
const COLUMNS: [(&str, Type, &str); 17] = [
    ("id", Type::Serial, ""),
    ("received_at_ms", Type::BigInt, "NOT NULL"),
    ("webhook_id", Type::Text, "NOT NULL"),
    ("action", Type::Text, "NOT NULL"),
    ("chat_id", Type::Text, ""),
    ("event_key", Type::Text, "UNIQUE"),
    ("body_sha256", Type::Text, "NOT NULL"),
    ("body", Type::Text, "NOT NULL"),
    ("possible_redelivery", Type::Boolean, "NOT NULL"),
    ("duplicates", Type::BigInt, "NOT NULL DEFAULT 0"),
    ("state", Type::Text, "NOT NULL DEFAULT '{pending}'"),
    ("attempts", Type::Integer, "NOT NULL DEFAULT 0"),
    ("redriven", Type::Integer, "NOT NULL DEFAULT 0"),
    ("next_attempt_ms", Type::BigInt, "NOT NULL"),
    ("lease_until_ms", Type::BigInt, "NOT NULL DEFAULT 0"),
    ("last_error", Type::Text, ""),
    ("handled_at_ms", Type::BigInt, ""),
];

/// The indexes: name suffix, columns.
const INDEXES: [(&str, &str); 2] = [
    ("due", "state, next_attempt_ms"),
    ("handled", "state, handled_at_ms"),
];

/// The indexes over part of the table: name suffix, columns, the rows indexed (`{waiting}` is
/// the list of [`waiting`] states).
///
/// Only deliveries without an event key are looked up by their bytes: a keyed delivery with
/// the same bytes as a stored one has its event key too, and is a duplicate before any
/// lookup. Indexing every body's digest cost each store a write to a random page of that
/// index.
const PARTIAL_INDEXES: [(&str, &str, &str); 2] = [
    ("waiting", "chat_id, id", "state IN ({waiting})"),
    (
        "sha_unkeyed",
        "body_sha256, received_at_ms",
        "event_key IS NULL",
    ),
];

/// Indexes of earlier versions of the schema, dropped when the inbox is opened.
const FORMER_INDEXES: [&str; 1] = ["sha"];

/// The states of a delivery not yet handled, as an SQL list (written the same way in the
/// partial index and the claim, so that SQLite sees that the claim may use the index).
fn waiting() -> String {
    format!("'{}', '{}'", state::PENDING, state::RUNNING)
}

/// The statements of one dialect. Parameters are numbered as the comments say.
#[derive(Debug)]
pub(super) struct Statements {
    /// Creates the table and its indexes if absent.
    pub schema: String,
    /// Stores a delivery unless its event key is stored (parameters: the fields of
    /// [`insert_params!`]); in PostgreSQL returns `id, possible_redelivery` of the new row, or
    /// no row (see [`Dialect::returning`]).
    pub insert: String,
    /// `possible_redelivery` of row `$1`.
    pub redelivery: String,
    /// Counts a duplicate of event key `$1`; returns the stored row's `id`.
    pub duplicate: String,
    /// Claims up to `$3` due deliveries at time `$1`, leased until `$2`; returns the columns
    /// of [`super::rows::delivery`].
    pub claim: String,
    /// Marks `$1` handled at `$2`.
    pub complete: String,
    /// Puts `$1` back with error `$2`, due at `$3`.
    pub retry: String,
    /// Makes `$1` a dead letter with error `$2`.
    pub bury: String,
    /// Puts dead letter `$1` (all when null) back, due at `$2`.
    pub redrive: String,
    /// Puts every running delivery back (only for an inbox that one receiver owns).
    pub release: String,
    /// Puts running delivery `$1` back, its attempt not counted (given up at shutdown).
    pub release_one: String,
    /// Deletes at most `$2` handled deliveries handled before `$1` (never a dead letter,
    /// nor a delivery with a forward not yet done).
    pub prune: String,
    /// Rows in state `$1`, at most `$2`; returns [`super::rows::row`]'s columns.
    pub rows: String,
    /// Counts by state; returns [`super::rows::stats`]' columns.
    pub stats: String,
}

impl Statements {
    /// The statements in dialect `d`.
    pub fn new(d: &Dialect) -> Self {
        let (t, lock, unkeyed_sha) = (d.table, d.skip_locked, d.unkeyed_sha);
        let (pending, running) = (state::PENDING, state::RUNNING);
        let (done, dead) = (state::DONE, state::DEAD);
        let waiting = waiting();
        let counts: Vec<String> = [pending, running, done, dead]
            .iter()
            .map(|s| format!("COUNT(CASE WHEN state = '{s}' THEN 1 END)"))
            .collect();
        let n = |s: String| s.replace('$', d.parameter);
        Self {
            schema: schema(d),
            insert: n(format!(
                "INSERT INTO {t} (received_at_ms, webhook_id, action, chat_id, event_key,
                     body_sha256, body, possible_redelivery, next_attempt_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7,
                     CAST($5 AS TEXT) IS NULL AND EXISTS(
                       SELECT 1 FROM {t}{unkeyed_sha} WHERE event_key IS NULL
                         AND body_sha256 = $6 AND received_at_ms >= $8),
                     $1)
                 ON CONFLICT (event_key) DO NOTHING{returning}",
                returning = d.returning
            )),
            redelivery: n(format!("SELECT possible_redelivery FROM {t} WHERE id = $1")),
            duplicate: n(format!(
                "UPDATE {t} SET duplicates = duplicates + 1 WHERE event_key = $1 RETURNING id"
            )),
            claim: n(format!(
                "UPDATE {t} SET state = '{running}', attempts = attempts + 1, lease_until_ms = $2
                 WHERE id IN (
                   SELECT i.id FROM {t} i
                   WHERE ((i.state = '{pending}' AND i.next_attempt_ms <= $1)
                          OR (i.state = '{running}' AND i.lease_until_ms < $1))
                     AND (i.chat_id IS NULL OR NOT EXISTS (
                          SELECT 1 FROM {t} j WHERE j.chat_id = i.chat_id AND j.id < i.id
                            AND j.state IN ({waiting})))
                   ORDER BY i.id LIMIT $3{lock})
                 RETURNING id, webhook_id, action, body, body_sha256, attempts,
                           possible_redelivery, received_at_ms"
            )),
            complete: n(format!(
                "UPDATE {t} SET state = '{done}', handled_at_ms = $2 WHERE id = $1"
            )),
            retry: n(format!(
                "UPDATE {t} SET state = '{pending}', last_error = $2, next_attempt_ms = $3
                 WHERE id = $1"
            )),
            bury: n(format!(
                "UPDATE {t} SET state = '{dead}', last_error = $2 WHERE id = $1"
            )),
            redrive: n(format!(
                "UPDATE {t} SET state = '{pending}', attempts = 0, redriven = redriven + 1,
                     next_attempt_ms = $2
                 WHERE state = '{dead}' AND (CAST($1 AS BIGINT) IS NULL OR id = $1)"
            )),
            release: format!(
                "UPDATE {t} SET state = '{pending}', lease_until_ms = 0 WHERE state = '{running}'"
            ),
            release_one: n(format!(
                "UPDATE {t} SET state = '{pending}', lease_until_ms = 0,
                     attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
                 WHERE id = $1 AND state = '{running}'"
            )),
            prune: n(format!(
                "DELETE FROM {t} WHERE id IN (
                   SELECT id FROM {t} WHERE state = '{done}' AND handled_at_ms < $1
                     AND {unforwarded}
                   ORDER BY id LIMIT $2)",
                unforwarded = super::forward_sql::unforwarded(t)
            )),
            rows: n(format!(
                "SELECT id, action, state, attempts, last_error FROM {t}
                 WHERE state = $1 ORDER BY id LIMIT $2"
            )),
            stats: format!(
                "SELECT {}, CAST(COALESCE(SUM(duplicates), 0) AS BIGINT) FROM {t}",
                counts.join(", ")
            ),
        }
    }
}

/// `CREATE TABLE` and `CREATE INDEX` statements from [`COLUMNS`] and [`INDEXES`].
fn schema(d: &Dialect) -> String {
    let t = d.table;
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(name, ty, constraints)| {
            let ty = match ty {
                Type::Serial => d.serial,
                Type::BigInt => d.bigint,
                Type::Integer => "INTEGER",
                Type::Text => "TEXT",
                Type::Boolean => d.boolean,
            };
            let constraints = constraints.replace("{pending}", state::PENDING);
            format!("    {name} {ty} {constraints}")
                .trim_end()
                .to_owned()
        })
        .collect();
    let mut sql = format!(
        "CREATE TABLE IF NOT EXISTS {t} (\n{}\n);\n",
        columns.join(",\n")
    );
    for suffix in FORMER_INDEXES {
        sql.push_str(&format!("DROP INDEX IF EXISTS {t}_{suffix};\n"));
    }
    for (suffix, on) in INDEXES {
        sql.push_str(&format!(
            "CREATE INDEX IF NOT EXISTS {t}_{suffix} ON {t}({on});\n"
        ));
    }
    // The deliveries still waiting, by chat: a claim asks whether an older one of the chat
    // waits, and finds it here in one step however many handled ones the chat has. The
    // unkeyed ones by digest: the redelivery check of a store.
    for (suffix, on, filter) in PARTIAL_INDEXES {
        sql.push_str(&format!(
            "CREATE INDEX IF NOT EXISTS {t}_{suffix} ON {t}({on}) WHERE {};\n",
            filter.replace("{waiting}", &waiting())
        ));
    }
    sql
}

/// The values of [`Statements::insert`]'s parameters `$1`..`$8` taken from a
/// [`super::NewDelivery`], as an array whose element type (the driver's parameter reference)
/// the binding it is assigned to names.
macro_rules! insert_params {
    ($d:expr) => {
        [
            &$d.received_at_ms,
            &$d.webhook_id,
            &$d.action,
            &$d.identity.chat_id,
            &$d.identity.event_key,
            &$d.body_sha256,
            &$d.body,
            &$d.redelivery_since_ms,
        ]
    };
}
pub(super) use insert_params;

/// A committed write that proves an inbox writable: one row of its own table, rewritten.
pub(crate) const PROBE: &str = "CREATE TABLE IF NOT EXISTS webhook_inbox_probe (
        id INTEGER PRIMARY KEY CHECK (id = 1), at_ms BIGINT NOT NULL);
    INSERT INTO webhook_inbox_probe (id, at_ms) VALUES (1, 0)
        ON CONFLICT (id) DO NOTHING;";

/// The probe's rewrite of its row.
pub(crate) const PROBE_WRITE: &str = "UPDATE webhook_inbox_probe SET at_ms = $1 WHERE id = 1";

/// [`PROBE`] on a SQLite connection, inside the caller's transaction.
pub(crate) fn probe_sqlite(conn: &rusqlite::Connection, now_ms: i64) -> rusqlite::Result<()> {
    conn.execute_batch(PROBE)?;
    conn.execute(PROBE_WRITE, [now_ms]).map(drop)
}
