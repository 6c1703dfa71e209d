use super::Invalid;

const MAX_CHARS: usize = 255;

/// Free-text notes on a key (where it is used, who owns it): at most 255
/// characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        if s.chars().count() > MAX_CHARS || s.chars().any(char::is_control) {
            return Err(Invalid(format!(
                "description must be at most {MAX_CHARS} characters without control characters"
            )));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}
