use std::sync::Arc;

use uuid::Uuid;

use super::limits::KeyLimits;
use super::{AccountId, Crn, KeyContext, KeyName, Role, Scope, Timestamp};

/// Who is calling: the key behind the credential, and how it was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: AccountId,
    /// The parent of the key's account; `None` for a root account.
    pub parent_account_id: Option<AccountId>,
    pub key_id: Uuid,
    pub key_name: KeyName,
    pub role: Role,
    pub credential: Credential,
    /// What the key may spend: its own requests count against its rate limit.
    pub limits: KeyLimits,
    /// The owner's identifier for the key and its data, which a valid
    /// verify hands to the asking service; `None` when it has neither.
    pub context: Option<Arc<KeyContext>>,
}

/// The two kinds of credential: an API key (`kw_…`) and a session token
/// (`kwst_…`) one mints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    ApiKey,
    SessionToken,
}

/// The credential a request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    ApiKey,
    SessionToken {
        id: Uuid,
        scope: Scope,
        expires_at: Timestamp,
    },
}

impl Principal {
    /// The CRN recorded as `createdBy`/`modifiedBy` for this caller's changes:
    /// always the key's, also when it acts through one of its session tokens.
    pub fn crn(&self) -> Crn {
        Crn::api_key(&self.account_id, &self.key_name)
    }

    pub fn kind(&self) -> CredentialKind {
        match self.credential {
            Credential::ApiKey => CredentialKind::ApiKey,
            Credential::SessionToken { .. } => CredentialKind::SessionToken,
        }
    }
}
