use std::fmt;

use super::Invalid;

/// What a session token is for: `card` (capture card details), `show_card` (read card details without the service code) or `show_service_code` (read only the service code). Keyward reports it; the service accepting the token enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Scope {
    /// Capture card details.
    Card,
    /// Read card details without the service code.
    ShowCard,
    /// Read only the service code.
    ShowServiceCode,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Card, Scope::ShowCard, Scope::ShowServiceCode];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Card => "card",
            Scope::ShowCard => "show_card",
            Scope::ShowServiceCode => "show_service_code",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| {
                Invalid("scope must be \"card\", \"show_card\" or \"show_service_code\"".into())
            })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
