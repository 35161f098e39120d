//! The inbox's statements and its forwards' against a real SQLite schema: each prepares, and
//! the plans SQLite chooses for the hot ones.

use rusqlite::{params, Connection};

use super::forward_sql::ForwardStatements;
use super::sql::{Statements, SQLITE};
use super::sqlite::connect;

/// An in-memory database with the inbox's and the forwards' SQLite schemas, and their
/// statements.
fn memory() -> (Connection, Statements, ForwardStatements) {
    let (sql, forwards) = (Statements::new(&SQLITE), ForwardStatements::new(&SQLITE));
    let conn = Connection::open_in_memory().expect("in-memory database");
    conn.execute_batch(&sql.schema).expect("schema");
    conn.execute_batch(&forwards.schema)
        .expect("forward schema");
    (conn, sql, forwards)
}

/// Asserts that each statement has SQLite's parameters (no `$`) and prepares on `conn`.
fn assert_prepare(conn: &Connection, statements: &[&String]) {
    for statement in statements {
        assert!(!statement.contains('$'), "{statement}");
        if let Err(e) = conn.prepare(statement) {
            panic!("{statement}: {e}");
        }
    }
}

#[test]
fn every_sqlite_statement_prepares_against_the_sqlite_schema() {
    let (conn, sql, _) = memory();
    assert_prepare(
        &conn,
        &[
            &sql.insert,
            &sql.redelivery,
            &sql.duplicate,
            &sql.claim,
            &sql.complete,
            &sql.retry,
            &sql.bury,
            &sql.redrive,
            &sql.release,
            &sql.prune,
            &sql.rows,
            &sql.stats,
        ],
    );
}

#[test]
fn every_sqlite_forward_statement_prepares_against_the_sqlite_schema() {
    let (conn, sql, forwards) = memory();
    assert_prepare(
        &conn,
        &[
            &forwards.set_instance,
            &forwards.instance,
            &forwards.insert,
            &forwards.claim,
            &forwards.delivery,
            &forwards.complete,
            &forwards.retry,
            &forwards.bury,
            &forwards.redrive,
            &forwards.release,
            &forwards.dead,
            &forwards.pending,
            &forwards.probe,
            &forwards.unprobe,
            &forwards.hasten,
            &forwards.prune,
            &sql.prune,
        ],
    );
}

/// A claim asks about older waiting deliveries of each chat through the index of waiting
/// deliveries: one step per candidate, not a walk over the chat's handled ones.
#[test]
fn claims_find_older_waiting_deliveries_through_the_partial_index() {
    let details = plan(|sql| &sql.claim, params![0, 0, 1]);
    assert!(
        details.iter().any(|d| d.contains("inbox_waiting")),
        "{details:?}"
    );
}

/// The details of SQLite's plan for one of the statements, with these parameters, against a
/// fresh schema.
fn plan(statement: fn(&Statements) -> &String, parameters: &[&dyn rusqlite::ToSql]) -> Vec<String> {
    let (conn, sql, _) = memory();
    let mut plan = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", statement(&sql)))
        .expect("plan");
    plan.query_map(parameters, |r| r.get::<_, String>(3))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("details")
}

/// A claim run again at a later time is not compiled again (its time parameter is
/// compared with the partial index's condition when SQLite plans it).
#[test]
fn claims_keep_their_plan_from_one_time_to_the_next() {
    let dir = std::env::temp_dir().join(format!("inbox-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let sql = Statements::new(&SQLITE);
    let conn = connect(&dir.join("inbox.sqlite"), &sql, true).expect("inbox");
    let mut claim = conn.prepare(&sql.claim).expect("claim");
    for now in [1, 2, 3] {
        let mut rows = claim.query(params![now, now + 60, 8]).expect("claim");
        while rows.next().expect("row").is_some() {}
    }
    let compiled_again = claim.get_status(rusqlite::StatementStatus::RePrepare);
    drop(claim);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(compiled_again, 0);
}

/// A store looks an unkeyed body up by its digest in the index of unkeyed bodies, not
/// through the event key index's nulls.
#[test]
fn stores_look_bodies_up_in_the_index_of_unkeyed_ones() {
    let unkeyed: Option<String> = None;
    let details = plan(
        |sql| &sql.insert,
        params![0, "", "", "", unkeyed, "", "", 0],
    );
    assert!(
        details
            .iter()
            .any(|d| d.contains("USING INDEX inbox_sha_unkeyed (body_sha256=?")),
        "{details:?}"
    );
}
