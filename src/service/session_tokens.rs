//! Minting short-lived scoped session tokens.
//!
//! A token is bound to the key that minted it: every use checks that key's
//! current state (from the key cache, kept current as `cache` explains), so
//! revoking the key, disabling it or its expiry ends its tokens at once. A
//! disable ends them for good: a token records the key's `disables` counter
//! in the minting transaction, with the key's row locked (see `write`), and
//! is valid only while the key's counter still has that value, so a token
//! minted while its key was being disabled is either refused at mint or
//! ended by the disable. Suspending the key's account, or an ancestor of
//! it, ends its tokens for good the same way, by the sum of the chain's
//! suspension counters (`account_suspensions`).

use uuid::Uuid;

use super::{write, Asked, Keyward};
use crate::domain::permission::Action;
use crate::domain::{Principal, Scope, Timestamp};
use crate::error::{ApiError, ErrorCode};
use crate::secret::{self, CredentialKind, Secret};
use crate::store::models::SessionTokenRow;
use crate::store::session_tokens as queries;

/// A token just minted; `token` is shown once.
#[derive(Debug)]
pub struct MintedToken {
    pub id: Uuid,
    pub token: Secret,
    pub scope: Scope,
    pub expires_at: Timestamp,
}

/// Mints a token of `scope` for the calling key, living `ttl_seconds`
/// (default and cap from the service limits).
pub async fn mint(
    kw: &Keyward,
    caller: &Principal,
    account_id: &str,
    asked: Asked<(Scope, Option<i64>)>,
) -> Result<MintedToken, ApiError> {
    // Which scope is asked for is known only once the request is read, so
    // a caller who may mint none here is refused before that.
    kw.authorize_some_scope(caller, account_id).await?;
    let (scope, ttl_seconds) = asked?;
    let account = kw
        .authorize(caller, account_id, Action::MintSessionToken(scope))
        .await?;
    // Only keys mint (`permission::member_allows`): a user got no further.
    let key = caller.as_key().ok_or(ErrorCode::Forbidden)?;
    // Minted on a descendant's path, the token also ends with that
    // descendant's suspension: its chain (which runs through the key's own
    // account) is the one it records and is checked against.
    let on_descendant = (account != key.account_id).then_some(account);
    let key_id = key.key_id;
    let max = kw.limits.session_ttl_max_seconds;
    let ttl = ttl_seconds.unwrap_or(kw.limits.session_ttl_default_seconds.min(max));
    if !(1..=max).contains(&ttl) {
        return Err(ApiError::BadRequest(format!(
            "the session token lifetime must be between 1 and {max} seconds"
        )));
    }
    let caller = caller.clone();
    let acting_on = account_id.to_owned();
    kw.blocking(move |kw, conn| {
        write::as_caller(kw, conn, &caller, &acting_on, Some(key_id), |conn, key| {
            let key = key.ok_or(ErrorCode::InvalidAuthentication)?;
            let chain_of = on_descendant
                .as_ref()
                .map_or(key.account_id.as_str(), |a| a.as_str());
            let (enabled, account_suspensions) = write::chain_state(conn, chain_of)?;
            if !enabled {
                // A suspension of the descendant committed before this.
                return Err(ErrorCode::Forbidden.into());
            }
            let id = Uuid::new_v4();
            let token = Secret::generate(CredentialKind::SessionToken, id);
            let now = Timestamp::now();
            let expires_at = now.plus_seconds(ttl);
            queries::insert(
                conn,
                &SessionTokenRow {
                    id: id.to_string(),
                    api_key_id: key.id,
                    scope: scope.as_str().to_owned(),
                    token_hash: secret::hex(&token.digest()),
                    created_at: now.to_db(),
                    expires_at: expires_at.to_db(),
                    key_disables: key.disables,
                    account_suspensions,
                    account_id: on_descendant.map(|a| a.as_str().to_owned()),
                },
            )?;
            Ok(MintedToken {
                id,
                token,
                scope,
                expires_at,
            })
        })
    })
    .await
}
