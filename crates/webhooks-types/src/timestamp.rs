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
    text: String,
    instant: DateTime<FixedOffset>,
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
        &self.text
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
                text: text.to_owned(),
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
            text: instant.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            instant: instant.fixed_offset(),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.text)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
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
