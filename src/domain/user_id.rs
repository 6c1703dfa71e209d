use rand::distributions::{Alphanumeric, DistString};
use std::fmt;

use super::Invalid;

const LEN: usize = 22;

/// The id of a user: 22 random ASCII letters and digits, like an account's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    pub fn generate() -> Self {
        Self(Alphanumeric.sample_string(&mut rand::rngs::OsRng, LEN))
    }

    /// Accepts an id as it appears in a path: exactly 22 letters or digits.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if s.len() == LEN && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Invalid(format!(
                "userId must be {LEN} ASCII letters or digits"
            )))
        }
    }

    /// Rebuilds an id read back from the database, where it was stored valid.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse() {
        let id = UserId::generate();
        assert_eq!(UserId::parse(id.as_str()), Ok(id));
        assert!(UserId::parse("short").is_err());
        assert!(UserId::parse("Jaim1Cu1Q55uooxSens6y!").is_err());
    }
}
