//! How the generated code's readers take JSON: borrowed names, integers as JSON Schema reads them.

use super::*;

#[test]
fn text_borrows_a_string_without_escapes_and_copies_one_with() {
    use std::borrow::Cow;
    let read = |json: &'static str| {
        Text::deserialize(&mut serde_json::Deserializer::from_str(json)).map(|t| t.0)
    };
    assert!(matches!(read(r#""action""#), Ok(Cow::Borrowed("action"))));
    let copied = read(r#""\u0061ction""#).expect("a string");
    assert!(
        matches!(&copied, Cow::Owned(s) if s == "action"),
        "{copied:?}"
    );
    assert!(read("7").is_err());
}

#[test]
fn text_takes_utf8_bytes_from_formats_that_hand_strings_over_as_bytes() {
    use serde::de::value::{BorrowedBytesDeserializer, BytesDeserializer, Error};
    let borrowed = Text::deserialize(BorrowedBytesDeserializer::<Error>::new(b"action"));
    assert!(matches!(
        borrowed.map(|t| t.0),
        Ok(std::borrow::Cow::Borrowed("action"))
    ));
    let copied = Text::deserialize(BytesDeserializer::<Error>::new(b"action")).map(|t| t.0);
    assert_eq!(copied.as_deref().ok(), Some("action"));
    assert!(Text::deserialize(BytesDeserializer::<Error>::new(b"\xff")).is_err());
}

#[test]
fn integers_are_read_as_json_schema_reads_them() {
    let read = |text: &str| unsigned(&mut serde_json::Deserializer::from_str(text));
    assert_eq!(read("3").ok(), Some(3));
    assert_eq!(read("3.0").ok(), Some(3));
    assert_eq!(read("-0.0").ok(), Some(0));
    assert_eq!(read("3e2").ok(), Some(300));
    assert!(read("3.5").is_err());
    assert!(read("-1").is_err());
    assert!(read("1e20").is_err());
    assert!(read("\"3\"").is_err());
    let read = |text: &str| signed(&mut serde_json::Deserializer::from_str(text));
    assert_eq!(read("-3.0").ok(), Some(-3));
    assert_eq!(read("9223372036854775807").ok(), Some(i64::MAX));
    assert!(read("9223372036854775808").is_err());
    assert!(read("9.3e18").is_err());
    assert!(read("null").is_err());
}
