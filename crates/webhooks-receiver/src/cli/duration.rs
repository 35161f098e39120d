//! Durations on the command line: a whole number and a unit, `500ms`, `90s`, `30m`, `12h`, `7d`.

use std::time::Duration;

/// The units, longest suffix first so that `ms` is not read as `s`.
const UNITS: [(&str, u64); 5] = [
    ("ms", 1),
    ("s", 1000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// Parses `<whole number><unit>` (unit `ms`, `s`, `m`, `h` or `d`).
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, millis) = UNITS
        .iter()
        .find_map(|(unit, millis)| text.strip_suffix(unit).map(|n| (n, *millis)))
        .ok_or_else(|| format!("`{text}` has no unit: write e.g. 500ms, 90s, 30m, 12h or 7d"))?;
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: `{number}` is not a whole number"))?;
    n.checked_mul(millis)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("`{text}` is too long"))
}

/// Parses a retention: a duration, or `forever` (nothing is deleted).
pub fn parse_retention(text: &str) -> Result<Retention, String> {
    if text.trim() == "forever" {
        return Ok(Retention(None));
    }
    parse(text).map(|d| Retention(Some(d)))
}

/// How long handled deliveries are kept (`None`: forever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(pub Option<Duration>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_numbers_and_errors() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_retention("forever"), Ok(Retention(None)));
        for (text, reason) in [
            ("7", "no unit"),
            ("-1s", "not a whole number"),
            ("1.5h", "not a whole number"),
            ("18446744073709551615d", "too long"),
            ("", "no unit"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.contains(reason), "{text}: {error}");
        }
    }
}
