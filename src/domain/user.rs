//! People: users, their memberships of accounts, and invitations to
//! become a member. A membership gives a user a role on an account and,
//! like an owner key, on its descendants (see `permission`).

use super::{AccountId, AccountName, Crn, Email, PersonName, Role, Timestamp, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: PersonName,
    pub created_at: Timestamp,
    /// `None` until the first sign-in.
    pub last_login_at: Option<Timestamp>,
}

impl User {
    pub fn crn(&self) -> Crn {
        Crn::user(&self.id)
    }
}

/// A user's role on an account, with what a listing shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub account_id: AccountId,
    pub account_name: AccountName,
    pub user_id: UserId,
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    pub created_at: Timestamp,
    pub created_by: Crn,
}

/// An invitation to become a member of an account with a role, until it is
/// accepted or expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: uuid::Uuid,
    pub account_id: AccountId,
    pub email: Email,
    pub role: Role,
    pub created_at: Timestamp,
    pub created_by: Crn,
    pub expires_at: Timestamp,
}
