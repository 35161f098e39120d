//! The fast path of the typed parse: readers generated for every type (`cargo xtask codegen`,
//! `xtask/src/codegen/fast.rs`) over one cursor ([`Reader`]), with no serde in between.
//!
//! A reader gives the value serde's path gives, or `None`: for a body it does not take, valid or
//! not (a float, an escape in a member name, a duplicate key, a member out of place, an error
//! of any kind). The parse then runs serde's path from the start, which says what is wrong or
//! reads the rare valid body the fast path leaves. Nothing is accepted that serde's path
//! refuses: the tests in `crate::webhook` compare both paths on every sample of every version
//! and on mutations of them.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

mod compound;
mod reader;

pub use reader::Reader;

/// A type the fast path reads. Implemented by the generated types and here for what they hold.
pub trait Fast: Sized {
    /// Reads a value at the cursor, or `None` where serde's path must decide.
    fn read(reader: &mut Reader<'_>) -> Option<Self>;
}

/// Fills a member's empty `slot`; `None` if the member came before.
#[inline]
pub(crate) fn put<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

/// Reads a string into a type that checks it (`FromStr`), as `crate::de::checked_str` does.
pub(crate) fn checked_str<T: std::str::FromStr>(reader: &mut Reader<'_>) -> Option<T> {
    reader.text()?.parse().ok()
}

impl Fast for compact_str::CompactString {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.text().map(Self::from)
    }
}

impl Fast for bool {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.boolean()
    }
}

impl Fast for u64 {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.unsigned()
    }
}

impl Fast for i64 {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.signed()
    }
}

impl Fast for Number {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.number()
    }
}

impl Fast for Value {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.value()
    }
}

impl Fast for Map<String, Value> {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.map(Reader::value)
    }
}

impl<T: Fast> Fast for BTreeMap<compact_str::CompactString, T> {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.map(T::read)
    }
}

impl<T: Fast> Fast for Vec<T> {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        let mut items = Vec::new();
        let mut array = reader.array()?;
        while array.next(reader)? {
            items.push(T::read(reader)?);
        }
        Some(items)
    }
}

impl<T: Fast> Fast for Box<T> {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        T::read(reader).map(Box::new)
    }
}

impl Fast for crate::Timestamp {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        checked_str(reader)
    }
}

#[cfg(test)]
mod tests;
