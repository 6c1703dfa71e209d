use uuid::Uuid;

use super::{AccountId, Crn, KeyName, Role, Timestamp};

/// Whether a key can still be used at all. Revocation is final; disabling
/// (`enabled = false`) is the reversible switch and does not change the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    Revoked,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Revoked => "revoked",
        }
    }
}

/// An API key as the API shows it: never its secret, only the masked hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub account_id: AccountId,
    pub name: KeyName,
    pub role: Role,
    pub enabled: bool,
    pub description: Option<String>,
    /// `...` and the last 6 characters of the secret.
    pub hint: String,
    pub created_at: Timestamp,
    pub created_by: Crn,
    pub modified_at: Timestamp,
    pub modified_by: Crn,
    pub version: i64,
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    pub fn status(&self) -> KeyStatus {
        if self.revoked_at.is_some() {
            KeyStatus::Revoked
        } else {
            KeyStatus::Active
        }
    }

    pub fn crn(&self) -> Crn {
        Crn::api_key(&self.account_id, &self.name)
    }
}
