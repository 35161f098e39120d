//! RFC 3339 timestamps that keep their original text.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Timelike, Utc};

/// An RFC 3339 date-time, as LiveChat sends it (e.g. `2019-12-09T12:01:18.909000Z`).
///
/// Parsing checks the format; the original text is kept, so serializing gives back exactly what
/// was received (`.909000Z` stays `.909000Z`). Equality and hashing use that text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: Text,
    instant: DateTime<FixedOffset>,
}

/// How many bytes of text a timestamp keeps inline: enough for microseconds and an offset
/// (`2017-11-13T15:37:36.000000+01:00` is 32).
const INLINE: usize = 32;

/// The text of a timestamp: inline when it fits, as LiveChat's do, so that reading one
/// allocates nothing; on the heap otherwise (RFC 3339 puts no bound on the fraction's digits).
#[derive(Clone, PartialEq, Eq, Hash)]
enum Text {
    /// The first `len` bytes of `bytes`, the rest zero.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Longer text.
    Heap(Box<str>),
}

impl Text {
    fn new(text: &str) -> Self {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Self::Inline { len, bytes }
            }
            _ => Self::Heap(text.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // The bytes were copied from a `str` whole, so they are UTF-8.
            Self::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Self::Heap(text) => text,
        }
    }
}

/// A string that is not an RFC 3339 date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 date-time: {reason}")]
pub struct InvalidTimestamp {
    text: String,
    reason: String,
}

impl Timestamp {
    /// The text as received.
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// The instant, with the offset it was written with.
    pub fn instant(&self) -> DateTime<FixedOffset> {
        self.instant
    }

    /// The instant in UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        self.instant.with_timezone(&Utc)
    }
}

impl FromStr for Timestamp {
    type Err = InvalidTimestamp;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match DateTime::parse_from_rfc3339(text) {
            // chrono also accepts a space between date and time; RFC 3339's `date-time` does not.
            Ok(_)
                if !text
                    .as_bytes()
                    .get(10)
                    .is_some_and(|b| matches!(b, b'T' | b't')) =>
            {
                Err(InvalidTimestamp {
                    text: text.to_owned(),
                    reason: "date and time must be separated by `T`".to_owned(),
                })
            }
            // RFC 3339 (5.7): a leap second is the last second of a UTC day, 23:59:60 once the
            // offset is applied. chrono takes `:60` at any time of day.
            Ok(instant) if instant.nanosecond() >= 1_000_000_000 && !last_minute(instant) => {
                Err(InvalidTimestamp {
                    text: text.to_owned(),
                    reason: "a leap second (`:60`) is only 23:59:60 UTC".to_owned(),
                })
            }
            Ok(instant) => Ok(Self {
                text: Text::new(text),
                instant,
            }),
            Err(e) => Err(InvalidTimestamp {
                text: text.to_owned(),
                reason: e.to_string(),
            }),
        }
    }
}

/// Whether `instant` is in the last minute of its UTC day.
fn last_minute(instant: DateTime<FixedOffset>) -> bool {
    let utc = instant.with_timezone(&Utc);
    utc.hour() == 23 && utc.minute() == 59
}

impl From<DateTime<Utc>> for Timestamp {
    /// Formats with microseconds and `Z`, as LiveChat does.
    fn from(instant: DateTime<Utc>) -> Self {
        Self {
            text: Text::new(&instant.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
            instant: instant.fixed_offset(),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.as_str())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_original_text() {
        let ts: Timestamp = "2019-12-09T12:01:18.909000Z".parse().expect("valid");
        assert_eq!(ts.as_str(), "2019-12-09T12:01:18.909000Z");
        assert_eq!(ts.to_utc().timestamp_subsec_micros(), 909_000);
        let json = serde_json::to_string(&ts).expect("serializes");
        assert_eq!(json, "\"2019-12-09T12:01:18.909000Z\"");
    }

    #[test]
    fn keeps_text_of_any_length() {
        // 32 bytes (inline), 33 and 40 (on the heap): each kept whole, equal only to itself.
        let texts = [
            "2017-11-13T15:37:36.000000+01:00",
            "2017-11-13T15:37:36.0000000+01:00",
            "2017-11-13T15:37:36.00000000000000+01:00",
        ];
        let parsed: Vec<Timestamp> = texts.iter().map(|t| t.parse().expect(t)).collect();
        for (text, ts) in texts.iter().zip(&parsed) {
            assert_eq!(ts.as_str(), *text);
            assert_eq!(ts.to_string(), *text);
            assert_eq!(ts.clone(), *ts);
        }
        assert_ne!(parsed[0], parsed[1]);
        assert_ne!(parsed[1], parsed[2]);
        assert_eq!(parsed[0].to_utc(), parsed[2].to_utc());
    }

    #[test]
    fn accepts_offsets() {
        let ts: Timestamp = "2017-11-13T15:37:36.000000+01:00".parse().expect("valid");
        assert_eq!(ts.to_utc().to_rfc3339(), "2017-11-13T14:37:36+00:00");
    }

    #[test]
    fn rejects_what_is_not_rfc_3339() {
        for text in [
            "2019-12-09",
            "2019-12-09 12:01:18Z",
            "yesterday",
            "2019-13-09T12:01:18Z",
            "",
        ] {
            assert!(text.parse::<Timestamp>().is_err(), "{text}");
        }
    }

    #[test]
    fn a_leap_second_is_only_the_last_second_of_a_utc_day() {
        for text in [
            "2016-12-31T23:59:60Z",
            "2019-12-09T23:59:60.5Z",
            "2019-12-10T01:59:60+02:00",
        ] {
            assert!(text.parse::<Timestamp>().is_ok(), "{text}");
        }
        for text in ["2019-12-09T12:59:60Z", "2019-12-09T23:59:60+01:00"] {
            let e = text.parse::<Timestamp>().expect_err(text);
            assert!(e.to_string().contains("leap second"), "{e}");
        }
    }

    #[test]
    fn formats_like_livechat() {
        let instant = DateTime::parse_from_rfc3339("2017-10-12T15:19:21.0102Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(
            Timestamp::from(instant).as_str(),
            "2017-10-12T15:19:21.010200Z"
        );
    }
}
