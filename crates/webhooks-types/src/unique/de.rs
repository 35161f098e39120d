//! The duplicate-key check of the values the types do not read member by member: a
//! deserializer adapter that notes each object's keys as they are read, and refuses a key an
//! object already has. It sees every value below where it starts, also those the reader skips,
//! so that a value it lets through has no duplicate key anywhere. [`super::fields`] starts it
//! where a struct meets an undocumented member, and the generated types where a field holds a
//! map or any JSON value.
//!
//! The error it raises says only that there is a duplicate: the parse's error path asks
//! [`find_duplicate_key`](super::find_duplicate_key) for the first one in document order, with
//! its pointer and offset, so that both paths report a duplicate the same way.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// The keys read so far in the open objects, outermost first.
pub(crate) struct Keys<'de> {
    list: Vec<Cow<'de, str>>,
}

impl Keys<'_> {
    /// No keys yet; the list grows with the first object's.
    pub(crate) fn new() -> Self {
        Self { list: Vec::new() }
    }
}

/// A deserializer that checks the keys of every object it reads, recording them in `keys`.
pub(crate) struct Unique<'k, 'de, D> {
    de: D,
    keys: &'k mut Keys<'de>,
}

impl<'k, 'de, D> Unique<'k, 'de, D> {
    /// Reads from `de`, noting keys in `keys`.
    pub(crate) fn new(de: D, keys: &'k mut Keys<'de>) -> Self {
        Self { de, keys }
    }
}

/// The same visitor, handing on what it is given with the key check around it.
struct Wrap<'k, 'de, V> {
    visitor: V,
    keys: &'k mut Keys<'de>,
}

/// The same seed, reading through [`Unique`].
struct Seed<'k, 'de, S> {
    seed: S,
    keys: &'k mut Keys<'de>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, 'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Unique::new(de, self.keys))
    }
}

/// `deserialize_*` methods that hand the call to `self.de` with the visitor wrapped in
/// `$wrap { visitor, $field: self.$field }`: those listed, or (without a list) every one but
/// `deserialize_ignored_any`.
macro_rules! forward_deserialize {
    ($wrap:ident, $field:ident; $($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method($($arg,)* $wrap { visitor, $field: self.$field })
        }
    )*};
    ($wrap:ident, $field:ident) => {
        forward_deserialize! { $wrap, $field;
            deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
            deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
            deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
            deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
            deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
            deserialize_option(), deserialize_unit(),
            deserialize_unit_struct(name: &'static str),
            deserialize_newtype_struct(name: &'static str), deserialize_seq(),
            deserialize_tuple(len: usize),
            deserialize_tuple_struct(name: &'static str, len: usize), deserialize_map(),
            deserialize_struct(name: &'static str, fields: &'static [&'static str]),
            deserialize_enum(name: &'static str, variants: &'static [&'static str]),
            deserialize_identifier(),
        }
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Unique<'_, 'de, D> {
    type Error = D::Error;

    forward_deserialize!(Wrap, keys);

    /// A skipped value is read all the same, so that its objects are checked too.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_any(Wrap {
            visitor,
            keys: self.keys,
        })
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// Visitor methods that hand the value to `self.visitor` as it is: those listed, or (with
/// `scalars`) `expecting` and every one given neither a string, a deserializer nor an access.
macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.visitor.$method(v)
        }
    )*};
    (scalars) => {
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.visitor.expecting(f)
        }

        forward_visit! {
            visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64),
            visit_i128(i128), visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64),
            visit_u128(u128), visit_f32(f32), visit_f64(f64), visit_char(char),
            visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
        }

        fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
            self.visitor.visit_none()
        }

        fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
            self.visitor.visit_unit()
        }
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, 'de, V> {
    type Value = V::Value;

    forward_visit!(scalars);
    forward_visit!(
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String)
    );

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Unique::new(de, self.keys))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.visitor
            .visit_newtype_struct(Unique::new(de, self.keys))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Elements {
            seq,
            keys: self.keys,
        })
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let start = self.keys.list.len();
        self.visitor.visit_map(Members {
            map,
            keys: self.keys,
            start,
            set: None,
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(Variants {
            data,
            keys: self.keys,
        })
    }
}

/// An array's elements, each read through [`Unique`]. (No size hint: the JSON deserializer
/// gives none.)
struct Elements<'k, 'de, A> {
    seq: A,
    keys: &'k mut Keys<'de>,
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Elements<'_, 'de, A> {
    type Error = A::Error;

    fn next_element_seed<S>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error>
    where
        S: DeserializeSeed<'de>,
    {
        let keys = &mut *self.keys;
        self.seq.next_element_seed(Seed { seed, keys })
    }
}

/// An object's members: each key compared with the object's earlier ones, each value read
/// through [`Unique`].
struct Members<'k, 'de, A> {
    map: A,
    keys: &'k mut Keys<'de>,
    /// Where this object's keys start in the list.
    start: usize,
    /// The same keys in a hash set, once there are more than [`SMALL`](super::SMALL).
    set: Option<HashSet<Cow<'de, str>>>,
}

impl<'de, A> Members<'_, 'de, A> {
    /// Adds `key` to the object's keys; `false` when the object has it already.
    fn insert(&mut self, key: Cow<'de, str>) -> bool {
        let fresh = super::is_new(&self.keys.list[self.start..], &mut self.set, &key);
        self.keys.list.push(key);
        fresh
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Members<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let (key, read) = next_key_noted(&mut self.map, seed, &[])?;
        match (&key, read) {
            (None, _) => self.keys.list.truncate(self.start),
            (Some(_), Some(name)) => {
                if !self.insert(name) {
                    return Err(de::Error::custom("duplicate key"));
                }
            }
            // A key that is not a string (never in JSON; bytes in some formats) is not
            // compared.
            (Some(_), None) => {}
        }
        Ok(key)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let keys = &mut *self.keys;
        self.map.next_value_seed(Seed { seed, keys })
    }
}

/// A key as read, and its name when it was noted.
pub(super) type Noted<'de, K> = (Option<K>, Option<Cow<'de, str>>);

/// The next key of `map`, read with `seed`, and its name when it is not one of `known` (and is
/// a string: JSON's keys always are).
pub(super) fn next_key_noted<'de, A: de::MapAccess<'de>, K: DeserializeSeed<'de>>(
    map: &mut A,
    seed: K,
    known: &'static [&'static str],
) -> Result<Noted<'de, K::Value>, A::Error> {
    let mut read = None;
    let key = map.next_key_seed(KeySeed {
        seed,
        known,
        read: &mut read,
    })?;
    Ok((key, read))
}

/// A key's seed that also notes the key as read, unless it is one of `known`.
struct KeySeed<'r, 'de, K> {
    seed: K,
    known: &'static [&'static str],
    read: &'r mut Option<Cow<'de, str>>,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, 'de, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(KeyReader {
            de,
            note: Note {
                known: self.known,
                read: self.read,
            },
        })
    }
}

/// A key's deserializer: hands each call on, noting the string it gives.
struct KeyReader<'r, 'de, D> {
    de: D,
    note: Note<'r, 'de>,
}

/// Where a key is noted, and which keys are not.
struct Note<'r, 'de> {
    known: &'static [&'static str],
    read: &'r mut Option<Cow<'de, str>>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyReader<'_, 'de, D> {
    type Error = D::Error;

    forward_deserialize!(KeyVisitor, note);
    forward_deserialize!(KeyVisitor, note; deserialize_ignored_any());
}

/// A key's visitor: notes the string it is given (unless it is one of `known`), then hands it
/// on.
struct KeyVisitor<'r, 'de, V> {
    visitor: V,
    note: Note<'r, 'de>,
}

impl<'de> Note<'_, 'de> {
    /// Notes `key` unless it is known, copying it (`to_owned`) only then.
    fn note<K: AsRef<str>>(self, key: K, to_owned: impl FnOnce(K) -> Cow<'de, str>) {
        if !self.known.contains(&key.as_ref()) {
            *self.read = Some(to_owned(key));
        }
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, 'de, V> {
    type Value = V::Value;

    forward_visit!(scalars);

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.note.note(v, Cow::Borrowed);
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.note.note(v, |v| Cow::Owned(v.to_owned()));
        self.visitor.visit_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.note.note(v.as_str(), |v| Cow::Owned(v.to_owned()));
        self.visitor.visit_string(v)
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(de)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(de)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(map)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

/// An enum's variant, its content read through [`Unique`].
struct Variants<'k, 'de, A> {
    data: A,
    keys: &'k mut Keys<'de>,
}

impl<'k, 'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Variants<'k, 'de, A> {
    type Error = A::Error;
    type Variant = Variants<'k, 'de, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let (value, data) = self.data.variant_seed(seed)?;
        Ok((
            value,
            Variants {
                data,
                keys: self.keys,
            },
        ))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Variants<'_, 'de, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.data.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.data.newtype_variant_seed(Seed {
            seed,
            keys: self.keys,
        })
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.data.tuple_variant(
            len,
            Wrap {
                visitor,
                keys: self.keys,
            },
        )
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.data.struct_variant(
            fields,
            Wrap {
                visitor,
                keys: self.keys,
            },
        )
    }
}
