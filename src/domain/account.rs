//! An account: what owns keys. Accounts form a tree; a parent's
//! `account-owner` keys administer its descendants (see `permission`).

use super::{AccountId, AccountName, Crn, Timestamp};

/// How many accounts a chain from a root down may hold, the root included:
/// what bounds every walk up the tree.
pub const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: AccountName,
    /// `None` for a root account.
    pub parent_id: Option<AccountId>,
    /// `false` while suspended: then its keys, and its descendants' keys,
    /// authenticate nothing.
    pub enabled: bool,
    pub created_at: Timestamp,
    pub created_by: Crn,
    pub modified_at: Timestamp,
    pub modified_by: Crn,
    pub version: i64,
}
