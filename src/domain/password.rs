//! Passwords, by NIST SP 800-63B: long enough, not known to be common, and
//! no rules on what characters they hold.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use super::{Email, Invalid};

/// The fewest characters (Unicode scalar values) a new password may have.
pub const MIN_CHARS: usize = 12;
/// The most: long passphrases are welcome, unbounded input is not.
pub const MAX_CHARS: usize = 256;

/// Common passwords that a new password must not be, compared lower-cased.
///
/// Taken from Django 5.2.19 (`django/contrib/auth/common-passwords.txt.gz`,
/// BSD-3-Clause, Copyright (c) Django Software Foundation and individual
/// contributors): the 20,000 most common passwords "unhexed, lowercased and
/// deduplicated", as compiled by Royce Williams
/// (https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce).
/// Only the 190 entries of at least `MIN_CHARS` characters are kept: a
/// shorter one is refused as too short anyway.
static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().collect());

/// A password as a person typed it. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// A password presented to sign in (or to confirm who one is): any
    /// text; it is only compared with a stored hash.
    pub fn presented(text: String) -> Self {
        Self(text)
    }

    /// A new password for the user with address `email`: refused with
    /// `PASSWORD_TOO_SHORT`, `PASSWORD_TOO_LONG` or `PASSWORD_TOO_COMMON`
    /// (on the shipped list, or the address or its local part).
    pub fn new_for(text: String, email: &Email) -> Result<Self, Invalid> {
        let chars = text.chars().count();
        if chars < MIN_CHARS {
            return Err(Invalid("PASSWORD_TOO_SHORT".into()));
        }
        if chars > MAX_CHARS {
            return Err(Invalid("PASSWORD_TOO_LONG".into()));
        }
        let lower = text.to_lowercase();
        if COMMON.contains(lower.as_str()) || lower == email.lower() || lower == email.local_part()
        {
            return Err(Invalid("PASSWORD_TOO_COMMON".into()));
        }
        Ok(Self(text))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("Grace.Hopper@example.com").unwrap()
    }

    fn refusal(text: &str) -> Option<String> {
        Password::new_for(text.into(), &email()).err().map(|e| e.0)
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(refusal("elevenchars"), Some("PASSWORD_TOO_SHORT".into()));
        assert_eq!(refusal("twelve chars"), None);
        assert_eq!(refusal(&"é".repeat(12)), None);
        assert_eq!(refusal(&"é".repeat(11)), Some("PASSWORD_TOO_SHORT".into()));
        assert_eq!(refusal(&"x".repeat(MAX_CHARS)), None);
        assert_eq!(
            refusal(&"x".repeat(MAX_CHARS + 1)),
            Some("PASSWORD_TOO_LONG".into())
        );
    }

    #[test]
    fn common_ones_and_the_address_are_refused_in_any_case() {
        assert_eq!(COMMON.len(), 190);
        assert!(COMMON.iter().all(|p| p.chars().count() >= MIN_CHARS));
        for text in ["qwerty123456", "QWERTY123456", "1q2w3e4r5t6y"] {
            assert_eq!(refusal(text), Some("PASSWORD_TOO_COMMON".into()), "{text}");
        }
        assert_eq!(
            refusal("grace.hopper@EXAMPLE.com"),
            Some("PASSWORD_TOO_COMMON".into())
        );
        let local = Password::new_for(
            "abcdefghijklm".into(),
            &Email::parse("AbcDefghijklm@x.y").unwrap(),
        );
        assert_eq!(local.err().map(|e| e.0), Some("PASSWORD_TOO_COMMON".into()));
        // No composition rules: all lower-case letters is fine.
        assert_eq!(refusal("correct horse battery staple"), None);
    }

    #[test]
    fn debug_is_redacted() {
        let shown = format!("{:?}", Password::presented("hunter2hunter2".into()));
        assert!(!shown.contains("hunter2"));
    }
}
