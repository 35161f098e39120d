//! Mutated samples, fed to the validator and to the typed parse: any result but a panic (or a
//! hang) is fine. `PROPTEST_CASES` sets the number of cases (256 by default).

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use webhooks_types::Webhook;
use webhooks_validate::Validator;

fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = common::oldest().1;
        let mut out = Vec::new();
        for sub in ["", "extra", "invalid"] {
            let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "json") {
                    out.push(std::fs::read(&path).expect("readable sample"));
                }
            }
        }
        out.sort();
        assert!(out.len() > 100, "samples not found");
        out
    })
}

fn validators() -> &'static [Validator; 2] {
    static VALIDATORS: OnceLock<[Validator; 2]> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        [
            common::validator().build().expect("compiles"),
            common::validator()
                .strict(true)
                .secret_key("s3cret")
                .build()
                .expect("compiles"),
        ]
    })
}

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        b"{".to_vec(),
        b"}".to_vec(),
        b"[".to_vec(),
        b"]".to_vec(),
        b",".to_vec(),
        b":".to_vec(),
        b"\"".to_vec(),
        b"\\u0000".to_vec(),
        b"\\ud800".to_vec(),
        b"null".to_vec(),
        b"-1e999".to_vec(),
        b"18446744073709551616".to_vec(),
        b"\"type\": \"hologram\"".to_vec(),
        b"\xff\xfe".to_vec(),
        "\u{1F600}".as_bytes().to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), tokens).prop_map(|(i, t)| Edit::Insert(i, t)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..256).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len().max(1);
    match edit {
        Edit::Flip(i, b) => {
            if let Some(byte) = bytes.get_mut(i % len) {
                *byte = *b;
            }
        }
        Edit::Insert(i, token) => {
            let at = (i % len).min(bytes.len());
            bytes.splice(at..at, token.iter().copied());
        }
        Edit::Delete(i, n) => {
            let at = (i % len).min(bytes.len());
            let end = (at + n).min(bytes.len());
            bytes.drain(at..end);
        }
        Edit::Truncate(i) => bytes.truncate(i % len),
        Edit::Duplicate(i, n) => {
            let at = (i % len).min(bytes.len());
            let end = (at + n).min(bytes.len());
            let copy = bytes[at..end].to_vec();
            bytes.splice(at..at, copy);
        }
    }
}

/// A JSON value, for replacing parts of a parsed sample.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "message",
            "agent",
            "customer",
            "added",
            "2019-12-09T12:01:18.909000Z",
            "incoming_chat"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the `pick`-th value (in document order) of `value` by `new`.
fn replace_nth(value: &mut serde_json::Value, pick: &mut usize, new: &serde_json::Value) -> bool {
    if *pick == 0 {
        *value = new.clone();
        return true;
    }
    *pick -= 1;
    match value {
        serde_json::Value::Object(map) => map.values_mut().any(|v| replace_nth(v, pick, new)),
        serde_json::Value::Array(items) => items.iter_mut().any(|v| replace_nth(v, pick, new)),
        _ => false,
    }
}

/// A sample (picked by `index`) with one of its first 200 values replaced by `new`, as text;
/// `None` for a sample that is not JSON.
fn replaced(index: &prop::sample::Index, pick: usize, new: &serde_json::Value) -> Option<Vec<u8>> {
    let mut value =
        serde_json::from_slice::<serde_json::Value>(index.get::<Vec<u8>>(corpus())).ok()?;
    let mut nth = pick % 200;
    replace_nth(&mut value, &mut nth, new);
    Some(serde_json::to_vec_pretty(&value).expect("a Value serializes"))
}

fn check(bytes: &[u8]) {
    for validator in validators() {
        let _ = validator.validate(bytes);
    }
    let _ = Webhook::from_slice(bytes);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let _ = validators()[0].validate_value(&value);
        let _ = serde_json::from_value::<Webhook>(value);
    }
}

proptest! {
    #[test]
    fn byte_edits_never_panic(
        index in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut bytes = index.get::<Vec<u8>>(corpus()).clone();
        for e in &edits {
            apply(&mut bytes, e);
        }
        check(&bytes);
    }

    /// A sample with one value replaced never panics, and the schemas and the types agree on
    /// it: a `Disagreement` is a bug of the schemas or of the generator.
    #[test]
    fn value_replacements_never_panic_nor_make_schema_and_types_disagree(
        index in any::<prop::sample::Index>(),
        pick in any::<usize>(),
        new in json_value(),
    ) {
        let Some(bytes) = replaced(&index, pick, &new) else {
            return Ok(());
        };
        check(&bytes);
        for validator in validators() {
            if let Err(e @ webhooks_validate::ValidationError::Disagreement(_)) = validator.validate(&bytes) {
                prop_assert!(false, "{e}\n{}", String::from_utf8_lossy(&bytes));
            }
        }
    }
}
