use std::fmt;

use super::Invalid;

/// A key's role. A session token acts with the role of the key that minted it.
// What each role may do is the table in `permission`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(rename_all = "kebab-case")]
pub enum Role {
    AccountOwner,
    MerchantTerminal,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::AccountOwner, Role::MerchantTerminal];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::AccountOwner => "account-owner",
            Role::MerchantTerminal => "merchant-terminal",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| {
                Invalid("role must be \"account-owner\" or \"merchant-terminal\"".into())
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
