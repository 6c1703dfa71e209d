//! Accounts: creating one with its first key (at start-up and from the
//! command line, so plain blocking code), and reading one.

use super::api_keys::{self, NewKey};
use super::{authorize, convert, Keyward};
use crate::domain::permission::Action;
use crate::domain::{
    Account, AccountId, AccountName, ApiKey, Crn, KeyName, Principal, Role, Timestamp,
};
use crate::error::{ApiError, ErrorCode};
use crate::secret::{Secret, SecretHasher};
use crate::store::accounts as queries;
use crate::store::models::AccountRow;
use crate::store::AnyConnection;
use diesel::Connection;

/// A new account with its first `account-owner` key.
#[derive(Debug)]
pub struct NewAccount {
    pub account_id: AccountId,
    pub owner_key: ApiKey,
    pub secret: Secret,
}

/// Creates an account and its first key in one transaction; the key is
/// recorded as created by the command line (`crn:{accountId}:cli:keyward`).
pub fn create(
    conn: &mut AnyConnection,
    hasher: &SecretHasher,
    name: &AccountName,
    key_name: &KeyName,
) -> Result<NewAccount, ApiError> {
    conn.transaction(|conn| {
        let account_id = AccountId::generate();
        queries::insert(
            conn,
            &AccountRow {
                id: account_id.as_str().to_owned(),
                name: name.as_str().to_owned(),
                created_at: Timestamp::now().to_db(),
            },
        )?;
        let new = NewKey {
            name: Some(key_name.clone()),
            role: Role::AccountOwner,
            description: None,
            expires_at: None,
        };
        let actor = Crn::cli(&account_id);
        let issued = api_keys::IssuedSecret::new(hasher, uuid::Uuid::new_v4())?;
        let (owner_key, secret) = api_keys::insert(conn, issued, &account_id, new, &actor)?;
        Ok(NewAccount {
            account_id,
            owner_key,
            secret,
        })
    })
}

/// The account `account_id` names, for a caller who may read it.
pub async fn get(kw: &Keyward, caller: &Principal, account_id: &str) -> Result<Account, ApiError> {
    authorize(caller, account_id, Action::ReadAccount)?;
    let id = account_id.to_owned();
    let row = kw
        .blocking(move |_, conn| Ok(queries::find(conn, &id)?))
        .await?;
    // The caller's key belongs to the account, so the account exists; were
    // it gone, the caller could not act on it anyway.
    let row = row.ok_or(ApiError::Code(ErrorCode::Forbidden))?;
    Ok(convert::account(row))
}

/// Whether the database has no account yet (a first start).
pub fn is_empty(conn: &mut AnyConnection) -> Result<bool, ApiError> {
    Ok(queries::count(conn)? == 0)
}
