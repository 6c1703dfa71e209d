use std::fmt;

use super::Invalid;

/// The most characters an address may have (RFC 5321's path limit).
pub const MAX_LEN: usize = 254;

/// A user's email address: something `@` something, in visible ASCII
/// without spaces, at most 254 characters. Keyward sends no mail, so it
/// checks no more than that: the address names a user, and two spellings
/// that differ only in case name the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    text: String,
    lower: String,
}

impl Email {
    /// The rule of [`Email::parse`] for the OpenAPI document (the length is
    /// stated apart): visible ASCII but `@`, one `@`, visible ASCII but `@`.
    pub const PATTERN: &'static str = "^[!-?A-~]+@[!-?A-~]+$";

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let visible = |part: &str| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_graphic() && b != b'@')
        };
        match s.split_once('@') {
            Some((local, domain)) if s.len() <= MAX_LEN && visible(local) && visible(domain) => {
                Ok(Self {
                    text: s.to_owned(),
                    lower: s.to_ascii_lowercase(),
                })
            }
            _ => Err(Invalid(format!(
                "email must be an address (local-part@domain) of at most {MAX_LEN} visible \
                 ASCII characters"
            ))),
        }
    }

    /// An address read back from the database, where only parsed ones are written.
    pub fn from_trusted(s: String) -> Self {
        let lower = s.to_ascii_lowercase();
        Self { text: s, lower }
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The address lower-cased: what makes two addresses the same.
    pub fn lower(&self) -> &str {
        &self.lower
    }

    /// The part before the `@`, lower-cased.
    pub fn local_part(&self) -> &str {
        self.lower.split('@').next().unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_at_between_visible_ascii() {
        let email = Email::parse("Ada.Lovelace+keys@Example.COM").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace+keys@Example.COM");
        assert_eq!(email.lower(), "ada.lovelace+keys@example.com");
        assert_eq!(email.local_part(), "ada.lovelace+keys");
        for bad in [
            "",
            "@",
            "a@",
            "@b",
            "a@b@c",
            "a b@c",
            "a@b\u{7f}",
            "é@b.c",
            " a@b",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@b", "a".repeat(MAX_LEN - 2));
        assert!(Email::parse(&long).is_ok());
        assert!(Email::parse(&format!("a{long}")).is_err());
    }

    #[test]
    fn the_pattern_says_the_same() {
        let pattern = regex_lite(Email::PATTERN);
        for (text, ok) in [("a@b", true), ("a@b@c", false), ("a b@c", false)] {
            assert_eq!(pattern(text), ok, "{text}");
            assert_eq!(Email::parse(text).is_ok(), ok, "{text}");
        }
    }

    /// The pattern's meaning, checked by hand: its classes are byte ranges.
    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
        assert_eq!(pattern, "^[!-?A-~]+@[!-?A-~]+$");
        |text: &str| {
            let part = |p: &str| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| (b'!'..=b'?').contains(&b) || (b'A'..=b'~').contains(&b))
            };
            text.split_once('@')
                .is_some_and(|(l, d)| part(l) && part(d))
        }
    }
}
