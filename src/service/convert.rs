//! Rows to domain values. A row that does not convert is a fault of ours.

use uuid::Uuid;

use crate::domain::{Account, AccountId, AccountName, ApiKey, Crn, KeyName, Role, Timestamp};
use crate::error::ApiError;
use crate::store::models::{AccountRow, ApiKeyRow};

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

/// The key of a row, without its last use, which is kept in a table of its
/// own (see `api_keys::with_last_use`).
pub fn api_key(row: ApiKeyRow) -> Result<ApiKey, ApiError> {
    let id = Uuid::try_parse(&row.id)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("api_keys.id {:?}: {e}", row.id)))?;
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
    })
}
