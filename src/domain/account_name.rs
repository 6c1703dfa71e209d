use super::{is_bidi_control, Invalid};

const MAX_CHARS: usize = 128;

/// A human-readable account name: 1 to 128 characters, no control or
/// bidirectional formatting characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountName(String);

impl AccountName {
    /// The rule of [`AccountName::parse`] as a regular expression, for the
    /// OpenAPI document: a character that is not white space, and no
    /// control or bidirectional formatting character anywhere. The length
    /// is stated apart.
    pub const PATTERN: &'static str = concat!(
        r"^[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*",
        r"[^\s\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]",
        r"[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*$",
    );

    /// The length limit applies to the name as sent, as the OpenAPI document
    /// states it; surrounding white space is trimmed afterwards.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let trimmed = s.trim();
        if trimmed.is_empty()
            || s.chars().count() > MAX_CHARS
            || s.chars().any(|c| c.is_control() || is_bidi_control(c))
        {
            return Err(Invalid(format!(
                "account name must be 1 to {MAX_CHARS} printable characters"
            )));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// A name read back from the database, where only parsed names are written.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_white_space_but_counts_the_name_as_sent() {
        assert_eq!(AccountName::parse("  Acme  ").unwrap().as_str(), "Acme");
        let at_limit = "a".repeat(MAX_CHARS);
        assert!(AccountName::parse(&at_limit).is_ok());
        // One character over the limit is refused even when trimming would
        // bring it back under: the OpenAPI document states maxLength on the
        // value a client sends.
        assert!(AccountName::parse(&format!("\u{a0}{at_limit}")).is_err());
        assert!(AccountName::parse(" \u{a0} ").is_err());
        assert!(AccountName::parse("a\u{202e}b").is_err());
    }
}
