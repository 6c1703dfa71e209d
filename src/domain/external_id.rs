use std::fmt;

use super::{is_bidi_control, Invalid};

const MAX_CHARS: usize = 255;

/// The owner's own identifier for a key (a customer, a user): 1 to 255
/// characters, no control or bidirectional formatting characters. Not
/// unique: several keys may carry the same one, and key lists filter by it.
///
/// ```
/// use keyward::domain::ExternalId;
///
/// assert_eq!(ExternalId::parse("cus_4711").unwrap().as_str(), "cus_4711");
/// assert!(ExternalId::parse("").is_err());
/// assert!(ExternalId::parse("a\nb").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId(String);

impl ExternalId {
    /// The rule of [`ExternalId::parse`] as a regular expression, for the
    /// OpenAPI document; the length is stated apart.
    pub const PATTERN: &'static str =
        r"^[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]+$";

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let chars = s.chars().count();
        if chars == 0 || chars > MAX_CHARS || s.chars().any(char::is_control) {
            return Err(Invalid(format!(
                "externalId must be 1 to {MAX_CHARS} characters without control characters"
            )));
        }
        if s.chars().any(is_bidi_control) {
            return Err(Invalid(
                "externalId must not contain bidirectional formatting characters \
                 (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)"
                    .into(),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// Rebuilds an id read back from the database, where it was stored valid.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_are_bounded_printable_text() {
        assert!(ExternalId::parse(&"é".repeat(255)).is_ok());
        assert!(ExternalId::parse(&"é".repeat(256)).is_err());
        for bad in ["", "a\u{7}", "a\u{85}", "a\u{202E}b"] {
            assert!(ExternalId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ExternalId::parse("user 42 — ☕").is_ok());
    }
}
