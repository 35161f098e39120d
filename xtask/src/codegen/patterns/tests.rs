use super::*;

/// Whether `bytes` is one of `sequences`: what the code [`matcher`] writes checks, for the tests.
pub fn matches(sequences: &[Vec<Class>], bytes: &[u8]) -> bool {
    sequences.iter().any(|sequence| {
        sequence.len() == bytes.len()
            && sequence
                .iter()
                .zip(bytes)
                .all(|(class, byte)| class.iter().any(|(lo, hi)| (lo..=hi).contains(&byte)))
    })
}

/// Patterns from the schemas and ones that exercise each part of the subset.
const IN_SUBSET: &[&str] = &[
    "^([01][0-9]|2[0-4]):[0-5][0-9]$",
    "^([01][0-9]|2[0-3]):[0-5][0-9]$",
    r"^(a|bc)?-[\d_x-z]{2}$",
    r"^\w\.(?:[A-F]|q)?$",
    "^[-a]b[c-]$",
    "^$",
    "^a(|b)c$",
];

/// Bytes next to and at the ends of every range the pattern's sequences take, and a byte of
/// non-ASCII text.
fn alphabet(sequences: &[Vec<Class>]) -> Vec<char> {
    let mut bytes: Vec<u8> = vec![b'a', b'0', b'-'];
    for class in sequences.iter().flatten() {
        for &(lo, hi) in class {
            bytes.extend([lo.saturating_sub(1), lo, hi, hi.saturating_add(1)]);
        }
    }
    bytes.retain(u8::is_ascii);
    bytes.sort_unstable();
    bytes.dedup();
    let mut chars: Vec<char> = bytes.into_iter().map(char::from).collect();
    chars.push('é');
    chars
}

/// Every text over `alphabet` up to `longest` characters while there are at most `limit`, then a
/// fixed pseudo-random sample of the longer ones.
fn texts(alphabet: &[char], longest: usize, limit: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut level = vec![String::new()];
    for _ in 0..longest {
        if out.len() + level.len() * alphabet.len() > limit {
            let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
            let mut next = || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            for _ in 0..limit / 4 {
                let length = 1 + (next() % longest as u64) as usize;
                out.push(
                    (0..length)
                        .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                        .collect(),
                );
            }
            break;
        }
        level = level
            .iter()
            .flat_map(|head| alphabet.iter().map(move |c| format!("{head}{c}")))
            .collect();
        out.extend(level.iter().cloned());
    }
    out
}

#[test]
fn the_sequences_match_what_the_regex_matches() {
    for pattern in IN_SUBSET {
        let found = sequences(pattern).unwrap_or_else(|| panic!("{pattern}: not in the subset"));
        let regex = regress::Regex::new(pattern).expect("a valid pattern");
        let longest = found.iter().map(Vec::len).max().unwrap_or(0) + 1;
        let (mut matched, mut total) = (0, 0);
        for text in texts(&alphabet(&found), longest, 200_000) {
            let by_regex = regex.find(&text).is_some();
            assert_eq!(
                matches(&found, text.as_bytes()),
                by_regex,
                "{pattern} on {text:?}"
            );
            matched += usize::from(by_regex);
            total += 1;
        }
        assert!(
            matched > 0 && matched < total,
            "{pattern}: {matched} of {total} match"
        );
    }
}

#[test]
fn the_schemas_patterns_are_in_the_subset() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut patterns = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("the schemas folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("a schema");
                let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                collect_patterns(&value, &mut patterns);
            }
        }
    }
    assert!(!patterns.is_empty());
    for pattern in &patterns {
        assert!(
            IN_SUBSET.contains(&pattern.as_str()),
            "{pattern}: add it to IN_SUBSET, where it is compared with the regex"
        );
    }
}

fn collect_patterns(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(p)) = map.get("pattern") {
                out.push(p.clone());
            }
            map.values().for_each(|v| collect_patterns(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_patterns(v, out)),
        _ => {}
    }
}

#[test]
fn patterns_outside_the_subset_are_refused() {
    let expands_too_far = format!("^{}$", "(a|b)".repeat(7));
    let too_long = format!("^a{{{}}}$", MAX_LENGTH + 1);
    for pattern in [
        "a",
        "^a",
        "a$",
        "^a+$",
        "^a*$",
        "^[^a]$",
        "^.$",
        "^(?=a)a$",
        r"^\s$",
        "^é$",
        r"^a\$",
        "^a??$",
        "^[a$",
        "^(a$",
        "^a{2,3}$",
        "^]$",
        "^[z-a]$",
        r"^[\d-z]$",
        expands_too_far.as_str(),
        too_long.as_str(),
    ] {
        assert_eq!(sequences(pattern), None, "{pattern}");
    }
}

#[test]
fn the_check_replaces_the_regex_only_for_a_pattern_in_the_subset() {
    let typify = |pattern: &str| -> syn::ItemImpl {
        syn::parse_quote! {
            impl ::std::str::FromStr for Start {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    static PATTERN: ::std::sync::LazyLock<::regress::Regex> =
                        ::std::sync::LazyLock::new(|| { ::regress::Regex::new(#pattern).unwrap() });
                    if PATTERN.find(value).is_none() {
                        return Err("doesn't match pattern".into());
                    }
                    Ok(Self(value.into()))
                }
            }
        }
    };
    let mut item = typify("^[01][0-9]$");
    check_in_code(&mut item);
    let out = quote::quote!(#item).to_string();
    assert!(!out.contains("PATTERN"), "{out}");
    assert!(
        out.contains(
            "if ! :: std :: matches ! (value . as_bytes () , [b'0' ..= b'1' , b'0' ..= b'9'])"
        ),
        "{out}"
    );
    let mut kept = typify("^[0-9]+$");
    let before = quote::quote!(#kept).to_string();
    check_in_code(&mut kept);
    assert_eq!(quote::quote!(#kept).to_string(), before);
}
