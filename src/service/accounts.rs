//! Accounts: creating one with its first key (from the command line, at
//! start-up, or by an owner key of the parent), reading, listing, renaming,
//! suspending and resuming one.

use diesel::Connection;

use super::api_keys::{self, IssuedSecret, NewKey};
use super::paging::{self, CreatedPosition, Page, PageAsked};
use super::{convert, write, Asked, Keyward};
use crate::domain::permission::Action;
use crate::domain::{
    Account, AccountId, AccountName, ApiKey, Crn, KeyName, Principal, Role, Timestamp, MAX_DEPTH,
};
use crate::error::{ApiError, ErrorCode};
use crate::secret::{Secret, SecretHasher};
use crate::store::accounts as queries;
use crate::store::models::{AccountChanges, AccountRow};
use crate::store::{key_changes, AnyConnection};

/// A new account with its first `account-owner` key.
#[derive(Debug)]
pub struct NewAccount {
    pub account: Account,
    pub owner_key: ApiKey,
    pub secret: Secret,
}

/// An account to create under a parent.
#[derive(Debug, Clone)]
pub struct NewChild {
    pub name: AccountName,
    /// The first key's name; `owner` when not given.
    pub key_name: Option<KeyName>,
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    pub name: Option<AccountName>,
    /// `false` suspends the account, `true` resumes it.
    pub enabled: Option<bool>,
}

/// The first key's name when none is given.
pub const FIRST_KEY_NAME: &str = "owner";

/// The answer to a parent that is already `MAX_DEPTH` levels deep.
fn too_deep() -> ApiError {
    ApiError::BadRequest(format!(
        "accounts nest at most {MAX_DEPTH} levels deep; this parent is at the deepest level"
    ))
}

/// Creates an account and its first key in one transaction, from the
/// command line: a root account, or a child of `parent`. Both are recorded
/// as created by the command line (`crn:{accountId}:cli:keyward`).
pub fn create(
    conn: &mut AnyConnection,
    hasher: &SecretHasher,
    name: &AccountName,
    key_name: &KeyName,
    parent: Option<&AccountId>,
) -> Result<NewAccount, ApiError> {
    let id = AccountId::generate();
    let issued = IssuedSecret::new(hasher, uuid::Uuid::new_v4())?;
    conn.transaction(|conn| {
        if let Some(parent) = parent {
            let chain = queries::chain(conn, parent.as_str(), MAX_DEPTH)?;
            if chain.is_empty() {
                return Err(ApiError::BadRequest(format!("no account {parent}")));
            }
            if chain.len() >= MAX_DEPTH {
                return Err(too_deep());
            }
        }
        insert(
            conn,
            issued,
            id.clone(),
            name,
            key_name,
            parent,
            &Crn::cli(&id),
        )
    })
}

/// Inserts the account and its first key. Call in a transaction. Nothing
/// goes to the change log: no instance holds state for an id that did not
/// exist (ids are random; see `cache`), and an entry would drop the cached
/// state of an account that is in use, for nothing.
fn insert(
    conn: &mut AnyConnection,
    issued: IssuedSecret,
    id: AccountId,
    name: &AccountName,
    key_name: &KeyName,
    parent: Option<&AccountId>,
    actor: &Crn,
) -> Result<NewAccount, ApiError> {
    let now = Timestamp::now().to_db();
    let row = queries::insert(
        conn,
        &AccountRow {
            id: id.as_str().to_owned(),
            name: name.as_str().to_owned(),
            created_at: now,
            parent_account_id: parent.map(|p| p.as_str().to_owned()),
            enabled: true,
            created_by: actor.as_str().to_owned(),
            modified_at: now,
            modified_by: actor.as_str().to_owned(),
            version: 1,
            suspensions: 0,
        },
    )?;
    let new = NewKey::plain(Some(key_name.clone()), Role::AccountOwner);
    let (owner_key, secret) = api_keys::insert(conn, issued, &id, new, actor)?;
    Ok(NewAccount {
        account: convert::account(row),
        owner_key,
        secret,
    })
}

/// Creates a child of the account `parent_id` names, with a first
/// `account-owner` key, for an owner key of that account or an ancestor.
/// Both are recorded as created by the caller's key.
pub async fn create_child(
    kw: &Keyward,
    caller: &Principal,
    parent_id: &str,
    asked: Asked<NewChild>,
) -> Result<NewAccount, ApiError> {
    let parent = kw
        .authorize(caller, parent_id, Action::CreateAccount)
        .await?;
    let NewChild { name, key_name } = asked?;
    let key_name = match key_name {
        Some(name) => name,
        None => KeyName::parse(FIRST_KEY_NAME).map_err(ApiError::internal)?,
    };
    let issued = kw
        .hash(kw.hasher.is_cheap(), |hasher| {
            IssuedSecret::new(hasher, uuid::Uuid::new_v4())
        })
        .await??;
    let id = AccountId::generate();
    let caller = caller.clone();
    let created = kw
        .blocking({
            let id = id.clone();
            move |kw, conn| {
                write::as_caller(kw, conn, &caller, parent.as_str(), None, |conn, _| {
                    if queries::chain(conn, parent.as_str(), MAX_DEPTH)?.len() >= MAX_DEPTH {
                        return Err(too_deep());
                    }
                    let actor = caller.crn();
                    insert(conn, issued, id, &name, &key_name, Some(&parent), &actor)
                })
            }
        })
        .await;
    kw.cache.invalidate_account(&id);
    created
}

/// The account `account_id` names, for a caller who may read it.
pub async fn get(kw: &Keyward, caller: &Principal, account_id: &str) -> Result<Account, ApiError> {
    let id = kw
        .authorize(caller, account_id, Action::ReadAccount)
        .await?;
    kw.blocking(move |_, conn| find(conn, &id)).await
}

/// The account, which authorization found to exist.
fn find(conn: &mut AnyConnection, id: &AccountId) -> Result<Account, ApiError> {
    // Accounts are never deleted; were one gone, no one could act on it.
    let row = queries::find(conn, id.as_str())?.ok_or(ErrorCode::Forbidden)?;
    Ok(convert::account(row))
}

/// A page of the account's direct children, oldest first, for a caller
/// who may read the account.
pub async fn list_children(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    asked: Asked<PageAsked>,
) -> Result<Page<Account>, ApiError> {
    let id = kw
        .authorize(caller, account_id, Action::ListAccounts)
        .await?;
    let list = format!("accounts:{id}");
    let (limit, after) = paging::open::<CreatedPosition>(&asked?, &list, paging::DEFAULT_LIMIT)?;
    kw.blocking(move |_, conn| {
        let after = after.map(|p| (p.created_at, p.id));
        let rows = queries::children(conn, id.as_str(), after, limit + 1)?;
        let page = paging::close(rows, limit, &list, |row| {
            Ok(CreatedPosition::new(row.created_at, &row.id))
        })?;
        page.try_map(|row| Ok(convert::account(row)))
    })
    .await
}

/// Renames, suspends or resumes an account. Suspending or resuming needs an
/// owner key of an ancestor: an account never suspends itself. A change
/// bumps `version`; a request that changes nothing returns the account as
/// it is. `if_match` makes the change conditional on the current version.
pub async fn update(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    update: Asked<AccountUpdate>,
    if_match: Asked<Option<Vec<i64>>>,
) -> Result<Account, ApiError> {
    let id = kw
        .authorize(caller, account_id, Action::UpdateAccount)
        .await?;
    let update = update?;
    if update.enabled.is_some() {
        kw.authorize(caller, account_id, Action::SuspendAccount)
            .await?;
    }
    let if_match = if_match?;
    let caller = caller.clone();
    let changed = kw
        .blocking({
            let id = id.clone();
            move |kw, conn| {
                write::as_caller(kw, conn, &caller, id.as_str(), None, |conn, _| {
                    change(conn, &caller, &id, &update, if_match)
                })
            }
        })
        .await;
    kw.cache.invalidate_account(&id);
    changed
}

fn change(
    conn: &mut AnyConnection,
    caller: &Principal,
    id: &AccountId,
    update: &AccountUpdate,
    if_match: Option<Vec<i64>>,
) -> Result<Account, ApiError> {
    let row = queries::find(conn, id.as_str())?.ok_or(ErrorCode::Forbidden)?;
    if if_match
        .as_ref()
        .is_some_and(|versions| !versions.contains(&row.version))
    {
        return Err(ErrorCode::VersionMismatch.into());
    }
    let mut changes = AccountChanges::default();
    let mut changed = false;
    if let Some(name) = update.name.as_ref().filter(|n| n.as_str() != row.name) {
        changes.name = Some(name.as_str().to_owned());
        changed = true;
    }
    if let Some(enabled) = update.enabled.filter(|e| *e != row.enabled) {
        changes.enabled = Some(enabled);
        if !enabled {
            // Ends, for good, the session tokens of every key below: they
            // are valid only while their chain's sum is what it was.
            changes.suspensions = Some(row.suspensions + 1);
        }
        changed = true;
    }
    if !changed {
        return Ok(convert::account(row));
    }
    let now = Timestamp::now().to_db();
    changes.modified_at = Some(now);
    changes.modified_by = Some(caller.crn().as_str().to_owned());
    changes.version = Some(row.version + 1);
    let row = queries::update_if_version(conn, &row.id, row.version, &changes)?
        .ok_or(ErrorCode::ConcurrentModification)?;
    key_changes::record_account(conn, &row.id, now)?;
    Ok(convert::account(row))
}

/// Every account, oldest first: for the command line.
pub fn all(conn: &mut AnyConnection) -> Result<Vec<Account>, ApiError> {
    Ok(queries::all(conn)?
        .into_iter()
        .map(convert::account)
        .collect())
}

/// Whether the database has no account yet (a first start).
pub fn is_empty(conn: &mut AnyConnection) -> Result<bool, ApiError> {
    Ok(queries::count(conn)? == 0)
}
