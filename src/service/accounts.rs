//! Accounts and their first key. Used at start-up and by the command line,
//! so it is plain blocking code.

use super::api_keys::{self, NewKey};
use crate::domain::{AccountId, AccountName, ApiKey, Crn, KeyName, Role, Timestamp};
use crate::error::ApiError;
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

/// Whether the database has no account yet (a first start).
pub fn is_empty(conn: &mut AnyConnection) -> Result<bool, ApiError> {
    Ok(queries::count(conn)? == 0)
}
