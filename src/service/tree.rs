//! The accounts tree as authentication and authorization see it: an
//! account's chain of ancestors, walked through the account cache (see
//! `cache`), so that the hot path reads no database in steady state. A
//! chain is at most `MAX_DEPTH` accounts long, so a walk is bounded.

use std::sync::Arc;

use super::cache::CachedAccount;
use super::Keyward;
use crate::domain::permission::{self, Action};
use crate::domain::{AccountId, Principal, MAX_DEPTH};
use crate::error::{ApiError, ErrorCode};
use crate::metrics::CacheName;
use crate::store::accounts;

/// An account and its ancestors, nearest first; never empty.
#[derive(Debug, Clone)]
pub struct Chain(Vec<Arc<CachedAccount>>);

impl Chain {
    /// Whether the account and every ancestor are enabled.
    pub fn enabled(&self) -> bool {
        self.0.iter().all(|account| account.enabled)
    }

    /// The sum of the chain's suspension counters: it moves whenever any
    /// account of the chain is suspended, and never moves back.
    pub fn suspensions(&self) -> i64 {
        self.0.iter().map(|account| account.suspensions).sum()
    }

    /// The account's parent, if it has one.
    pub fn parent(&self) -> Option<&AccountId> {
        self.0.get(1).map(|account| &account.id)
    }

    pub fn ids(&self) -> Vec<AccountId> {
        self.0.iter().map(|account| account.id.clone()).collect()
    }
}

impl Keyward {
    /// The chain of `id`: `None` when the account does not exist, or when
    /// its chain is broken or longer than `MAX_DEPTH` (which no write
    /// makes, so it is logged as a fault).
    pub(crate) async fn account_chain(&self, id: &AccountId) -> Result<Option<Chain>, ApiError> {
        let mut chain = Vec::with_capacity(2);
        let mut next = Some(id.clone());
        while let Some(id) = next {
            if chain.len() == MAX_DEPTH {
                log::error!("account {id} lies deeper than {MAX_DEPTH} levels");
                return Ok(None);
            }
            let Some(account) = self.account_state(&id).await? else {
                if !chain.is_empty() {
                    log::error!("account {id}, an ancestor, is missing");
                }
                return Ok(None);
            };
            next = account.parent.clone();
            chain.push(account);
        }
        Ok(Some(Chain(chain)))
    }

    async fn account_state(&self, id: &AccountId) -> Result<Option<Arc<CachedAccount>>, ApiError> {
        let wanted = id.as_str().to_owned();
        let load = async move {
            let row = self
                .blocking(move |_, conn| Ok(accounts::find(conn, &wanted)?))
                .await?;
            Ok::<_, ApiError>(row.map(CachedAccount::from_row))
        };
        let (account, hit) = self.cache.account(id, load).await?;
        self.metrics.cache_lookup(CacheName::Account, hit);
        Ok(account)
    }

    /// Refuses with 403 unless `caller` may perform `action` on the account
    /// `account_id` names, and returns that account's id. Only operations
    /// call it, before they look at what was asked: no route can skip it.
    /// Another account than the caller's own costs a walk up its chain,
    /// from the cache.
    pub(crate) async fn authorize(
        &self,
        caller: &Principal,
        account_id: &str,
        action: Action,
    ) -> Result<AccountId, ApiError> {
        let chain = self.target_chain(caller, account_id).await?;
        if permission::permits(caller, &chain, action) {
            Ok(chain[0].clone())
        } else {
            Err(ErrorCode::Forbidden.into())
        }
    }

    /// Like `authorize` for minting, before the scope is known: refuses
    /// unless `caller` may mint a token of some scope on the account.
    pub(crate) async fn authorize_some_scope(
        &self,
        caller: &Principal,
        account_id: &str,
    ) -> Result<(), ApiError> {
        let chain = self.target_chain(caller, account_id).await?;
        if permission::permits_some_scope(caller, &chain) {
            Ok(())
        } else {
            Err(ErrorCode::Forbidden.into())
        }
    }

    /// The chain of the account `account_id` names, empty when it names
    /// none. A key's own account needs no walk: its ancestors matter to no
    /// permission of the key on it. (A user's memberships may lie anywhere
    /// on the chain, so for a user it is always walked.)
    async fn target_chain(
        &self,
        caller: &Principal,
        account_id: &str,
    ) -> Result<Vec<AccountId>, ApiError> {
        if let Some(key) = caller
            .as_key()
            .filter(|k| k.account_id.as_str() == account_id)
        {
            return Ok(vec![key.account_id.clone()]);
        }
        let Ok(id) = AccountId::parse(account_id) else {
            return Ok(Vec::new());
        };
        Ok(self
            .account_chain(&id)
            .await?
            .map(|chain| chain.ids())
            .unwrap_or_default())
    }
}
