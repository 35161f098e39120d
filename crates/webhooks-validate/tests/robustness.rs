//! Mutated samples of every API version, fed to the validator and to the typed parse: any
//! result but a panic (or a hang) is fine, and the validator's one pass (the types alone) and
//! the schema walk agree on every one. `PROPTEST_CASES` sets the number of cases (256 by
//! default).

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use webhooks_validate::{ApiVersion, Validator};

/// Every sample of every version the manifest lists (valid and negative), with its version.
fn corpus() -> &'static [(ApiVersion, Vec<u8>)] {
    static CORPUS: OnceLock<Vec<(ApiVersion, Vec<u8>)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut out = Vec::new();
        for (version, folder, files) in common::versions() {
            for (file, _) in files {
                let bytes = std::fs::read(folder.join(&file)).expect("readable sample");
                out.push((version, bytes));
            }
        }
        assert!(out.len() > 300, "samples not found");
        out
    })
}

/// Per version: lenient, and strict with a secret.
fn validators(version: ApiVersion) -> &'static [Validator; 2] {
    static VALIDATORS: OnceLock<Vec<[Validator; 2]>> = OnceLock::new();
    let all = VALIDATORS.get_or_init(|| {
        ApiVersion::ALL
            .iter()
            .map(|&v| {
                let builder = Validator::builder().api_version(v);
                [
                    builder.clone().build().expect("compiles"),
                    builder
                        .strict(true)
                        .secret_key("s3cret")
                        .build()
                        .expect("compiles"),
                ]
            })
            .collect()
    });
    let index = ApiVersion::ALL
        .iter()
        .position(|v| *v == version)
        .expect("a known version");
    &all[index]
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
fn replaced(
    index: &prop::sample::Index,
    pick: usize,
    new: &serde_json::Value,
) -> Option<(ApiVersion, Vec<u8>)> {
    let (version, bytes) = index.get(corpus());
    let mut value = serde_json::from_slice::<serde_json::Value>(bytes).ok()?;
    let mut nth = pick % 200;
    replace_nth(&mut value, &mut nth, new);
    Some((
        *version,
        serde_json::to_vec_pretty(&value).expect("a Value serializes"),
    ))
}

/// The key under which [`with_a_member_twice`] adds its copy, renamed in the text afterwards.
const COPY: &str = "\u{1}copy";

/// Adds to the `pick`-th non-empty object (in document order) of `value` a copy of its first
/// member under [`COPY`], and gives that member's key.
fn copy_first_member(value: &mut serde_json::Value, pick: &mut usize) -> Option<String> {
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            if *pick == 0 {
                let (key, first) = map.iter().next().map(|(k, v)| (k.clone(), v.clone()))?;
                map.insert(COPY.to_owned(), first);
                return Some(key);
            }
            *pick -= 1;
            map.values_mut().find_map(|v| copy_first_member(v, pick))
        }
        serde_json::Value::Object(map) => map.values_mut().find_map(|v| copy_first_member(v, pick)),
        serde_json::Value::Array(items) => {
            items.iter_mut().find_map(|v| copy_first_member(v, pick))
        }
        _ => None,
    }
}

/// A sample (picked by `index`) in which one object has its first member written twice, key and
/// value alike, as text; `None` for a sample that is not a JSON object (not a webhook at all).
fn with_a_member_twice(index: &prop::sample::Index, pick: usize) -> Option<(ApiVersion, String)> {
    let (version, bytes) = index.get(corpus());
    let mut value = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .filter(serde_json::Value::is_object)?;
    let key = copy_first_member(&mut value, &mut (pick % 64))
        .or_else(|| copy_first_member(&mut value, &mut 0))?;
    let text = serde_json::to_string_pretty(&value).expect("a Value serializes");
    let quoted = |key: &str| serde_json::to_string(key).expect("a string serializes");
    Some((*version, text.replacen(&quoted(COPY), &quoted(&key), 1)))
}

/// Whether the typed parse's two paths agree on the body: the fast path's webhook, when it
/// gives one, is serde's path's, and the parse gives serde's verdict. Whether the fast path
/// took the body.
fn paths_agree(version: ApiVersion, bytes: &[u8]) -> Result<bool, TestCaseError> {
    let (fast, serde) = version.parse_both_paths(bytes);
    let text = || String::from_utf8_lossy(bytes).into_owned();
    match (&fast, &serde) {
        (Some(fast), Ok(serde)) => prop_assert_eq!(fast, serde, "v{}: {}", version, text()),
        (Some(_), Err(e)) => {
            prop_assert!(
                false,
                "v{version}: the fast path took what serde refuses ({e})\n{}",
                text()
            );
        }
        (None, _) => {}
    }
    let typed = version.parse(bytes);
    prop_assert_eq!(typed.ok(), serde.ok(), "v{}: {}", version, text());
    Ok(fast.is_some())
}

/// Runs every reader on the body; the lenient validator's verdict (one pass, by the types)
/// must be the schema walk's (`validate_value`) on a JSON body without a duplicate key, and
/// both the typed parse and the validator must refuse one with a duplicate key; the typed
/// parse's two paths must agree on it ([`paths_agree`]).
fn check(version: ApiVersion, bytes: &[u8]) -> Result<(), TestCaseError> {
    paths_agree(version, bytes)?;
    let [lenient, strict] = validators(version);
    let one_pass = lenient.validate(bytes);
    let _ = strict.validate(bytes);
    let typed = version.parse(bytes);
    // The typed parse checks keys as it reads: nothing with a duplicate key gets through.
    if let Some(duplicate) = webhooks_types::find_duplicate_key(bytes) {
        prop_assert!(
            typed.is_err() && one_pass.is_err(),
            "v{}: accepted with the key `{}` twice at {}",
            version,
            duplicate.key,
            duplicate.pointer
        );
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let walked = lenient.validate_value(&value);
        let _ = version.from_value(value.clone());
        if webhooks_types::find_duplicate_key(bytes).is_none() {
            prop_assert_eq!(
                one_pass.is_ok(),
                walked.is_ok(),
                "v{}: one pass {:?}, schema walk {:?}\n{}",
                version,
                one_pass.as_ref().err(),
                walked.err(),
                String::from_utf8_lossy(bytes)
            );
        }
    }
    Ok(())
}

/// Every sample of every version that the types accept (every valid one, and negative ones
/// that break a rule only the schemas say) is read by the fast path, into what serde's path
/// reads.
#[test]
fn every_valid_sample_takes_the_fast_path_and_agrees() {
    let mut taken = 0;
    let mut wrong = Vec::new();
    for (version, folder, files) in common::versions() {
        for (file, valid) in files {
            let bytes = std::fs::read(folder.join(&file)).expect("readable sample");
            let fast = paths_agree(version, &bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
            // Negative samples the types accept (a rule only the schemas say) take it too.
            if fast != version.parse(&bytes).is_ok() || valid && !fast {
                wrong.push(format!("v{version} {file} (valid: {valid})"));
            }
            taken += usize::from(fast);
        }
    }
    assert!(wrong.is_empty(), "fast path taken wrongly: {wrong:#?}");
    assert!(taken > 200, "{taken} samples read by the fast path");
}

proptest! {
    #[test]
    fn byte_edits_never_panic(
        index in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let (version, bytes) = index.get(corpus());
        let mut bytes = bytes.clone();
        for e in &edits {
            apply(&mut bytes, e);
        }
        check(*version, &bytes)?;
    }

    /// A member written twice in any object, also one the types keep as a map or skip, is
    /// refused by the typed parse and by the validator, at the second occurrence.
    #[test]
    fn a_member_written_twice_is_refused_wherever_it_stands(
        index in any::<prop::sample::Index>(),
        pick in any::<usize>(),
    ) {
        let Some((version, text)) = with_a_member_twice(&index, pick) else {
            return Ok(());
        };
        let duplicate = webhooks_types::find_duplicate_key(text.as_bytes());
        prop_assert!(duplicate.is_some(), "{}", text);
        let typed = version.parse(text.as_bytes());
        prop_assert!(
            typed.as_ref().is_err_and(|e| e.message().starts_with("duplicate key")),
            "v{}: {:?}\n{}", version, typed.err(), text
        );
        let [lenient, _] = validators(version);
        let verdict = lenient.validate(text.as_bytes());
        prop_assert!(
            matches!(verdict, Err(webhooks_validate::ValidationError::DuplicateKey { .. })),
            "v{}: {:?}\n{}", version, verdict, text
        );
        check(version, text.as_bytes())?;
    }

    /// A sample with one value replaced never panics, and the schemas and the types agree on
    /// it: a `Disagreement`, or a verdict of the one pass that the schema walk does not share,
    /// is a bug of the schemas or of the generator.
    #[test]
    fn value_replacements_never_panic_nor_make_schema_and_types_disagree(
        index in any::<prop::sample::Index>(),
        pick in any::<usize>(),
        new in json_value(),
    ) {
        let Some((version, bytes)) = replaced(&index, pick, &new) else {
            return Ok(());
        };
        check(version, &bytes)?;
        for validator in validators(version) {
            if let Err(e @ webhooks_validate::ValidationError::Disagreement(_)) = validator.validate(&bytes) {
                prop_assert!(false, "{e}\n{}", String::from_utf8_lossy(&bytes));
            }
        }
    }
}
