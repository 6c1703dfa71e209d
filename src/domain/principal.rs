use std::sync::Arc;

use uuid::Uuid;

use super::limits::KeyLimits;
use super::{AccountId, Crn, KeyContext, KeyName, Role, Scope, Timestamp, UserId};

/// Who is calling: a key (through its own credential or a session token it
/// minted), or a signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Key(KeyPrincipal),
    User(UserPrincipal),
}

/// A key behind a credential, and how it was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrincipal {
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

/// A signed-in user, with the memberships it holds as this request found
/// them (read for every request: a removal applies to the next one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrincipal {
    pub user_id: UserId,
    /// The session the request came with.
    pub session_id: Uuid,
    /// Each account the user is a member of, with its role there; only
    /// those whose account and ancestors are all enabled.
    pub grants: Vec<Grant>,
}

/// A role on an account, which a membership gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub account_id: AccountId,
    pub role: Role,
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
    /// The CRN recorded as `createdBy`/`modifiedBy` and in key events for
    /// this caller's changes: a key's (also when it acts through one of its
    /// session tokens), or `crn::user:{userId}`.
    pub fn crn(&self) -> Crn {
        match self {
            Principal::Key(key) => key.crn(),
            Principal::User(user) => Crn::user(&user.user_id),
        }
    }

    /// The key, when a key is calling.
    pub fn as_key(&self) -> Option<&KeyPrincipal> {
        match self {
            Principal::Key(key) => Some(key),
            Principal::User(_) => None,
        }
    }
}

impl KeyPrincipal {
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
