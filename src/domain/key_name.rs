use std::fmt;

use super::Invalid;

const MAX_LEN: usize = 64;

/// The name of an API key: 1 to 64 ASCII letters or digits, unique in its account.
///
/// ```
/// use keyward::domain::KeyName;
///
/// assert_eq!(KeyName::parse("MyAPIkey").unwrap().as_str(), "MyAPIkey");
/// assert!(KeyName::parse("my key").is_err());
/// assert!(KeyName::parse(&"a".repeat(65)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyName(String);

impl KeyName {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if !s.is_empty() && s.len() <= MAX_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid(format!(
                "name must be 1 to {MAX_LEN} ASCII letters or digits"
            )))
        }
    }

    /// Rebuilds a name read back from the database, where it was stored valid.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_alphanumeric_up_to_64() {
        assert!(KeyName::parse("MyAPIkey").is_ok());
        assert!(KeyName::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn rejects_empty_long_and_symbols() {
        for bad in ["", " ", "my key", "a/b", "..", "é", "ａ", "key-1", "key_1"] {
            assert!(KeyName::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(KeyName::parse(&"a".repeat(65)).is_err());
    }
}
