use std::fmt;

use super::Invalid;

/// What a key may do; see `permission` for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
