//! The duplicate-key check of the typed structs, done by each struct for its own object: a
//! documented member twice is refused by the struct's derived reader itself; the wrapper here
//! notes only the undocumented members, refuses one that occurs twice, and reads each of their
//! values through the [`Unique`] adapter (the struct skips them, so nothing else would look
//! inside). Values the types keep as maps or as any JSON are read through the adapter by the
//! generated code ([`checked`], [`checked_present`]); nothing else is wrapped, so the members
//! the types read cost no more than the key's comparison with the struct's field names.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;

use std::marker::PhantomData;

use serde::de::value::UnitDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::de::{next_key_noted, Keys, Unique};

/// Reads `T` with every object in it checked for duplicate keys: for a field that holds a map
/// or any JSON value.
pub(crate) fn checked<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    Checked(PhantomData).deserialize(deserializer)
}

/// [`checked`] for an optional field, which, when present, holds a value (no `null`).
pub(crate) fn checked_present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    checked(deserializer).map(Some)
}

/// The seed of [`checked`].
pub(crate) struct Checked<T>(pub(crate) PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Checked<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let mut keys = Keys::new();
        T::deserialize(Unique::new(deserializer, &mut keys))
    }
}

/// The undocumented member names read so far in one object, each refused a second time
/// (looked up in a hash set once there are more than [`SMALL`](super::SMALL), so that an object
/// of many undocumented members costs linear time).
#[derive(Default)]
pub(crate) struct Undocumented<'de> {
    list: Vec<Cow<'de, str>>,
    set: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> Undocumented<'de> {
    /// Notes `key`; an error when the object had it already.
    pub(crate) fn insert<E: de::Error>(&mut self, key: Cow<'de, str>) -> Result<(), E> {
        if !super::is_new(&self.list, &mut self.set, &key) {
            return Err(E::custom("duplicate key"));
        }
        if self.set.is_none() {
            self.list.push(key);
        }
        Ok(())
    }
}

/// A struct's visitor whose object is read through [`Members`]; with a counter, it counts the
/// object's members, documented or not (what `minProperties` counts).
pub(crate) struct Fields<'c, V> {
    pub(crate) visitor: V,
    pub(crate) known: &'static [&'static str],
    pub(crate) count: Option<&'c Cell<usize>>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Fields<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Members {
            map,
            known: self.known,
            count: self.count,
            undocumented: Undocumented::default(),
            skipped: false,
        })
    }
}

/// A struct's members as its derived reader takes them.
struct Members<'c, 'de, A> {
    map: A,
    known: &'static [&'static str],
    count: Option<&'c Cell<usize>>,
    undocumented: Undocumented<'de>,
    /// Whether the member whose value comes next is undocumented.
    skipped: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let (key, read) = next_key_noted(&mut self.map, seed, self.known)?;
        if key.is_some() {
            if let Some(count) = self.count {
                count.set(count.get() + 1);
            }
        }
        if let Some(name) = read {
            self.undocumented.insert(name)?;
            self.skipped = true;
        }
        Ok(key)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        if std::mem::take(&mut self.skipped) {
            // The derived reader skips an undocumented member (its seed is `IgnoredAny`): the
            // value is read here, checked, and the seed given nothing. Wrapping the seed
            // instead would read every field type through the adapter as well, in code only.
            self.map
                .next_value_seed(Checked::<IgnoredAny>(PhantomData))?;
            seed.deserialize(UnitDeserializer::new())
        } else {
            self.map.next_value_seed(seed)
        }
    }
}
