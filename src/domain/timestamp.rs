use std::fmt;

use time::{Duration, OffsetDateTime, PrimitiveDateTime};

/// A UTC instant with millisecond precision, as the API shows it
/// (`2020-06-01T22:32:56.631Z`) and as both databases store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(PrimitiveDateTime);

impl Timestamp {
    /// The current time, truncated to milliseconds so that what is stored,
    /// what is returned and what is compared are the same value.
    pub fn now() -> Self {
        Self::from_utc(OffsetDateTime::now_utc())
    }

    /// Truncates `t`, which must already be in UTC, to milliseconds.
    fn from_utc(t: OffsetDateTime) -> Self {
        let t = t.replace_millisecond(t.millisecond()).unwrap_or(t);
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

    /// Whole seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.assume_utc().unix_timestamp()
    }

    /// The instant `seconds` after the Unix epoch; the nearest representable
    /// one when out of range.
    pub fn from_unix_seconds(seconds: i64) -> Self {
        let t = OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(if seconds < 0 {
            OffsetDateTime::UNIX_EPOCH
        } else {
            OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT)
        });
        Self::from_utc(t)
    }

    /// 00:00 UTC of this instant's day.
    pub fn start_of_day(self) -> Self {
        Self(self.0.date().midnight())
    }

    /// 00:00 UTC of the first day of this instant's month.
    pub fn start_of_month(self) -> Self {
        let date = self.0.date().replace_day(1).unwrap_or(self.0.date());
        Self(date.midnight())
    }

    #[cfg(test)]
    fn plus_millis(self, millis: i64) -> Self {
        Self(self.0.saturating_add(Duration::milliseconds(millis)))
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(Duration::seconds(seconds)))
    }

    /// Parses an RFC 3339 instant with any offset and normalises it to UTC.
    /// `None` when it does not parse, or when its UTC form falls outside the
    /// years 0000 to 9999 (`9999-12-31T23:59:59-23:59` is in year 10000).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
        let utc = t.checked_to_offset(time::UtcOffset::UTC)?;
        (0..=9999)
            .contains(&utc.year())
            .then(|| Self::from_utc(utc))
    }
}

/// The length of `2020-06-01T22:32:56.631Z`.
const TEXT_LEN: usize = 24;

impl Timestamp {
    /// `2020-06-01T22:32:56.631Z` as bytes, digit by digit: every key in a
    /// list shows four of these, and `write!` costs several times as much.
    /// `None` for a year outside 0000 to 9999, which has no such form.
    fn text(&self) -> Option<[u8; TEXT_LEN]> {
        let t = self.0;
        let year = u32::try_from(t.year()).ok().filter(|year| *year <= 9999)?;
        let mut out = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut value: u32| {
            for i in (at..at + width).rev() {
                // `value % 10` is a single digit.
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, u8::from(t.month()).into());
        put(8, 2, t.day().into());
        put(11, 2, t.hour().into());
        put(14, 2, t.minute().into());
        put(17, 2, t.second().into());
        put(20, 3, t.millisecond().into());
        Some(out)
    }
}

impl fmt::Display for Timestamp {
    /// `2020-06-01T22:32:56.631Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            // Only ASCII digits and punctuation were written.
            Some(text) => f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?),
            None => write!(f, "{}Z", self.0),
        }
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.text() {
            Some(text) => serializer.serialize_str(
                std::str::from_utf8(&text).map_err(<S::Error as serde::ser::Error>::custom)?,
            ),
            None => serializer.collect_str(self),
        }
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "An RFC 3339 instant in UTC with exactly three fractional digits and a `Z`.",
            ))
            .examples(["2020-06-01T22:32:56.631Z"])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Timestamp")
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

    /// The hand-written form is the wire format's, field for field.
    #[test]
    fn display_is_the_wire_format() {
        use time::format_description::FormatItem;
        use time::macros::format_description;
        const WIRE: &[FormatItem<'static>] = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        for seconds in [
            0_i64,
            1,
            59,
            86_399,
            951_782_400,
            1_795_366_332,
            253_402_300_799,
        ] {
            for millis in [0_i64, 1, 99, 500, 999] {
                let t = Timestamp::from_unix_seconds(seconds).plus_millis(millis);
                assert_eq!(t.to_string(), t.to_db().format(WIRE).unwrap());
                assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
            }
        }
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

    /// Every combination of extreme dates, times, fractions and offsets
    /// either parses to a UTC instant within 0000 to 9999 that prints and
    /// converts back, or is refused; none panics.
    #[test]
    fn extreme_instants_parse_or_are_refused() {
        let dates = [
            "0000-01-01",
            "0000-12-31",
            "0001-01-01",
            "1970-01-01",
            "9998-12-31",
            "9999-01-01",
            "9999-12-31",
        ];
        let times = ["00:00:00", "00:00:59", "23:59:59", "23:59:60", "12:00:00"];
        let fractions = ["", ".0", ".999", ".999999999", ".5"];
        let offsets = [
            "Z", "+00:00", "-00:00", "+23:59", "-23:59", "+12:00", "-01:00", "+24:00", "-99:99",
        ];
        let mut parsed = 0;
        for date in dates {
            for clock in times {
                for fraction in fractions {
                    for offset in offsets {
                        let text = format!("{date}T{clock}{fraction}{offset}");
                        let Some(t) = Timestamp::parse_rfc3339(&text) else {
                            continue;
                        };
                        parsed += 1;
                        assert!((0..=9999).contains(&t.to_db().year()), "{text}");
                        let shown = t.to_string();
                        assert_eq!(Timestamp::parse_rfc3339(&shown), Some(t), "{text}");
                        let _ = t.plus_seconds(i64::MAX).plus_seconds(i64::MIN);
                        let _ = t.unix_minute();
                    }
                }
            }
        }
        assert!(parsed > 0);
        assert!(Timestamp::parse_rfc3339("9999-12-31T23:59:59-23:59").is_none());
        assert!(Timestamp::parse_rfc3339("0000-01-01T00:00:00+23:59").is_none());
        assert!(Timestamp::parse_rfc3339("9999-12-31T23:59:59+23:59").is_some());
    }
}
