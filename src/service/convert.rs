//! Rows to domain values. A row that does not convert is a fault of ours.

use uuid::Uuid;

use crate::domain::{
    Account, AccountId, AccountName, AllowedCidrs, ApiKey, CreditsPolicy, Crn, Email, ExternalId,
    Invalid, Invitation, KeyName, Membership, Meta, PersonName, RateLimit, Refill, RefillInterval,
    Role, Timestamp, User, UserId,
};
use crate::error::ApiError;
use crate::store::memberships::Listed;
use crate::store::models::{AccountRow, ApiKeyRow, InvitationRow, ListedKeyRow, UserRow};

pub fn account(row: AccountRow) -> Account {
    Account {
        id: AccountId::from_trusted(row.id),
        name: AccountName::from_trusted(row.name),
        parent_id: row.parent_account_id.map(AccountId::from_trusted),
        enabled: row.enabled,
        created_at: Timestamp::from_db(row.created_at),
        created_by: Crn::from_trusted(row.created_by),
        modified_at: Timestamp::from_db(row.modified_at),
        modified_by: Crn::from_trusted(row.modified_by),
        version: row.version,
    }
}

pub fn user(row: UserRow) -> User {
    User {
        id: UserId::from_trusted(row.id),
        email: Email::from_trusted(row.email),
        name: PersonName::from_trusted(row.name),
        created_at: Timestamp::from_db(row.created_at),
        last_login_at: row.last_login_at.map(Timestamp::from_db),
    }
}

/// A membership with its member's address and name and its account's name.
pub fn membership(listed: Listed) -> Result<Membership, ApiError> {
    let (row, email, name, account_name) = listed;
    let role = Role::parse(&row.role).map_err(|e| {
        ApiError::internal(anyhow::anyhow!(
            "the role of {}'s membership: {e}",
            row.user_id
        ))
    })?;
    Ok(Membership {
        account_id: AccountId::from_trusted(row.account_id),
        account_name: AccountName::from_trusted(account_name),
        user_id: UserId::from_trusted(row.user_id),
        email: Email::from_trusted(email),
        name: PersonName::from_trusted(name),
        role,
        created_at: Timestamp::from_db(row.created_at),
        created_by: Crn::from_trusted(row.created_by),
    })
}

pub fn invitation(row: InvitationRow) -> Result<Invitation, ApiError> {
    let corrupt = |what: &str, e: String| {
        ApiError::internal(anyhow::anyhow!("the {what} of invitation {}: {e}", row.id))
    };
    let id = Uuid::try_parse(&row.id).map_err(|e| corrupt("id", e.to_string()))?;
    let role = Role::parse(&row.role).map_err(|e| corrupt("role", e.0))?;
    Ok(Invitation {
        id,
        account_id: AccountId::from_trusted(row.account_id),
        email: Email::from_trusted(row.email),
        role,
        created_at: Timestamp::from_db(row.created_at),
        created_by: Crn::from_trusted(row.created_by),
        expires_at: Timestamp::from_db(row.expires_at),
    })
}

/// The key of a row, without its last use, which is kept in a table of its
/// own (see `api_keys::with_last_use`).
pub fn api_key(row: ApiKeyRow) -> Result<ApiKey, ApiError> {
    listed_key(ListedKeyRow::from(row))
}

/// The key of a listed row: everything of it but its secrets.
pub fn listed_key(row: ListedKeyRow) -> Result<ApiKey, ApiError> {
    let id = Uuid::try_parse(&row.id)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("api_keys.id {:?}: {e}", row.id)))?;
    let corrupt =
        |what: &str, e: Invalid| ApiError::internal(anyhow::anyhow!("the {what} of key {id}: {e}"));
    let rate_limit = rate_limit(&row).map_err(|e| corrupt("rate limit", e))?;
    let credits = credits_policy(&row).map_err(|e| corrupt("credits", e))?;
    let allowed_cidrs = (row.allowed_cidrs.as_deref())
        .map(AllowedCidrs::from_db)
        .transpose()
        .map_err(|e| corrupt("allowlist", e))?;
    let meta = (row.meta.map(Meta::from_db).transpose()).map_err(|e| corrupt("meta", e))?;
    let role = Role::parse(&row.role)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("api_keys.role of {id}: {e}")))?;
    Ok(ApiKey {
        id,
        account_id: AccountId::from_trusted(row.account_id),
        name: KeyName::from_trusted(row.name),
        role,
        enabled: row.enabled,
        description: row.description,
        hint: row.secret_hint,
        created_at: Timestamp::from_db(row.created_at),
        created_by: Crn::from_trusted(row.created_by),
        modified_at: Timestamp::from_db(row.modified_at),
        modified_by: Crn::from_trusted(row.modified_by),
        version: row.version,
        revoked_at: row.revoked_at.map(Timestamp::from_db),
        expires_at: row.expires_at.map(Timestamp::from_db),
        last_used_at: None,
        rate_limit,
        credits,
        credits_remaining: None,
        allowed_cidrs,
        external_id: row.external_id.map(ExternalId::from_trusted),
        meta,
    })
}

/// The key's rate limit as stored; both columns or neither.
fn rate_limit(row: &ListedKeyRow) -> Result<Option<RateLimit>, Invalid> {
    match (row.rate_limit, row.rate_window_seconds) {
        (Some(limit), Some(window)) => RateLimit::new(limit, window).map(Some),
        (None, None) => Ok(None),
        _ => Err(Invalid("half a rate limit".into())),
    }
}

/// Whether the key spends credits, and its refill as stored.
fn credits_policy(row: &ListedKeyRow) -> Result<Option<CreditsPolicy>, Invalid> {
    if !row.has_credits {
        return Ok(None);
    }
    let refill = match (row.credits_refill_amount, &row.credits_refill_interval) {
        (Some(amount), Some(interval)) => Some(Refill {
            amount,
            interval: RefillInterval::parse(interval)?,
        }),
        (None, None) => None,
        _ => return Err(Invalid("half a refill".into())),
    };
    Ok(Some(CreditsPolicy { refill }))
}
