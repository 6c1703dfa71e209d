//! An account: what owns keys.

use super::{AccountId, AccountName, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: AccountName,
    pub created_at: Timestamp,
}
