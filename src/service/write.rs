//! Writes that hold at commit: the one way a caller's change reaches the
//! database.
//!
//! A credential is checked when its request arrives, against cached state
//! (see `cache`), and a change made elsewhere reaches that state within the
//! propagation bound. That is good enough for reading, not for writing: a key
//! disabled or revoked a moment ago must not create, change or mint anything.
//! So every change runs in one transaction that first locks the rows of the
//! keys involved (the acting key, and the key acted on) and re-reads the
//! acting credential there. A change that ends the credential locks the same
//! row, so the two are ordered: either the ending commits first and this
//! write sees it and is refused, or this write commits first and the ending
//! comes after it (and its timestamps are taken after it, too).
//!
//! The acting key's account and its ancestors are read there too: a
//! suspended account's keys write nothing either.
//!
//! A signed-in user has no key row to lock. Its session row is locked and
//! re-read there instead (a session signed out, ended by a password change,
//! idle or past its lifetime writes nothing, by the one rule of
//! `sessions::Cutoffs`), and so are its memberships that reach the account
//! acted on (on it or an ancestor): each such one the request was
//! authorized with must still be held, with its role, and the account's
//! chain must be enabled. Those membership rows are share-locked, and a
//! removal deletes the row, so a removal commits wholly before the write
//! (which then sees it and is refused) or waits for it. A grant on an
//! unrelated account is not looked at: its change does not refuse this
//! write.
//!
//! Locks are taken in one statement in key-id order, the order every other
//! writer of several key rows uses (see `last_used`), so two writers never
//! wait on each other in a cycle.

use diesel::Connection;
use uuid::Uuid;

use super::sessions::Cutoffs;
use super::Keyward;
use crate::domain::{Credential, KeyPrincipal, Principal, Timestamp, UserPrincipal, MAX_DEPTH};
use crate::error::{ApiError, ErrorCode};
use crate::store::models::{AccountRow, ApiKeyRow};
use crate::store::{accounts, api_keys, memberships, session_tokens, user_sessions, AnyConnection};

/// Runs `work` in one transaction, after locking the acting key's row and
/// `target`'s (another key, if the operation acts on one) and confirming
/// that the caller's credential is still good. `work` gets the target's row
/// as locked, `None` when there is no target or it does not exist.
///
/// Anything `work` returns as an error rolls the whole transaction back.
///
/// `account` is the account the operation acts on (the one it authorized
/// the caller for): a user's memberships are re-checked on its chain.
pub(crate) fn as_caller<T>(
    kw: &Keyward,
    conn: &mut AnyConnection,
    caller: &Principal,
    account: &str,
    target: Option<Uuid>,
    work: impl FnOnce(&mut AnyConnection, Option<ApiKeyRow>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    conn.transaction(|conn| {
        let caller = match caller {
            Principal::Key(key) => key,
            Principal::User(user) => {
                let rows = match target {
                    Some(id) => api_keys::lock(conn, &[id.to_string()])?,
                    None => Vec::new(),
                };
                let cutoffs = Cutoffs::at(Timestamp::now(), kw.limits.user_session_idle_seconds);
                confirm_user(conn, user, account, cutoffs)?;
                return work(conn, rows.into_iter().next());
            }
        };
        let acting_id = caller.key_id.to_string();
        let target_id = target.map(|id| id.to_string());
        let mut ids = vec![acting_id.clone()];
        ids.extend(target_id.clone().filter(|id| *id != acting_id));
        let rows = api_keys::lock(conn, &ids)?;
        let acting = rows.iter().find(|row| row.id == acting_id);
        confirm(conn, caller, acting, Timestamp::now())?;
        let target = target_id.and_then(|id| rows.into_iter().find(|row| row.id == id));
        work(conn, target)
    })
}

/// Whether the user behind `caller` may still act on `account` as the
/// request was authorized: its session live, and every grant it was
/// authorized with that reaches `account` still a membership with that
/// role (read share-locked), on a chain that is enabled.
fn confirm_user(
    conn: &mut AnyConnection,
    caller: &UserPrincipal,
    account: &str,
    cutoffs: Cutoffs,
) -> Result<(), ApiError> {
    let refused = || ApiError::from(ErrorCode::InvalidAuthentication);
    let session = user_sessions::lock(conn, &caller.session_id.to_string())?.ok_or_else(refused)?;
    if session.user_id != caller.user_id.as_str() || cutoffs.ended(&session) {
        return Err(refused());
    }
    let chain = accounts::chain_locked(conn, account, MAX_DEPTH)?;
    let reaching: Vec<_> = caller
        .grants
        .iter()
        .filter(|grant| chain.iter().any(|a| a.id == grant.account_id.as_str()))
        .collect();
    if reaching.is_empty() || !enabled(&chain) {
        return Err(ErrorCode::Forbidden.into());
    }
    let ids: Vec<&str> = reaching.iter().map(|g| g.account_id.as_str()).collect();
    let held = memberships::held_locked(conn, caller.user_id.as_str(), &ids)?;
    let all_held = reaching.iter().all(|grant| {
        held.iter().any(|membership| {
            membership.account_id == grant.account_id.as_str()
                && membership.role == grant.role.as_str()
        })
    });
    if !all_held {
        return Err(ErrorCode::Forbidden.into());
    }
    Ok(())
}

/// Runs `work` in one transaction after locking the row of the key
/// `target`, for a change Keyward makes on its own behalf, with no caller
/// credential to confirm (revoking a key a leak report showed to be
/// public). `work` gets the row as locked, `None` when there is no such key.
pub(crate) fn as_system<T>(
    conn: &mut AnyConnection,
    target: Uuid,
    work: impl FnOnce(&mut AnyConnection, Option<ApiKeyRow>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    conn.transaction(|conn| {
        let row = api_keys::lock(conn, &[target.to_string()])?
            .into_iter()
            .next();
        work(conn, row)
    })
}

/// Whether the credential behind `caller` is still one that authenticates,
/// read under the lock: its key enabled, not revoked, not expired, and for a
/// session token the token itself unexpired and not ended by a disable.
fn confirm(
    conn: &mut AnyConnection,
    caller: &KeyPrincipal,
    key: Option<&ApiKeyRow>,
    now: Timestamp,
) -> Result<(), ApiError> {
    let refused = || ApiError::from(ErrorCode::InvalidAuthentication);
    let now = now.to_db();
    let key = key.ok_or_else(refused)?;
    let key_good = key.enabled
        && key.revoked_at.is_none()
        && key.expires_at.is_none_or(|at| at > now)
        && key.account_id == caller.account_id.as_str();
    if !key_good {
        return Err(refused());
    }
    let token = match &caller.credential {
        Credential::ApiKey => None,
        Credential::SessionToken { id, .. } => {
            Some(session_tokens::find_by_id(conn, &id.to_string())?.ok_or_else(refused)?)
        }
    };
    // One chain, read once: a token minted on a descendant's path answers to
    // that account's chain, which runs through its key's account.
    let chain_of = token
        .as_ref()
        .and_then(|token| token.account_id.as_deref())
        .unwrap_or(&key.account_id);
    let (accounts_enabled, suspensions) = chain_state(conn, chain_of)?;
    if !accounts_enabled {
        return Err(refused());
    }
    if let Some(token) = token {
        let token_good = token.api_key_id == key.id
            && token.key_disables == key.disables
            && token.account_suspensions == suspensions
            && token.expires_at > now;
        if !token_good {
            return Err(refused());
        }
    }
    Ok(())
}

/// The chain of the account `account_id` as committed, locked until the
/// transaction ends (see `accounts::chain_locked`), so that a suspension of
/// any of its accounts comes wholly before or wholly after the
/// transaction: whether it and every ancestor are enabled, and the sum of
/// their suspension counters (what a session token minted now records). A
/// chain that does not reach a root within `MAX_DEPTH` counts as not
/// enabled.
pub(crate) fn chain_state(
    conn: &mut AnyConnection,
    account_id: &str,
) -> Result<(bool, i64), ApiError> {
    let chain = accounts::chain_locked(conn, account_id, MAX_DEPTH)?;
    Ok((
        enabled(&chain),
        chain.iter().map(|account| account.suspensions).sum(),
    ))
}

/// Whether a chain read by `accounts::chain_locked` reaches a root and all
/// of its accounts are enabled.
fn enabled(chain: &[AccountRow]) -> bool {
    let complete = chain
        .last()
        .is_some_and(|root| root.parent_account_id.is_none());
    complete && chain.iter().all(|account| account.enabled)
}
