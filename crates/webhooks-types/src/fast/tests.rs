use compact_str::CompactString;
use serde_json::{Number, Value};

use super::{Fast, Reader};

/// What the reader gives for each text next to what `serde_json` gives: the same, or `None`
/// where serde's path must decide (then serde may accept or refuse).
fn agrees<T: Fast + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) -> bool {
    let mut reader = Reader::new(text);
    let fast = T::read(&mut reader).filter(|_| reader.at_end());
    match fast {
        Some(fast) => serde_json::from_str::<T>(text).is_ok_and(|serde| serde == fast),
        None => true,
    }
}

fn read<T: Fast>(text: &str) -> Option<T> {
    let mut reader = Reader::new(text);
    T::read(&mut reader).filter(|_| reader.at_end())
}

#[test]
fn strings_are_unescaped_as_serde_does_and_the_rest_left_to_it() {
    let taken = [
        r#""""#,
        r#""plain text""#,
        r#""zażółć 😀""#,
        r#""\" \\ \/ \b \f \n \r \t""#,
        r#""\u0041\u00e9\u20ac""#,
        r#""\ud83d\ude00 after a pair""#,
        r#""a string long enough to be read eight bytes at a time, several times over \n""#,
    ];
    for text in taken {
        assert!(read::<CompactString>(text).is_some(), "{text}");
        assert!(agrees::<CompactString>(text), "{text}");
    }
    let left = [
        "\"a control \u{1} character\"",
        r#""a lone \ud800 surrogate""#,
        r#""\ud800\u0041""#,
        r#""\x""#,
        r#""\u12""#,
        r#""never closed"#,
        r#""ends in a backslash\"#,
        "plain",
    ];
    for text in left {
        assert_eq!(read::<CompactString>(text), None, "{text}");
    }
}

#[test]
fn numbers_are_serde_json_s_numbers() {
    let cases = [
        "0",
        "-0",
        "12",
        "-12",
        "1.5",
        "-2.5e-3",
        "1E3",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "0.1",
    ];
    for text in cases {
        let serde: Number = serde_json::from_str(text).expect("a JSON number");
        assert_eq!(read::<Number>(text), Some(serde), "{text}");
    }
    for text in ["01", "-", "1.", ".5", "1e", "1e999", "+1", "--1", "0x10"] {
        assert_eq!(read::<Number>(text), None, "{text}");
    }
}

#[test]
fn integer_fields_take_only_integers_written_as_such() {
    assert_eq!(read::<u64>("42"), Some(42));
    assert_eq!(read::<u64>("18446744073709551615"), Some(u64::MAX));
    assert_eq!(read::<i64>("-9223372036854775808"), Some(i64::MIN));
    // Left to serde's path, which takes some of them (`3.0` is an integer to JSON Schema).
    for text in [
        "-1",
        "3.0",
        "3e0",
        "18446744073709551616",
        "-0",
        "true",
        "\"3\"",
    ] {
        assert_eq!(read::<u64>(text), None, "{text}");
    }
    assert_eq!(read::<i64>("9223372036854775808"), None);
}

#[test]
fn values_are_serde_json_s_values_and_duplicates_are_left_to_serde() {
    let taken = [
        r#"{"a": [1, -2, 3.5, true, false, null, "x"], "b": {"c": {}}, "d": []}"#,
        " \n\t{ \"spaced\" : [ 1 , 2 ] } \r\n",
        r#"[{"a": 1}, {"a": 2}]"#,
    ];
    for text in taken {
        assert_eq!(
            read::<Value>(text),
            serde_json::from_str(text).ok(),
            "{text}"
        );
    }
    let left = [
        r#"{"a": 1, "a": 2}"#,
        r#"{"outer": {"a": 1, "a": 1}}"#,
        r#"{"a": 1,}"#,
        "[1,]",
        "[1 2]",
        r#"{"a" 1}"#,
        r#"{"a\u0062": 1}"#,
        "nul",
        "truex",
        "{",
        "",
    ];
    for text in left {
        assert_eq!(read::<Value>(text), None, "{text}");
    }
    let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
    assert_eq!(read::<Value>(&deep), None);
    let nested = format!("{}{}", "[".repeat(90), "]".repeat(90));
    assert!(read::<Value>(&nested).is_some());
}

#[test]
fn compact_strings_agree_and_keep_short_text_inline() {
    for text in [
        r#""""#,
        r#""K600PKZON8""#,
        r#""\u00e9 \n escaped""#,
        r#""zażółć 😀""#,
    ] {
        let read = read::<CompactString>(text).expect(text);
        assert!(agrees::<CompactString>(text), "{text}");
        assert!(!read.is_heap_allocated(), "{text}: {} bytes", read.len());
    }
    // 24 bytes fit; 25 do not.
    let fits = read::<CompactString>(r#""b7eff798-f8df-4364-80596""#).expect("24 bytes");
    assert_eq!((fits.len(), fits.is_heap_allocated()), (24, false));
    let long = read::<CompactString>(r#""b7eff798-f8df-4364-805964""#).expect("25 bytes");
    assert_eq!((long.len(), long.is_heap_allocated()), (25, true));
    assert_eq!(read::<CompactString>(r#""\x""#), None);
}

#[test]
fn maps_refuse_a_key_twice() {
    type Map = std::collections::BTreeMap<CompactString, Vec<bool>>;
    assert_eq!(
        read::<Map>(r#"{"a": [true], "b": []}"#),
        serde_json::from_str(r#"{"a": [true], "b": []}"#).ok()
    );
    assert_eq!(read::<Map>(r#"{"a": [], "a": []}"#), None);
    assert_eq!(
        read::<serde_json::Map<String, Value>>(r#"{"x": 1, "x": 2}"#),
        None
    );
}

#[test]
fn a_tag_is_read_ahead_without_moving_the_cursor() {
    let text = r#"{"id": "1", "nested": {"type": "not this"}, "type": "message", "text": "hi"}"#;
    let mut reader = Reader::new(text);
    assert_eq!(reader.tag("type").as_deref(), Some("message"));
    assert_eq!(reader.tag("missing"), None);
    let whole: Value = Fast::read(&mut reader).expect("read from the start");
    assert_eq!(whole["text"], "hi");
}

#[test]
fn undocumented_members_are_skipped_once_each() {
    fn members(text: &str) -> Option<usize> {
        let mut reader = Reader::new(text);
        let mut object = reader.object()?;
        while let Some(key) = object.key(&mut reader)? {
            object.undocumented(&mut reader, key)?;
        }
        Some(object.members())
    }
    assert_eq!(members(r#"{"a": {"deep": [1]}, "b": 2}"#), Some(2));
    assert_eq!(members(r#"{"a": 1, "b": 2, "a": 3}"#), None);
    assert_eq!(members(r#"{"a": {"x": 1, "x": 2}}"#), None);
    let many: Vec<String> = (0..20).map(|i| format!("\"k{i}\": {i}")).collect();
    assert_eq!(members(&format!("{{{}}}", many.join(","))), None);
}

#[test]
fn reading_ahead_passes_over_every_kind_of_value() {
    let text = r#"{"s": "a \"quoted\" \\", "n": -1.5e3, "o": {"a": [true, null, {}]}, "e": "\\", "type": "x"}"#;
    assert_eq!(Reader::new(text).tag("type").as_deref(), Some("x"));
    for broken in [r#"{"s": "\"#, r#"{"s": "ab\"#, r#"{"o": {"a": 1"#] {
        assert_eq!(Reader::new(broken).tag("type"), None, "{broken}");
    }
    // Reading ahead only finds where values end; reading the object then refuses the number.
    let text = r#"{"n": 1.e, "type": "x"}"#;
    let mut reader = Reader::new(text);
    assert_eq!(reader.tag("type").as_deref(), Some("x"));
    assert_eq!(<Value as Fast>::read(&mut reader), None);
}

#[test]
fn serde_json_s_raw_value_marker_is_left_to_serde() {
    // serde_json reads such an object as the JSON text of its member: `1` here.
    for text in [
        r#"{"$serde_json::private::RawValue": "1"}"#,
        r#"{"a": [{"$serde_json::private::RawValue": "{}"}]}"#,
        r#"{"a": 1, "$serde_json::private::RawValue": "x"}"#,
    ] {
        assert_eq!(read::<Value>(text), None, "{text}");
    }
}
