//! JSON in written order: the documentation's samples (which carry `//` comments) are read with
//! serde_json once the comments are stripped, keeping the order of members and the text of
//! numbers; every file the tasks write (samples, bundles) goes through the one writer,
//! [`Json::pretty`].
//!
//! A defect that is not a comment (a trailing comma, a stray bracket, a duplicate member) is an
//! error with its line and column, to be repaired by a recorded erratum, never guessed at.

use std::collections::HashSet;
use std::fmt;

use crate::location::{bare_message, unescape};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON value that keeps the order of object members and the text of numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in order.
    Object(Vec<(String, Json)>),
}

/// A syntax error: 1-based line and column of the text given to [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct SyntaxError {
    /// Line of the error.
    pub line: usize,
    /// Column of the error.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl From<serde_json::Error> for SyntaxError {
    fn from(e: serde_json::Error) -> Self {
        Self {
            line: e.line(),
            column: e.column(),
            message: bare_message(&e),
        }
    }
}

/// Parses JSON that may contain `//` comments.
pub fn parse(text: &str) -> Result<Json, SyntaxError> {
    let stripped = strip_comments(text);
    // One pass over the whole text, for every syntax error and duplicate member with its place.
    serde_json::from_str::<NoDuplicates>(&stripped)?;
    let raw: &RawValue = serde_json::from_str(&stripped)?;
    Ok(convert(raw)?)
}

/// Builds the ordered value from checked text, one level at a time.
fn convert(raw: &RawValue) -> Result<Json, serde_json::Error> {
    let text = raw.get();
    Ok(match text.as_bytes().first() {
        Some(b'{') => {
            let Members(members) = serde_json::from_str(text)?;
            Json::Object(
                members
                    .into_iter()
                    .map(|(key, value)| Ok((key, convert(value)?)))
                    .collect::<Result<_, serde_json::Error>>()?,
            )
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            Json::Array(items.into_iter().map(convert).collect::<Result<_, _>>()?)
        }
        Some(b'"') => Json::String(serde_json::from_str(text)?),
        Some(b't') => Json::Bool(true),
        Some(b'f') => Json::Bool(false),
        Some(b'n') => Json::Null,
        _ => Json::Number(text.to_owned()),
    })
}

/// The members of an object, in written order, their values unread.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// Any JSON value whose objects have no member twice.
struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicates)
    }
}

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = NoDuplicates;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate member `{key}`")));
            }
            map.next_value::<NoDuplicates>()?;
        }
        Ok(self)
    }
}

/// Removes `//` comments outside strings, keeping line structure.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut in_string = false;
        let mut escaped = false;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
            } else if b == b'"' {
                in_string = true;
            } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                cut = i;
                break;
            }
        }
        out.push_str(line[..cut].trim_end_matches([' ', '\t']));
        if cut < line.len() && line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

impl Json {
    /// Converts from a `serde_json` value, placing the members of every object in the order
    /// `rank` gives their keys (`serde_json`'s own order is sorted).
    pub fn from_value_by<K: Ord>(value: &serde_json::Value, rank: &impl Fn(&str) -> K) -> Json {
        match value {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => Json::Number(n.to_string()),
            serde_json::Value::String(s) => Json::String(s.clone()),
            serde_json::Value::Array(items) => {
                Json::Array(items.iter().map(|v| Json::from_value_by(v, rank)).collect())
            }
            serde_json::Value::Object(map) => {
                let mut members: Vec<(String, Json)> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), Json::from_value_by(v, rank)))
                    .collect();
                members.sort_by_key(|(key, _)| rank(key));
                Json::Object(members)
            }
        }
    }

    /// Converts from a `serde_json` value, members in that value's order.
    pub fn from_value(value: &serde_json::Value) -> Json {
        Json::from_value_by(value, &|_| ())
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a JSON pointer, for change.
    pub fn pointer_mut(&mut self, pointer: &str) -> Option<&mut Json> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut current = self;
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = unescape(token);
            current = match current {
                Json::Object(members) => members
                    .iter_mut()
                    .find(|(k, _)| *k == token)
                    .map(|(_, v)| v)?,
                Json::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// Sets the member at `pointer` (its parent must exist); adds it at the end of an object
    /// when absent.
    pub fn set(&mut self, pointer: &str, value: Json) -> bool {
        if let Some(slot) = self.pointer_mut(pointer) {
            *slot = value;
            return true;
        }
        let Some((parent, key)) = pointer.rsplit_once('/') else {
            return false;
        };
        match self.pointer_mut(parent) {
            Some(Json::Object(members)) => {
                members.push((unescape(key).into_owned(), value));
                true
            }
            _ => false,
        }
    }

    /// Pretty text: two-space indent, one member per line, empty arrays and objects as `[]` and
    /// `{}`, a final newline.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    fn write(&self, out: &mut String, indent: usize) {
        let quoted = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => out.push_str(&quoted(s)),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Object(members) if members.is_empty() => out.push_str("{}"),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    push_indent(out, indent + 1);
                    item.write(out, indent + 1);
                }
                out.push('\n');
                push_indent(out, indent);
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    push_indent(out, indent + 1);
                    out.push_str(&quoted(key));
                    out.push_str(": ");
                    value.write(out, indent + 1);
                }
                out.push('\n');
                push_indent(out, indent);
                out.push('}');
            }
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_outside_strings_are_removed() {
        let value =
            parse("{\n\"a\": \"http://x\", // note\n\"b\": [ //optional\n]\n}").expect("valid");
        assert_eq!(
            value.pretty(),
            "{\n  \"a\": \"http://x\",\n  \"b\": []\n}\n"
        );
    }

    #[test]
    fn order_and_number_text_are_kept() {
        let text =
            "{\n  \"z\": 1.50,\n  \"a\": [\n    1e3,\n    -0\n  ],\n  \"m\": \"\\u00e9\"\n}\n";
        let value = parse(text).expect("valid");
        assert_eq!(value.pretty(), text.replace("\\u00e9", "é"));
    }

    #[test]
    fn defects_are_errors_with_their_line_and_column() {
        let e = parse("{\n\"a\": [1,\n],\n}").expect_err("trailing comma");
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (3, 1, "trailing comma")
        );
        let e = parse("{\n\"a\": {}\n],\n\"b\": 1\n}").expect_err("stray bracket");
        assert_eq!(e.line, 3);
        let e = parse("{\"a\": 1,\n \"b\": {\"a\": 1, \"a\": 2}}").expect_err("duplicate");
        assert_eq!((e.line, e.message.as_str()), (2, "duplicate member `a`"));
        assert!(
            parse("{\"a\": 1, \"b\": {\"a\": 1}}").is_ok(),
            "same name, other object"
        );
    }

    #[test]
    fn pointers_set_and_add_members() {
        let mut value = parse("{\"a\": {\"b\": [1, 2]}}").expect("valid");
        assert!(value.set("/a/b/1", Json::Number("3".into())));
        assert!(value.set("/a/c~1d", Json::Null));
        assert!(!value.set("/x/y", Json::Null));
        assert_eq!(
            value.pretty(),
            "{\n  \"a\": {\n    \"b\": [\n      1,\n      3\n    ],\n    \"c/d\": null\n  }\n}\n"
        );
    }

    #[test]
    fn values_are_placed_in_the_order_given() {
        let value: serde_json::Value =
            serde_json::from_str(r#"{"b": 1, "$id": "x", "a": {"d": 1, "c": 2}}"#).expect("JSON");
        let rank = |key: &str| (key != "$id", key.to_owned());
        assert_eq!(
            Json::from_value_by(&value, &rank).pretty(),
            "{\n  \"$id\": \"x\",\n  \"a\": {\n    \"c\": 2,\n    \"d\": 1\n  },\n  \"b\": 1\n}\n"
        );
    }
}
