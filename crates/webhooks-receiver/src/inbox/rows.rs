//! The decoding of the inbox's result rows, written once for both drivers.

use crate::handler::Delivery;

use super::{Row, Stats, Stored};

/// A result row of either driver, read as the Rust type `T`.
pub(super) trait Column<T> {
    /// The driver's error.
    type Error;
    /// Column `i` (from 0).
    fn column(&self, i: usize) -> Result<T, Self::Error>;
}

/// A result row that has every column type the inbox reads.
pub(super) trait Columns<E>:
    Column<i64, Error = E>
    + Column<i32, Error = E>
    + Column<bool, Error = E>
    + Column<String, Error = E>
    + Column<Option<String>, Error = E>
{
}

impl<E, R> Columns<E> for R where
    R: Column<i64, Error = E>
        + Column<i32, Error = E>
        + Column<bool, Error = E>
        + Column<String, Error = E>
        + Column<Option<String>, Error = E>
{
}

/// A `LIMIT` parameter.
pub(super) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An `INTEGER` count (never negative in the table) as a `u32`.
fn count32(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// The row returned by [`super::sql::Statements::insert`].
pub(super) fn stored<E>(r: &impl Columns<E>) -> Result<Stored, E> {
    Ok(Stored::New {
        id: r.column(0)?,
        possible_redelivery: r.column(1)?,
    })
}

/// The row returned by [`super::sql::Statements::duplicate`].
pub(super) fn duplicate<E>(r: &impl Columns<E>) -> Result<Stored, E> {
    Ok(Stored::Duplicate { id: r.column(0)? })
}

/// A row returned by [`super::sql::Statements::claim`].
pub(super) fn delivery<E>(r: &impl Columns<E>) -> Result<Delivery, E> {
    Ok(Delivery {
        id: r.column(0)?,
        webhook_id: r.column(1)?,
        action: r.column(2)?,
        body: r.column(3)?,
        body_sha256: r.column(4)?,
        attempt: count32(r.column(5)?),
        possible_redelivery: r.column(6)?,
        received_at_ms: r.column(7)?,
    })
}

/// A row returned by [`super::sql::Statements::rows`].
pub(super) fn row<E>(r: &impl Columns<E>) -> Result<Row, E> {
    Ok(Row {
        id: r.column(0)?,
        action: r.column(1)?,
        state: r.column(2)?,
        attempts: count32(r.column(3)?),
        last_error: r.column(4)?,
    })
}

/// The row returned by [`super::sql::Statements::stats`].
pub(super) fn stats<E>(r: &impl Columns<E>) -> Result<Stats, E> {
    let mut counts = [0u64; 5];
    for (i, count) in counts.iter_mut().enumerate() {
        *count = u64::try_from(Column::<i64>::column(r, i)?).unwrap_or(0);
    }
    let [pending, running, done, dead, duplicates] = counts;
    Ok(Stats {
        pending,
        running,
        done,
        dead,
        duplicates,
    })
}
