//! The summary that ends a run of many bodies on standard error: bodies valid and invalid, the
//! invalid ones by action and by error keyword (the five most frequent of each), time and
//! throughput; as text, or as one JSON line with `--format json`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::args::Format;
use super::report;
use super::style::{Styled, Styles};
use crate::ApiVersion;

/// How many actions and keywords the summary names.
const TOP: usize = 5;

/// Distinct keywords counted at most: past them, the rest count as one (the keywords come
/// from the schemas, so this bounds nothing real, but a count never grows without bound).
const KEYWORDS: usize = 64;

/// The bucket of an invalid body whose `action` is not read (not JSON, not an object, too
/// large, no `action` string).
const NO_ACTION: &str = "(none)";
/// The bucket of an invalid body whose `action` the version does not know.
const OTHER_ACTION: &str = "(unknown)";
/// The bucket of keywords past [`KEYWORDS`].
const OTHER_KEYWORD: &str = "(other)";

/// The counts of the bodies checked so far.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) valid: u64,
    pub(crate) invalid: u64,
    /// Invalid bodies by action: one of the version's, or a bucket.
    by_action: BTreeMap<&'static str, u64>,
    /// Invalid bodies by error keyword (each keyword of a body counted once).
    by_keyword: BTreeMap<String, u64>,
}

/// A body's `action`, when it is a string member of a JSON object.
#[derive(Deserialize)]
struct ActionOnly<'a> {
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
}

impl Tally {
    /// Counts one body (`None`: too large to be read): valid, or invalid with the tags of
    /// its errors (`tags`, as the results list them).
    pub(crate) fn count(
        &mut self,
        version: ApiVersion,
        body: Option<&[u8]>,
        tags: Option<&[&str]>,
    ) {
        let Some(tags) = tags else {
            self.valid += 1;
            return;
        };
        self.invalid += 1;
        let action = body
            .and_then(|body| serde_json::from_slice::<ActionOnly<'_>>(body).ok())
            .and_then(|read| read.action);
        let bucket = match action {
            None => NO_ACTION,
            Some(name) => version
                .action_names()
                .iter()
                .copied()
                .find(|known| *known == name)
                .unwrap_or(OTHER_ACTION),
        };
        *self.by_action.entry(bucket).or_default() += 1;
        let mut keywords: Vec<&str> = tags.to_vec();
        keywords.sort_unstable();
        keywords.dedup();
        for keyword in keywords {
            let key = if self.by_keyword.contains_key(keyword) || self.by_keyword.len() < KEYWORDS {
                keyword
            } else {
                OTHER_KEYWORD
            };
            *self.by_keyword.entry(key.to_owned()).or_default() += 1;
        }
    }

    /// Adds the counts of `other`.
    pub(crate) fn merge(&mut self, other: Tally) {
        self.valid += other.valid;
        self.invalid += other.invalid;
        for (action, n) in other.by_action {
            *self.by_action.entry(action).or_default() += n;
        }
        for (keyword, n) in other.by_keyword {
            let fits = self.by_keyword.contains_key(&keyword) || self.by_keyword.len() < KEYWORDS;
            let key = if fits {
                keyword
            } else {
                OTHER_KEYWORD.to_owned()
            };
            *self.by_keyword.entry(key).or_default() += n;
        }
    }

    /// The bodies counted.
    pub(crate) fn bodies(&self) -> u64 {
        self.valid + self.invalid
    }
}

/// The most frequent entries first (ties by name), at most [`TOP`], and the count of the
/// others.
fn top<'a>(counts: impl Iterator<Item = (&'a str, u64)>) -> (Vec<(&'a str, u64)>, usize) {
    let mut all: Vec<(&str, u64)> = counts.collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let more = all.len().saturating_sub(TOP);
    all.truncate(TOP);
    (all, more)
}

/// One named count of the JSON summary.
#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
    bodies: u64,
}

/// The JSON summary.
#[derive(Serialize)]
struct SummaryOut<'a> {
    bodies: u64,
    valid: u64,
    invalid: u64,
    invalid_by_action: Vec<Named<'a>>,
    invalid_by_keyword: Vec<Named<'a>>,
    bytes: u64,
    seconds: f64,
    bytes_per_second: f64,
    bodies_per_second: f64,
}

/// The JSON line: the summary under one member, so that a reader of the stream tells it from
/// a body's result.
#[derive(Serialize)]
struct Summary<'a> {
    summary: SummaryOut<'a>,
}

/// Writes the summary of `tally`, for `bytes` of input read in `elapsed`.
pub(crate) fn write(
    out: &mut dyn Write,
    format: Format,
    styles: &Styles,
    tally: &Tally,
    bytes: u64,
    elapsed: Duration,
) -> io::Result<()> {
    let seconds = elapsed.as_secs_f64();
    let rate = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    let (actions, more_actions) = top(tally.by_action.iter().map(|(k, n)| (*k, *n)));
    let (keywords, more_keywords) = top(tally.by_keyword.iter().map(|(k, n)| (k.as_str(), *n)));
    if format == Format::Json {
        let summary = SummaryOut {
            bodies: tally.bodies(),
            valid: tally.valid,
            invalid: tally.invalid,
            invalid_by_action: actions
                .iter()
                .map(|&(name, bodies)| Named { name, bodies })
                .collect(),
            invalid_by_keyword: keywords
                .iter()
                .map(|&(name, bodies)| Named { name, bodies })
                .collect(),
            bytes,
            seconds: (seconds * 1000.0).round() / 1000.0,
            bytes_per_second: rate(bytes).round(),
            bodies_per_second: rate(tally.bodies()).round(),
        };
        serde_json::to_writer(&mut *out, &Summary { summary })?;
        return out.write_all(b"\n");
    }
    let plural = |n: u64| if n == 1 { "body" } else { "bodies" };
    let valid = if tally.valid > 0 {
        styles.good
    } else {
        styles.strong
    };
    let invalid = if tally.invalid > 0 {
        styles.bad
    } else {
        styles.strong
    };
    writeln!(
        out,
        "webhooks-validate: {} {} checked: {} valid, {} invalid, in {:.2} s ({:.1} MB at {:.1} MB/s, {:.0} bodies/s)",
        Styled(styles.strong, tally.bodies()),
        plural(tally.bodies()),
        Styled(valid, tally.valid),
        Styled(invalid, tally.invalid),
        seconds,
        bytes as f64 / 1e6,
        rate(bytes) / 1e6,
        rate(tally.bodies()),
    )?;
    for (heading, list, more, what) in [
        ("invalid by action:", &actions, more_actions, "actions"),
        ("invalid by error: ", &keywords, more_keywords, "keywords"),
    ] {
        if list.is_empty() {
            continue;
        }
        write!(out, "  {heading} ")?;
        for (i, (name, n)) in list.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(
                out,
                "{sep}{} {n}",
                Styled(styles.place, report::Escaped(name))
            )?;
        }
        if more > 0 {
            write!(out, " and {more} more {what}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Validator;

    fn tally(bodies: &[&[u8]]) -> Tally {
        let validator = Validator::builder()
            .api_version(ApiVersion::V3_6)
            .max_body_size(Some(200))
            .build()
            .expect("validator");
        let mut tally = Tally::default();
        for body in bodies {
            let result = validator.validate(body);
            let tags = report::write_result(
                &mut std::io::sink(),
                Format::Text,
                &Styles::new(false),
                "body",
                None,
                &result,
            )
            .expect("written");
            tally.count(
                ApiVersion::V3_6,
                Some(body),
                result.is_err().then_some(&tags),
            );
        }
        tally
    }

    #[test]
    fn invalid_bodies_are_counted_by_action_and_keyword() {
        let bodies: [&[u8]; 6] = [
            br#"{"action": "thread_tagged"}"#,
            br#"{"action": "thread_tagged", "payload": 1}"#,
            br#"{"action": "no_such_action"}"#,
            b"not json",
            b"[1]",
            br#"{"action": "thread_tagged", "action": "thread_tagged"}"#,
        ];
        let counted = tally(&bodies);
        assert_eq!((counted.valid, counted.invalid), (0, 6));
        assert_eq!(counted.by_action.get("thread_tagged"), Some(&2));
        assert_eq!(counted.by_action.get(OTHER_ACTION), Some(&1));
        assert_eq!(counted.by_action.get(NO_ACTION), Some(&3));
        assert_eq!(counted.by_keyword.get("json"), Some(&1));
        assert_eq!(counted.by_keyword.get("required"), Some(&2));
        let mut merged = counted.clone();
        merged.merge(counted.clone());
        assert_eq!(merged.invalid, 12);
        assert_eq!(merged.by_keyword.get("required"), Some(&4));

        let mut out = Vec::new();
        let elapsed = Duration::from_millis(500);
        write(
            &mut out,
            Format::Text,
            &Styles::new(false),
            &counted,
            2_000_000,
            elapsed,
        )
        .expect("written");
        let text = String::from_utf8(out).expect("UTF-8");
        assert!(
            text.starts_with("webhooks-validate: 6 bodies checked: 0 valid, 6 invalid, in 0.50 s (2.0 MB at 4.0 MB/s, 12 bodies/s)\n"),
            "{text}"
        );
        assert!(
            text.contains("  invalid by action: (none) 3, thread_tagged 2, (unknown) 1\n"),
            "{text}"
        );

        let mut out = Vec::new();
        write(
            &mut out,
            Format::Json,
            &Styles::new(false),
            &counted,
            2_000_000,
            elapsed,
        )
        .expect("written");
        let json: serde_json::Value = serde_json::from_slice(&out).expect("one JSON line");
        assert_eq!(json["summary"]["invalid"], 6);
        assert_eq!(json["summary"]["invalid_by_action"][0]["name"], "(none)");
        assert_eq!(json["summary"]["bodies_per_second"], 12.0);
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
    }

    #[test]
    fn the_keywords_counted_are_bounded() {
        let mut many = Tally::default();
        for i in 0..200 {
            let mut one = Tally::default();
            one.by_keyword.insert(format!("k{i}"), 1);
            many.merge(one);
        }
        assert_eq!(many.by_keyword.len(), KEYWORDS + 1);
        assert_eq!(
            many.by_keyword.get(OTHER_KEYWORD),
            Some(&(200 - KEYWORDS as u64))
        );
    }
}
