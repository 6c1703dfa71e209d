use super::{AccountName, Invalid};

/// A user's name, as people read it in the dashboard: the same rule as an
/// account name (1 to 128 characters, no control or bidirectional
/// formatting characters, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const PATTERN: &'static str = AccountName::PATTERN;

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        AccountName::parse(s)
            .map(|name| Self(name.as_str().to_owned()))
            .map_err(|_| Invalid("name must be 1 to 128 printable characters".into()))
    }

    /// A name read back from the database, where only parsed names are written.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
