use uuid::Uuid;

use super::{
    AccountId, AllowedCidrs, Crn, ExternalId, Invalid, KeyName, Meta, RateLimit, Refill, Role,
    Timestamp,
};

/// `revoked` is permanent; `expired` is reached at the key's `expiresAt`. Whether a key is switched on is `enabled`, apart from this.
// Disabling (`enabled = false`) is the reversible switch and does not
// change the status; expiry moves when `expiresAt` is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Expired,
    Revoked,
}

impl KeyStatus {
    pub const ALL: [KeyStatus; 3] = [KeyStatus::Active, KeyStatus::Expired, KeyStatus::Revoked];

    /// A status as a list filter names it.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| Invalid("status must be \"active\", \"expired\" or \"revoked\"".into()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Expired => "expired",
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
    /// When the key stops authenticating, if it ever does.
    pub expires_at: Option<Timestamp>,
    /// The last time it authenticated, to about a minute (written in the background).
    pub last_used_at: Option<Timestamp>,
    pub rate_limit: Option<RateLimit>,
    /// `Some` when verify spends the key's credits: how they refill.
    pub credits: Option<CreditsPolicy>,
    /// The credits left, read apart from the key like its last use; `None`
    /// for a key without credits, or one read without its counters.
    pub credits_remaining: Option<i64>,
    /// Where the key may be used from; `None`: anywhere.
    pub allowed_cidrs: Option<AllowedCidrs>,
    /// The owner's identifier for the key (a customer, say).
    pub external_id: Option<ExternalId>,
    /// The owner's data, handed to services in a valid verify.
    pub meta: Option<Meta>,
}

/// That a key spends credits, and how they refill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditsPolicy {
    pub refill: Option<Refill>,
}

impl ApiKey {
    pub fn status(&self) -> KeyStatus {
        self.status_at(Timestamp::now())
    }

    pub fn status_at(&self, now: Timestamp) -> KeyStatus {
        if self.revoked_at.is_some() {
            KeyStatus::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }

    pub fn crn(&self) -> Crn {
        Crn::api_key(&self.account_id, &self.name)
    }
}
