//! Deserialization helpers named by the generated code.

use serde::de::value::{BorrowedStrDeserializer, CowStrDeserializer};
use serde::{Deserialize, Deserializer};

pub(crate) use crate::unique::fields::{checked, checked_present};
use crate::unique::fields::{Checked, Fields};

/// Reads an optional field that, when present, must hold a value: `null` is an error, as the
/// schemas do not allow it (an absent field is `None` through `#[serde(default)]`).
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Reads a string into a type that checks it (a pattern, a length) through `FromStr`: the text
/// is borrowed from the input when it holds no escape, so that the checked value is its one
/// copy.
pub(crate) fn checked_str<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text = Text::deserialize(deserializer)?;
    text.0
        .parse()
        .map_err(|e: T::Err| <D::Error as serde::de::Error>::custom(e.to_string()))
}

/// A string (a member name, an action name) borrowed from the input when it holds no escape,
/// copied otherwise. Serde's own `Cow<str>` copies every time, outside derived code.
pub(crate) struct Text<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> serde::de::Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(std::borrow::Cow::Borrowed(v)))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(std::borrow::Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(std::borrow::Cow::Owned(v)))
    }

    // Formats other than JSON may hand a string over as bytes: taken when they are UTF-8.
    fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'de [u8]) -> Result<Text<'de>, E> {
        std::str::from_utf8(v)
            .map(|s| Text(std::borrow::Cow::Borrowed(s)))
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Bytes(v), &self))
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Text<'de>, E> {
        std::str::from_utf8(v)
            .map(|s| Text(std::borrow::Cow::Owned(s.to_owned())))
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Bytes(v), &self))
    }

    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Text<'de>, E> {
        String::from_utf8(v)
            .map(|s| Text(std::borrow::Cow::Owned(s)))
            .map_err(|e| E::invalid_value(serde::de::Unexpected::Bytes(e.as_bytes()), &self))
    }
}

/// A deserializer that reads a struct from a JSON object only: serde's derived struct
/// deserializers also accept an array of the fields in order, which no schema allows. The
/// object's undocumented members are checked for duplicate keys ([`Fields`]); with a counter
/// ([`MapOnly::counting`]) it also counts the object's members, documented or not: what
/// `minProperties` counts.
pub(crate) struct MapOnly<'c, D> {
    de: D,
    count: Option<&'c std::cell::Cell<usize>>,
}

impl<D> MapOnly<'static, D> {
    /// Reads from `de`, counting nothing.
    pub(crate) fn new(de: D) -> Self {
        Self { de, count: None }
    }
}

impl<'c, D> MapOnly<'c, D> {
    /// Reads from `de`, counting the members into `count`.
    pub(crate) fn counting(de: D, count: &'c std::cell::Cell<usize>) -> Self {
        Self {
            de,
            count: Some(count),
        }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for MapOnly<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_any(visitor)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_map(Fields {
            visitor,
            known: fields,
            count: self.count,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// A union whose variant [`tagged`] reads once it knows the tag: implemented by the generated
/// unions.
pub(crate) trait Union: Sized {
    /// Reads the variant at `index` (of the tag's values) from `deserializer`.
    fn read<'de, D: Deserializer<'de>>(index: usize, deserializer: D) -> Result<Self, D::Error>;
}

/// Reads an object of a union tagged by the property `tag` whose values are `variants`, in one
/// pass: the members before the tag are kept (as values; LiveChat writes one or two there),
/// then the variant the tag names reads them, the tag and the rest of the object straight from
/// the input (so that a variant's tag is required wherever the variant is read, as the schemas
/// say). A missing tag, a tag that is not a string or not one of `variants` is an error at the
/// tag.
pub(crate) fn tagged<'de, U: Union, D: Deserializer<'de>>(
    deserializer: D,
    tag: &'static str,
    variants: &'static [&'static str],
) -> Result<U, D::Error> {
    struct Tagged<U> {
        tag: &'static str,
        variants: &'static [&'static str],
        union: std::marker::PhantomData<U>,
    }
    impl<'de, U: Union> serde::de::Visitor<'de> for Tagged<U> {
        type Value = U;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "an object with a `{}`", self.tag)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<U, A::Error> {
            use serde::de::Error;
            let mut before = Vec::new();
            while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                if key == self.tag {
                    // Checked while the value is read, so that an error names the tag's path.
                    let index = map.next_value_seed(Tag(self.variants))?;
                    let members = Members {
                        before: before.into_iter(),
                        tag: Some((self.tag, self.variants[index])),
                        pending: Pending::None,
                        rest: map,
                    };
                    return U::read(index, MembersDeserializer(members));
                }
                let value: serde_json::Value =
                    map.next_value_seed(Checked(std::marker::PhantomData))?;
                before.push((key, value));
            }
            Err(A::Error::missing_field(self.tag))
        }
    }
    deserializer.deserialize_map(Tagged {
        tag,
        variants,
        union: std::marker::PhantomData,
    })
}

/// The members of an object as a variant reads them: those already read (kept as values), the
/// tag, then the rest of the object from the input.
struct Members<'de, A> {
    before: std::vec::IntoIter<(std::borrow::Cow<'de, str>, serde_json::Value)>,
    tag: Option<(&'static str, &'static str)>,
    pending: Pending,
    rest: A,
}

/// The value of the member [`Members`] has just handed out, when it is not read from the input.
enum Pending {
    None,
    Kept(serde_json::Value),
    Tag(&'static str),
}

impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for Members<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.before.next() {
            self.pending = Pending::Kept(value);
            Ok(Some(seed.deserialize(CowStrDeserializer::new(key))?))
        } else if let Some((key, value)) = self.tag.take() {
            self.pending = Pending::Tag(value);
            Ok(Some(seed.deserialize(BorrowedStrDeserializer::new(key))?))
        } else {
            self.rest.next_key_seed(seed)
        }
    }

    fn next_value_seed<S: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, A::Error> {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::Kept(value) => seed
                .deserialize(value)
                .map_err(<A::Error as serde::de::Error>::custom),
            Pending::Tag(value) => seed.deserialize(BorrowedStrDeserializer::new(value)),
            Pending::None => self.rest.next_value_seed(seed),
        }
    }
}

/// Hands [`Members`] to a variant as the object it reads.
struct MembersDeserializer<'de, A>(Members<'de, A>);

impl<'de, A: serde::de::MapAccess<'de>> Deserializer<'de> for MembersDeserializer<'de, A> {
    type Error = A::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The value of a union's tag: the index of the variant it names.
struct Tag(&'static [&'static str]);

impl<'de> serde::de::DeserializeSeed<'de> for Tag {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Tag {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a variant name")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|name| *name == v)
            .ok_or_else(|| E::unknown_variant(v, self.0))
    }
}

/// `v` as an `i64`, when it is a whole number in range (JSON Schema counts `1.0` as an integer).
pub(crate) fn integral_i64(v: f64) -> Option<i64> {
    // -2^63 is exact as an f64; 2^63 is the first value out of range.
    (v.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v))
        .then_some(v as i64)
}

/// `v` as a `u64`, when it is a whole number in range.
pub(crate) fn integral_u64(v: f64) -> Option<u64> {
    (v.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&v)).then_some(v as u64)
}

/// Reads an integer the way JSON Schema sees one: a JSON number with no fraction, written as
/// an integer or not (`3`, `3.0`, `3e0`), within the range of `T`.
struct Integer<T>(std::marker::PhantomData<T>);

/// An integer type [`Integer`] reads.
trait Whole: Sized + TryFrom<i64> + TryFrom<u64> {
    /// What the error message says was expected.
    const EXPECTING: &'static str;
    /// `v` as `Self`, when it is a whole number in range.
    fn from_f64(v: f64) -> Option<Self>;
}

impl Whole for u64 {
    const EXPECTING: &'static str = "an integer ≥ 0";
    fn from_f64(v: f64) -> Option<Self> {
        integral_u64(v)
    }
}

impl Whole for i64 {
    const EXPECTING: &'static str = "an integer";
    fn from_f64(v: f64) -> Option<Self> {
        integral_i64(v)
    }
}

impl<'de, T: Whole> serde::de::Visitor<'de> for Integer<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| E::invalid_value(serde::de::Unexpected::Float(v), &self))
    }
}

/// A non-negative integer field.
pub(crate) fn unsigned<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(Integer::<u64>(std::marker::PhantomData))
}

/// Whether `text` is a URI as JSON Schema's `format: uri` reads it (RFC 3986, a scheme
/// required), for the generated `check_rules`: the parser the validator's schema engine uses.
pub(crate) fn is_uri(text: &str) -> bool {
    fluent_uri::Uri::parse(text).is_ok()
}

/// An integer field. (The generator names it for a signed integer field; no schema has one
/// today.)
#[allow(dead_code)]
pub(crate) fn signed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(Integer::<i64>(std::marker::PhantomData))
}

/// An optional non-negative integer field (`null` is an error, as in [`present`]).
pub(crate) fn optional_unsigned<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    unsigned(deserializer).map(Some)
}

/// An optional integer field (`null` is an error, as in [`present`]). (Named by the generator;
/// no schema has one today.)
#[allow(dead_code)]
pub(crate) fn optional_signed<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    signed(deserializer).map(Some)
}

#[cfg(test)]
#[path = "de/tests.rs"]
mod tests;
