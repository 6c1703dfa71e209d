use std::fmt;

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

const WIRE_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A UTC instant with millisecond precision, as the API shows it
/// (`2020-06-01T22:32:56.631Z`) and as both databases store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(PrimitiveDateTime);

impl Timestamp {
    /// The current time, truncated to milliseconds so that what is stored,
    /// what is returned and what is compared are the same value.
    pub fn now() -> Self {
        Self::from_offset(OffsetDateTime::now_utc())
    }

    fn from_offset(t: OffsetDateTime) -> Self {
        let millis = t.millisecond();
        let t = t
            .replace_millisecond(millis)
            .unwrap_or(t)
            .to_offset(time::UtcOffset::UTC);
        Self(PrimitiveDateTime::new(t.date(), t.time()))
    }

    /// Wraps a value read from the database (stored as UTC).
    pub fn from_db(t: PrimitiveDateTime) -> Self {
        Self(t)
    }

    pub fn to_db(self) -> PrimitiveDateTime {
        self.0
    }

    /// Whole minutes since the Unix epoch.
    pub fn unix_minute(self) -> i64 {
        self.0.assume_utc().unix_timestamp().div_euclid(60)
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(Duration::seconds(seconds)))
    }

    /// Parses an RFC 3339 instant with any offset and normalises it to UTC.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(Self::from_offset)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(WIRE_FORMAT) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn renders_milliseconds_and_z() {
        let t = Timestamp::from_db(datetime!(2020-06-01 22:32:56.631));
        assert_eq!(t.to_string(), "2020-06-01T22:32:56.631Z");
        let t = Timestamp::from_db(datetime!(2020-06-01 22:32:56));
        assert_eq!(t.to_string(), "2020-06-01T22:32:56.000Z");
    }

    #[test]
    fn now_has_no_sub_millisecond_part() {
        let t = Timestamp::now().to_db();
        assert_eq!(t.nanosecond() % 1_000_000, 0);
    }

    #[test]
    fn parses_offsets_to_utc() {
        let t = Timestamp::parse_rfc3339("2030-01-01T12:00:00.123456+02:00").unwrap();
        assert_eq!(t.to_string(), "2030-01-01T10:00:00.123Z");
        assert!(Timestamp::parse_rfc3339("tomorrow").is_none());
    }
}
