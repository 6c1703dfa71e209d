use super::{is_bidi_control, Invalid};

const MAX_CHARS: usize = 255;

/// Free-text notes on a key (where it is used, who owns it): at most 255
/// characters, no control or bidirectional formatting characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    /// The rule of [`Description::parse`] as a regular expression, for the
    /// OpenAPI document: no control character (C0, DEL, C1) and no
    /// bidirectional formatting character. The length is stated apart.
    pub const PATTERN: &'static str =
        r"^[^\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]*$";

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if s.chars().count() > MAX_CHARS || s.chars().any(char::is_control) {
            return Err(Invalid(format!(
                "description must be at most {MAX_CHARS} characters without control characters"
            )));
        }
        if s.chars().any(is_bidi_control) {
            return Err(Invalid(
                "description must not contain bidirectional formatting characters \
                 (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)"
                    .into(),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bidirectional_formatting() {
        for c in ['\u{202E}', '\u{2066}', '\u{200F}', '\u{061C}'] {
            assert!(Description::parse(&format!("till {c}1")).is_err(), "{c:?}");
        }
        assert!(Description::parse("Caisse n° 1 — ☕").is_ok());
    }
}
