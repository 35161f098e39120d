//! Objects and arrays on the fast path's cursor: values of any JSON, maps, the members of an
//! object in turn (with the undocumented ones skipped once each), a union's tag read ahead.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::reader::Reader;
use crate::scan::string_stop;

/// Nesting deeper than this is left to serde (which refuses more than 128 levels).
const MAX_DEPTH: u32 = 100;

/// The member name by which serde_json's `raw_value` feature marks raw JSON text.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// Undocumented members of one object beyond this many are left to serde, whose check does not
/// grow quadratic with them.
const MAX_UNDOCUMENTED: usize = 16;

impl<'a> Reader<'a> {
    /// Any JSON value, with its objects' keys checked for duplicates.
    pub(crate) fn value(&mut self) -> Option<Value> {
        Some(match self.peek()? {
            b'"' => Value::String(self.string()?),
            b'{' => Value::Object(self.map(Self::value)?),
            b'[' => {
                let mut items = Vec::new();
                let mut array = self.array()?;
                while array.next(self)? {
                    items.push(self.value()?);
                }
                Value::Array(items)
            }
            b't' | b'f' => Value::Bool(self.boolean()?),
            b'n' => self.null().then_some(Value::Null)?,
            _ => Value::Number(self.number()?),
        })
    }

    /// Passes over a value, checking nothing but where it ends (brackets counted, strings
    /// passed whole): for reading ahead, where the value is then read again, strictly. Stops
    /// before the `,`, `}` or `]` that follows the value.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            // Whitespace (indentation above all) is passed in runs.
            match self.peek()? {
                b'"' => {
                    self.skip_string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return Some(()),
                b'}' | b']' => depth -= 1,
                b',' if depth == 0 => return Some(()),
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// Passes over the string whose opening quote is at the cursor.
    fn skip_string(&mut self) -> Option<()> {
        self.pos += 1;
        loop {
            let stop = self.pos + string_stop(self.bytes.get(self.pos..)?)?;
            self.pos = stop + 1;
            match self.bytes[stop] {
                b'"' => return Some(()),
                b'\\' => self.pos += 1,
                _ => {}
            }
        }
    }

    /// An object read as a map of `read`'s values; a key twice is left to serde.
    pub(crate) fn map<T, M: NewKeys<T>>(
        &mut self,
        mut read: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<M> {
        let mut map = M::default();
        let mut object = self.object()?;
        while let Some(key) = object.key(self)? {
            let value = read(self)?;
            if !map.insert_new(key, value) {
                return None;
            }
        }
        Some(map)
    }

    /// Opens an object.
    pub(crate) fn object(&mut self) -> Option<Object<'a>> {
        self.open(b'{')?;
        Some(Object {
            first: true,
            members: 0,
            undocumented: Vec::new(),
        })
    }

    /// Opens an array.
    pub(crate) fn array(&mut self) -> Option<Array> {
        self.open(b'[')?;
        Some(Array { first: true })
    }

    fn open(&mut self, bracket: u8) -> Option<()> {
        self.eat(bracket)?;
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// After the first item: a comma before the next one, or `close`. Whether an item follows.
    #[inline]
    fn next_item(&mut self, first: &mut bool, close: u8) -> Option<bool> {
        let byte = self.peek()?;
        if byte == close {
            self.pos += 1;
            self.depth -= 1;
            return Some(false);
        }
        if !std::mem::take(first) {
            if byte != b',' {
                return None;
            }
            self.pos += 1;
            if self.peek()? == close {
                return None;
            }
        }
        Some(true)
    }

    /// The value of the member named `tag` of the object at the cursor, read ahead without
    /// moving the cursor.
    pub(crate) fn tag(&self, tag: &str) -> Option<Cow<'a, str>> {
        let mut ahead = Reader {
            text: self.text,
            bytes: self.bytes,
            pos: self.pos,
            depth: self.depth,
        };
        let mut object = ahead.object()?;
        while let Some(key) = object.key(&mut ahead)? {
            if key == tag {
                return ahead.text();
            }
            ahead.skip()?;
        }
        None
    }
}

/// A map filled from an object, which tells a key already there.
pub(crate) trait NewKeys<T>: Default {
    /// Inserts `value` under `key` unless the key is there; whether it was not.
    fn insert_new(&mut self, key: &str, value: T) -> bool;
}

impl<T> NewKeys<T> for std::collections::BTreeMap<compact_str::CompactString, T> {
    fn insert_new(&mut self, key: &str, value: T) -> bool {
        match self.entry(compact_str::CompactString::new(key)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
            std::collections::btree_map::Entry::Occupied(_) => false,
        }
    }
}

impl NewKeys<Value> for Map<String, Value> {
    fn insert_new(&mut self, key: &str, value: Value) -> bool {
        match self.entry(key.to_owned()) {
            serde_json::map::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
            serde_json::map::Entry::Occupied(_) => false,
        }
    }
}

/// An object being read: [`Object::key`] gives its member names in turn.
pub(crate) struct Object<'a> {
    first: bool,
    members: usize,
    undocumented: Vec<&'a str>,
}

impl<'a> Object<'a> {
    /// The next member's name (the cursor then at its value), or `None` at the end of the
    /// object. A name with an escape is left to serde.
    #[inline(always)]
    pub(crate) fn key(&mut self, reader: &mut Reader<'a>) -> Option<Option<&'a str>> {
        if !reader.next_item(&mut self.first, b'}')? {
            return Some(None);
        }
        reader.eat(b'"')?;
        let start = reader.pos;
        let stop = start + string_stop(&reader.bytes[start..])?;
        if reader.bytes[stop] != b'"' {
            return None;
        }
        // The colon, most often right after the name and followed by one space and the value.
        match reader.bytes.get(stop + 1..stop + 4) {
            Some([b':', b' ', next]) if *next > b' ' => reader.pos = stop + 3,
            Some([b':', ..]) => reader.pos = stop + 2,
            _ => {
                reader.pos = stop + 1;
                reader.eat(b':')?;
            }
        }
        self.members += 1;
        let name = reader.slice(start, stop)?;
        // serde_json (feature `raw_value`) reads an object whose first member has this name as
        // the JSON text that member holds, not as an object: left to serde's path.
        if name == RAW_VALUE {
            return None;
        }
        Some(Some(name))
    }

    /// Skips the value of a member the type does not document, after checking that its name
    /// has not come before.
    pub(crate) fn undocumented(&mut self, reader: &mut Reader<'a>, key: &'a str) -> Option<()> {
        if self.undocumented.len() >= MAX_UNDOCUMENTED || self.undocumented.contains(&key) {
            return None;
        }
        self.undocumented.push(key);
        reader.value().map(drop)
    }

    /// How many members the object had, documented or not (once read to its end).
    pub(crate) fn members(&self) -> usize {
        self.members
    }
}

/// An array being read: [`Array::next`] says whether another item follows.
pub(crate) struct Array {
    first: bool,
}

impl Array {
    /// Whether another item follows (the cursor then at it).
    #[inline]
    pub(crate) fn next(&mut self, reader: &mut Reader<'_>) -> Option<bool> {
        reader.next_item(&mut self.first, b']')
    }
}
